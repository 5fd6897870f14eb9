// 会员中心: my level and the way to the next, my points (available, frozen by order, the next to
// expire), the shop's levels and rules (GET member/), and my points history (GET member/points/,
// paginated: the next page is the answer's `next`).
const api = require('../../utils/api')
const format = require('../../utils/format')

const API_PREFIX = '/api/v1'

// The API's absolute `next` link → the path api.js asks for (the same server as config.apiBase).
function nextPath(next) {
  if (!next) return ''
  const at = next.indexOf(API_PREFIX)
  return at === -1 ? '' : next.slice(at + API_PREFIX.length)
}

function entryView(e) {
  const unfrozen = e.kind === 'unfrozen'
  const points = unfrozen ? e.available : (e.available || e.frozen)
  return {
    id: e.id,
    label: e.kind_label,
    when: format.dateTime(e.created_at),
    note: e.note,
    orderNo: e.order_no || '',
    amount: `${points > 0 ? '+' : ''}${points}`,
    out: points < 0,
    bucket: unfrozen ? '转为可用' : (e.frozen && !e.available ? '冻结' : '可用'),
  }
}

function summaryView(s) {
  return {
    levelName: s.level ? s.level.name : '普通顾客',
    discount: s.level && s.level.discount_percent < 100 ? `会员价 ${s.level.discount_label}` : '',
    spent: format.yuan(s.spent_fen),
    progress: s.progress_percent,
    next: s.next_level ? `再消费 ${format.yuan(s.to_next_fen)} 升级为${s.next_level.name}（${s.next_level.discount_label}）` : '',
    top: !s.next_level && s.levels.length > 0,
    available: s.points_available,
    frozen: s.points_frozen,
    showPoints: s.points_rules.enabled || s.points_available > 0 || s.points_frozen > 0,
    perYuan: s.points_rules.enabled && s.points_available > 0 ? `${s.points_rules.points_per_yuan} 积分抵 ¥1，结算时可用。` : '',
    expiring: s.expiring ? `${s.expiring.points} 积分将于 ${format.date(s.expiring.at)} 过期` : '',
    frozenBatches: s.frozen.map((b) => ({
      key: b.order_no, text: `${b.points} 积分冻结中`, orderNo: b.order_no,
      unfreeze: b.unfreeze_at ? `${format.date(b.unfreeze_at)} 解冻` : '',
    })),
    levels: s.levels.map((lv) => ({
      id: lv.id, name: lv.name, threshold: `累计满 ${format.yuan(lv.threshold_fen)}`, discount: lv.discount_label,
      none: lv.discount_percent >= 100, current: !!(s.level && s.level.id === lv.id),
    })),
    rules: s.rules,
  }
}

Component({
  data: {
    loading: true,
    error: '',
    summary: null,
    entries: [],
    next: '',
    historyError: '',
    loadingMore: false,
  },
  methods: {
    onLoad() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      this.more()
    },
    async load() {
      const opts = { auth: true, quiet: true }
      try {
        const [summary, page] = await Promise.all([
          api.get(api.shopPath('/member/'), undefined, opts),
          api.get(api.shopPath('/member/points/'), undefined, opts),
        ])
        this.setData({
          loading: false, error: '', summary: summaryView(summary),
          entries: page.results.map(entryView), next: nextPath(page.next),
        })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    async more() {
      const { next, loadingMore } = this.data
      if (!next || loadingMore) return
      this.setData({ loadingMore: true, historyError: '' })
      try {
        const page = await api.get(next, undefined, { auth: true, quiet: true })
        this.setData({ entries: this.data.entries.concat(page.results.map(entryView)), next: nextPath(page.next), loadingMore: false })
      } catch (err) {
        this.setData({ historyError: err.message, loadingMore: false })
      }
    },
  },
})
