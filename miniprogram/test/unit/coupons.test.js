// pages/coupons/center (领券中心) and pages/coupons/mine (我的优惠券).
const fake = require('../support/fake-wx')
const { openPage, replay, fixture, recorded, text, texts, tap } = require('../support/page')

function signIn() {
  fake.answer('POST', '/auth/miniprogram', { status: 200, body: { token: 't-c', created: false, user: fixture('me_me') } })
}

function answerClaim(name) {
  const r = recorded(name)
  fake.answer('POST', r.request.path, { status: r.status, body: r.body })
  return r
}

const CLAIM_PATH = (id) => `/shops/demo/coupons/${id}/claim/`

describe('领券中心', () => {
  test('lists the claimable coupons, no login needed', async () => {
    const list = replay(fake, 'me_coupons')
    const page = await openPage('pages/coupons/center')
    expect(texts(page, '.coupon-rule')).toEqual(list.map((c) => c.rule_text))
    expect(texts(page, '.coupon-name')).toEqual(list.map((c) => c.name))
    expect(texts(page, '.coupon-btn')).toEqual(list.map(() => '立即领取'))
    expect(fake.state.requests.map((r) => r.path)).toEqual(['/shops/demo/coupons/'])
  })

  test('立即领取 claims through the API and re-renders as claimed; 去使用 opens its scope', async () => {
    const list = replay(fake, 'me_coupons')
    signIn()
    const claim = answerClaim('me_coupon_claim')
    const index = list.findIndex((c) => `/shops/demo/coupons/${c.id}/claim/` === claim.request.path)
    const page = await openPage('pages/coupons/center')
    await tap(page, '.coupon-btn', index)
    const sent = fake.state.requests.find((r) => r.method === 'POST' && r.path === claim.request.path)
    expect(sent.header.Authorization).toBe('Token t-c')
    expect(fake.state.toasts).toEqual(['领取成功'])
    expect(texts(page, '.coupon-btn')[index]).toBe('去使用')
    expect(text(page, '.coupon-note')).toBe(`已领取，${claim.body.valid_until.slice(0, 10)} ${claim.body.valid_until.slice(11, 16)} 前可用`)
    await tap(page, '.coupon-btn', index)
    expect(list[index].scope).toBe('categories')
    expect(fake.state.navigations).toEqual([{ kind: 'switchTab', url: '/pages/category/category' }])
    expect(fake.state.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/claim/'))).toHaveLength(1)
  })

  test('sold out and the per-shopper limit show as the API says', async () => {
    const list = replay(fake, 'me_coupons')
    signIn()
    const sold = answerClaim('me_coupon_claim_sold_out')
    const limit = answerClaim('me_coupon_claim_limit')
    const at = (r) => list.findIndex((c) => CLAIM_PATH(c.id) === r.request.path)
    const page = await openPage('pages/coupons/center')
    await tap(page, '.coupon-btn', at(sold))
    await tap(page, '.coupon-btn', at(limit))
    const notes = texts(page, '.coupon-note')
    expect(notes).toEqual(expect.arrayContaining([sold.body.message, limit.body.message]))
    expect(texts(page, '.coupon-btn')[at(sold)]).toBe('已抢光')
    expect(page.querySelectorAll('.coupon')[at(sold)].dom.className).toContain('dim')
    expect(texts(page, '.coupon-btn')[at(limit)]).toBe('去使用')
    expect(fake.state.toasts).toEqual([]) // shown on the coupon, not as a toast
    await tap(page, '.coupon-btn', at(sold)) // sold out: nothing more is asked
    expect(fake.state.requests.filter((r) => r.path === sold.request.path)).toHaveLength(1)
    await tap(page, '.coupon-btn', at(limit)) // a shop-wide coupon: the home page
    expect(fake.state.navigations).toEqual([{ kind: 'switchTab', url: '/pages/home/home' }])
  })

  test('no coupons: an empty state', async () => {
    fake.answer('GET', '/shops/demo/coupons/', { status: 200, body: fixture('me_coupons').slice(0, 0) })
    const page = await openPage('pages/coupons/center')
    expect(text(page, '#center-empty')).toBe('暂时没有可领的优惠券，过几天再来看看。')
  })

  test('an error shows the API\'s message', async () => {
    const missing = recorded('me_error_shop_not_found')
    fake.answer('GET', '/shops/demo/coupons/', { status: missing.status, body: missing.body })
    const page = await openPage('pages/coupons/center')
    expect(text(page, '#center-error')).toBe(missing.body.message)
  })
})

describe('我的优惠券', () => {
  const MINE = '/shops/demo/coupons/mine/'

  function answerTabs() {
    fake.answer('GET', MINE, (req) => {
      const name = { used: 'me_coupons_mine_used', expired: 'me_coupons_mine_expired' }[req.data && req.data.status] || 'me_coupons_mine_usable'
      const r = recorded(name)
      return { status: r.status, body: r.body }
    })
  }

  test('shows my usable coupons; 去使用 opens the coupon\'s scope', async () => {
    signIn()
    answerTabs()
    const usable = fixture('me_coupons_mine_usable').results
    const page = await openPage('pages/coupons/mine')
    expect(fake.state.requests.find((r) => r.path === MINE).data).toEqual({ status: 'usable' })
    expect(texts(page, '.tab.on')).toEqual(['可用'])
    expect(texts(page, '.coupon-rule')).toEqual(usable.map((c) => c.rule_text))
    expect(texts(page, '.coupon-when')[0]).toBe(`有效期至 ${usable[0].valid_until.slice(0, 10)} ${usable[0].valid_until.slice(11, 16)}`)
    await tap(page, '.coupon-btn', usable.findIndex((c) => c.scope === 'categories'))
    await tap(page, '.coupon-btn', usable.findIndex((c) => c.scope === 'shop'))
    expect(fake.state.navigations).toEqual([
      { kind: 'switchTab', url: '/pages/category/category' },
      { kind: 'switchTab', url: '/pages/home/home' },
    ])
  })

  test('a coupon for one product opens that product', async () => {
    signIn()
    const r = recorded('me_coupons_mine_products') // another shopper's: the product-only coupon
    fake.answer('GET', MINE, { status: r.status, body: r.body })
    const [claim] = r.body.results
    expect(claim.scope).toBe('products')
    const page = await openPage('pages/coupons/mine')
    await tap(page, '.coupon-btn')
    expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: `/pages/product/product?id=${claim.product_ids[0]}` }])
  })

  test('the tabs ask the API for 已使用 and 已过期 and show their empty states', async () => {
    signIn()
    answerTabs()
    const page = await openPage('pages/coupons/mine')
    await tap(page, '.tab', 1)
    expect(fake.state.requests.filter((r) => r.path === MINE).map((r) => r.data.status)).toEqual(['usable', 'used'])
    expect(page.querySelectorAll('.coupon')).toHaveLength(fixture('me_coupons_mine_used').results.length)
    expect(text(page, '#mine-empty')).toBe('还没有用过优惠券')
    await tap(page, '.tab', 2)
    expect(text(page, '#mine-empty')).toBe('没有过期的优惠券')
    expect(texts(page, '.tab.on')).toEqual(['已过期'])
  })

  test('an API error shows its message', async () => {
    signIn()
    const missing = recorded('me_error_shop_not_found')
    fake.answer('GET', MINE, { status: missing.status, body: missing.body })
    const page = await openPage('pages/coupons/mine')
    expect(text(page, '#mine-error')).toBe(missing.body.message)
  })
})
