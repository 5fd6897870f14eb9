// Subscribe-message prompts. WeChat shows `wx.requestSubscribeMessage` only from a tap, so pages
// call ask() inside the tap handler that starts the step (pay, after-sale request), before the
// step itself; the answer is recorded through the API (each "accept" allows one message).
const api = require('./api')

const ORDER_EVENTS = ['paid', 'shipped', 'delivered']
const AFTER_SALE_EVENTS = ['refunded']
const MARKETING = 'marketing' // the shop's news and offers: one campaign message per acceptance

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

// The shop's templates and how many more messages of each the shopper accepted:
// {templates: {event: id}, remaining: {event: n}}, or null when it cannot be read.
async function status() {
  try {
    return await api.get(api.shopPath('/subscriptions/'), undefined, { auth: true, quiet: true })
  } catch (e) {
    return null
  }
}

// Ask for one template already known (status() read it before the tap, e.g. the marketing one):
// call it first thing in the tap handler, so WeChat shows the prompt; the answer is recorded.
// Resolves {answer: "accept"|"reject"|"ban"|"filter"|null, subscriptions: the API's answer or null}.
function askTemplate(tmplId) {
  if (!tmplId) return Promise.resolve({ answer: null, subscriptions: null })
  return requestSubscribe([tmplId]).then(async (res) => {
    const answer = (res && res[tmplId]) || null
    if (!answer) return { answer: null, subscriptions: null }
    try {
      const subscriptions = await api.post(api.shopPath('/subscriptions/'), { results: { [tmplId]: answer } }, { auth: true, quiet: true })
      return { answer, subscriptions }
    } catch (e) {
      return { answer, subscriptions: null }
    }
  })
}

module.exports = { ask, status, askTemplate, ORDER_EVENTS, AFTER_SALE_EVENTS, MARKETING }
