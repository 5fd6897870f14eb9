// The WeiShop mini-program. Pages are built with Component() (WeChat's recommended page
// constructor, which miniprogram-simulate can render in tests); page lifecycle methods live in
// `methods`. Every call to the server goes through utils/api.js.
const attribution = require('./utils/attribution')

App({
  onLaunch(options) {
    attribution.remember(options && options.query)
  },
  onShow(options) {
    attribution.remember(options && options.query)
  },
  globalData: {},
})
