// 领券中心: the coupons anyone may claim now (GET coupons/, public); 立即领取 claims one (POST
// coupons/<id>/claim/, login); the API's refusals (sold out, limit reached, not started, ended)
// show on the coupon as the API words them.
const api = require('../../utils/api')
const format = require('../../utils/format')
const { useCoupon, validity, SCOPE_LABELS } = require('./use')

function couponView(c) {
  return {
    id: c.id,
    name: c.name,
    ruleText: c.rule_text,
    scopeLabel: SCOPE_LABELS[c.scope] || '',
    validity: validity(c),
    claimEnds: c.claim_ends_at ? `${format.date(c.claim_ends_at)} 前可领` : '',
    state: '', // '' | claimed | limit | sold_out | refused
    note: '',
    busy: false,
  }
}

const BUTTONS = { '': '立即领取', claimed: '去使用', limit: '去使用', sold_out: '已抢光', refused: '立即领取' }

Component({
  data: { loading: true, error: '', coupons: [], buttons: BUTTONS },
  methods: {
    onLoad() {
      this.raw = []
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        const list = await api.get(api.shopPath('/coupons/'), undefined, { quiet: true })
        this.raw = list
        this.setData({ loading: false, error: '', coupons: list.map(couponView) })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    async onCouponTap(e) {
      const index = e.currentTarget.dataset.index
      const coupon = this.data.coupons[index]
      if (!coupon || coupon.busy || coupon.state === 'sold_out') return
      if (coupon.state === 'claimed' || coupon.state === 'limit') {
        useCoupon(this.raw[index])
        return
      }
      const key = `coupons[${index}]`
      this.setData({ [`${key}.busy`]: true })
      try {
        const claim = await api.post(api.shopPath(`/coupons/${coupon.id}/claim/`), undefined, { auth: true, quiet: true })
        wx.showToast({ title: '领取成功', icon: 'success' })
        this.setData({
          [`${key}.state`]: 'claimed', [`${key}.busy`]: false,
          [`${key}.note`]: `已领取，${format.dateTime(claim.valid_until)} 前可用`,
        })
      } catch (err) {
        const state = { coupon_sold_out: 'sold_out', coupon_limit_reached: 'limit' }[err.code] || 'refused'
        this.setData({ [`${key}.state`]: state, [`${key}.busy`]: false, [`${key}.note`]: err.message })
      }
    },
    toMine() {
      wx.navigateTo({ url: '/pages/coupons/mine' })
    },
  },
})
