// 确认订单: the preview's lines and amounts drawn as answered, the shopper's choices sent back, the
// order placed with one Idempotency-Key per attempt and the attribution header, then payment.
const fake = require('../support/fake-wx')
const { openPage, settle, text, texts, tap, fixture, recorded, replay } = require('../support/page')
const { yuan } = require('../../src/utils/format')

const PAGE = 'pages/checkout/checkout'
const PREVIEW = '/shops/demo/checkout/preview/'
const ORDERS = '/shops/demo/orders/'

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('recorded-shopper')
  replay(fake, 'buy_addresses_after_delete') // 李四 (default) and 张三
})

const previews = () => fake.state.requests.filter((r) => r.path === PREVIEW)
const orders = () => fake.state.requests.filter((r) => r.path === ORDERS)

// Answer each preview with the recorded answer whose request had the same body.
function previewsByBody(...names) {
  const known = names.map((n) => recorded(n))
  fake.answer('POST', PREVIEW, (req) => {
    const hit = known.find((r) => JSON.stringify(r.request.body) === JSON.stringify(req.data))
    return hit ? { status: hit.status, body: hit.body } : { status: 599, body: { code: 'unrecorded', message: `未录制: ${JSON.stringify(req.data)}` } }
  })
}

// A recorded GET with a query: fake-wx matches the path alone (the query goes in `data`).
function replayGet(name) {
  const r = recorded(name)
  fake.answer('GET', r.request.path.split('?')[0], { status: r.status, body: r.body })
  return r.body
}

function subscriptions() {
  replay(fake, 'buy_subscriptions')
  replay(fake, 'buy_subscriptions_post')
}

test('from the cart: the default address, the preview\'s lines and every amount exactly as answered', async () => {
  const preview = replay(fake, 'buy_preview_cart')
  const page = await openPage(PAGE)
  expect(previews()[0].data).toEqual({ address_id: 10 }) // the default address; the cart's lines
  expect(text(page, '.address .name')).toBe('李四')
  expect(text(page, '.address .where')).toBe('上海市 上海市 黄浦区 南京东路 200 号')
  expect(texts(page, '.line .title')).toEqual(preview.lines.map((l) => l.title))
  expect(texts(page, '.line-total')).toEqual(preview.lines.map((l) => yuan(l.total_fen)))
  expect(text(page, '.goods')).toBe(yuan(preview.goods_fen))
  expect(text(page, '.shipping')).toBe('免运费') // shipping_fen 0
  expect(texts(page, '.discount-label')).toEqual(preview.discounts.map((d) => d.label))
  expect(texts(page, '.discount-amount')).toEqual(preview.discounts.map((d) => `-${yuan(d.amount_fen)}`))
  expect(text(page, '.total')).toBe(yuan(preview.total_fen))
  expect(text(page, '.total')).toBe('¥240.30') // 267.00 − 26.70, as the API said
  expect(text(page, '.coupon-text')).toBe('-¥26.70 ›')
  expect(texts(page, '.choice-detail')).toEqual([preview.choices[0].detail])
})

test('立即购买 (items mode) previews those items; the shipping fee is the API\'s', async () => {
  const preview = replay(fake, 'buy_preview_items')
  const page = await openPage(PAGE, { sku_id: '2', quantity: '1' })
  expect(previews()[0].data).toEqual({ items: [{ sku_id: 2, quantity: 1 }], address_id: 10 })
  expect(text(page, '.shipping')).toBe(yuan(preview.shipping_fen))
  expect(text(page, '.total')).toBe(yuan(preview.total_fen))
  expect(text(page, '.total')).toBe('¥70.10')
})

test('the group-buy hook sends group_buy, shows the group price line and offers no coupon', async () => {
  const preview = replay(fake, 'buy_preview_group')
  const page = await openPage(PAGE, { sku_id: '154', quantity: '1', group_activity: '1' })
  expect(previews()[0].data).toEqual(recorded('buy_preview_group').request.body)
  expect(texts(page, '.discount-label')).toEqual(['拼团价 · 3人团'])
  expect(text(page, '.total')).toBe(yuan(preview.total_fen))
  expect(page.querySelector('.coupon')).toBeFalsy()
})

test('积分抵扣 sends use_points and shows the points line and total the API answers', async () => {
  previewsByBody('buy_preview_cart', 'buy_preview_points')
  const page = await openPage(PAGE)
  page.querySelector('.choice-switch').dispatchEvent('change', { detail: { value: true } })
  await settle()
  expect(previews()[1].data).toEqual({ address_id: 10, use_points: true })
  const answer = fixture('buy_preview_points')
  expect(texts(page, '.discount-label')).toEqual(['优惠券 · 9折券 最多减30', '积分抵扣 · 1500 积分'])
  expect(text(page, '.total')).toBe(yuan(answer.total_fen))
  expect(text(page, '.total')).toBe('¥225.30')
})

test('the shopper picks another of their coupons, or none', async () => {
  previewsByBody('buy_preview_cart', 'buy_preview_coupon1', 'buy_preview_no_coupon')
  replayGet('buy_coupons_mine')
  const page = await openPage(PAGE)
  await tap(page, '.coupon')
  const mine = fixture('buy_coupons_mine').results
  expect(texts(page, '.claim-name')).toEqual(mine.map((c) => c.name))
  expect(fake.state.requests.find((r) => r.path === '/shops/demo/coupons/mine/').data).toEqual({ status: 'usable' })
  expect(page.instance.data.claims.find((c) => c.chosen).id).toBe(2) // the preview's pick is marked
  await tap(page, '.claim', mine.findIndex((c) => c.id === 1))
  expect(previews()[1].data).toEqual({ address_id: 10, coupon_claim_id: 1 })
  expect(text(page, '.total')).toBe(yuan(fixture('buy_preview_coupon1').total_fen))
  await tap(page, '.coupon')
  await tap(page, '.no-coupon')
  expect(previews()[2].data).toEqual({ address_id: 10, coupon_claim_id: null })
  expect(text(page, '.coupon-text')).toBe('不使用优惠券 ›')
  expect(texts(page, '.discount-label')).toEqual([])
  expect(text(page, '.total')).toBe(yuan(fixture('buy_preview_no_coupon').total_fen))
})

test('a coupon that cannot be used here shows the API\'s reason and keeps the previous choice', async () => {
  previewsByBody('buy_preview_items', 'buy_preview_items_coupon1')
  replayGet('buy_coupons_mine')
  const page = await openPage(PAGE, { sku_id: '2', quantity: '1' })
  await tap(page, '.coupon')
  await tap(page, '.claim', fixture('buy_coupons_mine').results.findIndex((c) => c.id === 1))
  expect(text(page, '.coupon-error')).toBe(fixture('buy_preview_items_coupon1').message)
  expect(text(page, '.total')).toBe(yuan(fixture('buy_preview_items').total_fen))
})

test('a sold-out line: the preview\'s problem shows and the order cannot be submitted', async () => {
  const preview = replay(fake, 'buy_preview_items_sold_out')
  const page = await openPage(PAGE, { sku_id: '7', quantity: '1' })
  expect(texts(page, '.problems .problem')).toEqual(preview.problems)
  expect(page.instance.data.canSubmit).toBe(false)
  await tap(page, '.submit')
  expect(orders()).toHaveLength(0)
})

test('选择地址 opens the address book in choose mode; the chosen address is previewed', async () => {
  previewsByBody('buy_preview_cart')
  const page = await openPage(PAGE)
  await tap(page, '.address')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/address/list?choose=1' }])
  const zhang = fixture('buy_addresses_after_delete').find((a) => a.id === 9)
  fake.state.storage['weishop.checkout.address'] = JSON.stringify(zhang) // what the list page hands back
  fake.answer('POST', PREVIEW, { status: 200, body: fixture('buy_preview_cart') })
  page.instance.onShow()
  await settle()
  expect(previews()[1].data).toEqual({ address_id: 9 })
  expect(text(page, '.address .name')).toBe('张三')
})

test('without an address the shopper is asked for one', async () => {
  fake.answer('GET', '/addresses/', { status: 200, body: fixture('buy_addresses_empty') })
  replay(fake, 'buy_preview_no_address')
  const page = await openPage(PAGE)
  expect(previews()[0].data).toEqual({})
  expect(text(page, '.no-address')).toBe('请添加收货地址')
  expect(page.instance.data.canSubmit).toBe(false)
})

test('提交订单 asks for the order messages, posts the previewed choices with a key and attribution, then pays', async () => {
  fake.state.storage['weishop.attribution'] = JSON.stringify({ ref: 'r-signed', at: Date.now() })
  replay(fake, 'buy_preview_cart')
  subscriptions()
  const order = replay(fake, 'buy_order_create')
  const page = await openPage(PAGE)
  page.querySelector('.remark-input').dispatchEvent('input', { detail: { value: '请尽快发货' } })
  await tap(page, '.submit')
  expect(previews()[0].header['X-WeiShop-Attribution']).toBe('ref=r-signed')
  const [placed] = orders()
  expect(placed.data).toEqual(recorded('buy_order_create').request.body) // {address_id, remark, coupon_claim_id: 2}
  expect(placed.header['Idempotency-Key']).toBeTruthy()
  expect(placed.header['X-WeiShop-Attribution']).toBe('ref=r-signed')
  const asked = fake.state.requests.findIndex((r) => r.method === 'POST' && r.path === '/shops/demo/subscriptions/')
  expect(asked).toBeGreaterThan(-1)
  expect(asked).toBeLessThan(fake.state.requests.indexOf(placed))
  expect(fake.state.navigations).toEqual([{ kind: 'redirectTo', url: `/pages/pay/pay?order_no=${order.order_no}&auto=1` }])
})

test('立即购买 places exactly those items with the coupon the preview showed (none here)', async () => {
  replay(fake, 'buy_preview_items_no_coupon') // recorded once claim 2 was used: no coupon applies
  subscriptions()
  replay(fake, 'buy_order_items')
  const page = await openPage(PAGE, { sku_id: '2', quantity: '1' })
  await tap(page, '.submit')
  expect(orders()[0].data).toEqual(recorded('buy_order_items').request.body)
})

test('a retry after a lost answer keeps the Idempotency-Key, and the API\'s refusal is shown', async () => {
  replay(fake, 'buy_preview_cart')
  subscriptions()
  fake.failNetwork('POST', ORDERS, { times: 2 })
  const page = await openPage(PAGE)
  await tap(page, '.submit')
  expect(fake.state.toasts).toEqual(['网络不给力，请稍后再试'])
  replay(fake, 'buy_order_retry') // the server had placed it: the same key answers 200 with that order
  await tap(page, '.submit')
  const keys = orders().map((r) => r.header['Idempotency-Key'])
  expect(keys).toHaveLength(3)
  expect(new Set(keys).size).toBe(1)
  expect(fake.state.navigations[0].url).toBe(`/pages/pay/pay?order_no=${fixture('buy_order_retry').order_no}&auto=1`)
})

test('a changed order is a new attempt with a new key', async () => {
  replay(fake, 'buy_preview_cart')
  subscriptions()
  replay(fake, 'buy_order_sold_out')
  const page = await openPage(PAGE)
  await tap(page, '.submit')
  expect(fake.state.toasts).toEqual([fixture('buy_order_sold_out').message])
  page.querySelector('.remark-input').dispatchEvent('input', { detail: { value: '改一下' } })
  await tap(page, '.submit')
  const keys = orders().map((r) => r.header['Idempotency-Key'])
  expect(keys[0]).not.toBe(keys[1])
  expect(fake.state.navigations).toEqual([])
})

test('a preview the API refuses shows its message', async () => {
  const refusal = replay(fake, 'buy_preview_cart_empty')
  const page = await openPage(PAGE)
  expect(text(page, '.error-text')).toBe(refusal.message)
})
