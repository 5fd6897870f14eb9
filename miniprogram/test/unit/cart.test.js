// 购物车: the recorded cart drawn as the API answered it, the stepper's PATCH, removal, errors, empty.
const fake = require('../support/fake-wx')
const { openPage, settle, text, texts, tap, fixture, replay } = require('../support/page')
const { yuan } = require('../../src/utils/format')

const PAGE = 'pages/cart/cart'

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('recorded-shopper')
})

test('the cart shows every line, marks the sold-out one and shows the API\'s total', async () => {
  const cart = replay(fake, 'buy_cart')
  const page = await openPage(PAGE)
  expect(texts(page, '.line .title')).toEqual(cart.items.map((i) => i.title))
  expect(texts(page, '.line .unit')).toEqual(cart.items.map((i) => yuan(i.price_fen)))
  const off = page.querySelectorAll('.line.off')
  expect(off).toHaveLength(1)
  const soldOut = cart.items.find((i) => !i.available)
  expect(text(page, '.line.off .problem')).toContain(soldOut.problem)
  expect(text(page, '.goods')).toBe(yuan(cart.goods_fen)) // ¥198.00: the API's sum, not the page's
  expect(text(page, '.goods')).toBe('¥198.00')
  expect(page.instance.data.lines.map((l) => l.image)).toEqual(cart.items.map((i) => i.image))
})

test('+ sends the new quantity with PATCH and draws the cart the API answers', async () => {
  const cart = replay(fake, 'buy_cart')
  const patched = replay(fake, 'buy_cart_patch')
  const page = await openPage(PAGE)
  const line = cart.items.findIndex((i) => i.id === 1)
  await tap(page, '.line .more', line)
  const sent = fake.state.requests.filter((r) => r.method === 'PATCH')
  expect(sent).toHaveLength(1)
  expect(sent[0].path).toBe('/shops/demo/cart/items/1/')
  expect(sent[0].data).toEqual({ quantity: 2 })
  expect(text(page, '.goods')).toBe(yuan(patched.goods_fen))
  expect(text(page, '.goods')).toBe('¥267.00')
  expect(page.instance.data.lines.find((l) => l.id === 1).quantity).toBe(2)
})

test('a quantity above stock shows the API\'s message and keeps the cart', async () => {
  const cart = replay(fake, 'buy_cart')
  const refusal = replay(fake, 'buy_cart_patch_too_many')
  const page = await openPage(PAGE)
  const line = cart.items.findIndex((i) => i.id === 1)
  page.querySelectorAll('.line .qty')[line].dispatchEvent('blur', { detail: { value: '60' } })
  await settle()
  const sent = fake.state.requests.find((r) => r.method === 'PATCH')
  expect(sent.data).toEqual({ quantity: 60 })
  expect(fake.state.toasts).toEqual([refusal.message])
  expect(text(page, '.goods')).toBe(yuan(cart.goods_fen))
})

test('− at one does nothing; a sold-out line cannot be raised', async () => {
  const cart = replay(fake, 'buy_cart')
  const page = await openPage(PAGE)
  const soldOut = cart.items.findIndex((i) => !i.available)
  await tap(page, '.line .less', soldOut)
  await tap(page, '.line .more', soldOut)
  expect(fake.state.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0)
})

test('删除 asks first, then DELETEs the line and draws the answer', async () => {
  replay(fake, 'buy_cart')
  const after = replay(fake, 'buy_cart_remove')
  const page = await openPage(PAGE)
  await tap(page, '.line .remove', 0)
  expect(fake.state.modals[0].content).toContain('删除')
  const sent = fake.state.requests.find((r) => r.method === 'DELETE')
  expect(sent.path).toBe('/shops/demo/cart/items/3/')
  expect(texts(page, '.line .title')).toHaveLength(after.items.length)
  expect(page.querySelectorAll('.line.off')).toHaveLength(0)
})

test('去结算 opens checkout from the cart', async () => {
  replay(fake, 'buy_cart')
  const page = await openPage(PAGE)
  expect(text(page, '.checkout')).toBe('去结算(2)')
  await tap(page, '.checkout')
  expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/checkout/checkout' }])
})

test('an empty cart says so and links home', async () => {
  replay(fake, 'buy_cart_empty')
  const page = await openPage(PAGE)
  expect(text(page, '.cart-empty')).toContain('购物车还是空的')
  expect(page.querySelector('.checkout')).toBeFalsy()
  await tap(page, '.go-home')
  expect(fake.state.navigations).toEqual([{ kind: 'switchTab', url: '/pages/home/home' }])
})

test('a cart that cannot be read shows the API\'s message and a retry', async () => {
  fake.failNetwork('GET', '/shops/demo/cart/', { times: 2 })
  const page = await openPage(PAGE)
  expect(text(page, '.error-text')).toBe('网络不给力，请稍后再试')
  replay(fake, 'buy_cart')
  await tap(page, '.retry')
  expect(texts(page, '.line .title')).toHaveLength(fixture('buy_cart').items.length)
})
