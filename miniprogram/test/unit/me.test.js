// pages/me/me (个人中心): who I am, phone binding with getPhoneNumber, my orders' badges, the
// marketing-messages switch, the entries and the shop's verified details.
const fake = require('../support/fake-wx')
const { openPage, replay, fixture, recorded, text, texts, tap, settle } = require('../support/page')

const LOGIN = { status: 200, body: { token: 't-me', created: false, user: fixture('me_me') } }

function answerAll({ me = 'me_me' } = {}) {
  fake.answer('POST', '/auth/miniprogram', LOGIN)
  replay(fake, me)
  replay(fake, 'me_shop')
  replay(fake, 'me_order_counts')
  replay(fake, 'me_reviews_pending')
  replay(fake, 'me_subscriptions')
}

const open = () => openPage('pages/me/me')

async function phoneEvent(page, detail) {
  page.querySelector('#bind-phone').dispatchEvent('getphonenumber', { detail })
  await settle()
}

test('renders me, my order badges, the entries and the shop\'s verified details', async () => {
  answerAll()
  const page = await open()
  expect(text(page, '#me-name')).toBe('小美')
  expect(page.querySelector('#bind-phone')).toBeTruthy() // no phone yet
  const counts = fixture('me_order_counts')
  expect(texts(page, '.me-order-label')).toEqual(['待付款', '待发货', '待收货', '待评价', '售后'])
  expect(texts(page, '.me-order-tab')).toEqual([
    `${counts.pending_payment}待付款`, `${counts.to_ship}待发货`, '待收货', '待评价', '售后',
  ])
  expect(texts(page, '.me-entry-label')).toEqual([
    '会员中心', '我的优惠券', '领券中心', '我的拼团', '推广中心', '我的评价', '我的投诉', '地址管理', '隐私与数据',
  ])
  const shop = fixture('me_shop')
  expect(text(page, '#shop-verified')).toBe('已认证')
  expect(text(page, '#shop-company')).toBe(shop.company_name)
  expect(text(page, '#shop-licence')).toBe(shop.licence_no)
  expect(text(page, '#shop-address')).toBe(shop.business_address)
  expect(text(page, '#shop-policy')).toBe(shop.return_policy)
  const calls = []
  wx.makePhoneCall = (o) => calls.push(o.phoneNumber)
  await tap(page, '#shop-phone')
  expect(calls).toEqual([shop.service_phone])
})

test('order shortcuts and entries open their pages', async () => {
  answerAll()
  const page = await open()
  await tap(page, '.me-order-tab', 0)
  await tap(page, '.me-order-tab', 3)
  await tap(page, '.me-order-tab', 4)
  await tap(page, '#all-orders')
  await tap(page, '.me-entry', 0)
  await tap(page, '.me-entry', 3)
  await tap(page, '.me-entry', 8)
  expect(fake.state.navigations.map((n) => n.url)).toEqual([
    '/pages/orders/list?status=pending_payment',
    '/pages/reviews/mine?tab=pending',
    '/pages/orders/list?status=after_sale',
    '/pages/orders/list',
    '/pages/member/member',
    '/pages/groupbuy/mine',
    '/pages/privacy/privacy',
  ])
})

test('phone binding sends the button\'s code and shows the bound phone, masked', async () => {
  answerAll()
  const bound = replay(fake, 'me_phone_bound')
  const page = await open()
  const { code } = recorded('me_phone_bound').request.body
  await phoneEvent(page, { errMsg: 'getPhoneNumber:ok', code })
  const sent = fake.state.requests.find((r) => r.path === '/auth/miniprogram/phone')
  expect(sent.method).toBe('POST')
  expect(sent.data).toEqual({ shop: 'demo', code })
  expect(sent.header.Authorization).toBe('Token t-me')
  expect(text(page, '#me-phone')).toBe(`手机号 ${bound.phone.slice(0, 3)}****${bound.phone.slice(-4)}已绑定`)
  expect(text(page, '#me-phone')).not.toContain(bound.phone)
  expect(page.querySelector('#bind-phone')).toBeFalsy()
})

test('a refused phone prompt sends nothing and says so in Chinese', async () => {
  answerAll()
  const page = await open()
  await phoneEvent(page, { errMsg: 'getPhoneNumber:fail user deny' })
  expect(fake.state.requests.filter((r) => r.path === '/auth/miniprogram/phone')).toHaveLength(0)
  expect(text(page, '#phone-note')).toBe('你没有授权手机号，可以稍后再点「绑定手机号」。')
  expect(page.querySelector('#bind-phone')).toBeTruthy()
})

test('the API\'s error (a used code) shows on the page', async () => {
  answerAll()
  const used = replay(fake, 'me_phone_code_used')
  const page = await open()
  await phoneEvent(page, { errMsg: 'getPhoneNumber:ok', code: 'again' })
  expect(text(page, '#phone-error')).toBe(used.message)
  expect(fake.state.toasts).toEqual([])
  expect(page.querySelector('#bind-phone')).toBeTruthy()
})

test('a bound phone is shown masked from the start', async () => {
  answerAll({ me: 'me_me_bound' })
  const page = await open()
  expect(text(page, '#me-phone')).toMatch(/^手机号 \d{3}\*{4}\d{4}已绑定$/)
})

test('the marketing switch asks WeChat for the shop\'s template from the tap and records the answer', async () => {
  answerAll()
  replay(fake, 'me_subscriptions_record')
  const asked = []
  const original = wx.requestSubscribeMessage
  wx.requestSubscribeMessage = (o) => { asked.push(o.tmplIds); original(o) }
  const page = await open()
  const { templates } = fixture('me_subscriptions')
  expect(page.querySelector('#marketing-switch').dom.className).not.toContain('on')
  await tap(page, '#marketing-switch')
  expect(asked).toEqual([[templates.marketing]])
  const record = fake.state.requests.find((r) => r.method === 'POST' && r.path === '/shops/demo/subscriptions/')
  expect(record.data).toEqual({ results: { [templates.marketing]: 'accept' } })
  expect(page.querySelector('#marketing-switch').dom.className).toContain('on')
  expect(text(page, '#marketing-hint')).toBe(`还可接收 ${fixture('me_subscriptions_record').remaining.marketing} 条优惠消息`)
  expect(text(page, '#marketing-note')).toBe('已订阅，有优惠时会通知你。')
})

test('a refused marketing prompt records the refusal and leaves the switch off', async () => {
  answerAll()
  const { templates } = fixture('me_subscriptions')
  fake.state.subscribeAnswers = { [templates.marketing]: 'reject' }
  fake.answer('POST', '/shops/demo/subscriptions/', { status: 200, body: fixture('me_subscriptions') })
  const page = await open()
  await tap(page, '#marketing-switch')
  const record = fake.state.requests.find((r) => r.method === 'POST' && r.path === '/shops/demo/subscriptions/')
  expect(record.data).toEqual({ results: { [templates.marketing]: 'reject' } })
  expect(page.querySelector('#marketing-switch').dom.className).not.toContain('on')
  expect(text(page, '#marketing-note')).toBe('没有订阅，随时可以再打开。')
})

test('a failed sign-in shows the API\'s message', async () => {
  const refused = replay(fake, 'me_error_login_code_invalid')
  replay(fake, 'me_shop')
  const page = await open()
  expect(text(page, '#me-error')).toBe(refused.message)
  expect(text(page, '#me-name')).toBe('未登录')
})
