// pages/member/member (会员中心): level, discount, progress to the next level, points (available,
// frozen, expiring), the levels and rules, and the paginated points history.
const fake = require('../support/fake-wx')
const { openPage, replay, fixture, recorded, text, texts, tap } = require('../support/page')
const { yuan } = require('../../src/utils/format')

const POINTS = '/shops/demo/member/points/'

function signIn() {
  fake.answer('POST', '/auth/miniprogram', { status: 200, body: { token: 't-m', created: false, user: fixture('me_me') } })
}

function answerPoints() {
  fake.answer('GET', POINTS, { status: 200, body: fixture('me_member_points_page2') })
  fake.answer('GET', POINTS, { status: 200, body: fixture('me_member_points') }, { times: 1 })
}

test('shows my level, discount, progress and points from the member API', async () => {
  signIn()
  const s = replay(fake, 'me_member')
  answerPoints()
  const page = await openPage('pages/member/member')
  expect(text(page, '#member-level')).toBe(`${s.level.name}会员价 ${s.level.discount_label}`)
  expect(text(page, '#member-spent')).toBe(`累计消费 ${yuan(s.spent_fen)}`)
  expect(text(page, '#member-next')).toBe(`再消费 ${yuan(s.to_next_fen)} 升级为${s.next_level.name}（${s.next_level.discount_label}）`)
  expect(page.instance.data.summary.progress).toBe(s.progress_percent)
  expect(text(page, '#points-available')).toBe(String(s.points_available))
  expect(text(page, '#points-frozen')).toBe(String(s.points_frozen))
  expect(text(page, '#points-expiring')).toBe(`${s.expiring.points} 积分将于 ${s.expiring.at.slice(0, 10)} 过期`)
  expect(texts(page, '.member-ladder-name')).toEqual(s.levels.map((lv) => lv.name))
  expect(texts(page, '.member-rule')).toEqual(s.rules.map((r, i) => `${i + 1}. ${r}`))
  expect(fake.state.requests.filter((r) => r.path === '/shops/demo/member/')[0].header.Authorization).toBe('Token t-m')
})

test('the points history is paginated: 加载更多 follows the API\'s next link', async () => {
  signIn()
  replay(fake, 'me_member')
  answerPoints()
  const first = fixture('me_member_points')
  const second = fixture('me_member_points_page2')
  const page = await openPage('pages/member/member')
  const label = (e) => e.kind_label
  expect(texts(page, '.points-label')).toEqual(first.results.map(label))
  expect(texts(page, '.points-amount')).toEqual(first.results.map((e) => `${e.available > 0 ? '+' : ''}${e.available}`))
  await tap(page, '#history-more')
  const asked = fake.state.requests.filter((r) => r.path === POINTS)
  expect(asked).toHaveLength(2)
  expect(recorded('me_member_points_page2').request.path).toContain('page=2')
  expect(texts(page, '.points-label')).toEqual(first.results.concat(second.results).map(label))
  expect(page.querySelector('#history-more')).toBeFalsy() // the last page has no next
})

test('an empty history says so', async () => {
  signIn()
  replay(fake, 'me_member')
  fake.answer('GET', POINTS, { status: 200, body: { ...fixture('me_member_points'), count: 0, next: null, results: [] } })
  const page = await openPage('pages/member/member')
  expect(text(page, '#history-empty')).toBe('还没有积分记录。')
})

test('an API error shows its message', async () => {
  signIn()
  const missing = recorded('me_error_shop_not_found')
  fake.answer('GET', '/shops/demo/member/', { status: missing.status, body: missing.body })
  answerPoints()
  const page = await openPage('pages/member/member')
  expect(text(page, '#member-error')).toBe(missing.body.message)
  expect(page.querySelector('#member-level')).toBeFalsy()
})
