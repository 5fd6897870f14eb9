// Where this visit came from: the signed `ch` (channel) and `ref` (sharer) codes a launch link or a
// shared card carried. They are kept on the phone and sent as `X-WeiShop-Attribution` with the
// checkout preview and the order (docs/api.md#conventions); WeiShop checks the signatures and
// ignores a bad code silently, so the mini-program never judges them.
const KEY = 'weishop.attribution'
const MAX_AGE_MS = 7 * 24 * 3600 * 1000

// A page's query arrives as it was written in the path (share.card encodes the code: its `:` is
// `%3A`); signed codes never hold a `%` of their own, so one decoding gives the code back.
function decoded(value) {
  const text = String(value)
  if (text.indexOf('%') === -1) return text
  try {
    return decodeURIComponent(text)
  } catch (e) {
    return text
  }
}

function fromQuery(query) {
  const found = {}
  if (!query) return found
  let q = query
  if (q.scene) {
    // a mini-program code (wxacode) carries its parameters in `scene`, URL-encoded
    const scene = decodeURIComponent(q.scene)
    q = { ...q }
    scene.split('&').forEach((pair) => {
      const [k, v] = pair.split('=')
      if (k && v) q[k] = v
    })
  }
  if (q.ch) found.ch = decoded(q.ch)
  if (q.ref) found.ref = decoded(q.ref)
  return found
}

// Call with the launch options' query (App.onLaunch/onShow) or a page's onLoad query.
function remember(query) {
  const found = fromQuery(query)
  if (!found.ch && !found.ref) return
  const kept = current()
  wx.setStorageSync(KEY, { ...kept, ...found, at: Date.now() })
}

function current() {
  const kept = wx.getStorageSync(KEY)
  if (!kept || !kept.at || Date.now() - kept.at > MAX_AGE_MS) return {}
  return kept
}

// The header for the calls that record attribution ({} when there is nothing to send).
function header() {
  const kept = current()
  const parts = []
  if (kept.ch) parts.push(`ch=${kept.ch}`)
  if (kept.ref) parts.push(`ref=${kept.ref}`)
  return parts.length ? { 'X-WeiShop-Attribution': parts.join('&') } : {}
}

module.exports = { remember, current, header, fromQuery }
