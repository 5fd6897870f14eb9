// pages/product/product: recorded product details (docs/api.md), the SKU picker on a colour × size
// matrix with sold-out and missing combinations, add to cart, buy now, sold out, errors.
const fake = require('../support/fake-wx')
const { openPage, settle, tap, text, texts, replay, fixture, recorded } = require('../support/page')

const PAGE = 'pages/product/product'
const TEE = '/shops/demo/products/1/'

function openTee() {
  replay(fake, 'browse_product_matrix')
  replay(fake, 'browse_reviews_summary')
  return openPage(PAGE, { id: '1' })
}

// The value buttons of one spec row (its index in `specs`).
function valueNodes(page, row) {
  return page.querySelectorAll('.value').filter((n) => n.dom.getAttribute('data-row') === String(row))
}

function hasClass(node, name) {
  return node.dom.className.split(/\s+/).some((c) => c === name || c.endsWith(`--${name}`))
}

// [{value, on, off}] of one spec row.
function values(page, row) {
  return valueNodes(page, row).map((n) => ({ value: n.dom.textContent.trim(), on: hasClass(n, 'on'), off: hasClass(n, 'off') }))
}

function enabledValues(page, row) {
  return values(page, row).filter((v) => !v.off).map((v) => v.value)
}

async function tapValue(page, row, name) {
  const node = valueNodes(page, row).find((n) => n.dom.textContent.trim() === name)
  if (!node) throw new Error(`no value ${name}`)
  node.dispatchEvent('tap')
  await settle()
}

test('renders the pictures, title, price range, specs, description and reviews summary', async () => {
  const page = await openTee()
  const tee = fixture('browse_product_matrix')
  expect(text(page, '.head .title')).toBe('纯棉圆领T恤')
  expect(text(page, '.head .price')).toBe('¥59.00–¥89.00')
  expect(page.querySelectorAll('.gallery .photo')).toHaveLength(tee.images.length)
  expect(texts(page, '.spec-name')).toEqual(['颜色', '尺码'])
  expect(values(page, 0).map((v) => v.value)).toEqual(['白', '黑', '雾蓝'])
  expect(text(page, '.chosen')).toBe('请选择 颜色 / 尺码')
  expect(page.instance.data.description).toContain('<strong>纯棉圆领T恤</strong>')
  expect(text(page, '.reviews-title')).toBe('商品评价（3）')
  expect(text(page, '.reviews .good')).toBe('好评率 67%')
  expect(text(page, '.review-text')).toBe(fixture('browse_reviews_summary').latest[0].text)
  await tap(page, '.reviews')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/reviews/list?product_id=1' }])
})

test('sold-out sizes are disabled from the start, and the choice disables what it cannot reach', async () => {
  const page = await openTee()
  expect(enabledValues(page, 1)).toEqual(['M', 'L', 'XL']) // every S was set to stock 0
  await tapValue(page, 0, '黑')
  expect(values(page, 0).find((v) => v.value === '黑').on).toBe(true)
  expect(enabledValues(page, 1)).toEqual(['M', 'XL']) // 黑/L is sold out
  await tapValue(page, 1, 'L') // a disabled value: nothing changes
  expect(values(page, 1).find((v) => v.value === 'L').on).toBe(false)
  expect(text(page, '.chosen')).toBe('请选择 尺码')
  await tapValue(page, 0, '黑') // un-choose
  await tapValue(page, 1, 'L')
  expect(enabledValues(page, 0)).toEqual(['白', '雾蓝'])
})

test('a combination that is not on sale is disabled like a sold-out one', async () => {
  replay(fake, 'browse_product_missing_combo')
  replay(fake, 'browse_reviews_summary_none')
  const page = await openPage(PAGE, { id: '2' })
  await tapValue(page, 0, '墨绿')
  expect(enabledValues(page, 1)).toEqual(['M', 'L']) // S: stock 0; XL: no such SKU
  expect(text(page, '.reviews-title')).toBe('商品评价（0）')
  expect(text(page, '.reviews')).toContain('暂无评价')
})

test('the chosen SKU\'s price, stock and picture are shown, and the quantity is bounded by its stock', async () => {
  const page = await openTee()
  const black = fixture('browse_product_matrix').skus.find((s) => s.spec_text === '颜色:黑 尺码:XL')
  const blue = fixture('browse_product_matrix').skus.find((s) => s.spec_text === '颜色:雾蓝 尺码:XL')
  await tapValue(page, 0, '黑')
  expect(page.instance.data.pickerImage).toBe(black.image)
  await tapValue(page, 1, 'XL')
  expect(text(page, '.sku-price')).toBe('¥89.00')
  expect(text(page, '.head .price')).toBe('¥89.00')
  expect(text(page, '.sku-stock')).toBe('库存 8 件')
  expect(text(page, '.chosen')).toBe('已选：黑 XL')
  expect(page.instance.data.current).toBe(page.instance.data.images.indexOf(black.image))
  for (let i = 0; i < 9; i += 1) await tap(page, '.plus') // eslint-disable-line no-await-in-loop
  expect(text(page, '.qty')).toBe('8')
  expect(fake.state.toasts).toContain('库存只剩 8 件')
  await tapValue(page, 0, '雾蓝')
  expect(text(page, '.sku-stock')).toBe(`库存 ${blue.stock} 件`)
  expect(page.instance.data.pickerImage).toBe(blue.image)
  expect(text(page, '.qty')).toBe('8')
  await tap(page, '.minus')
  expect(text(page, '.qty')).toBe('7')
})

test('加入购物车 sends the chosen SKU and quantity, signed in, and says 已加入购物车', async () => {
  replay(fake, 'browse_login')
  replay(fake, 'browse_cart_add')
  const page = await openTee()
  await tapValue(page, 0, '白')
  await tapValue(page, 1, 'M')
  await tap(page, '.plus')
  await tap(page, '.add')
  const add = fake.state.requests.find((r) => r.method === 'POST' && r.path === '/shops/demo/cart/items/')
  expect(add.data).toEqual(recorded('browse_cart_add').request.body) // {sku_id: 2, quantity: 2}
  expect(add.header.Authorization).toBe(`Token ${fixture('browse_login').token}`)
  expect(fake.state.toasts).toEqual(['已加入购物车'])
})

test('加入购物车 before choosing says what to choose and sends nothing', async () => {
  const page = await openTee()
  await tapValue(page, 0, '白')
  await tap(page, '.add')
  expect(fake.state.toasts).toEqual(['请选择 尺码'])
  expect(fake.state.requests.filter((r) => r.method === 'POST')).toEqual([])
})

test('the API\'s refusal (sold out meanwhile) is shown as it says', async () => {
  replay(fake, 'browse_login')
  replay(fake, 'browse_cart_out_of_stock')
  const page = await openTee()
  await tapValue(page, 0, '黑')
  await tapValue(page, 1, 'XL')
  await tap(page, '.add')
  expect(fake.state.requests.find((r) => r.method === 'POST' && r.path.endsWith('/cart/items/')).data).toEqual({ sku_id: 8, quantity: 1 })
  expect(fake.state.toasts).toEqual([fixture('browse_cart_out_of_stock').message])
  expect(fake.state.toasts[0]).toContain('已售罄')
})

test('立即购买 opens the checkout with the SKU and quantity', async () => {
  const page = await openTee()
  await tapValue(page, 0, '雾蓝')
  await tapValue(page, 1, 'L')
  await tap(page, '.plus')
  await tap(page, '.plus')
  await tap(page, '.buy')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/checkout/checkout?sku_id=11&quantity=3' }])
})

test('a product without specs can be bought at once', async () => {
  replay(fake, 'browse_product_no_specs')
  replay(fake, 'browse_login')
  replay(fake, 'browse_cart_add_no_specs')
  fake.answer('GET', '/shops/demo/products/24/reviews/summary/', fixture('browse_reviews_summary_none'))
  const page = await openPage(PAGE, { id: '24' })
  expect(page.querySelectorAll('.spec')).toHaveLength(0)
  expect(text(page, '.sku-stock')).toBe('库存 63 件')
  await tap(page, '.add')
  expect(fake.state.requests.find((r) => r.method === 'POST' && r.path.endsWith('/cart/items/')).data).toEqual({ sku_id: 154, quantity: 1 })
  expect(fake.state.toasts).toEqual(['已加入购物车'])
})

test('a sold-out product shows 已售罄 and offers no buying', async () => {
  replay(fake, 'browse_product_sold_out')
  fake.answer('GET', '/shops/demo/products/12/reviews/summary/', fixture('browse_reviews_summary_none'))
  const page = await openPage(PAGE, { id: '12' })
  expect(text(page, '.bar .sold')).toBe('已售罄')
  expect(page.querySelector('.add')).toBeFalsy()
  expect(page.querySelector('.buy')).toBeFalsy()
  expect(values(page, 0).every((v) => v.off)).toBe(true)
})

test('an unknown or off-shelf product shows the API\'s message in the page', async () => {
  fake.answer('GET', '/shops/demo/products/9999/', { status: 404, body: fixture('browse_product_not_found') })
  const page = await openPage(PAGE, { id: '9999' })
  expect(text(page, '.error-message')).toBe('商品不存在或已下架。')
  expect(fake.state.toasts).toEqual([])
  await tap(page, '.error .home')
  expect(fake.state.navigations).toEqual([{ kind: 'switchTab', url: '/pages/home/home' }])
})

test('the page works when the reviews cannot be read', async () => {
  replay(fake, 'browse_product_matrix')
  fake.failNetwork('GET', '/shops/demo/products/1/reviews/summary/', { times: 2 })
  const page = await openPage(PAGE, { id: '1' })
  expect(text(page, '.head .title')).toBe('纯棉圆领T恤')
  expect(page.querySelector('.reviews')).toBeFalsy()
  expect(fake.state.toasts).toEqual([])
})

test('share cards carry the product path and the sharer\'s referral code', async () => {
  fake.state.storage['weishop.refcode'] = JSON.stringify('R1.sig')
  const page = await openTee()
  const tee = fixture('browse_product_matrix')
  expect(page.instance.onShareAppMessage()).toEqual({ title: '纯棉圆领T恤', path: '/pages/product/product?id=1&ref=R1.sig', imageUrl: tee.images[0].detail })
  expect(page.instance.onShareTimeline()).toEqual({ title: '纯棉圆领T恤', query: 'id=1&ref=R1.sig', imageUrl: tee.images[0].detail })
})

test('店铺 and 客服 are in the bar', async () => {
  const page = await openTee()
  expect(text(page, '.bar .service')).toBe('客服') // <button open-type="contact">: WeChat's customer service
  await tap(page, '.bar .shop')
  expect(fake.state.navigations).toEqual([{ kind: 'switchTab', url: '/pages/home/home' }])
  expect(TEE).toBe(`/shops/demo/products/${fixture('browse_product_matrix').id}/`)
})
