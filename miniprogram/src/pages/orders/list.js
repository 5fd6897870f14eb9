// 我的订单: tabs by the API's `tab` filter, paging (onReachBottom), and each order's actions.
// Money and status text are the API's; cancelling and confirming receipt ask first (wx.showModal).
const api = require('../../utils/api')
const { yuan, dateTime } = require('../../utils/format')

const TABS = [
  { key: '', label: '全部' },
  { key: 'pending_payment', label: '待付款' },
  { key: 'to_ship', label: '待发货' },
  { key: 'to_receive', label: '待收货' },
  { key: 'completed', label: '已完成' },
  { key: 'after_sale', label: '售后' },
]
const PAGE_SIZE = 10

function confirm(content) {
  return new Promise((resolve) => {
    wx.showModal({ title: '提示', content, success: (res) => resolve(!!res.confirm), fail: () => resolve(false) })
  })
}

function view(order) {
  const count = order.lines.reduce((n, line) => n + line.quantity, 0)
  return {
    order_no: order.order_no,
    status: order.status,
    status_text: order.status_text,
    created: dateTime(order.created_at),
    total: yuan(order.total_fen),
    count,
    lines: order.lines.map((line) => ({ id: line.id, title: line.title, spec_text: line.spec_text, image: line.image, quantity: line.quantity, price: yuan(line.unit_price_fen) })),
    canPay: order.status === 'pending_payment',
    canCancel: order.status === 'pending_payment',
    canConfirm: order.status === 'shipped' || order.status === 'delivered',
    canTrack: order.status === 'shipped' || order.status === 'delivered' || order.status === 'completed',
  }
}

Component({
  data: { tabs: TABS, tab: '', orders: [], page: 0, hasMore: true, loading: false, error: '', loaded: false },
  methods: {
    onLoad(query) {
      const tab = (query && query.tab) || ''
      this.setData({ tab: TABS.some((t) => t.key === tab) ? tab : '' })
      this.shown = false
    },
    onShow() {
      // back from paying or from an order's page: its state may have changed
      this.reload()
    },
    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) this.loadPage(this.data.page + 1)
    },
    reload() {
      this.setData({ orders: [], page: 0, hasMore: true, error: '', loaded: false })
      return this.loadPage(1)
    },
    async loadPage(page) {
      const tab = this.data.tab
      this.setData({ loading: true })
      const query = { page, page_size: PAGE_SIZE }
      if (tab) query.tab = tab
      try {
        const body = await api.get(api.shopPath('/orders/'), query, { auth: true, quiet: true })
        if (tab !== this.data.tab) return // the shopper switched tabs meanwhile
        const orders = page === 1 ? body.results.map(view) : this.data.orders.concat(body.results.map(view))
        this.setData({ orders, page, hasMore: !!body.next, loading: false, loaded: true })
      } catch (err) {
        this.setData({ loading: false, loaded: true, error: err.message })
      }
    },
    onTab(e) {
      const tab = e.currentTarget.dataset.key
      if (tab === this.data.tab) return
      this.setData({ tab })
      this.reload()
    },
    onOpen(e) {
      wx.navigateTo({ url: `/pages/orders/detail?order_no=${e.currentTarget.dataset.no}` })
    },
    onPay(e) {
      wx.navigateTo({ url: `/pages/pay/pay?order_no=${e.currentTarget.dataset.no}` })
    },
    onTrack(e) {
      wx.navigateTo({ url: `/pages/orders/detail?order_no=${e.currentTarget.dataset.no}&focus=tracking` })
    },
    async onCancel(e) {
      const no = e.currentTarget.dataset.no
      if (!(await confirm('确定取消这个订单吗？'))) return
      await this.act(no, 'cancel', '订单已取消')
    },
    async onConfirm(e) {
      const no = e.currentTarget.dataset.no
      if (!(await confirm('请确认已收到商品，确认后订单将完成。'))) return
      await this.act(no, 'confirm-receipt', '已确认收货')
    },
    async act(no, action, done) {
      try {
        const order = await api.post(api.shopPath(`/orders/${no}/${action}/`), {}, { auth: true })
        const orders = this.data.orders.map((o) => (o.order_no === no ? view(order) : o))
        this.setData({ orders })
        wx.showToast({ title: done, icon: 'success' })
      } catch (err) {
        // api.js has shown the API's message
      }
    },
  },
})
