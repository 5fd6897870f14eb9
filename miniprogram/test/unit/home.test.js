// pages/home/home: one recorded GET /shops/demo/home/ (shop, banner, categories, 新品, 热销).
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, replay, fixture } = require('../support/page')

const PAGE = 'pages/home/home'
const HOME = '/shops/demo/home/'

test('shows the shop with 已认证, the banner, the categories, 新品 and 热销 from one call', async () => {
  const home = replay(fake, 'browse_home')
  const page = await openPage(PAGE)
  expect(text(page, '.shop-name')).toBe('小满生活馆')
  expect(text(page, '.verified')).toBe('已认证')
  expect(texts(page, '.slide-title')).toEqual(['每日坚果 30 包', '液态硅胶手机壳', '加绒连帽卫衣', '纯棉圆领T恤'])
  expect(texts(page, '.cat')).toEqual(['服装', '配件', '食品', '全部分类'])
  expect(texts(page, '.new .t')).toEqual(home.new_arrivals.map((p) => p.title))
  expect(texts(page, '.new .price').slice(0, 3)).toEqual(['¥59.00–¥89.00', '¥79.00–¥109.00', '¥69.00'])
  expect(texts(page, '.rank-t')).toEqual(home.best_sellers.map((p) => p.title))
  expect(texts(page, '.rank .no')).toEqual(['1', '2', '3', '4', '5', '6'])
  expect(text(page, '.rank-m')).toBe('¥129.00已售 2100')
  expect(fake.state.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${HOME}`])
})

test('the 已认证 badge opens the verified business details', async () => {
  replay(fake, 'browse_home')
  const page = await openPage(PAGE)
  expect(page.querySelector('.details')).toBeFalsy()
  await tap(page, '.verified')
  expect(text(page, '.company')).toBe('上海小满生活用品有限公司')
  expect(text(page, '.details')).toContain('91310101MA1FPX2Q3K')
  await tap(page, '.verified')
  expect(page.querySelector('.details')).toBeFalsy()
})

test('taps open the search, a product, a category tab, flash sales and coupons', async () => {
  replay(fake, 'browse_home')
  const page = await openPage(PAGE)
  await tap(page, '.search-box')
  await tap(page, '.slide', 1)
  await tap(page, '.new .card', 0)
  await tap(page, '.rank-item', 1)
  await tap(page, '.cat', 2)
  expect(fake.state.storage['weishop.category']).toBe(String(fixture('browse_home').categories[2].id))
  await tap(page, '.cat.all')
  await tap(page, '.entry.flash')
  await tap(page, '.entry.coupons')
  expect(fake.state.navigations.map((n) => `${n.kind} ${n.url}`)).toEqual([
    'navigateTo /pages/search/search',
    'navigateTo /pages/product/product?id=15',
    'navigateTo /pages/product/product?id=1',
    'navigateTo /pages/product/product?id=21',
    'switchTab /pages/category/category',
    'switchTab /pages/category/category',
    'navigateTo /pages/flash/flash',
    'navigateTo /pages/coupons/center',
  ])
})

test('a shop with nothing on the shelf says so, and an unverified shop shows 未认证', async () => {
  fake.answer('GET', HOME, fixture('browse_home_empty')) // recorded from the second demo shop, emptied
  const page = await openPage(PAGE)
  expect(text(page, '.shop-name')).toBe('一叶茶舍')
  expect(text(page, '.verified')).toBe('未认证')
  expect(page.querySelector('.banner')).toBeFalsy()
  expect(text(page, '.empty')).toBe('店铺还没有上架商品。')
  expect(page.querySelector('.rank')).toBeFalsy()
})

test('an API error is shown in the page, and 重新加载 asks again', async () => {
  replay(fake, 'browse_home')
  fake.answer('GET', HOME, { status: 404, body: fixture('browse_shop_not_found') }, { times: 1 }) // recorded for an unknown shop
  const page = await openPage(PAGE)
  expect(text(page, '.error-message')).toBe('店铺不存在或已关闭。')
  expect(fake.state.toasts).toEqual([])
  await tap(page, '.retry')
  expect(page.querySelector('.error')).toBeFalsy()
  expect(text(page, '.shop-name')).toBe('小满生活馆')
})

test('a network failure after the retry says so in the page', async () => {
  fake.failNetwork('GET', HOME, { times: 2 })
  const page = await openPage(PAGE)
  expect(text(page, '.error-message')).toBe('网络不给力，请稍后再试')
  expect(fake.state.requests).toHaveLength(2)
})

test('the share card is the shop\'s home with the sharer\'s code', async () => {
  fake.state.storage['weishop.refcode'] = JSON.stringify('R9.sig')
  replay(fake, 'browse_home')
  const page = await openPage(PAGE)
  expect(page.instance.onShareAppMessage()).toEqual({ title: '小满生活馆', path: '/pages/home/home?ref=R9.sig' })
  expect(page.instance.onShareTimeline()).toEqual({ title: '小满生活馆', query: 'ref=R9.sig' })
})
