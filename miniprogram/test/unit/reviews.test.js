// pages/reviews/list, write and mine: a product's reviews by the API's filters, writing a review
// with photos uploaded one by one then named by photo_ids, and 待评价 / 我的评价.
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, fixture, recorded, replay } = require('../support/page')

const PRODUCT = 1
const REVIEWS = `/shops/demo/products/${PRODUCT}/reviews/`
const BY_FILTER = { all: 'reviews_product', photos: 'reviews_product_photos', low: 'reviews_product_low' }

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('t-alice')
})

describe('pages/reviews/list', () => {
  beforeEach(() => {
    replay(fake, 'reviews_summary')
    fake.answer('GET', REVIEWS, (req) => ({ status: 200, body: fixture(BY_FILTER[req.data.filter || 'all']) }))
  })

  test('the figures and every review as the API answers, replies and photos included', async () => {
    const page = await openPage('pages/reviews/list', { product_id: String(PRODUCT) })
    const summary = fixture('reviews_summary')
    expect(text(page, '.average')).toBe(summary.average)
    expect(text(page, '.summary')).toContain(`好评率 ${summary.good_percent}%`)
    const all = fixture('reviews_product').results
    expect(texts(page, '.review .author')).toEqual(all.map((r) => r.author_name))
    expect(texts(page, '.review .stars')[0]).toBe('★'.repeat(all[0].rating) + '☆'.repeat(5 - all[0].rating))
    expect(page.querySelectorAll('.pic')).toHaveLength(all.reduce((n, r) => n + r.photos.length, 0))
    expect(texts(page, '.reply')).toEqual(all.filter((r) => r.reply).map((r) => `商家回复：${r.reply}`))
    expect(texts(page, '.tab')).toEqual(['全部', '有图', '好评', '差评'])
  })

  test('有图 and 差评 ask the API for their filter', async () => {
    const page = await openPage('pages/reviews/list', { product_id: String(PRODUCT) })
    await tap(page, '.tab', 1)
    expect(fake.state.requests[fake.state.requests.length - 1].data).toEqual({ page: 1, filter: 'photos' })
    expect(texts(page, '.review .author')).toEqual(fixture('reviews_product_photos').results.map((r) => r.author_name))
    await tap(page, '.tab', 3)
    expect(fake.state.requests[fake.state.requests.length - 1].data).toEqual({ page: 1, filter: 'low' })
    const low = fixture('reviews_product_low').results
    expect(texts(page, '.review .text')).toEqual(low.map((r) => r.text))
  })

  test('a product with no reviews under a filter says so', async () => {
    fake.answer('GET', REVIEWS, { count: 0, next: null, previous: null, results: [] })
    const page = await openPage('pages/reviews/list', { product_id: String(PRODUCT) })
    expect(text(page, '.empty')).toBe('暂无评价')
  })
})

describe('pages/reviews/write', () => {
  const WRITE = recorded('reviews_write')

  async function open() {
    replay(fake, 'reviews_pending')
    return openPage('pages/reviews/write', { order_no: WRITE.request.body.order_no, line_id: String(WRITE.request.body.line_id) })
  }

  test('the line waiting for a review is shown; stars, text, photos and anonymity are sent as photo_ids', async () => {
    const page = await open()
    const line = fixture('reviews_pending').find((p) => p.line_id === WRITE.request.body.line_id)
    expect(text(page, '.title')).toBe(line.title)
    const first = recorded('upload_photo')
    const second = recorded('upload_photo_2')
    const answers = [first, second]
    fake.answer('UPLOAD', '/shops/demo/uploads/photos/', () => {
      const next = answers.shift()
      return { status: next.status, body: next.body }
    })
    fake.state.chosenMedia = ['wxfile://tmp/1.jpg', 'wxfile://tmp/2.jpg']
    await tap(page, '.photo.add')
    expect(fake.state.requests.filter((r) => r.method === 'UPLOAD').map((r) => r.filePath)).toEqual(['wxfile://tmp/1.jpg', 'wxfile://tmp/2.jpg'])
    expect(page.querySelectorAll('.pic')).toHaveLength(2)
    await tap(page, '.star', WRITE.request.body.rating - 1)
    page.instance.onText({ detail: { value: WRITE.request.body.text } })
    page.instance.onAnonymous({ detail: { value: true } })
    fake.answer('POST', WRITE.request.path, { status: WRITE.status, body: WRITE.body })
    await tap(page, '.submit')
    const post = fake.state.requests.find((r) => r.method === 'POST')
    expect(post.data).toEqual(WRITE.request.body)
    expect(fake.state.navigations).toEqual([{ kind: 'redirectTo', url: '/pages/reviews/mine?tab=mine' }])
  })

  test('a text the API finds too short: its message is shown', async () => {
    const page = await open()
    const refused = recorded('reviews_write_refused')
    fake.answer('POST', refused.request.path, { status: refused.status, body: refused.body })
    page.instance.onText({ detail: { value: '好' } })
    await tap(page, '.submit')
    expect(text(page, '.field-error')).toBe(refused.body.message)
    expect(fake.state.navigations).toEqual([])
  })

  test('a line not waiting for a review says so', async () => {
    replay(fake, 'reviews_pending')
    const page = await openPage('pages/reviews/write', { order_no: '1', line_id: '2' })
    expect(text(page, '.error')).toBe('这件商品已评价或已超过评价期限')
  })
})

describe('pages/reviews/mine', () => {
  test('待评价 lists the lines with their deadlines and opens the form', async () => {
    const pending = replay(fake, 'reviews_pending')
    const page = await openPage('pages/reviews/mine')
    expect(texts(page, '.pending-line .title')).toEqual(pending.map((p) => p.title))
    await tap(page, '.write')
    expect(fake.state.navigations[0].url).toBe(`/pages/reviews/write?order_no=${pending[0].order_no}&line_id=${pending[0].line_id}`)
  })

  test('我的评价 lists my reviews as the API answers', async () => {
    replay(fake, 'reviews_pending')
    const mine = replay(fake, 'reviews_mine')
    const page = await openPage('pages/reviews/mine')
    await tap(page, '.tab', 1)
    expect(texts(page, '.my-review .text')).toEqual(mine.results.map((r) => r.text))
    expect(fake.state.requests[fake.state.requests.length - 1]).toMatchObject({ path: '/shops/demo/reviews/', data: { page: 1 } })
  })

  test('nothing to review says so', async () => {
    fake.answer('GET', '/shops/demo/reviews/pending/', [])
    const page = await openPage('pages/reviews/mine')
    expect(text(page, '.empty')).toBe('没有待评价的商品')
  })
})
