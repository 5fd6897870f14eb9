// The one way pages talk to WeiShop's API (docs/api.md, /api/schema/).
//
// - Login is `wx.login` → POST /auth/miniprogram → a token kept in storage; a 401 signs in again
//   once and repeats the request.
// - An API error rejects with an ApiError carrying the API's stable `code` and Chinese `message`,
//   which is shown as a toast unless the caller passes `quiet: true` and shows it itself.
// - A network failure is retried once (with the same Idempotency-Key, so an order is never placed
//   twice), then shown as a toast and rejected with code `network`.
const config = require('../config')

const TOKEN_KEY = 'weishop.token'
const USER_KEY = 'weishop.user'
const NETWORK_MESSAGE = '网络不给力，请稍后再试'
const SERVER_MESSAGE = '服务繁忙，请稍后再试'

class ApiError extends Error {
  constructor({ status = 0, code = 'error', message = SERVER_MESSAGE, fields = {} } = {}) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields
  }
}

function toast(message) {
  wx.showToast({ title: message, icon: 'none', duration: 2500 })
}

function shopPath(path) {
  return `/shops/${config.shop}${path}`
}

function newKey() {
  const rand = () => Math.random().toString(36).slice(2, 10)
  return `mp-${Date.now().toString(36)}-${rand()}${rand()}`
}

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || ''
}

function setSession(body) {
  wx.setStorageSync(TOKEN_KEY, body.token)
  wx.setStorageSync(USER_KEY, body.user)
}

function clearSession() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(USER_KEY)
}

function cachedUser() {
  return wx.getStorageSync(USER_KEY) || null
}

// One wx.request as a promise: resolves {statusCode, data} for any HTTP answer, rejects
// {network: true} when no answer came.
function send({ method, path, data, header }) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.apiBase + path,
      method,
      data,
      header,
      timeout: 15000,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: (err) => reject({ network: true, errMsg: (err && err.errMsg) || 'request:fail' }),
    })
  })
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function sendWithRetry(options) {
  try {
    return await send(options)
  } catch (err) {
    if (!err || !err.network) throw err
    await delay(config.retryDelayMs === undefined ? 300 : config.retryDelayMs)
    try {
      return await send(options)
    } catch (again) {
      if (again && again.network) throw new ApiError({ code: 'network', message: NETWORK_MESSAGE })
      throw again
    }
  }
}

function errorFrom(res) {
  const body = res.data && typeof res.data === 'object' ? res.data : {}
  return new ApiError({
    status: res.statusCode,
    code: body.code || (res.statusCode >= 500 ? 'server_error' : 'error'),
    message: body.message || SERVER_MESSAGE,
    fields: body.fields || {},
  })
}

let loginInFlight = null

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError({ code: 'wx_login_failed', message: '微信登录失败，请重试' }))),
      fail: () => reject(new ApiError({ code: 'wx_login_failed', message: '微信登录失败，请重试' })),
    })
  })
}

// wx.login → our token. Concurrent callers share one sign-in.
function login() {
  if (!loginInFlight) {
    loginInFlight = (async () => {
      try {
        const code = await wxLoginCode()
        const res = await sendWithRetry({
          method: 'POST',
          path: '/auth/miniprogram',
          data: { shop: config.shop, code },
          header: { 'content-type': 'application/json' },
        })
        if (res.statusCode !== 200) throw errorFrom(res)
        setSession(res.data)
        return res.data
      } finally {
        loginInFlight = null
      }
    })()
  }
  return loginInFlight
}

async function ensureLogin() {
  if (!getToken()) await login()
  return getToken()
}

// request('GET', '/shops/demo/products/', {page: 2}, {auth: true})
// options: auth (true: sign in first; 'optional': send the token if there is one), idempotent (send an
// Idempotency-Key, the same on the retry), headers, quiet (no toast on error).
async function request(method, path, data, options = {}) {
  const auth = options.auth === undefined ? 'optional' : options.auth
  const header = { 'content-type': 'application/json', ...(options.headers || {}) }
  if (options.idempotent) header['Idempotency-Key'] = options.idempotencyKey || newKey()
  try {
    if (auth === true) await ensureLogin()
    let res = await sendWithRetry({ method, path, data, header: withToken(header) })
    if (res.statusCode === 401 && auth) {
      clearSession()
      await login()
      res = await sendWithRetry({ method, path, data, header: withToken(header) })
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res.data
    throw errorFrom(res)
  } catch (err) {
    const error = err instanceof ApiError ? err : new ApiError({ message: SERVER_MESSAGE })
    if (!options.quiet) toast(error.message)
    throw error
  }
}

function withToken(header) {
  const token = getToken()
  return token ? { ...header, Authorization: `Token ${token}` } : header
}

// multipart upload of one file with fields (review and after-sale photos): wx.uploadFile sends one
// file per call, so pages upload through the API's multipart endpoints field by field.
function upload(path, { filePath, name, formData = {} }, options = {}) {
  return (async () => {
    await ensureLogin()
    const res = await new Promise((resolve, reject) => {
      wx.uploadFile({
        url: config.apiBase + path,
        filePath,
        name,
        formData,
        header: withToken({}),
        success: (r) => {
          let body = r.data
          try { body = JSON.parse(r.data) } catch (e) { /* not JSON: keep the text */ }
          resolve({ statusCode: r.statusCode, data: body })
        },
        fail: () => reject(new ApiError({ code: 'network', message: NETWORK_MESSAGE })),
      })
    })
    if (res.statusCode >= 200 && res.statusCode < 300) return res.data
    throw errorFrom(res)
  })().catch((err) => {
    const error = err instanceof ApiError ? err : new ApiError({ message: SERVER_MESSAGE })
    if (!options.quiet) toast(error.message)
    throw error
  })
}

module.exports = {
  ApiError,
  NETWORK_MESSAGE,
  request,
  get: (path, data, options) => request('GET', path, data, options),
  post: (path, data, options) => request('POST', path, data, options),
  put: (path, data, options) => request('PUT', path, data, options),
  patch: (path, data, options) => request('PATCH', path, data, options),
  del: (path, data, options) => request('DELETE', path, data, options),
  upload,
  login,
  ensureLogin,
  clearSession,
  cachedUser,
  setSession,
  shopPath,
  newKey,
  toast,
}
