// Share cards (onShareAppMessage / onShareTimeline) carrying the sharer's signed referral code, so an
// order placed through the card records them as its referrer (docs/api.md#attribution).
// Pages return share.card({...}) from onShareAppMessage and share.timeline({...}) from onShareTimeline.
//
// Every signed-in shopper has a code (GET /shops/{shop}/share/, not only promoters): call
// loadRefCode() from a page's onLoad (it signs in silently with wx.login when needed, fetches the
// code once and keeps it on the phone), so the cards the page returns later carry it.
const config = require('../config')
const api = require('./api')

const KEY = 'weishop.refcode'
const USER_KEY = 'weishop.user' // utils/api.js keeps the signed-in shopper here

function currentUserId() {
  const user = wx.getStorageSync(USER_KEY)
  return (user && user.id) || null
}

// The signed code of the signed-in shopper in this shop, kept on the phone once fetched ('' when
// there is none, or when it was another shopper's or another shop's).
function refCode() {
  const kept = wx.getStorageSync(KEY)
  if (!kept) return ''
  if (typeof kept === 'string') return kept
  if (kept.shop !== config.shop) return ''
  if (kept.user && currentUserId() && kept.user !== currentUserId()) return ''
  return kept.ref || ''
}

function setRefCode(code) {
  if (code) wx.setStorageSync(KEY, { ref: code, shop: config.shop, user: currentUserId() })
}

let loading = null

// Fetch and keep the shopper's code: resolves the code ('' when it cannot be had now: the card is
// then shared without one, never blocked). Concurrent callers share one request.
function loadRefCode() {
  const kept = refCode()
  if (kept) return Promise.resolve(kept)
  if (!loading) {
    loading = api
      .get(api.shopPath('/share/'), undefined, { auth: true, quiet: true })
      .then((body) => {
        setRefCode(body && body.ref)
        return refCode()
      })
      .catch(() => '')
      .then((code) => {
        loading = null
        return code
      })
  }
  return loading
}

function withRef(path) {
  const code = refCode()
  if (!code) return path
  const sep = path.indexOf('?') === -1 ? '?' : '&'
  return `${path}${sep}ref=${encodeURIComponent(code)}`
}

function card({ title, path, imageUrl }) {
  const out = { title, path: withRef(path) }
  if (imageUrl) out.imageUrl = imageUrl
  return out
}

function timeline({ title, query = '', imageUrl }) {
  const code = refCode()
  const q = code ? (query ? `${query}&ref=${encodeURIComponent(code)}` : `ref=${encodeURIComponent(code)}`) : query
  const out = { title, query: q }
  if (imageUrl) out.imageUrl = imageUrl
  return out
}

module.exports = { card, timeline, refCode, setRefCode, withRef, loadRefCode }
