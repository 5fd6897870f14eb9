// 我的优惠券: my claims by tab (GET coupons/mine/?status=usable|used|expired, paginated); 去使用 opens
// the page of the coupon's scope (one product, the categories, or the home page).
const api = require('../../utils/api')
const format = require('../../utils/format')
const { useCoupon, SCOPE_LABELS } = require('./use')

const TABS = [
  { key: 'usable', label: '可用' },
  { key: 'used', label: '已使用' },
  { key: 'expired', label: '已过期' },
]
const EMPTY = { usable: '暂无可用的优惠券', used: '还没有用过优惠券', expired: '没有过期的优惠券' }
const API_PREFIX = '/api/v1'

function nextPath(next) {
  if (!next) return ''
  const at = next.indexOf(API_PREFIX)
  return at === -1 ? '' : next.slice(at + API_PREFIX.length)
}

function claimView(c) {
  let when = `有效期至 ${format.dateTime(c.valid_until)}`
  if (c.status === 'used' && c.used_at) when = `${format.dateTime(c.used_at)} 已使用`
  else if (c.status === 'expired') when = `${format.dateTime(c.valid_until)} 已过期`
  return {
    id: c.id,
    name: c.name,
    ruleText: c.rule_text,
    scopeLabel: SCOPE_LABELS[c.scope] || '',
    when,
    usable: c.status === 'usable',
    raw: c,
  }
}

Component({
  data: { tabs: TABS, tab: 'usable', claims: [], next: '', loading: true, error: '', empty: EMPTY.usable },
  methods: {
    onLoad(query) {
      const tab = TABS.some((t) => t.key === (query && query.status)) ? query.status : 'usable'
      this.setData({ tab, empty: EMPTY[tab] })
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      this.more()
    },
    async load() {
      const { tab } = this.data
      this.setData({ loading: true, error: '' })
      try {
        const page = await api.get(api.shopPath('/coupons/mine/'), { status: tab }, { auth: true, quiet: true })
        if (tab !== this.data.tab) return // another tab was chosen meanwhile
        this.setData({ loading: false, claims: page.results.map(claimView), next: nextPath(page.next) })
      } catch (err) {
        this.setData({ loading: false, claims: [], next: '', error: err.message })
      }
    },
    async more() {
      const { next, loading } = this.data
      if (!next || loading) return
      this.setData({ loading: true })
      try {
        const page = await api.get(next, undefined, { auth: true, quiet: true })
        this.setData({ loading: false, claims: this.data.claims.concat(page.results.map(claimView)), next: nextPath(page.next) })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    onTab(e) {
      const tab = e.currentTarget.dataset.key
      if (tab === this.data.tab) return
      this.setData({ tab, claims: [], next: '', empty: EMPTY[tab] })
      this.load()
    },
    onUse(e) {
      const claim = this.data.claims[e.currentTarget.dataset.index]
      if (claim && claim.usable) useCoupon(claim.raw)
    },
    toCenter() {
      wx.navigateTo({ url: '/pages/coupons/center' })
    },
  },
})
