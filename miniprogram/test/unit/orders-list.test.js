// pages/orders/list: tabs by the API's filter, paging, and each order's actions.
const fake = require('../support/fake-wx')
const { openPage, settle, tap, text, texts, fixture, recorded } = require('../support/page')

const ORDERS = '/shops/demo/orders/'
const BY_TAB = {
  '': 'orders_list_all',
  pending_payment: 'orders_list_pending_payment',
  to_ship: 'orders_list_to_ship',
  to_receive: 'orders_list_to_receive',
  completed: 'orders_list_completed',
  after_sale: 'orders_list_after_sale',
}

function signIn() {
  fake.state.storage['weishop.token'] = JSON.stringify('t-alice')
}

function answerTabs() {
  fake.answer('GET', ORDERS, (req) => ({ status: 200, body: fixture(BY_TAB[req.data.tab || '']) }))
}

beforeEach(signIn)

test('every order of all tabs renders with the API\'s status, lines and total', async () => {
  answerTabs()
  const page = await openPage('pages/orders/list')
  const all = fixture('orders_list_all')
  expect(texts(page, '.order .status')).toEqual(all.results.map((o) => o.status_text))
  expect(texts(page, '.order .total')[0]).toBe(`¥${(all.results[0].total_fen / 100).toFixed(2)}`)
  expect(texts(page, '.tab')).toEqual(['全部', '待付款', '待发货', '待收货', '已完成', '售后'])
  const [request] = fake.state.requests
  expect(request.data).toEqual({ page: 1, page_size: 10 })
  expect(request.header.Authorization).toBe('Token t-alice')
})

test('a tab asks the API for its filter and shows only what it answers', async () => {
  answerTabs()
  const page = await openPage('pages/orders/list')
  await tap(page, '.tab', 1) // 待付款
  const last = fake.state.requests[fake.state.requests.length - 1]
  expect(last.data).toEqual({ page: 1, page_size: 10, tab: 'pending_payment' })
  expect(texts(page, '.order .status')).toEqual(fixture('orders_list_pending_payment').results.map((o) => o.status_text))
  expect(texts(page, '.order .status').every((s) => s === '待付款')).toBe(true)
  expect(page.querySelectorAll('.pay')).toHaveLength(1)
  expect(page.querySelectorAll('.cancel')).toHaveLength(1)

  await tap(page, '.tab', 3) // 待收货
  expect(fake.state.requests[fake.state.requests.length - 1].data.tab).toBe('to_receive')
  expect(texts(page, '.order .status').every((s) => s === '已发货')).toBe(true)
  expect(page.querySelectorAll('.confirm').length).toBe(fixture('orders_list_to_receive').results.length)
})

test('opening with ?tab= starts on that tab', async () => {
  answerTabs()
  const page = await openPage('pages/orders/list', { tab: 'after_sale' })
  expect(fake.state.requests[0].data.tab).toBe('after_sale')
  expect(text(page, '.tab.on')).toBe('售后')
  expect(page.querySelectorAll('.order')).toHaveLength(fixture('orders_list_after_sale').count)
})

test('reaching the bottom loads the next page until the API has no next', async () => {
  const first = fixture('orders_list_page1')
  const second = fixture('orders_list_page2')
  expect(first.next).toBeTruthy()
  fake.answer('GET', ORDERS, (req) => ({ status: 200, body: req.data.page === 1 ? first : second }))
  const page = await openPage('pages/orders/list')
  expect(page.querySelectorAll('.order')).toHaveLength(first.results.length)
  page.instance.onReachBottom()
  await settle()
  expect(fake.state.requests.map((r) => r.data.page)).toEqual([1, 2])
  expect(page.querySelectorAll('.order')).toHaveLength(first.results.length + second.results.length)
  expect(text(page, '.end')).toBe('没有更多了')
  page.instance.onReachBottom() // no next: nothing more is asked
  await settle()
  expect(fake.state.requests).toHaveLength(2)
})

test('去支付 opens the pay page with the order number', async () => {
  answerTabs()
  const page = await openPage('pages/orders/list')
  await tap(page, '.pay')
  const pending = fixture('orders_list_all').results.find((o) => o.status === 'pending_payment')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/pay/pay?order_no=${pending.order_no}` }])
})

test('取消订单 asks first, then cancels through the API and shows the new status', async () => {
  answerTabs()
  const cancelled = recorded('orders_cancel')
  fake.answer('POST', cancelled.request.path, { status: cancelled.status, body: cancelled.body })
  const page = await openPage('pages/orders/list')
  fake.state.modalConfirm = false
  await tap(page, '.cancel')
  expect(fake.state.modals).toHaveLength(1)
  expect(fake.state.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  fake.state.modalConfirm = true
  await tap(page, '.cancel')
  const post = fake.state.requests.find((r) => r.method === 'POST')
  expect(post.path).toBe(cancelled.request.path)
  const row = page.querySelectorAll('.order').findIndex((n) => n.dom.textContent.includes('已取消') && n.dom.textContent.includes(cancelled.body.lines[0].title))
  expect(row).toBeGreaterThanOrEqual(0)
  expect(page.querySelectorAll('.pay')).toHaveLength(0)
  expect(fake.state.toasts).toEqual(['订单已取消'])
})

test('确认收货 posts confirm-receipt; the API\'s refusal is shown as it says', async () => {
  answerTabs()
  const refused = fixture('orders_confirm_refused')
  fake.answer('POST', /\/confirm-receipt\/$/, { status: 409, body: refused })
  const page = await openPage('pages/orders/list')
  await tap(page, '.confirm')
  const post = fake.state.requests.find((r) => r.method === 'POST')
  expect(post.path).toMatch(/^\/shops\/demo\/orders\/\d+\/confirm-receipt\/$/)
  expect(fake.state.toasts).toEqual([refused.message])
})

test('查看物流 opens the order at its tracking', async () => {
  answerTabs()
  const page = await openPage('pages/orders/list')
  await tap(page, '.track')
  expect(fake.state.navigations[0].url).toMatch(/^\/pages\/orders\/detail\?order_no=\d+&focus=tracking$/)
})

test('an empty tab says so', async () => {
  fake.answer('GET', ORDERS, { status: 200, body: { count: 0, next: null, previous: null, results: [] } })
  const page = await openPage('pages/orders/list')
  expect(text(page, '.empty')).toBe('暂无订单')
})

test('a failed list shows the API\'s message in the page', async () => {
  fake.answer('GET', ORDERS, { status: 404, body: { code: 'shop_not_found', message: '店铺不存在。', fields: {} } })
  const page = await openPage('pages/orders/list')
  expect(text(page, '.error')).toBe('店铺不存在。')
  expect(fake.state.toasts).toEqual([])
})
