// pages/orders/detail: status, address, lines, discounts and totals as answered, the timeline and
// the tracking, and the actions (cancel, confirm receipt, after-sales, review, complaint).
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, fixture, recorded, replay } = require('../support/page')

const yuan = (fen) => `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('t-alice')
})

function open(name) {
  const order = replay(fake, name)
  return openPage('pages/orders/detail', { order_no: order.order_no }).then((page) => ({ page, order }))
}

test('a shipped order shows its address, lines, totals, timeline newest first and its tracking', async () => {
  const { page, order } = await open('orders_detail_shipped')
  expect(text(page, '.status')).toBe(order.status_text)
  expect(text(page, '.address')).toContain(order.address.recipient)
  expect(text(page, '.address')).toContain(order.address.detail)
  expect(texts(page, '.line .title')).toEqual(order.lines.map((l) => l.title))
  expect(text(page, '.goods')).toBe(yuan(order.goods_fen))
  expect(text(page, '.total')).toBe(yuan(order.total_fen))
  const events = texts(page, '.events .ev')
  expect(events).toHaveLength(order.timeline.length)
  expect(events[0]).toContain(order.timeline[order.timeline.length - 1].message)
  expect(events[events.length - 1]).toContain('下单')
  const tracking = texts(page, '.tracking .ev')
  expect(tracking).toHaveLength(order.shipment.tracking.length)
  expect(tracking[0]).toContain(order.shipment.tracking[0].description)
  expect(text(page, '.shipment')).toContain(order.shipment.tracking_no)
  expect(page.querySelectorAll('.confirm')).toHaveLength(1)
  expect(page.querySelectorAll('.cancel')).toHaveLength(0)
  expect(page.querySelectorAll('.pay')).toHaveLength(0)
  // a shipped order's lines are not reviewed yet: the pending list is not even asked
  expect(fake.state.requests.map((r) => r.path)).toEqual([`/shops/demo/orders/${order.order_no}/`])
})

test('every discount line is shown with the API\'s label and amount', async () => {
  const { page, order } = await open('orders_detail_coupon')
  expect(order.discounts.length).toBeGreaterThan(0)
  expect(texts(page, '.discount .label')).toEqual(order.discounts.map((d) => d.label))
  expect(texts(page, '.discount .amount')).toEqual(order.discounts.map((d) => `-${yuan(d.amount_fen)}`))
  expect(text(page, '.total')).toBe(yuan(order.total_fen))
})

test('an unpaid order: 去支付 opens the pay page; 取消订单 asks, cancels and shows the new status', async () => {
  const { page, order } = await open('orders_detail_pending')
  expect(text(page, '.deadline')).toContain('前付款')
  await tap(page, '.pay')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/pay/pay?order_no=${order.order_no}` }])
  const cancelled = replay(fake, 'orders_cancel')
  await tap(page, '.cancel')
  expect(fake.state.modals).toHaveLength(1)
  const post = fake.state.requests.find((r) => r.method === 'POST')
  expect(post.path).toBe(`/shops/demo/orders/${order.order_no}/cancel/`)
  expect(text(page, '.status')).toBe(cancelled.status_text)
  expect(page.querySelectorAll('.cancel')).toHaveLength(0)
})

test('cancelling refused by the API shows its message and keeps the page', async () => {
  const { page, order } = await open('orders_detail_pending')
  const refused = recorded('orders_cancel_refused')
  fake.answer('POST', `/shops/demo/orders/${order.order_no}/cancel/`, { status: refused.status, body: refused.body })
  await tap(page, '.cancel')
  expect(fake.state.toasts).toEqual([refused.body.message])
  expect(text(page, '.status')).toBe(order.status_text)
})

test('a modal answered 取消 cancels nothing', async () => {
  const { page } = await open('orders_detail_pending')
  fake.state.modalConfirm = false
  await tap(page, '.cancel')
  expect(fake.state.requests.filter((r) => r.method === 'POST')).toEqual([])
})

test('确认收货 posts confirm-receipt and shows the order the API answers', async () => {
  const { page, order } = await open('orders_detail_shipped')
  const confirmed = replay(fake, 'orders_confirm')
  fake.answer('GET', `/shops/demo/orders/${order.order_no}/`, confirmed) // read again afterwards
  replay(fake, 'reviews_pending')
  expect(recorded('orders_confirm').request.path).toBe(`/shops/demo/orders/${order.order_no}/confirm-receipt/`)
  await tap(page, '.confirm')
  expect(text(page, '.status')).toBe(confirmed.status_text)
  expect(fake.state.toasts).toEqual(['已确认收货'])
  expect(fake.state.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /shops/demo/reviews/pending/')
})

test('a completed order offers 去评价 on the lines waiting for a review, 申请售后 and 投诉商家', async () => {
  const { page, order } = await (async () => {
    replay(fake, 'reviews_pending')
    return open('orders_detail_completed')
  })()
  const pending = fixture('reviews_pending').filter((p) => p.order_no === order.order_no)
  expect(page.querySelectorAll('.review')).toHaveLength(pending.length)
  await tap(page, '.review')
  expect(fake.state.navigations[0].url).toBe(`/pages/reviews/write?order_no=${order.order_no}&line_id=${pending[0].line_id}`)
  await tap(page, '.after-sale-apply')
  expect(fake.state.navigations[1].url).toBe(`/pages/aftersale/apply?order_no=${order.order_no}`)
  await tap(page, '.complain')
  expect(fake.state.navigations[2].url).toBe(`/pages/complaint/new?order_no=${order.order_no}`)
})

test('an order with an after-sale under way lists it, opens it, and offers no second one', async () => {
  const { page, order } = await open('orders_detail_returning')
  const [afterSale] = order.after_sales
  expect(text(page, '.after-sale')).toContain(afterSale.status_text)
  expect(page.querySelectorAll('.after-sale-apply')).toHaveLength(0)
  await tap(page, '.after-sale')
  expect(fake.state.navigations[0].url).toBe(`/pages/aftersale/detail?order_no=${order.order_no}&after_sale_no=${afterSale.after_sale_no}`)
})

test('an order that is not the shopper\'s shows the API\'s message', async () => {
  fake.answer('GET', '/shops/demo/orders/1/', { status: 404, body: { code: 'order_not_found', message: '订单不存在。', fields: {} } })
  const page = await openPage('pages/orders/detail', { order_no: '1' })
  expect(text(page, '.error')).toBe('订单不存在。')
})
