// pages/redpacket/redpacket: 拆 a shared red packet: the coupon got, or the API's reason.
const fake = require('../support/fake-wx')
const { openPage, tap, text, replay, recorded } = require('../support/page')

const PAGE = 'pages/redpacket/redpacket'
const OPEN = recorded('social_redpacket_open').request.path
const TOKEN = decodeURIComponent(OPEN.split('/')[4])

function signedIn(who = 'alice') {
  replay(fake, `social_login_${who}`)
  return replay(fake, who === 'alice' ? 'social_share' : `social_share_${who}`).ref
}

test('拆 opens the packet from the card\'s token and shows the coupon got', async () => {
  signedIn('bob')
  const claim = replay(fake, 'social_redpacket_open')
  const page = await openPage(PAGE, { token: encodeURIComponent(TOKEN) })
  expect(text(page, '.packet-name')).toBe('恭喜发财，大吉大利')
  expect(fake.state.requests.filter((r) => r.method === 'POST' && r.path === OPEN)).toEqual([]) // nothing opened before the tap
  await tap(page, '.open')
  const open = fake.state.requests.find((r) => r.path === OPEN)
  expect(open.method).toBe('POST')
  expect(open.header.Authorization).toBeTruthy()
  expect(text(page, '.amount')).toBe('¥6.89')
  expect(text(page, '.packet-name')).toBe(claim.name)
  expect(text(page, '.got')).toBe('已放入我的优惠券（无门槛减 ¥6.89），2026-12-09 04:26 前可用')
  await tap(page, '.coupons')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/coupons/mine' }])
})

test.each([
  ['social_redpacket_again', '您已经拆过这个红包了。', '.coupons'],
  ['social_redpacket_sold_out', '来晚了，红包已被抢完。', '.browse'],
])('a refusal (%s) shows the API\'s reason on the page', async (name, message, action) => {
  signedIn()
  replay(fake, name)
  const page = await openPage(PAGE, { token: TOKEN })
  await tap(page, '.open')
  expect(text(page, '.refusal')).toBe(message)
  expect(fake.state.toasts).toEqual([])
  expect(page.querySelector('.open')).toBeUndefined()
  expect(page.querySelector(action)).toBeTruthy()
})

test('a bad link says so', async () => {
  signedIn()
  const r = recorded('social_redpacket_bad')
  replay(fake, 'social_redpacket_bad')
  const page = await openPage(PAGE, { token: r.request.path.split('/')[4] })
  await tap(page, '.open')
  expect(text(page, '.refusal')).toBe('没有找到这张优惠券。')
})

test('a card without a token asks for a new one and opens nothing', async () => {
  signedIn()
  const page = await openPage(PAGE, {})
  expect(text(page, '.refusal')).toBe('这个红包链接不完整，请让好友重新分享。')
  expect(page.querySelector('.open')).toBeUndefined()
})

test('passing the packet on carries its token and the shopper\'s ref code', async () => {
  const code = signedIn()
  const page = await openPage(PAGE, { token: encodeURIComponent(TOKEN) })
  expect(page.instance.onShareAppMessage()).toEqual({
    title: '送你一个红包，拆开就能用',
    path: `/pages/redpacket/redpacket?token=${encodeURIComponent(TOKEN)}&ref=${encodeURIComponent(code)}`,
  })
})
