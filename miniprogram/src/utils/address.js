// The address book's helpers shared by checkout and the address pages.
//
// - choose()/takeChosen(): the address list in choose mode hands the tapped address back to the
//   checkout page through storage (the checkout reads it in onShow, once).
// - fromWechat(): what `wx.chooseAddress` answered, as our address API's fields. The region comes
//   as names (provinceName, cityName, countyName); the server's own matcher turns them into the
//   division codes the API takes (GET /regions/match/, docs/api.md#regions-public), so the names
//   are never matched here. WeChat's postalCode has no field in our address book and is dropped.
// - draft: an address the shopper still has to fix (an import the API refused), handed to the
//   edit page with the API's field errors.
const api = require('./api')

const CHOSEN_KEY = 'weishop.checkout.address'
const DRAFT_KEY = 'weishop.address.draft'

function choose(address) {
  wx.setStorageSync(CHOSEN_KEY, address)
}

function takeChosen() {
  const chosen = wx.getStorageSync(CHOSEN_KEY)
  if (chosen) wx.removeStorageSync(CHOSEN_KEY)
  return chosen || null
}

function setDraft(draft) {
  wx.setStorageSync(DRAFT_KEY, draft)
}

function takeDraft() {
  const draft = wx.getStorageSync(DRAFT_KEY)
  if (draft) wx.removeStorageSync(DRAFT_KEY)
  return draft || null
}

// "广东省 广州市 海珠区 新港中路397号" (a level the region has not is left out).
function fullText(a) {
  return [a.province, a.city, a.district, a.detail].filter(Boolean).join(' ')
}

// wx.chooseAddress → a promise of its answer, or null when the shopper closed the picker.
function pickWechat() {
  return new Promise((resolve) => {
    wx.chooseAddress({
      success: (res) => resolve(res),
      fail: () => resolve(null),
    })
  })
}

// The picked WeChat address as the body of POST /addresses/, its region's codes found by the
// server: {body, region: {province, city, district, complete}}.
async function fromWechat(res) {
  const match = await api.get('/regions/match/', {
    province: res.provinceName || '',
    city: res.cityName || '',
    district: res.countyName || '',
  }, { quiet: true })
  const detail = [match.leftover, res.detailInfo].filter(Boolean).join(' ')
  return {
    body: {
      recipient: res.userName || '',
      phone: res.telNumber || '',
      province_code: match.province_code,
      city_code: match.city_code,
      district_code: match.district_code,
      detail,
    },
    region: { province: match.province, city: match.city, district: match.district, complete: match.complete },
  }
}

// The API's per-field messages as {field: first message} for the form.
function fieldErrors(err) {
  const out = {}
  const fields = (err && err.fields) || {}
  Object.keys(fields).forEach((k) => {
    const v = fields[k]
    out[k] = Array.isArray(v) ? String(v[0]) : String(v)
  })
  return out
}

module.exports = { choose, takeChosen, setDraft, takeDraft, fullText, pickWechat, fromWechat, fieldErrors, CHOSEN_KEY, DRAFT_KEY }
