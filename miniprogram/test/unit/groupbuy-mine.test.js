// pages/groupbuy/mine: 我的拼团 with each group's state in the shopper's words, 去付款 for an
// unpaid one, the way to each group and order, the empty state.
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, replay } = require('../support/page')

const PAGE = 'pages/groupbuy/mine'

function signedIn(who = 'alice') {
  replay(fake, `social_login_${who}`)
  replay(fake, who === 'alice' ? 'social_share' : `social_share_${who}`)
}

test('my groups show each one\'s state: waiting for my payment, and full', async () => {
  signedIn()
  const body = replay(fake, 'social_groups_mine_alice')
  const page = await openPage(PAGE)
  expect(texts(page, '.title')).toEqual(body.results.map((r) => r.group.title))
  expect(texts(page, '.state')).toEqual(['待付款 · 付款后开团', '拼团成功'])
  expect(texts(page, '.meta')).toEqual(body.results.map((r) => `${r.group.size}人团 · 团号 ${r.group.group_no}团长`))
  expect(page.querySelectorAll('.pay')).toHaveLength(1)
  await tap(page, '.pay')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/pay/pay?order_no=${body.results[0].order_no}` }])
  const mine = fake.state.requests.find((r) => r.path === '/shops/demo/groups/mine/')
  expect(mine.header.Authorization).toBeTruthy()
})

test('a failed group says the payment went back; a row opens its group and its order', async () => {
  signedIn('bob')
  const body = replay(fake, 'social_groups_mine_bob')
  const page = await openPage(PAGE)
  expect(texts(page, '.state')).toEqual(['拼团失败 · 已退款', '拼团成功'])
  expect(page.querySelectorAll('.leader')).toHaveLength(1)
  expect(page.querySelector('.pay')).toBeUndefined()
  await tap(page, '.row', 1)
  await tap(page, '.order', 1)
  expect(fake.state.navigations).toEqual([
    { kind: 'navigateTo', url: `/pages/groupbuy/group?group_no=${body.results[1].group.group_no}` },
    { kind: 'navigateTo', url: `/pages/orders/detail?order_no=${body.results[1].order_no}` },
  ])
})

test('an unpaid seat in an open group offers 去付款 and says how many are missing', async () => {
  signedIn('bob')
  const body = replay(fake, 'social_groups_mine_pending')
  const page = await openPage(PAGE)
  expect(texts(page, '.state')).toEqual(['待付款'])
  expect(body.results[0].group.state).toBe('open')
  expect(page.querySelectorAll('.pay')).toHaveLength(1)
  expect(page.querySelector('.invite')).toBeUndefined()
})

test('no groups yet: the empty state leads to the shop', async () => {
  signedIn('dave')
  replay(fake, 'social_groups_mine_empty')
  const page = await openPage(PAGE)
  expect(text(page, '.empty-text')).toBe('还没有参加过拼团')
  await tap(page, '.browse')
  expect(fake.state.navigations).toEqual([{ kind: 'switchTab', url: '/pages/home/home' }])
})

test('an error shows the API\'s message on the page', async () => {
  signedIn()
  fake.failNetwork('GET', '/shops/demo/groups/mine/', { times: 2 })
  const page = await openPage(PAGE)
  expect(text(page, '.error-text')).toBe('网络不给力，请稍后再试')
  expect(fake.state.toasts).toEqual([])
})
