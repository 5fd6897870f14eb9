// pages/groupbuy/group: a group's page (members, seats, countdown, state), 参团 with a SKU and an
// address → the pay page, 发起拼团 from an activity, the share card and poster with the ref code.
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, replay, fixture, recorded } = require('../support/page')

const PAGE = 'pages/groupbuy/group'
const SHOP = '/shops/demo'
const ALICE_REF = fixture('social_share').ref // the group's opener, who shared it

function signedIn(who = 'alice') {
  replay(fake, `social_login_${who}`)
  return replay(fake, who === 'alice' ? 'social_share' : `social_share_${who}`).ref
}

function clock(s) {
  const two = (n) => String(n).padStart(2, '0')
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`
}

// openPage under jest's fake timers (the countdown ticks only when the test moves time on)
async function openTimed(query) {
  const opening = openPage(PAGE, query)
  await jest.advanceTimersByTimeAsync(400)
  return opening
}

afterEach(() => jest.useRealTimers())

test('an open group shows its product, masked members, empty seats and the countdown from seconds_left', async () => {
  jest.useFakeTimers()
  signedIn()
  replay(fake, 'social_product')
  const body = replay(fake, 'social_group')
  const page = await openTimed({ group_no: body.group_no })
  expect(text(page, '.title')).toBe('冷泡乌龙茶包')
  expect(text(page, '.price')).toBe('拼团价 ¥29.90')
  expect(text(page, '.state-title')).toBe(`还差 ${body.seats_left} 人成团`)
  expect(texts(page, '.seat.on .member-name')).toEqual(['张**'])
  expect(texts(page, '.leader')).toEqual(['团长'])
  expect(page.querySelectorAll('.free')).toHaveLength(body.seats_left)
  expect(page.instance.data.cover).toBe(fixture('social_product').images[0].list)
  expect(text(page, '.clock')).toBe(clock(body.seconds_left))
  await jest.advanceTimersByTimeAsync(3000)
  expect(text(page, '.clock')).toBe(clock(body.seconds_left - 3))
  expect(text(page, '.join')).toBe('¥29.90 参团')
  page.instance.onUnload()
})

test('a group whose countdown runs out is read again', async () => {
  jest.useFakeTimers()
  signedIn()
  replay(fake, 'social_product')
  replay(fake, 'social_group_succeeded') // what the same group says afterwards
  const open = recorded('social_group')
  fake.answer('GET', open.request.path, { status: open.status, body: open.body }, { times: 1 }) // later answers win
  const page = await openTimed({ group_no: open.body.group_no })
  jest.setSystemTime(Date.now() + (open.body.seconds_left - 2) * 1000) // the phone two seconds before the end
  await jest.advanceTimersByTimeAsync(1000)
  expect(text(page, '.clock')).toBe('00:00:01')
  await jest.advanceTimersByTimeAsync(1500)
  expect(fake.state.requests.filter((r) => r.path === open.request.path)).toHaveLength(2)
  expect(text(page, '.state-title')).toBe('拼团成功')
  page.instance.onUnload()
})

test('参团 sends the chosen SKU, the address and the sharer\'s ref, then opens the pay page', async () => {
  const code = signedIn('bob')
  replay(fake, 'social_product')
  replay(fake, 'social_addresses')
  const body = replay(fake, 'social_group')
  const placed = replay(fake, 'social_group_join')
  const page = await openPage(PAGE, { group_no: body.group_no, ref: encodeURIComponent(ALICE_REF) })
  await tap(page, '.join')
  expect(texts(page, '.sku-spec')).toEqual(['规格:10 包', '规格:30 包'])
  expect(texts(page, '.sku .price')).toEqual(['¥29.90', '¥45.00'])
  expect(texts(page, '.address .mute')).toEqual(['上海市上海市徐汇区 漕溪北路 101 号'])
  await tap(page, '.sku', 0)
  await tap(page, '.submit')
  const join = fake.state.requests.find((r) => r.method === 'POST' && r.path !== '/auth/miniprogram')
  expect(join.path).toBe(`${SHOP}/groups/${body.group_no}/join/`)
  expect(join.data).toEqual({ sku_id: 160, quantity: 1, address_id: 10 })
  expect(join.header['X-WeiShop-Attribution']).toBe(`ref=${ALICE_REF}`) // the card's code reaches the order
  expect(join.header['Idempotency-Key']).toBeTruthy()
  expect(join.header.Authorization).toBe(`Token ${fixture('social_login_bob').token}`)
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/pay/pay?order_no=${placed.order.order_no}` }])
  expect(code).not.toBe(ALICE_REF)
})

test.each([
  ['social_group_join_own', '您已经在这个团里了，分享给好友一起拼吧。'],
  ['social_group_join_full', fixture('social_group_join_full').message],
])('a refused join (%s) shows the API\'s message in the sheet', async (name, message) => {
  signedIn()
  replay(fake, 'social_product')
  replay(fake, 'social_addresses_alice')
  const body = replay(fake, 'social_group')
  replay(fake, name)
  const page = await openPage(PAGE, { group_no: body.group_no })
  await tap(page, '.join')
  await tap(page, '.submit')
  expect(text(page, '.pick-error')).toBe(message)
  expect(fake.state.navigations).toEqual([])
  expect(fake.state.toasts).toEqual([])
  expect(page.instance.data.picking).toBe('join')
})

test('without an address the sheet offers to add one and sends nothing', async () => {
  signedIn()
  replay(fake, 'social_product')
  replay(fake, 'social_addresses_empty')
  const body = replay(fake, 'social_group')
  const page = await openPage(PAGE, { group_no: body.group_no })
  await tap(page, '.join')
  expect(text(page, '.no-address .mute')).toBe('还没有收货地址')
  await tap(page, '.submit')
  expect(text(page, '.pick-error')).toBe('请先添加收货地址')
  expect(fake.state.requests.filter((r) => r.method === 'POST' && r.path !== '/auth/miniprogram')).toEqual([])
  await tap(page, '.add-address')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/address/edit' }])
})

test('a full group says 拼团成功 and offers to open a new one of its activity', async () => {
  signedIn()
  replay(fake, 'social_product')
  const body = replay(fake, 'social_group_succeeded')
  const page = await openPage(PAGE, { group_no: body.group_no })
  expect(text(page, '.state-title')).toBe('拼团成功')
  expect(texts(page, '.member-name')).toEqual(['张**', '李**', '王**'])
  expect(page.querySelectorAll('.free')).toHaveLength(0)
  expect(page.querySelector('.join')).toBeUndefined()
  expect(page.querySelector('.clock')).toBeUndefined()
  await tap(page, '.start-new')
  expect(fake.state.navigations).toEqual([{ kind: 'redirectTo', url: `/pages/groupbuy/group?activity=${body.activity_id}` }])
})

test('a failed group says its members were refunded', async () => {
  signedIn()
  replay(fake, 'social_product_nuts')
  const failed = replay(fake, 'social_group_failed')
  const page = await openPage(PAGE, { group_no: failed.group_no })
  expect(text(page, '.state-title')).toBe('拼团未成功')
  expect(text(page, '.state-text')).toBe('没有在时限内凑满，已付款的团员都已自动原路退款。')
  expect(texts(page, '.member-name')).toEqual([]) // its refunded members are no longer members
  expect(page.querySelectorAll('.free')).toHaveLength(0)
})

test('a group waiting for its opener cannot be joined yet', async () => {
  signedIn()
  replay(fake, 'social_product')
  const waiting = replay(fake, 'social_group_waiting')
  const page = await openPage(PAGE, { group_no: waiting.group_no })
  expect(text(page, '.state-title')).toBe('等待团长付款')
  expect(page.querySelector('.join')).toBeUndefined()
  await tap(page, '.mine')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/groupbuy/mine' }])
})

test('an unknown group shows the API\'s message', async () => {
  signedIn()
  replay(fake, 'social_group_missing')
  const page = await openPage(PAGE, { group_no: '0000000000' })
  expect(text(page, '.error-text')).toBe('没有找到这个团。')
  expect(fake.state.toasts).toEqual([])
})

test('an activity lists its open groups and 发起拼团 places the opener\'s order', async () => {
  signedIn()
  replay(fake, 'social_product')
  replay(fake, 'social_addresses_alice')
  const activity = replay(fake, 'social_groupbuy_activity_groups')
  const placed = replay(fake, 'social_group_open')
  const page = await openPage(PAGE, { activity: String(activity.id) })
  expect(text(page, '.price')).toBe('拼团价 ¥29.90 起')
  expect(texts(page, '.open-group .price')).toEqual(['2'])
  expect(text(page, '.open-group')).toContain('张** 的团')
  await tap(page, '.open-new')
  await tap(page, '.sku', 1)
  await tap(page, '.submit')
  const open = fake.state.requests.find((r) => r.method === 'POST' && r.path.endsWith('/groups/'))
  expect(open.path).toBe(`${SHOP}/group-buys/${activity.id}/groups/`)
  expect(open.data).toEqual({ sku_id: 161, quantity: 1, address_id: 9 })
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/pay/pay?order_no=${placed.order.order_no}` }])
})

test('an activity without groups invites to open one', async () => {
  signedIn()
  replay(fake, 'social_product')
  const activity = replay(fake, 'social_groupbuy_activity')
  const page = await openPage(PAGE, { activity: String(activity.id) })
  expect(text(page, '.no-groups')).toBe('还没有人开团，来当团长吧')
  expect(page.querySelector('.open-group')).toBeUndefined()
})

test('a group in an activity\'s list opens its page', async () => {
  signedIn()
  replay(fake, 'social_product')
  const withGroups = replay(fake, 'social_groupbuy_activity_groups')
  const page = await openPage(PAGE, { activity: String(withGroups.id) })
  await tap(page, '.open-group')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/groupbuy/group?group_no=${withGroups.groups[0].group_no}` }])
})

test('the share card and the timeline carry the group and the shopper\'s own ref code', async () => {
  const code = signedIn()
  replay(fake, 'social_product')
  const body = replay(fake, 'social_group')
  const page = await openPage(PAGE, { group_no: body.group_no })
  const card = page.instance.onShareAppMessage()
  expect(card).toEqual({
    title: '还差 2 人成团，一起拼「冷泡乌龙茶包」',
    path: `/pages/groupbuy/group?group_no=${body.group_no}&ref=${encodeURIComponent(code)}`,
    imageUrl: fixture('social_product').images[0].list,
  })
  expect(page.instance.onShareTimeline().query).toBe(`group_no=${body.group_no}&ref=${encodeURIComponent(code)}`)
})

test('the poster is downloaded with the shopper\'s token and previewed', async () => {
  signedIn()
  replay(fake, 'social_product')
  const body = replay(fake, 'social_group')
  fake.answer('DOWNLOAD', `${SHOP}/groups/${body.group_no}/poster/`, { status: 200 })
  const page = await openPage(PAGE, { group_no: body.group_no })
  await tap(page, '.poster')
  expect(fake.state.downloads).toHaveLength(1)
  expect(fake.state.downloads[0].header.Authorization).toBe(`Token ${fixture('social_login_alice').token}`)
  expect(fake.state.previews).toEqual([{ urls: ['wxfile://tmp/download-1.png'], current: 'wxfile://tmp/download-1.png' }])
})

test('a poster that cannot be drawn says so', async () => {
  signedIn()
  replay(fake, 'social_product')
  const body = replay(fake, 'social_group')
  fake.answer('DOWNLOAD', `${SHOP}/groups/${body.group_no}/poster/`, { status: 404 })
  const page = await openPage(PAGE, { group_no: body.group_no })
  await tap(page, '.poster')
  expect(fake.state.previews).toEqual([])
  expect(fake.state.toasts).toEqual(['海报生成失败，请稍后再试'])
})
