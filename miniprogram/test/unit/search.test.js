// pages/search/search: recorded searches (?q=颜色 over two pages, by price; ?q=火星 finds nothing).
const fake = require('../support/fake-wx')
const { openPage, settle, tap, text, texts, fixture } = require('../support/page')
const { replayByQuery } = require('../support/replay-query')

const PAGE = 'pages/search/search'
const SEARCHES = ['browse_search_p1', 'browse_search_p2', 'browse_search_price', 'browse_search_empty']

function listRequests() {
  return fake.state.requests.filter((r) => r.path === '/shops/demo/products/').map((r) => r.data)
}

async function type(page, value) {
  page.querySelector('.q').dispatchEvent('input', { detail: { value } })
  await settle()
}

test('before a search it says what to type, and an empty box asks for words', async () => {
  const page = await openPage(PAGE)
  expect(text(page, '.hint')).toBe('输入商品名称、卖点或关键词搜索')
  await tap(page, '.go')
  expect(fake.state.toasts).toEqual(['请输入要搜索的商品'])
  expect(fake.state.requests).toEqual([])
})

test('typed words are searched; the results page on at the bottom', async () => {
  replayByQuery(fake, SEARCHES)
  const page = await openPage(PAGE)
  await type(page, ' 颜色 ')
  await tap(page, '.go')
  expect(text(page, '.found')).toBe('找到 20 件商品')
  expect(texts(page, '.results .t')).toEqual(fixture('browse_search_p1').results.map((p) => p.title))
  page.instance.onReachBottom()
  await settle()
  expect(page.querySelectorAll('.results .card')).toHaveLength(20)
  expect(text(page, '.end')).toBe('没有更多了')
  expect(listRequests()).toEqual([{ q: '颜色', page: 1, page_size: 10 }, { q: '颜色', page: 2, page_size: 10 }])
  await tap(page, '.results .card', 12)
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/product/product?id=${fixture('browse_search_p2').results[2].id}` }])
})

test('opened with ?q= it searches at once; 价格 sorts cheapest first', async () => {
  replayByQuery(fake, SEARCHES)
  const page = await openPage(PAGE, { q: encodeURIComponent('颜色') })
  expect(page.querySelectorAll('.results .card')).toHaveLength(10)
  await tap(page, '.sorts .tab', 3)
  expect(texts(page, '.sorts .tab.on')).toEqual(['价格↑'])
  const cheapest = fixture('browse_search_price').results
  expect(texts(page, '.results .t')).toEqual(cheapest.map((p) => p.title))
  expect(texts(page, '.results .price').slice(0, 3)).toEqual(['¥39.00–¥69.00', '¥39.00', '¥45.00'])
  expect(listRequests()[1]).toEqual({ q: '颜色', page: 1, page_size: 10, ordering: 'price' })
})

test('nothing found says 没有找到…', async () => {
  replayByQuery(fake, SEARCHES)
  const page = await openPage(PAGE)
  await type(page, '火星')
  page.querySelector('.q').dispatchEvent('confirm', { detail: { value: '火星' } })
  await settle()
  expect(text(page, '.empty')).toBe('没有找到“火星”相关的商品，换个词试试')
  expect(page.querySelector('.found')).toBeFalsy()
})

test('an error is shown in the page, and 重试 asks again', async () => {
  replayByQuery(fake, SEARCHES)
  fake.failNetwork('GET', '/shops/demo/products/', { times: 2 })
  const page = await openPage(PAGE, { q: '颜色' })
  expect(text(page, '.error-message')).toBe('网络不给力，请稍后再试')
  await tap(page, '.retry')
  expect(page.querySelector('.error')).toBeFalsy()
  expect(page.querySelectorAll('.results .card')).toHaveLength(10)
})

test('✕ clears the box and the results', async () => {
  replayByQuery(fake, SEARCHES)
  const page = await openPage(PAGE, { q: '颜色' })
  await tap(page, '.clear')
  expect(page.querySelector('.results .card')).toBeFalsy()
  expect(text(page, '.hint')).toBe('输入商品名称、卖点或关键词搜索')
})

test('a search matching more than the API counts says so (10000+)', async () => {
  const body = { ...fixture('browse_search_p1'), count: 10000, count_is_exact: false }
  fake.answer('GET', '/shops/demo/products/', { status: 200, body })
  const page = await openPage(PAGE)
  await type(page, '颜色')
  await tap(page, '.go')
  expect(text(page, '.found')).toBe('找到 10000+ 件商品')
})
