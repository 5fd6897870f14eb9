// pages/aftersale/detail: state, steps, deadline and hint, the return address and the parcel form
// when the API waits for it, the after-sale's timeline, and the API's refusal of a bad parcel.
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, fixture, recorded, replay } = require('../support/page')

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('t-alice')
})

async function openReturn() {
  const order = replay(fake, 'orders_detail_returning')
  const afterSale = replay(fake, 'aftersale_awaiting_return')
  const page = await openPage('pages/aftersale/detail', { order_no: order.order_no, after_sale_no: afterSale.after_sale_no })
  return { page, order, afterSale }
}

test('an approved return shows its state, steps, deadline, address, timeline and the parcel form', async () => {
  const { page, order, afterSale } = await openReturn()
  expect(text(page, '.status')).toBe(afterSale.status_text)
  expect(text(page, '.hint')).toBe(afterSale.hint)
  expect(texts(page, '.step .label')).toEqual(afterSale.steps.map((s) => s.label))
  expect(text(page, '.step.current')).toBe(afterSale.steps.find((s) => s.state === 'current').label)
  expect(text(page, '.return-address')).toContain(afterSale.return_address.address)
  expect(text(page, '.amount')).toBe(`¥${(afterSale.amount_fen / 100).toFixed(2)}`)
  expect(page.querySelectorAll('.parcel-form')).toHaveLength(1)
  const events = texts(page, '.events .ev')
  const own = order.timeline.filter((e) => e.type.startsWith('refund') || e.type.startsWith('return'))
  expect(events).toHaveLength(own.length)
  expect(events[0]).toContain(own[own.length - 1].text)
})

test('the parcel is sent to return-shipment and the page shows the API\'s new state', async () => {
  const { page } = await openReturn()
  const shipped = recorded('aftersale_return_shipped')
  fake.answer('POST', shipped.request.path, { status: shipped.status, body: shipped.body })
  page.instance.onTrackingNo({ detail: { value: ' SF1234567890 ' } })
  await tap(page, '.ship')
  const post = fake.state.requests.find((r) => r.method === 'POST')
  expect(post.path).toBe(shipped.request.path)
  expect(post.data).toEqual(shipped.request.body)
  expect(text(page, '.status')).toBe(shipped.body.status_text)
  expect(text(page, '.return-shipment')).toContain(shipped.body.return_shipment.tracking_no)
  expect(page.querySelectorAll('.parcel-form')).toHaveLength(0)
})

test('a tracking number the API refuses shows its message under the form', async () => {
  const { page } = await openReturn()
  const refused = recorded('aftersale_tracking_refused')
  fake.answer('POST', refused.request.path, { status: refused.status, body: refused.body })
  page.instance.onTrackingNo({ detail: { value: '12' } })
  await tap(page, '.ship')
  expect(text(page, '.field-error')).toBe(refused.body.message)
  expect(page.querySelectorAll('.parcel-form')).toHaveLength(1)
})

test('the carrier "other" sends its name', async () => {
  const { page } = await openReturn()
  const shipped = recorded('aftersale_return_shipped')
  fake.answer('POST', shipped.request.path, { status: shipped.status, body: shipped.body })
  page.instance.onCarrier({ detail: { value: '7' } })
  page.instance.onCarrierName({ detail: { value: '德邦快递' } })
  page.instance.onTrackingNo({ detail: { value: 'DB12345678' } })
  await tap(page, '.ship')
  expect(fake.state.requests.find((r) => r.method === 'POST').data).toEqual({ carrier: 'other', carrier_name: '德邦快递', tracking_no: 'DB12345678' })
})

test('a refund waiting for the merchant has no address and no parcel form', async () => {
  const afterSale = fixture('aftersale_requested')
  fake.answer('GET', /\/after-sales\/\d+\/$/, afterSale)
  fake.answer('GET', /^\/shops\/demo\/orders\/\d+\/$/, fixture('orders_detail_paid'))
  const page = await openPage('pages/aftersale/detail', { order_no: '1', after_sale_no: afterSale.after_sale_no })
  expect(text(page, '.status')).toBe(afterSale.status_text)
  expect(page.querySelectorAll('.return-address')).toHaveLength(0)
  expect(page.querySelectorAll('.parcel-form')).toHaveLength(0)
  expect(text(page, '.deadline')).toContain('截止')
})

test('another shopper\'s after-sale shows the API\'s message', async () => {
  fake.answer('GET', /after-sales/, { status: 404, body: { code: 'after_sale_not_found', message: '售后申请不存在。', fields: {} } })
  fake.answer('GET', /^\/shops\/demo\/orders\/\d+\/$/, fixture('orders_detail_paid'))
  const page = await openPage('pages/aftersale/detail', { order_no: '1', after_sale_no: '2' })
  expect(text(page, '.error')).toBe('售后申请不存在。')
})
