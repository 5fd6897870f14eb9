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

let known = null // the shop's templates, read before the tap (prepare/status)

function tmplIdsFor(templates, events) {
  return events.map((e) => templates && templates[e]).filter(Boolean).slice(0, 3)
}

async function record(tmplIds, res) {
  if (!res) return null
  const results = {}
  tmplIds.forEach((id) => { if (res[id]) results[id] = res[id] })
  return api.post(api.shopPath('/subscriptions/'), { results }, { auth: true, quiet: true })
}

// Read the shop's templates ahead (call from onShow of a page whose tap will ask), so that ask()
// can open WeChat's prompt synchronously inside the tap, as WeChat requires.
function prepare() {
  return status()
}

// Never throws and never blocks the step: a refusal or an error only means no message. With the
// templates prepared, the prompt opens before any network call; otherwise they are read first.
async function ask(events) {
  try {
    let tmplIds
    let prompt
    if (known) {
      tmplIds = tmplIdsFor(known, events)
      if (!tmplIds.length) return null
      prompt = requestSubscribe(tmplIds)
    } else {
      const { templates } = await api.get(api.shopPath('/subscriptions/'), undefined, { auth: true, quiet: true })
      known = templates || {}
      tmplIds = tmplIdsFor(known, events)
      if (!tmplIds.length) return null
      prompt = requestSubscribe(tmplIds)
    }
    return await record(tmplIds, await prompt)
  } catch (e) {
    return null
  }
}

// The shop's templates and how many more messages of each the shopper accepted:
// {templates: {event: id}, remaining: {event: n}}, or null when it cannot be read.
async function status() {
  try {
    const answer = await api.get(api.shopPath('/subscriptions/'), undefined, { auth: true, quiet: true })
    known = (answer && answer.templates) || {}
    return answer
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

module.exports = { ask, prepare, status, askTemplate, ORDER_EVENTS, AFTER_SALE_EVENTS, MARKETING }
