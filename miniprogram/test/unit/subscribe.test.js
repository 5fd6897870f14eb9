// utils/subscribe.js: WeChat opens the prompt only from a tap, so with the templates read ahead the
// prompt opens before any network call; the answer is recorded; a refusal never blocks the step.
const fake = require('../support/fake-wx')

const TEMPLATES = { templates: { paid: 'T_PAID', shipped: 'T_SHIP', delivered: 'T_DELIV', refunded: 'T_REF' }, remaining: {} }

function signedIn() {
  fake.state.storage['weishop.token'] = JSON.stringify('t1')
}

test('with the templates prepared, the prompt opens before any network call', async () => {
  signedIn()
  fake.answer('GET', '/shops/demo/subscriptions/', TEMPLATES)
  fake.answer('POST', '/shops/demo/subscriptions/', { status: 200, body: TEMPLATES })
  const subscribe = require('../../src/utils/subscribe')
  await subscribe.prepare()
  const asked = []
  const original = wx.requestSubscribeMessage
  wx.requestSubscribeMessage = (o) => { asked.push([o.tmplIds, fake.state.requests.length]); original(o) }
  const pending = subscribe.ask(subscribe.ORDER_EVENTS)
  expect(asked).toEqual([[['T_PAID', 'T_SHIP', 'T_DELIV'], 1]]) // synchronously, inside the tap
  await pending
  const posted = fake.state.requests[fake.state.requests.length - 1]
  expect(posted.method).toBe('POST')
  expect(posted.data).toEqual({ results: { T_PAID: 'accept', T_SHIP: 'accept', T_DELIV: 'accept' } })
})

test('without them it reads them first, and a refusal or an error resolves quietly', async () => {
  signedIn()
  fake.answer('GET', '/shops/demo/subscriptions/', { status: 500, body: { code: 'server_error', message: '服务繁忙' } })
  const subscribe = require('../../src/utils/subscribe')
  await expect(subscribe.ask(subscribe.AFTER_SALE_EVENTS)).resolves.toBeNull()
  expect(fake.state.toasts).toEqual([])
})
