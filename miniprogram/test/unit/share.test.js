// utils/share.js and utils/attribution.js: every shopper's cards carry their own signed referral
// code (GET /shops/{shop}/share/), and a card's code, opened on another phone, reaches checkout as
// the attribution header.
const fake = require('../support/fake-wx')
const { replay, fixture, settle } = require('../support/page')

const CODE = fixture('social_share').ref

function load() {
  return { share: require('../../src/utils/share'), attribution: require('../../src/utils/attribution') }
}

test('loadRefCode signs in, fetches the code once and keeps it for the cards', async () => {
  replay(fake, 'social_login_alice')
  replay(fake, 'social_share')
  const { share } = load()
  expect(share.card({ title: 't', path: '/pages/home/home' })).toEqual({ title: 't', path: '/pages/home/home' })
  await expect(Promise.all([share.loadRefCode(), share.loadRefCode()])).resolves.toEqual([CODE, CODE])
  await expect(share.loadRefCode()).resolves.toBe(CODE)
  expect(fake.state.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /auth/miniprogram', 'GET /shops/demo/share/'])
  const ref = encodeURIComponent(CODE)
  expect(share.card({ title: '好物', path: '/pages/product/product?id=28', imageUrl: 'x.jpg' }))
    .toEqual({ title: '好物', path: `/pages/product/product?id=28&ref=${ref}`, imageUrl: 'x.jpg' })
  expect(share.timeline({ title: '好物', query: 'id=28' })).toEqual({ title: '好物', query: `id=28&ref=${ref}` })
  expect(share.timeline({ title: '好物' })).toEqual({ title: '好物', query: `ref=${ref}` })
})

test('a code kept for another shopper is not put on this shopper\'s cards', async () => {
  replay(fake, 'social_login_alice')
  replay(fake, 'social_share')
  let { share } = load()
  await share.loadRefCode()
  // bob signs in on the same phone
  const bob = fixture('social_login_bob')
  fake.state.storage['weishop.user'] = JSON.stringify(bob.user)
  jest.resetModules()
  share = load().share
  expect(share.refCode()).toBe('')
  replay(fake, 'social_share_bob')
  await expect(share.loadRefCode()).resolves.toBe(fixture('social_share_bob').ref)
})

test('without a code the cards are shared plain, and nothing is toasted', async () => {
  replay(fake, 'social_login_alice')
  fake.failNetwork('GET', '/shops/demo/share/', { times: 2 })
  const { share } = load()
  await expect(share.loadRefCode()).resolves.toBe('')
  expect(share.card({ title: 't', path: '/pages/flash/flash' })).toEqual({ title: 't', path: '/pages/flash/flash' })
  expect(fake.state.toasts).toEqual([])
  await settle()
})

test('a shared card\'s ref, opened on another phone, is the attribution header checkout sends', () => {
  const captured = {}
  global.App = (definition) => { captured.app = definition }
  require('../../src/app')
  const { attribution } = load()
  // the card's path as share.card wrote it; WeChat hands the page's query over as written
  const path = `/pages/product/product?id=28&ref=${encodeURIComponent(CODE)}`
  const query = Object.fromEntries(path.split('?')[1].split('&').map((p) => p.split('=')))
  captured.app.onLaunch({ path: 'pages/product/product', query, scene: 1007 })
  expect(attribution.header()).toEqual({ 'X-WeiShop-Attribution': `ref=${CODE}` })
  delete global.App
})

test('a decoded query and a channel code give the same header; a stale one is dropped', () => {
  const { attribution } = load()
  attribution.remember({ ref: CODE })
  attribution.remember({ scene: encodeURIComponent('ch=pyq-1212') })
  expect(attribution.header()).toEqual({ 'X-WeiShop-Attribution': `ch=pyq-1212&ref=${CODE}` })
  const kept = JSON.parse(fake.state.storage['weishop.attribution'])
  fake.state.storage['weishop.attribution'] = JSON.stringify({ ...kept, at: Date.now() - 8 * 24 * 3600 * 1000 })
  expect(attribution.header()).toEqual({})
})
