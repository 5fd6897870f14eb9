// 支付订单: request_payment passed unchanged to wx.requestPayment, the order read again until the
// API says paid, the subscribe prompt inside the pay tap, cancel / failure / deadline states.
const fake = require('../support/fake-wx')
const { openPage, text, tap, fixture, replay } = require('../support/page')

const PAGE = 'pages/pay/pay'
const unpaid = fixture('buy_order_unpaid')
const NO = unpaid.order_no
const ORDER = `/shops/demo/orders/${NO}/`
const PAYMENT = `/shops/demo/orders/${NO}/payment/`
const DEADLINE = Date.parse(unpaid.pay_deadline)

let page
let now

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('recorded-shopper')
  now = DEADLINE - 10 * 60 * 1000 // ten minutes left to pay
  jest.spyOn(Date, 'now').mockImplementation(() => now)
})

afterEach(() => {
  if (page) page.instance.onUnload()
  page = null
  jest.restoreAllMocks()
})

async function open(query) {
  page = await openPage(PAGE, { order_no: NO, ...query })
  return page
}

const calls = (path, method) => fake.state.requests.filter((r) => r.path === path && (!method || r.method === method))

// The order is unpaid when the page opens, paid once WeChat Pay's notification arrived.
function unpaidThenPaid() {
  fake.answer('GET', ORDER, { status: 200, body: fixture('buy_order_paid') })
  fake.answer('GET', ORDER, { status: 200, body: unpaid }, { times: 1 })
}

function payload(payment) {
  const { success, fail, ...rest } = payment
  return rest
}

test('from checkout it pays at once: request_payment goes to wx.requestPayment unchanged, then the order is read until paid', async () => {
  unpaidThenPaid()
  const answer = replay(fake, 'buy_payment')
  await open({ auto: '1' })
  expect(calls(PAYMENT)[0].data).toEqual({ scene: 'miniprogram' })
  expect(fake.state.payments).toHaveLength(1)
  expect(payload(fake.state.payments[0])).toEqual(answer.request_payment)
  expect(calls(ORDER, 'GET')).toHaveLength(2) // on open, and after WeChat's ok
  expect(text(page, '.result-title')).toBe('支付成功')
  expect(text(page, '.amount')).toBe('¥240.30')
  await tap(page, '.view-order')
  await tap(page, '.go-home')
  expect(fake.state.navigations).toEqual([
    { kind: 'redirectTo', url: `/pages/orders/detail?order_no=${NO}` },
    { kind: 'switchTab', url: '/pages/home/home' },
  ])
})

test('立即支付 asks for the order messages inside the tap, before paying; the deadline counts down', async () => {
  unpaidThenPaid()
  replay(fake, 'buy_payment')
  replay(fake, 'buy_subscriptions')
  replay(fake, 'buy_subscriptions_post')
  await open()
  expect(text(page, '.pay')).toBe('立即支付')
  expect(text(page, '.countdown .left')).toBe('10:00')
  expect(fake.state.payments).toHaveLength(0)
  await tap(page, '.pay')
  const order = fake.state.requests.map((r) => `${r.method} ${r.path}`)
  const asked = order.indexOf('POST /shops/demo/subscriptions/')
  expect(asked).toBeGreaterThan(-1)
  expect(asked).toBeLessThan(order.indexOf(`POST ${PAYMENT}`))
  expect(calls('/shops/demo/subscriptions/', 'POST')[0].data).toEqual({
    results: { DEMO_MP_TPL_PAID: 'accept', DEMO_MP_TPL_SHIPPED: 'accept', DEMO_MP_TPL_DELIVERED: 'accept' },
  })
  expect(text(page, '.result-title')).toBe('支付成功')
})

test('a cancelled payment says 已取消支付 and offers 重新支付', async () => {
  unpaidThenPaid()
  replay(fake, 'buy_payment')
  fake.state.paymentResult = 'cancel'
  await open({ auto: '1' })
  expect(text(page, '.result-title')).toBe('已取消支付')
  expect(text(page, '.pay')).toBe('重新支付')
  expect(calls(ORDER, 'GET')).toHaveLength(1) // nothing to confirm
  fake.state.paymentResult = 'ok'
  replay(fake, 'buy_subscriptions')
  replay(fake, 'buy_subscriptions_post')
  await tap(page, '.pay')
  expect(fake.state.payments).toHaveLength(2)
  expect(text(page, '.result-title')).toBe('支付成功')
})

test('WeChat\'s ok is not proof: while the order is unpaid the page says it is confirming, 刷新 reads again', async () => {
  fake.answer('GET', ORDER, { status: 200, body: unpaid })
  replay(fake, 'buy_payment')
  page = await openPage(PAGE, { order_no: NO })
  page.instance.pollDelays = () => [0, 0, 0]
  replay(fake, 'buy_subscriptions')
  replay(fake, 'buy_subscriptions_post')
  await tap(page, '.pay')
  expect(calls(ORDER, 'GET')).toHaveLength(4) // on open, then three reads
  expect(text(page, '.result-title')).toBe('支付结果确认中')
  fake.answer('GET', ORDER, { status: 200, body: fixture('buy_order_paid') })
  await tap(page, '.refresh')
  expect(text(page, '.result-title')).toBe('支付成功')
})

test('a failed payment shows 支付失败 and can be paid again', async () => {
  fake.answer('GET', ORDER, { status: 200, body: unpaid })
  replay(fake, 'buy_payment')
  fake.state.paymentResult = 'system error'
  await open({ auto: '1' })
  expect(text(page, '.result-title')).toBe('支付失败')
  expect(text(page, '.pay')).toBe('重新支付')
})

test('the payment API\'s refusal shows its message', async () => {
  fake.answer('GET', ORDER, { status: 200, body: unpaid }) // not cancelled yet by the expiry job
  const refusal = replay(fake, 'buy_payment_not_payable')
  await open({ auto: '1' })
  expect(fake.state.payments).toHaveLength(0)
  expect(text(page, '.fail-message')).toBe(refusal.message)
})

test('paid meanwhile: the refusal leads to the paid order', async () => {
  unpaidThenPaid()
  replay(fake, 'buy_payment_not_payable')
  await open({ auto: '1' })
  expect(text(page, '.result-title')).toBe('支付成功')
})

test('an order already paid shows 支付成功 without paying', async () => {
  replay(fake, 'buy_order_paid')
  await open({ auto: '1' })
  expect(text(page, '.result-title')).toBe('支付成功')
  expect(calls(PAYMENT)).toHaveLength(0)
})

test('past the deadline the order cannot be paid', async () => {
  now = DEADLINE + 1000
  fake.answer('GET', ORDER, { status: 200, body: unpaid })
  await open()
  expect(text(page, '.result-title')).toBe('订单已超过支付时限')
  expect(page.querySelector('.pay')).toBeFalsy()
})

test('an order that cannot be read shows the API\'s message', async () => {
  const missing = fixture('buy_order_not_found') // someone else's or a made-up number
  fake.answer('GET', ORDER, { status: 404, body: missing })
  await open()
  expect(text(page, '.error-text')).toBe(missing.message)
})
