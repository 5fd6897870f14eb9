// pages/complaint/new and mine: type, text, photos uploaded one by one then named by photo_ids, one
// of my orders; my complaints with their state and history.
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, fixture, recorded, replay } = require('../support/page')

const CREATE = recorded('complaint_create')

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('t-alice')
})

describe('pages/complaint/new', () => {
  beforeEach(() => {
    fake.answer('GET', '/shops/demo/orders/', fixture('orders_list_all'))
  })

  test('opened from an order, it is chosen; the complaint is sent with the uploads\' ids', async () => {
    const page = await openPage('pages/complaint/new', { order_no: CREATE.request.body.order_no })
    expect(fake.state.requests[0].data).toEqual({ page_size: 50 })
    const all = fixture('orders_list_all').results
    const chosen = all.findIndex((o) => o.order_no === CREATE.request.body.order_no)
    expect(page.instance.data.orderIndex).toBe(chosen + 1)
    expect(text(page, '.order-choice')).toContain(all[chosen].status_text)
    expect(texts(page, '.kind')).toEqual(['假货', '不发货', '拒绝退款', '信息不实', '其他'])

    const uploaded = recorded('upload_photo_4')
    fake.answer('UPLOAD', '/shops/demo/uploads/photos/', { status: uploaded.status, body: uploaded.body })
    fake.state.chosenMedia = ['wxfile://tmp/proof.jpg']
    await tap(page, '.photo.add')
    expect(fake.state.requests.filter((r) => r.method === 'UPLOAD')).toHaveLength(1)
    await tap(page, '.kind', 0)
    page.instance.onText({ detail: { value: CREATE.request.body.text } })
    fake.answer('POST', CREATE.request.path, { status: CREATE.status, body: CREATE.body })
    await tap(page, '.submit')
    expect(fake.state.requests.find((r) => r.method === 'POST').data).toEqual(CREATE.request.body)
    expect(fake.state.navigations).toEqual([{ kind: 'redirectTo', url: '/pages/complaint/mine' }])
  })

  test('no order chosen sends an empty order_no; the API\'s refusal is shown', async () => {
    const page = await openPage('pages/complaint/new')
    expect(text(page, '.order-choice')).toBe('不关联订单')
    const refused = recorded('complaint_refused')
    fake.answer('POST', refused.request.path, { status: refused.status, body: refused.body })
    await tap(page, '.kind', 4)
    page.instance.onText({ detail: { value: '差' } })
    await tap(page, '.submit')
    const post = fake.state.requests.find((r) => r.method === 'POST')
    expect(post.data).toEqual({ kind: 'other', text: '差', order_no: '', photo_ids: [] })
    expect(text(page, '.field-error')).toBe(refused.body.message)
  })

  test('a type must be chosen first', async () => {
    const page = await openPage('pages/complaint/new')
    await tap(page, '.submit')
    expect(fake.state.requests.filter((r) => r.method === 'POST')).toEqual([])
    expect(fake.state.toasts).toEqual(['请选择投诉类型'])
  })
})

describe('pages/complaint/mine', () => {
  test('my complaints with their state; one opens with its history', async () => {
    const mine = replay(fake, 'complaint_mine')
    const detail = replay(fake, 'complaint_detail')
    const page = await openPage('pages/complaint/mine')
    expect(texts(page, '.complaint .kind')).toEqual(mine.results.map((c) => c.kind_label))
    expect(texts(page, '.complaint .status')).toEqual(mine.results.map((c) => c.status_label))
    await tap(page, '.complaint .head')
    expect(fake.state.requests[fake.state.requests.length - 1].path).toBe(`/shops/demo/complaints/${detail.complaint_no}/`)
    expect(text(page, '.detail .text')).toBe(detail.text)
    expect(texts(page, '.events .ev')[0]).toContain(detail.events[detail.events.length - 1].label)
    await tap(page, '.new')
    expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/complaint/new' }])
  })

  test('no complaint says so', async () => {
    fake.answer('GET', '/shops/demo/complaints/', { count: 0, next: null, previous: null, results: [] })
    const page = await openPage('pages/complaint/mine')
    expect(text(page, '.empty')).toBe('没有投诉记录')
  })
})
