// The WeiShop mini-program. Pages are built with Component() (WeChat's recommended page
// constructor, which miniprogram-simulate can render in tests); page lifecycle methods live in
// `methods`. Every call to the server goes through utils/api.js.
const attribution = require('./utils/attribution')
const subscribe = require('./utils/subscribe')

App({
  onLaunch(options) {
    attribution.remember(options && options.query)
    // signs in silently and reads the shop's subscribe templates, so that the pay and after-sale
    // taps can open WeChat's prompt at once (it must come from the tap itself)
    subscribe.prepare()
  },
  onShow(options) {
    attribution.remember(options && options.query)
  },
  globalData: {},
})
