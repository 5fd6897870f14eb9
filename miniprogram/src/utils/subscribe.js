// Subscribe-message prompts. WeChat shows `wx.requestSubscribeMessage` only from a tap, so pages
// call ask() inside the tap handler that starts the step (pay, after-sale request), before the
// step itself; the answer is recorded through the API (each "accept" allows one message).
const api = require('./api')

const ORDER_EVENTS = ['paid', 'shipped', 'delivered']
const AFTER_SALE_EVENTS = ['refunded']

function requestSubscribe(tmplIds) {
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => resolve(res),
      fail: () => resolve(null),
    })
  })
}

// Never throws and never blocks the step: a refusal or an error only means no message.
async function ask(events) {
  try {
    const { templates } = await api.get(api.shopPath('/subscriptions/'), undefined, { auth: true, quiet: true })
    const tmplIds = events.map((e) => templates && templates[e]).filter(Boolean).slice(0, 3)
    if (!tmplIds.length) return null
    const res = await requestSubscribe(tmplIds)
    if (!res) return null
    const results = {}
    tmplIds.forEach((id) => { if (res[id]) results[id] = res[id] })
    return await api.post(api.shopPath('/subscriptions/'), { results }, { auth: true, quiet: true })
  } catch (e) {
    return null
  }
}

module.exports = { ask, ORDER_EVENTS, AFTER_SALE_EVENTS }
