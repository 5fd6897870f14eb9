// 推广中心: the shop's distribution terms and applying; for an approved promoter the balances, my
// link (copy, share card) and poster, and the ledger, customers and withdrawals tabs. A withdrawal
// is asked for here; when WeChat waits for the promoter to confirm the transfer (`confirm`),
// wx.requestMerchantTransfer opens WeChat's sheet and withdrawals/check/ then asks WeChat Pay how
// it ended (the client's answer is not proof); a withdrawal not handled yet may be cancelled.
const api = require('../../utils/api')
const share = require('../../utils/share')
const poster = require('../../utils/poster')
const { yuan, dateTime } = require('../../utils/format')

const BASE = '/promoter/'
const WHO = {
  anyone: '人人可申请，申请即通过',
  buyers: '在本店有过付款订单即可成为推广员',
  approved: '提交申请后由商家审核',
}
const STATUS = {
  pending: '申请已提交，等待商家审核',
  rejected: '申请未通过，可以再次申请',
  disabled: '您的推广资格已被商家停用',
}

function percent(text) {
  // "10.00" → "10%", "2.50" → "2.5%" (the API's own figure, only trimmed)
  return `${String(text).replace(/\.?0+$/, '')}%`
}

function signed(fen) {
  return fen > 0 ? `+${yuan(fen)}` : yuan(fen)
}

function termsView(t) {
  return {
    enabled: t.enabled,
    rate: percent(t.rate_percent),
    level2: t.level2_rate_percent === null ? '' : percent(t.level2_rate_percent),
    who: WHO[t.who_may_promote] || '',
    rule: t.rule_text,
    minWithdraw: yuan(t.min_withdraw_fen),
  }
}

function balancesView(b) {
  if (!b) return null
  return {
    pending: yuan(b.pending_fen),
    balance: yuan(b.balance_fen),
    withdrawing: yuan(b.withdrawing_fen),
    withdrawn: yuan(b.withdrawn_fen),
    balanceFen: b.balance_fen,
  }
}

function entryView(e) {
  return { id: e.id, label: e.kind_label, note: e.note, amount: signed(e.amount_fen), plus: e.amount_fen > 0, at: dateTime(e.created_at) }
}

function customerView(c, i) {
  return { key: `${i}-${c.bound_at}`, name: c.name, boundAt: dateTime(c.bound_at), orders: c.orders, commission: yuan(c.commission_fen) }
}

function withdrawalView(w) {
  return {
    id: w.id,
    amount: yuan(w.amount_fen),
    status: w.status,
    statusLabel: w.status_label,
    reason: w.reason,
    at: dateTime(w.created_at),
    finishedAt: dateTime(w.finished_at),
    confirm: w.confirm,
    canConfirm: Boolean(w.confirm),
    canCancel: w.status === 'requested',
  }
}

// "12.5" → 1250 fen; null when it is not an amount of yuan with at most two decimals
function fenOf(text) {
  const m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(String(text || '').trim())
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'))
}

const LISTS = {
  ledger: { path: 'ledger/', view: entryView },
  customers: { path: 'customers/', view: customerView },
  withdrawals: { path: 'withdrawals/', view: withdrawalView },
}

Component({
  data: {
    loading: true,
    error: '',
    terms: null,
    status: '', // '' (not applied) | pending | approved | rejected | disabled
    statusText: '',
    balances: null,
    link: null,
    applying: false,
    applyError: '',
    tab: 'ledger',
    lists: {
      ledger: { rows: [], loaded: false, next: null },
      customers: { rows: [], loaded: false, next: null },
      withdrawals: { rows: [], loaded: false, next: null },
    },
    amountText: '',
    withdrawing: false,
    withdrawError: '',
  },
  methods: {
    onLoad() {
      share.loadRefCode()
      this.pages = {}
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      const { tab, lists } = this.data
      if (this.data.status === 'approved' && lists[tab].next) this.loadList(tab, { more: true })
    },

    load() {
      return api.get(api.shopPath(BASE), undefined, { auth: true, quiet: true })
        .then((centre) => this.showCentre(centre))
        .catch((err) => this.setData({ loading: false, error: err.message }))
    },

    showCentre(centre) {
      const status = centre.promoter ? centre.promoter.status : ''
      this.setData({
        loading: false,
        error: '',
        terms: termsView(centre.terms),
        status,
        statusText: STATUS[status] || '',
        balances: balancesView(centre.balances),
      })
      if (status === 'approved') {
        if (!this.data.link) this.loadLink()
        this.loadList(this.data.tab)
      }
    },

    apply() {
      if (this.data.applying) return
      this.setData({ applying: true, applyError: '' })
      return api.post(api.shopPath(`${BASE}apply/`), undefined, { auth: true, quiet: true })
        .then((centre) => {
          this.setData({ applying: false })
          this.showCentre(centre)
          if (centre.promoter && centre.promoter.status === 'approved') api.toast('你已成为推广员')
        })
        .catch((err) => this.setData({ applying: false, applyError: err.message }))
    },

    loadLink() {
      return api.get(api.shopPath(`${BASE}link/`), undefined, { auth: true, quiet: true })
        .then((link) => {
          share.setRefCode(link.code) // the same code every share card carries
          this.setData({ link: { code: link.code, url: link.url } })
        })
        .catch(() => {})
    },

    loadList(name, { more = false } = {}) {
      const spec = LISTS[name]
      const page = more ? (this.pages[name] || 1) + 1 : 1
      return api.get(api.shopPath(`${BASE}${spec.path}`), { page }, { auth: true, quiet: !more })
        .then((body) => {
          this.pages[name] = page
          const rows = body.results.map(spec.view)
          const kept = more ? this.data.lists[name].rows : []
          this.setData({ [`lists.${name}`]: { rows: kept.concat(rows), loaded: true, next: body.next } })
        })
        .catch((err) => {
          if (!more) this.setData({ [`lists.${name}`]: { rows: [], loaded: true, next: null, error: err.message } })
        })
    },

    switchTab(e) {
      const { tab } = e.currentTarget.dataset
      this.setData({ tab })
      if (!this.data.lists[tab].loaded) this.loadList(tab)
    },

    // ---------------------------------------------------------------- my link and poster

    copyLink() {
      wx.setClipboardData({ data: this.data.link.url, success: () => api.toast('链接已复制') })
    },
    showPoster() {
      return poster.show(api.shopPath(`${BASE}poster/`))
    },

    // ---------------------------------------------------------------- withdrawals

    onAmount(e) {
      this.setData({ amountText: e.detail.value, withdrawError: '' })
    },
    withdrawAll() {
      const b = this.data.balances
      if (b && b.balanceFen > 0) this.setData({ amountText: b.balance.replace('¥', ''), withdrawError: '' })
    },
    withdraw() {
      if (this.data.withdrawing) return
      const amount = fenOf(this.data.amountText)
      if (!amount) return this.setData({ withdrawError: '请输入提现金额，最多两位小数' })
      this.setData({ withdrawing: true, withdrawError: '' })
      return api.post(api.shopPath(`${BASE}withdrawals/`), { amount_fen: amount }, { auth: true, quiet: true })
        .then(() => {
          this.setData({ withdrawing: false, amountText: '', tab: 'withdrawals' })
          api.toast('提现申请已提交，等待商家审核')
          return this.refresh()
        })
        .catch((err) => this.setData({ withdrawing: false, withdrawError: err.message }))
    },

    // the balances and the withdrawals again, after a withdrawal changed
    refresh() {
      return Promise.all([
        api.get(api.shopPath(BASE), undefined, { auth: true, quiet: true })
          .then((centre) => this.setData({ balances: balancesView(centre.balances) }))
          .catch(() => {}),
        this.loadList('withdrawals'),
      ])
    },

    replaceWithdrawal(w) {
      const rows = this.data.lists.withdrawals.rows.map((row) => (row.id === w.id ? withdrawalView(w) : row))
      this.setData({ 'lists.withdrawals.rows': rows })
    },

    confirmReceipt(e) {
      const id = Number(e.currentTarget.dataset.id)
      const row = this.data.lists.withdrawals.rows.find((r) => r.id === id)
      if (!row || !row.confirm) return
      if (typeof wx.requestMerchantTransfer !== 'function') {
        api.toast('请将微信升级到最新版本后再确认收款')
        return
      }
      const check = () => api.post(api.shopPath(`${BASE}withdrawals/check/`), { withdrawal_id: id }, { auth: true })
        .then((w) => {
          this.replaceWithdrawal(w)
          if (w.status === 'paid') api.toast('已到账')
          return this.refresh()
        })
        .catch(() => {})
      return new Promise((resolve) => {
        wx.requestMerchantTransfer({
          mchId: row.confirm.mchId,
          appId: row.confirm.appId,
          package: row.confirm.package,
          success: () => resolve(check()),
          fail: () => resolve(check()), // closed or failed: WeChat Pay still says how it stands
        })
      })
    },

    cancelWithdrawal(e) {
      const id = Number(e.currentTarget.dataset.id)
      return new Promise((resolve) => {
        wx.showModal({
          title: '撤销提现',
          content: '撤销后金额退回可提现余额。',
          confirmText: '撤销',
          success: (res) => {
            if (!res.confirm) return resolve()
            resolve(api.post(api.shopPath(`${BASE}withdrawals/cancel/`), { withdrawal_id: id }, { auth: true })
              .then((w) => {
                this.replaceWithdrawal(w)
                return this.refresh()
              })
              .catch(() => {}))
          },
          fail: () => resolve(),
        })
      })
    },

    retry() {
      this.setData({ loading: true, error: '' })
      this.load()
    },

    onShareAppMessage() {
      return share.card({ title: '好物推荐，快来看看', path: '/pages/home/home' })
    },
  },
})
