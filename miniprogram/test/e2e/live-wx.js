// A phone with WeChat on it, for the end-to-end test: wx.request goes over HTTP to the live server,
// and what WeChat itself would answer comes from the server's simulators:
//   wx.login                    → GET  /wechat-sim/device/login   (a code for simulated user `user`)
//   getPhoneNumber (the button) → GET  /wechat-sim/device/phone   (a code for the phone number)
//   wx.requestSubscribeMessage  → GET  /wechat-sim/device/subscribe (the person taps 允许)
//   wx.requestPayment           → POST /wechatpay-sim/device/pay  (checks paySign, pays, notifies)
// Everything else a phone keeps (storage, toasts, page stack) is kept in memory and recorded.
const http = require('http')
const { URL } = require('url')

const phone = {
  base: process.env.WEISHOP_E2E_BASE,
  appid: process.env.WEISHOP_E2E_APPID,
  user: `e2e-${Date.now().toString(36)}`,
  storage: {},
  toasts: [],
  navigations: [],
  requests: [],
  wechatAddress: null,
  inflight: 0,
}

function httpCall(method, url, options = {}) {
  phone.inflight += 1
  return rawCall(method, url, options).finally(() => { phone.inflight -= 1 })
}

function rawCall(method, url, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const req = http.request(
      {
        method,
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers: { ...headers, ...(payload ? { 'Content-Length': payload.length } : {}) },
        timeout: 60000,
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8')
          let data = raw
          try { data = raw ? JSON.parse(raw) : '' } catch (e) { /* keep the text, as wx.request does */ }
          resolve({ statusCode: res.statusCode, data, header: res.headers })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (payload) req.write(payload)
    req.end()
  })
}

function query(params) {
  const q = new URLSearchParams()
  Object.entries(params).forEach(([k, v]) => (Array.isArray(v) ? v.forEach((x) => q.append(k, x)) : q.append(k, v)))
  return q.toString()
}

function request(options) {
  const method = (options.method || 'GET').toUpperCase()
  let url = options.url
  let body
  if (options.data !== undefined && options.data !== null) {
    if (method === 'GET') {
      const q = query(Object.fromEntries(Object.entries(options.data).filter(([, v]) => v !== undefined && v !== null)))
      if (q) url += (url.includes('?') ? '&' : '?') + q
    } else {
      body = options.data
    }
  }
  const headers = { 'content-type': 'application/json', ...(options.header || {}) }
  phone.requests.push({ method, url })
  httpCall(method, url, { body, headers })
    .then((res) => options.success && options.success(res))
    .catch((err) => options.fail && options.fail({ errMsg: `request:fail ${err.message}` }))
  return { abort() {} }
}

async function phoneNumberCode(number) {
  const res = await httpCall('GET', `${phone.base}/wechat-sim/device/phone?${query({ appid: phone.appid, phone: number })}`)
  if (res.statusCode !== 200 || !res.data.code) throw new Error(`device/phone: ${JSON.stringify(res.data)}`)
  return res.data.code
}

function install(wx) {
  Object.assign(wx, {
    request,
    login: (o) => {
      httpCall('GET', `${phone.base}/wechat-sim/device/login?${query({ appid: phone.appid, user: phone.user })}`)
        .then((res) => (res.data && res.data.code ? o.success && o.success({ code: res.data.code, errMsg: 'login:ok' }) : o.fail && o.fail({ errMsg: 'login:fail' })))
        .catch(() => o.fail && o.fail({ errMsg: 'login:fail' }))
    },
    requestPayment: (o) => {
      const params = { appId: o.appId, timeStamp: o.timeStamp, nonceStr: o.nonceStr, package: o.package, signType: o.signType, paySign: o.paySign, action: 'pay' }
      httpCall('POST', `${phone.base}/wechatpay-sim/device/pay`, { body: params, headers: { 'content-type': 'application/json' } })
        .then((res) => {
          const errMsg = (res.data && res.data.errMsg) || 'requestPayment:fail'
          if (errMsg === 'requestPayment:ok') o.success && o.success({ errMsg })
          else o.fail && o.fail({ errMsg })
        })
        .catch((err) => o.fail && o.fail({ errMsg: `requestPayment:fail ${err.message}` }))
    },
    requestSubscribeMessage: (o) => {
      httpCall('GET', `${phone.base}/wechat-sim/device/subscribe?${query({ appid: phone.appid, user: phone.user, tmplIds: o.tmplIds })}`)
        .then((res) => o.success && o.success(res.data))
        .catch(() => o.fail && o.fail({ errMsg: 'requestSubscribeMessage:fail' }))
    },
    chooseAddress: (o) => setTimeout(() => (phone.wechatAddress ? o.success && o.success({ errMsg: 'chooseAddress:ok', ...phone.wechatAddress }) : o.fail && o.fail({ errMsg: 'chooseAddress:fail cancel' })), 0),
    getStorageSync: (k) => (k in phone.storage ? JSON.parse(phone.storage[k]) : ''),
    setStorageSync: (k, v) => { phone.storage[k] = JSON.stringify(v) },
    removeStorageSync: (k) => { delete phone.storage[k] },
    showToast: (o) => { phone.toasts.push(o.title) },
    hideToast: () => {},
    showLoading: () => {},
    hideLoading: () => {},
    showModal: (o) => setTimeout(() => o.success && o.success({ confirm: true, cancel: false }), 0),
    navigateTo: (o) => { phone.navigations.push({ kind: 'navigateTo', url: o.url }); o.success && o.success() },
    redirectTo: (o) => { phone.navigations.push({ kind: 'redirectTo', url: o.url }); o.success && o.success() },
    switchTab: (o) => { phone.navigations.push({ kind: 'switchTab', url: o.url }); o.success && o.success() },
    reLaunch: (o) => { phone.navigations.push({ kind: 'reLaunch', url: o.url }); o.success && o.success() },
    navigateBack: () => { phone.navigations.push({ kind: 'navigateBack' }) },
    setNavigationBarTitle: () => {},
    stopPullDownRefresh: () => {},
    pageScrollTo: () => {},
    previewImage: () => {},
    makePhoneCall: () => {},
    showShareMenu: () => {},
    setClipboardData: (o) => { o.success && o.success() },
  })
}

module.exports = { phone, install, phoneNumberCode, httpCall }
