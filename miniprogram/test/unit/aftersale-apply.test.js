// pages/aftersale/apply: kind, lines and units, reason, amount, photos uploaded one by one and sent
// as photo_ids, the after-sale subscribe prompt in the submit tap, and the API's refusals.
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, fixture, recorded, replay } = require('../support/page')

const ORDER = fixture('orders_detail_completed')
const CREATE = recorded('aftersale_create')
const UPLOAD = '/shops/demo/uploads/photos/'

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('t-alice')
  replay(fake, 'orders_detail_completed')
})

function open() {
  return openPage('pages/aftersale/apply', { order_no: ORDER.order_no })
}

function subscriptions() {
  replay(fake, 'orders_subscriptions')
  replay(fake, 'orders_subscriptions_answer')
}

test('the order\'s refundable lines are listed, all chosen at their refundable units, with the API\'s maximum', async () => {
  const page = await open()
  const refundable = ORDER.lines.filter((l) => l.refundable_quantity > 0)
  expect(texts(page, '.line .title')).toEqual(refundable.map((l) => l.title))
  expect(texts(page, '.stepper .qty')).toEqual(refundable.map((l) => String(l.refundable_quantity)))
  const most = refundable.reduce((n, l) => n + l.refundable_fen, 0)
  expect(text(page, '.most')).toBe(`最多可退 ¥${(most / 100).toFixed(2)}`)
  expect(texts(page, '.kind')).toEqual(['仅退款', '退货退款'])
  // one line unchosen: its maximum is the other line's own refundable_fen
  await tap(page, '.check', 0)
  expect(text(page, '.most')).toBe(`最多可退 ¥${(refundable[1].refundable_fen / 100).toFixed(2)}`)
})

test('each chosen photo is uploaded alone, then the request names their ids; the prompt comes first', async () => {
  const page = await open()
  const uploaded = recorded('upload_photo_3')
  fake.answer('UPLOAD', UPLOAD, { status: uploaded.status, body: uploaded.body })
  fake.state.chosenMedia = ['wxfile://tmp/a.jpg']
  await tap(page, '.photo.add')
  const uploads = fake.state.requests.filter((r) => r.method === 'UPLOAD')
  expect(uploads).toEqual([expect.objectContaining({ path: UPLOAD, name: 'photo', filePath: 'wxfile://tmp/a.jpg' })])
  expect(uploads[0].header.Authorization).toBe('Token t-alice')
  expect(page.querySelectorAll('.pic')).toHaveLength(1)

  subscriptions()
  fake.answer('POST', CREATE.request.path, { status: CREATE.status, body: CREATE.body })
  await tap(page, '.check', 0) // only the second line, as recorded
  await tap(page, '.reason-chip', 2) // 质量问题
  await tap(page, '.submit')
  const order = fake.state.requests.map((r) => `${r.method} ${r.path}`)
  const asked = order.indexOf('GET /shops/demo/subscriptions/')
  const posted = order.indexOf(`POST ${CREATE.request.path}`)
  expect(asked).toBeGreaterThan(-1)
  expect(asked).toBeLessThan(posted)
  const post = fake.state.requests[posted]
  expect(post.data).toEqual(CREATE.request.body)
  expect(post.data.photo_ids).toEqual([uploaded.body.id])
  const made = CREATE.body.after_sales.find((a) => a.status === 'requested')
  expect(fake.state.navigations).toEqual([
    { kind: 'redirectTo', url: `/pages/aftersale/detail?order_no=${ORDER.order_no}&after_sale_no=${made.after_sale_no}` },
  ])
})

test('a refused upload shows the API\'s message and adds no photo', async () => {
  const page = await open()
  const refused = recorded('upload_photo_invalid')
  fake.answer('UPLOAD', UPLOAD, { status: refused.status, body: refused.body })
  fake.state.chosenMedia = ['wxfile://tmp/bad.txt']
  await tap(page, '.photo.add')
  expect(fake.state.toasts).toEqual([refused.body.message])
  expect(page.querySelectorAll('.pic')).toHaveLength(0)
})

test('an amount above the API\'s maximum: its message is shown, and the amount was sent in fen', async () => {
  const page = await open()
  subscriptions()
  const refused = recorded('aftersale_amount_refused')
  fake.answer('POST', CREATE.request.path, { status: refused.status, body: refused.body })
  await tap(page, '.reason-chip', 0)
  page.instance.onAmount({ detail: { value: '999.5' } })
  await tap(page, '.submit')
  const post = fake.state.requests.find((r) => r.method === 'POST' && r.path === CREATE.request.path)
  expect(post.data.amount_fen).toBe(99950)
  expect(fake.state.toasts).toContain(refused.body.message)
  expect(text(page, '.amount-error')).toBe(refused.body.message)
  expect(fake.state.navigations).toEqual([])
})

test('a request without a reason is not sent', async () => {
  const page = await open()
  await tap(page, '.submit')
  expect(fake.state.requests.filter((r) => r.method === 'POST')).toEqual([])
  expect(fake.state.toasts).toEqual(['请选择或填写售后原因'])
})

test('a paid order that has not shipped offers 仅退款 only', async () => {
  fake.reset()
  fake.install(global.wx)
  fake.state.storage['weishop.token'] = JSON.stringify('t-alice')
  const paid = replay(fake, 'orders_detail_paid')
  const page = await openPage('pages/aftersale/apply', { order_no: paid.order_no })
  expect(texts(page, '.kind')).toEqual(['仅退款'])
})
