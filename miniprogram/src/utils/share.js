// Share cards (onShareAppMessage / onShareTimeline) carrying the sharer's signed referral code, so an
// order placed through the card records them as its referrer (docs/api.md#attribution).
// Pages return share.card({...}) from onShareAppMessage and share.timeline({...}) from onShareTimeline.
const KEY = 'weishop.refcode'

// The signed code of the signed-in shopper, kept on the phone once fetched (see loadRefCode).
function refCode() {
  return wx.getStorageSync(KEY) || ''
}

function setRefCode(code) {
  if (code) wx.setStorageSync(KEY, code)
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

module.exports = { card, timeline, refCode, setRefCode, withRef }
