// utils/api.js: sign-in, the 401 refresh, one retry on a network failure, the API's own messages.
const fake = require('../support/fake-wx')
const { settle } = require('../support/page')

const LOGIN = '/auth/miniprogram'
const ME = '/me/'
const signedIn = (token) => ({ status: 200, body: { token, created: false, user: { id: 7, nickname: '小明' } } })

function load() {
  return require('../../src/utils/api')
}

test('a call that needs a shopper signs in with wx.login first and sends the token', async () => {
  fake.answer('POST', LOGIN, signedIn('t1'))
  fake.answer('GET', ME, { id: 7 })
  const body = await load().get(ME, undefined, { auth: true })
  expect(body).toEqual({ id: 7 })
  const [login, me] = fake.state.requests
  expect(login.data).toEqual({ shop: 'demo', code: 'code-1' })
  expect(me.header.Authorization).toBe('Token t1')
  expect(fake.state.storage['weishop.token']).toBe('"t1"')
})

test('a 401 signs in again once and repeats the request', async () => {
  fake.state.storage['weishop.token'] = JSON.stringify('stale')
  fake.answer('POST', LOGIN, signedIn('fresh'))
  fake.answer('GET', ME, { id: 7 })
  fake.answer('GET', ME, { status: 401, body: { code: 'not_authenticated', message: '请先登录。' } }, { times: 1 })
  const body = await load().get(ME, undefined, { auth: true })
  expect(body).toEqual({ id: 7 })
  expect(fake.state.requests.map((r) => `${r.method} ${r.path} ${r.header.Authorization || ''}`.trim())).toEqual([
    'GET /me/ Token stale',
    'POST /auth/miniprogram',
    'GET /me/ Token fresh',
  ])
  expect(fake.state.toasts).toEqual([])
})

test('concurrent calls share one sign-in', async () => {
  fake.answer('POST', LOGIN, signedIn('t1'))
  fake.answer('GET', ME, { id: 7 })
  const api = load()
  await Promise.all([api.get(ME, undefined, { auth: true }), api.get(ME, undefined, { auth: true })])
  expect(fake.state.requests.filter((r) => r.path === LOGIN)).toHaveLength(1)
})

test('an API error shows the API\'s Chinese message and rejects with its code', async () => {
  fake.answer('POST', '/shops/demo/cart/items/', { status: 409, body: { code: 'out_of_stock', message: '库存不足，仅剩 2 件。', fields: {} } })
  await expect(load().post('/shops/demo/cart/items/', { sku_id: 1, quantity: 5 })).rejects.toMatchObject({
    code: 'out_of_stock', status: 409, message: '库存不足，仅剩 2 件。',
  })
  expect(fake.state.toasts).toEqual(['库存不足，仅剩 2 件。'])
})

test('quiet calls leave the message to the page', async () => {
  fake.answer('GET', ME, { status: 404, body: { code: 'not_found', message: '未找到。' } })
  await expect(load().get(ME, undefined, { quiet: true })).rejects.toMatchObject({ code: 'not_found' })
  expect(fake.state.toasts).toEqual([])
})

test('a network failure is retried once with the same Idempotency-Key', async () => {
  fake.answer('POST', '/shops/demo/orders/', { status: 201, body: { order_no: 'W1' } })
  fake.failNetwork('POST', '/shops/demo/orders/', { times: 1 })
  const body = await load().post('/shops/demo/orders/', { address_id: 1 }, { idempotent: true })
  expect(body).toEqual({ order_no: 'W1' })
  const [first, second] = fake.state.requests
  expect(first.header['Idempotency-Key']).toBeTruthy()
  expect(second.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
  expect(fake.state.toasts).toEqual([])
})

test('a second network failure says so', async () => {
  fake.failNetwork('GET', '/shops/demo/products/', { times: 2 })
  await expect(load().get('/shops/demo/products/')).rejects.toMatchObject({ code: 'network' })
  expect(fake.state.requests).toHaveLength(2)
  expect(fake.state.toasts).toEqual(['网络不给力，请稍后再试'])
  await settle()
})

test('a server error without a body shows a generic Chinese message', async () => {
  fake.answer('GET', '/shops/demo/', { status: 502, body: '<html>Bad Gateway</html>' })
  await expect(load().get('/shops/demo/')).rejects.toMatchObject({ code: 'server_error', status: 502 })
  expect(fake.state.toasts).toEqual(['服务繁忙，请稍后再试'])
})
