// pages/category/category: the recorded category tree and product lists (by category, sort, page).
const fake = require('../support/fake-wx')
const { openPage, settle, tap, text, texts, replay, fixture } = require('../support/page')
const { replayByQuery } = require('../support/replay-query')

const PAGE = 'pages/category/category'
const LISTS = [
  'browse_clothes_p1', 'browse_clothes_p2', 'browse_tees', 'browse_tees_sales', 'browse_tees_price',
  'browse_tees_price_desc', 'browse_food_p1',
]

function listRequests() {
  return fake.state.requests.filter((r) => r.path === '/shops/demo/products/').map((r) => r.data)
}

async function openDemo() {
  replay(fake, 'browse_categories')
  replayByQuery(fake, LISTS)
  return openPage(PAGE)
}

test('shows the top categories and the first one\'s products, its children to narrow it', async () => {
  const page = await openDemo()
  expect(texts(page, '.top')).toEqual(['服装', '配件', '食品'])
  expect(texts(page, '.top.on')).toEqual(['服装'])
  expect(texts(page, '.child')).toEqual(['全部', 'T恤', '卫衣', '裤装', '衬衫'])
  expect(texts(page, '.item .title')).toEqual(fixture('browse_clothes_p1').results.map((p) => p.title))
  expect(text(page, '.item .price')).toBe('¥59.00–¥89.00')
  expect(listRequests()).toEqual([{ category: 1, page: 1, page_size: 10 }])
})

test('reaching the bottom loads the next page until there is none', async () => {
  const page = await openDemo()
  page.instance.onReachBottom()
  await settle()
  const all = [...fixture('browse_clothes_p1').results, ...fixture('browse_clothes_p2').results]
  expect(texts(page, '.item .title')).toEqual(all.map((p) => p.title))
  expect(text(page, '.end')).toBe('没有更多了')
  expect(texts(page, '.item .sold-out')).toEqual(['售罄']) // 工装短裤
  page.instance.onReachBottom() // no next page: nothing asked
  expect(listRequests().map((q) => q.page)).toEqual([1, 2])
})

test('a child category and the sorts 销量 / 价格 (tapped twice: dearest first)', async () => {
  const page = await openDemo()
  await tap(page, '.child', 1)
  expect(texts(page, '.child.on')).toEqual(['T恤'])
  expect(texts(page, '.item .title')).toEqual(fixture('browse_tees').results.map((p) => p.title))
  await tap(page, '.sorts .tab', 1)
  expect(texts(page, '.sorts .tab.on')).toEqual(['销量'])
  await tap(page, '.sorts .tab', 3)
  expect(texts(page, '.sorts .tab.on')).toEqual(['价格↑'])
  expect(texts(page, '.item .title')[0]).toBe('儿童卡通T恤')
  await tap(page, '.sorts .tab', 3)
  expect(texts(page, '.sorts .tab.on')).toEqual(['价格↓'])
  expect(texts(page, '.item .title')[0]).toBe('重磅落肩T恤')
  expect(listRequests()).toEqual([
    { category: 1, page: 1, page_size: 10 },
    { category: 2, page: 1, page_size: 10 },
    { category: 2, page: 1, page_size: 10, ordering: 'sales' },
    { category: 2, page: 1, page_size: 10, ordering: 'price' },
    { category: 2, page: 1, page_size: 10, ordering: '-price' },
  ])
})

test('another top category; a product opens its page', async () => {
  const page = await openDemo()
  await tap(page, '.top', 2)
  expect(texts(page, '.top.on')).toEqual(['食品'])
  expect(texts(page, '.item .title')).toEqual(fixture('browse_food_p1').results.map((p) => p.title))
  await tap(page, '.item', 0)
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/product/product?id=24' }])
})

test('a category chosen on the home page is opened (a second-level one under its parent)', async () => {
  fake.state.storage['weishop.category'] = JSON.stringify(2) // T恤, as the home's category row leaves it
  const page = await openDemo()
  expect(texts(page, '.top.on')).toEqual(['服装'])
  expect(texts(page, '.child.on')).toEqual(['T恤'])
  expect(listRequests()).toEqual([{ category: 2, page: 1, page_size: 10 }])
  expect(fake.state.storage['weishop.category']).toBeUndefined()
  fake.state.storage['weishop.category'] = JSON.stringify(10) // back on the home, 食品 tapped
  page.instance.onShow()
  await settle()
  expect(texts(page, '.top.on')).toEqual(['食品'])
})

test('an empty category says so', async () => {
  fake.answer('GET', '/shops/demo/categories/', fixture('browse_tea_categories')) // recorded from the second demo shop
  fake.answer('GET', '/shops/demo/products/', fixture('browse_tea_ware_empty'))
  const page = await openPage(PAGE)
  await tap(page, '.top', 1) // 茶具: no children, no products
  expect(page.querySelector('.children')).toBeFalsy()
  expect(text(page, '.empty')).toBe('该分类下还没有商品')
})

test('a list error is shown in the page and 重试 asks again', async () => {
  replay(fake, 'browse_categories')
  replayByQuery(fake, ['browse_clothes_p1'])
  fake.answer('GET', '/shops/demo/products/', { status: 404, body: fixture('browse_bad_page') }, { times: 1 })
  const page = await openPage(PAGE)
  expect(text(page, '.list-error .error-message')).toBe('无效页面。')
  expect(fake.state.toasts).toEqual([])
  await tap(page, '.retry-list')
  expect(page.querySelector('.list-error')).toBeFalsy()
  expect(page.querySelectorAll('.item')).toHaveLength(10)
})

test('the tree failing to load is shown, with 重新加载', async () => {
  fake.failNetwork('GET', '/shops/demo/categories/', { times: 2 })
  const page = await openPage(PAGE)
  expect(text(page, '.error-message')).toBe('网络不给力，请稍后再试')
  replay(fake, 'browse_categories')
  replayByQuery(fake, ['browse_clothes_p1'])
  await tap(page, '.retry')
  expect(texts(page, '.top')).toEqual(['服装', '配件', '食品'])
})
