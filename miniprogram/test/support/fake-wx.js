// A phone without WeChat for unit and page tests: wx.* APIs answered in memory, and wx.request
// answered from recorded API answers (test/fixtures/*.json, recorded from a real WeiShop server by
// tests/miniprogram in the Python suite). Every call is kept so tests can assert on it.
const config = require('../../src/config')

const state = {
  routes: [],
  requests: [],
  toasts: [],
  modals: [],
  navigations: [],
  storage: {},
  payments: [],
  subscribeAnswers: null,
  modalConfirm: true,
  unmatched: [],
  loginCount: 0,
}

function reset() {
  state.routes = []
  state.requests = []
  state.toasts = []
  state.modals = []
  state.navigations = []
  state.storage = {}
  state.payments = []
  state.subscribeAnswers = null
  state.modalConfirm = true
  state.unmatched = []
  state.loginCount = 0
  state.paymentResult = 'ok'
  state.chosenAddress = null
  state.chosenMedia = []
  state.phoneCode = null
  // social pages (mp-social): merchant transfers, downloads, image previews, the clipboard
  state.merchantTransfers = []
  state.merchantTransferResult = 'ok'
  state.downloads = []
  state.previews = []
  state.clipboard = []
}

function pathOf(url) {
  const rest = url.startsWith(config.apiBase) ? url.slice(config.apiBase.length) : url
  return rest.split('?')[0]
}

// answer('GET', '/shops/demo/products/', body) or answer('GET', path, {status: 400, body}) or
// answer('POST', path, (request) => ({status, body})). Later answers for the same route win;
// `times: 1` answers once and then falls through to the next matching route.
function answer(method, path, reply, { times } = {}) {
  state.routes.unshift({ method, path, reply, times })
}

function failNetwork(method, path, { times = 1 } = {}) {
  state.routes.unshift({ method, path, reply: 'network', times })
}

function findRoute(method, path) {
  return state.routes.find((r) => r.method === method && (r.path instanceof RegExp ? r.path.test(path) : r.path === path) && r.times !== 0)
}

function request(options) {
  const method = (options.method || 'GET').toUpperCase()
  const path = pathOf(options.url)
  const record = { method, path, data: options.data, header: options.header || {} }
  state.requests.push(record)
  const route = findRoute(method, path)
  setTimeout(() => {
    if (!route) {
      state.unmatched.push(`${method} ${path}`)
      options.success && options.success({ statusCode: 404, data: { code: 'not_found', message: '未录制的请求' } })
      return
    }
    if (route.times !== undefined) route.times -= 1
    if (route.reply === 'network') {
      options.fail && options.fail({ errMsg: 'request:fail timeout' })
      return
    }
    let reply = typeof route.reply === 'function' ? route.reply(record) : route.reply
    if (!reply || reply.status === undefined || reply.body === undefined) reply = { status: method === 'POST' ? 201 : 200, body: reply }
    options.success && options.success({ statusCode: reply.status, data: JSON.parse(JSON.stringify(reply.body)), header: {} })
  }, 0)
  return { abort() {} }
}

function install(wx) {
  Object.assign(wx, {
    request,
    login: (o) => { state.loginCount += 1; setTimeout(() => o.success && o.success({ code: `code-${state.loginCount}`, errMsg: 'login:ok' }), 0) },
    getStorageSync: (k) => (k in state.storage ? JSON.parse(state.storage[k]) : ''),
    setStorageSync: (k, v) => { state.storage[k] = JSON.stringify(v) },
    removeStorageSync: (k) => { delete state.storage[k] },
    showToast: (o) => { state.toasts.push(o.title) },
    hideToast: () => {},
    showLoading: () => {},
    hideLoading: () => {},
    showModal: (o) => {
      state.modals.push(o)
      setTimeout(() => o.success && o.success({ confirm: state.modalConfirm, cancel: !state.modalConfirm, content: o.content }), 0)
    },
    navigateTo: (o) => { state.navigations.push({ kind: 'navigateTo', url: o.url }); o.success && o.success() },
    redirectTo: (o) => { state.navigations.push({ kind: 'redirectTo', url: o.url }); o.success && o.success() },
    switchTab: (o) => { state.navigations.push({ kind: 'switchTab', url: o.url }); o.success && o.success() },
    reLaunch: (o) => { state.navigations.push({ kind: 'reLaunch', url: o.url }); o.success && o.success() },
    navigateBack: (o) => { state.navigations.push({ kind: 'navigateBack', delta: (o && o.delta) || 1 }) },
    setNavigationBarTitle: () => {},
    stopPullDownRefresh: () => {},
    pageScrollTo: () => {},
    requestPayment: (o) => {
      state.payments.push(o)
      setTimeout(() => {
        if (state.paymentResult === 'ok') o.success && o.success({ errMsg: 'requestPayment:ok' })
        else o.fail && o.fail({ errMsg: `requestPayment:fail ${state.paymentResult}` })
      }, 0)
    },
    requestSubscribeMessage: (o) => {
      const answers = state.subscribeAnswers || Object.fromEntries(o.tmplIds.map((id) => [id, 'accept']))
      setTimeout(() => o.success && o.success({ errMsg: 'requestSubscribeMessage:ok', ...answers }), 0)
    },
    chooseAddress: (o) => {
      setTimeout(() => (state.chosenAddress ? o.success && o.success({ errMsg: 'chooseAddress:ok', ...state.chosenAddress }) : o.fail && o.fail({ errMsg: 'chooseAddress:fail cancel' })), 0)
    },
    chooseMedia: (o) => {
      setTimeout(() => o.success && o.success({ tempFiles: state.chosenMedia.map((p) => ({ tempFilePath: p, size: 1000, fileType: 'image' })), type: 'image' }), 0)
    },
    uploadFile: (o) => {
      const path = pathOf(o.url)
      const record = { method: 'UPLOAD', path, filePath: o.filePath, name: o.name, formData: o.formData, header: o.header || {} }
      state.requests.push(record)
      const route = findRoute('UPLOAD', path) || findRoute('POST', path)
      setTimeout(() => {
        if (!route) {
          state.unmatched.push(`UPLOAD ${path}`)
          o.success && o.success({ statusCode: 404, data: JSON.stringify({ code: 'not_found', message: '未录制的请求' }) })
          return
        }
        if (route.times !== undefined) route.times -= 1
        let reply = typeof route.reply === 'function' ? route.reply(record) : route.reply
        if (!reply || reply.status === undefined || reply.body === undefined) reply = { status: 201, body: reply }
        o.success && o.success({ statusCode: reply.status, data: JSON.stringify(reply.body) })
      }, 0)
      return { abort() {}, onProgressUpdate() {} }
    },
    previewImage: () => {},
    makePhoneCall: () => {},
    setClipboardData: (o) => { o.success && o.success() },
    showShareMenu: () => {},
  })
}

// Social pages (mp-social): wx.requestMerchantTransfer (a promoter confirms a withdrawal's
// transfer; `state.merchantTransferResult`: 'ok' or the fail reason, e.g. 'cancel'),
// wx.downloadFile answered from the routes as `DOWNLOAD <path>` (`{status}`; a temp file path is
// made up), and wx.previewImage / wx.setClipboardData kept for assertions.
function installSocial(wx) {
  Object.assign(wx, {
    requestMerchantTransfer: (o) => {
      state.merchantTransfers.push({ mchId: o.mchId, appId: o.appId, package: o.package })
      setTimeout(() => {
        if (state.merchantTransferResult === 'ok') o.success && o.success({ errMsg: 'requestMerchantTransfer:ok' })
        else o.fail && o.fail({ errMsg: `requestMerchantTransfer:fail ${state.merchantTransferResult}` })
        o.complete && o.complete()
      }, 0)
    },
    downloadFile: (o) => {
      const path = pathOf(o.url)
      const record = { method: 'DOWNLOAD', path, header: o.header || {} }
      state.requests.push(record)
      state.downloads.push(record)
      const route = findRoute('DOWNLOAD', path)
      setTimeout(() => {
        if (!route) {
          state.unmatched.push(`DOWNLOAD ${path}`)
          o.success && o.success({ statusCode: 404, tempFilePath: '' })
          return
        }
        if (route.times !== undefined) route.times -= 1
        if (route.reply === 'network') {
          o.fail && o.fail({ errMsg: 'downloadFile:fail timeout' })
          return
        }
        const reply = typeof route.reply === 'function' ? route.reply(record) : route.reply
        const status = (reply && reply.status) || 200
        o.success && o.success({ statusCode: status, tempFilePath: `wxfile://tmp/download-${state.downloads.length}.png` })
      }, 0)
      return { abort() {}, onProgressUpdate() {} }
    },
    previewImage: (o) => { state.previews.push({ urls: o.urls, current: o.current }) },
    setClipboardData: (o) => { state.clipboard.push(o.data); o.success && o.success() },
  })
}

const installBase = install

module.exports = { state, reset, answer, failNetwork, install: (wx) => { installBase(wx); installSocial(wx) } }
