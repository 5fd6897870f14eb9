// 个人中心 (tab): who I am and my phone (getPhoneNumber → POST /auth/miniprogram/phone), my orders'
// badges (orders/counts/ and reviews/pending/), the shop's marketing messages switch, the entries
// to my other pages, and the shop's verified details (GET /shops/<slug>/).
const api = require('../../utils/api')
const config = require('../../config')
const format = require('../../utils/format')
const subscribe = require('../../utils/subscribe')

const ORDER_TABS = [
  { key: 'pending_payment', label: '待付款', url: '/pages/orders/list?status=pending_payment' },
  { key: 'to_ship', label: '待发货', url: '/pages/orders/list?status=to_ship' },
  { key: 'to_receive', label: '待收货', url: '/pages/orders/list?status=to_receive' },
  { key: 'to_review', label: '待评价', url: '/pages/reviews/mine?tab=pending' },
  { key: 'after_sale', label: '售后', url: '/pages/orders/list?status=after_sale' },
]

const ENTRIES = [
  { label: '会员中心', url: '/pages/member/member' },
  { label: '我的优惠券', url: '/pages/coupons/mine' },
  { label: '领券中心', url: '/pages/coupons/center' },
  { label: '我的拼团', url: '/pages/groupbuy/mine' },
  { label: '推广中心', url: '/pages/promoter/promoter' },
  { label: '我的评价', url: '/pages/reviews/mine?tab=done' },
  { label: '我的投诉', url: '/pages/complaint/mine' },
  { label: '地址管理', url: '/pages/address/list' },
  { label: '隐私与数据', url: '/pages/privacy/privacy' },
]

const PHONE_REFUSED = '你没有授权手机号，可以稍后再点「绑定手机号」。'
const PHONE_UNAVAILABLE = '暂时无法获取手机号，请升级微信后再试。'

function badge(n) {
  if (!n) return ''
  return n > 99 ? '99+' : String(n)
}

function marketingState(subs) {
  const templateId = (subs && subs.templates && subs.templates[subscribe.MARKETING]) || ''
  const remaining = (subs && subs.remaining && subs.remaining[subscribe.MARKETING]) || 0
  return { templateId, remaining, on: remaining > 0 }
}

Component({
  data: {
    loading: true,
    error: '',
    user: null,
    maskedPhone: '',
    phoneNote: '',
    phoneError: '',
    orderTabs: ORDER_TABS.map((t) => ({ ...t, badge: '' })),
    entries: ENTRIES,
    marketing: { templateId: '', remaining: 0, on: false },
    marketingNote: '',
    shop: null,
  },
  methods: {
    onShow() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      const quietly = (p) => p.catch(() => null)
      const opts = { auth: true, quiet: true }
      const [user, shop, counts, pending, subs] = await Promise.all([
        api.get('/me/', undefined, opts).catch((err) => {
          this.setData({ error: err.message })
          return null
        }),
        quietly(api.get(api.shopPath('/'), undefined, { quiet: true })),
        quietly(api.get(api.shopPath('/orders/counts/'), undefined, opts)),
        quietly(api.get(api.shopPath('/reviews/pending/'), undefined, opts)),
        subscribe.status(),
      ])
      const numbers = { ...(counts || {}), to_review: Array.isArray(pending) ? pending.length : 0 }
      const update = {
        loading: false,
        shop,
        orderTabs: ORDER_TABS.map((t) => ({ ...t, badge: badge(numbers[t.key]) })),
        marketing: marketingState(subs),
      }
      if (user) Object.assign(update, { error: '', user, maskedPhone: format.maskPhone(user.phone) })
      this.setData(update)
    },

    // <button open-type="getPhoneNumber">: WeChat hands a one-time code; the server trades it.
    async onPhoneNumber(e) {
      const detail = (e && e.detail) || {}
      if (!detail.code) {
        const msg = String(detail.errMsg || '')
        const refused = /deny|fail/.test(msg)
        this.setData({ phoneNote: refused ? PHONE_REFUSED : PHONE_UNAVAILABLE, phoneError: '' })
        return
      }
      this.setData({ phoneNote: '', phoneError: '' })
      try {
        const user = await api.post('/auth/miniprogram/phone', { shop: config.shop, code: detail.code }, { auth: true, quiet: true })
        this.setData({ user, maskedPhone: format.maskPhone(user.phone), phoneNote: '手机号已绑定' })
      } catch (err) {
        this.setData({ phoneError: err.message })
      }
    },

    // 订阅优惠消息: WeChat's prompt must open from the tap itself, so the template was read before.
    async onMarketingTap() {
      const { marketing } = this.data
      if (marketing.on) {
        wx.showModal({
          title: '优惠消息',
          content: `你还可以收到 ${marketing.remaining} 条优惠消息（每订阅一次可收到一条）。不想再收到时，点消息里的「退订」，或在右上角「…」→「设置」里关闭通知。`,
          showCancel: false,
          confirmText: '知道了',
        })
        return
      }
      const { answer, subscriptions } = await subscribe.askTemplate(marketing.templateId)
      let note = '没有订阅，随时可以再打开。'
      if (answer === 'accept') note = subscriptions ? '已订阅，有优惠时会通知你。' : '订阅没有记下，请稍后再试。'
      else if (answer === 'ban' || answer === 'filter') note = '微信已关闭本店的通知，可在右上角「…」→「设置」里打开。'
      const update = { marketingNote: note }
      if (subscriptions) update.marketing = marketingState(subscriptions)
      this.setData(update)
    },

    go(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    callShop() {
      const phone = this.data.shop && this.data.shop.service_phone
      if (phone) wx.makePhoneCall({ phoneNumber: phone })
    },
  },
})
