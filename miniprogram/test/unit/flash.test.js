// pages/flash/flash: the running and the next flash-sale session, each counting down from the
// API's seconds_left, with the flash price, the units left and the way to the product page.
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, replay, fixture } = require('../support/page')

const PAGE = 'pages/flash/flash'
const PATH = '/shops/demo/flash-sales/'

function signedIn() {
  replay(fake, 'social_login_alice')
  return replay(fake, 'social_share').ref
}

function clock(s) {
  const two = (n) => String(n).padStart(2, '0')
  const days = Math.floor(s / 86400)
  const rest = s % 86400
  const t = `${two(Math.floor(rest / 3600))}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}`
  return days ? `${days}天 ${t}` : t
}

async function openTimed(query = {}) {
  const opening = openPage(PAGE, query)
  await jest.advanceTimersByTimeAsync(400)
  return opening
}

afterEach(() => jest.useRealTimers())

test('the running session shows its items at the flash price with what is left, and counts down', async () => {
  jest.useFakeTimers()
  signedIn()
  const board = replay(fake, 'social_flash')
  const page = await openTimed()
  const { current, upcoming } = board
  expect(text(page, '.current .session-name')).toBe(`${current.name} 抢购中`)
  expect(texts(page, '.current .item-title')).toEqual(current.items.map((i) => i.title))
  expect(texts(page, '.current .flash-price')).toEqual(['¥20.30', '¥20.30'])
  expect(texts(page, '.current .price-old')).toEqual(['¥29.00', '¥29.00'])
  expect(texts(page, '.current .stock')).toEqual(current.items.map((i) => `仅剩 ${i.remaining} 件`))
  expect(texts(page, '.current .limit')).toEqual(['每人限购 1 件', '每人限购 1 件'])
  expect(page.instance.data.current.items[0].soldPercent).toBe(20) // 2 of 10 sold
  expect(text(page, '.current .clock')).toBe(clock(current.seconds_left))
  expect(text(page, '.upcoming .clock')).toBe(clock(upcoming.seconds_left))
  await jest.advanceTimersByTimeAsync(5000)
  expect(text(page, '.current .clock')).toBe(clock(current.seconds_left - 5))
  expect(text(page, '.upcoming .clock')).toBe(clock(upcoming.seconds_left - 5))
  page.instance.onUnload()
})

test('the next session shows when it starts, its flash price and its whole quantity', async () => {
  signedIn()
  const { upcoming } = replay(fake, 'social_flash')
  const page = await openPage(PAGE)
  expect(text(page, '.upcoming .session-name')).toBe(`${upcoming.name} 即将开始`)
  expect(text(page, '.upcoming .countdown')).toContain('距开始')
  expect(text(page, '.upcoming .session-time')).toBe('2026-12-02 07:25 开抢') // 23:25 UTC in Shanghai
  expect(texts(page, '.upcoming .flash-price')).toEqual(['¥25.00'])
  expect(texts(page, '.upcoming .stock')).toEqual(['限量 20 件'])
  page.instance.onUnload()
})

test('when a countdown reaches zero the sessions are read again', async () => {
  jest.useFakeTimers()
  signedIn()
  const board = replay(fake, 'social_flash')
  const page = await openTimed()
  jest.setSystemTime(Date.now() + board.upcoming.seconds_left * 1000) // the next session starts
  await jest.advanceTimersByTimeAsync(1000)
  await jest.advanceTimersByTimeAsync(400)
  expect(fake.state.requests.filter((r) => r.path === PATH)).toHaveLength(2)
  page.instance.onUnload()
})

test('an item opens its product page', async () => {
  signedIn()
  const board = replay(fake, 'social_flash')
  const page = await openPage(PAGE)
  await tap(page, '.upcoming .item', 0)
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/product/product?id=${board.upcoming.items[0].product_id}` }])
  page.instance.onUnload()
})

test('a shop without flash sales says so', async () => {
  signedIn()
  // recorded from the demo's second shop, which runs none
  fake.answer('GET', PATH, fixture('social_flash_none'))
  const page = await openPage(PAGE)
  expect(text(page, '.empty')).toBe('暂无秒杀活动，敬请期待')
  expect(page.querySelector('.item')).toBeUndefined()
})

test('a network failure says so on the page, and 重新加载 asks again', async () => {
  signedIn()
  replay(fake, 'social_flash')
  fake.failNetwork('GET', PATH, { times: 2 }) // later routes win: the two failures come first
  const page = await openPage(PAGE)
  expect(text(page, '.error-text')).toBe('网络不给力，请稍后再试')
  await tap(page, '.retry')
  expect(texts(page, '.current .item-title')).toHaveLength(2)
  page.instance.onUnload()
})

test('the share card carries the shopper\'s ref code', async () => {
  const code = signedIn()
  replay(fake, 'social_flash')
  const page = await openPage(PAGE)
  expect(page.instance.onShareAppMessage()).toEqual({ title: '限时秒杀，手慢无', path: `/pages/flash/flash?ref=${encodeURIComponent(code)}` })
  expect(page.instance.onShareTimeline()).toEqual({ title: '限时秒杀，手慢无', query: `ref=${encodeURIComponent(code)}` })
  page.instance.onUnload()
})
