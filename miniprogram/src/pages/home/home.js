// 首页: the shop's name (已认证 with its verified details), the banner (featured products), the
// category row, 新品 and 热销, from one call: GET /shops/{shop}/home/.
const api = require('../../utils/api')
const catalog = require('../../utils/catalog')
const share = require('../../utils/share')
const attribution = require('../../utils/attribution')

// The category page is a tab (wx.switchTab takes no query): the chosen category waits here.
const CATEGORY_KEY = 'weishop.category'

Component({
  data: {
    loading: true,
    error: '',
    shop: null,
    showDetails: false,
    banner: [],
    categories: [],
    newArrivals: [],
    bestSellers: [],
  },
  methods: {
    onLoad(query) {
      attribution.remember(query)
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const home = await api.get(api.shopPath('/home/'), undefined, { quiet: true })
        this.setData({
          loading: false,
          shop: home.shop,
          banner: home.banner.map((p) => ({ id: p.id, title: p.title, subtitle: p.subtitle, image: p.cover ? p.cover.detail : '' })),
          categories: home.categories.map((c) => ({ id: c.id, name: c.name })),
          newArrivals: home.new_arrivals.map(catalog.card),
          bestSellers: home.best_sellers.map(catalog.card),
        })
        if (home.shop && home.shop.name) wx.setNavigationBarTitle({ title: home.shop.name })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    toggleDetails() {
      this.setData({ showDetails: !this.data.showDetails })
    },
    openSearch() {
      wx.navigateTo({ url: '/pages/search/search' })
    },
    openProduct(e) {
      wx.navigateTo({ url: catalog.productPath(e.currentTarget.dataset.id) })
    },
    openCategory(e) {
      const id = e.currentTarget.dataset.id
      if (id) wx.setStorageSync(CATEGORY_KEY, id)
      wx.switchTab({ url: '/pages/category/category' })
    },
    openFlash() {
      wx.navigateTo({ url: '/pages/flash/flash' })
    },
    openCoupons() {
      wx.navigateTo({ url: '/pages/coupons/center' })
    },
    callService() {
      const phone = this.data.shop && this.data.shop.service_phone
      if (phone) wx.makePhoneCall({ phoneNumber: phone })
    },
    onShareAppMessage() {
      const shop = this.data.shop || {}
      return share.card({ title: shop.name || '', path: '/pages/home/home', imageUrl: shop.logo || undefined })
    },
    onShareTimeline() {
      const shop = this.data.shop || {}
      return share.timeline({ title: shop.name || '', imageUrl: shop.logo || undefined })
    },
  },
})
