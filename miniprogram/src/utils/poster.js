// Share posters (PNG drawn by WeiShop: a group's, a promoter's, a product's). They are downloaded
// with the shopper's token, so the QR code on them carries the shopper's signed referral code, and
// shown with wx.previewImage (long-press there to save or send it).
const config = require('../config')
const api = require('./api')

const FAILED = '海报生成失败，请稍后再试'

function downloadOnce(path, token) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: config.apiBase + path,
      header: token ? { Authorization: `Token ${token}` } : {},
      success: (res) => resolve(res),
      fail: () => reject(new api.ApiError({ code: 'network', message: api.NETWORK_MESSAGE })),
    })
  })
}

// Download the poster at `path` (under the API base) and resolve its temporary file path.
async function download(path) {
  const token = await api.ensureLogin()
  let res = await downloadOnce(path, token)
  if (res.statusCode === 401) {
    api.clearSession()
    await api.login()
    res = await downloadOnce(path, wx.getStorageSync('weishop.token'))
  }
  if (res.statusCode !== 200 || !res.tempFilePath) throw new api.ApiError({ status: res.statusCode, code: 'poster_failed', message: FAILED })
  return res.tempFilePath
}

// Download and show it; a failure is a toast. Resolves the file path, or '' when it failed.
async function show(path) {
  wx.showLoading({ title: '海报生成中' })
  try {
    const file = await download(path)
    wx.hideLoading()
    wx.previewImage({ urls: [file], current: file })
    return file
  } catch (err) {
    wx.hideLoading()
    api.toast((err && err.message) || FAILED)
    return ''
  }
}

module.exports = { download, show, FAILED }
