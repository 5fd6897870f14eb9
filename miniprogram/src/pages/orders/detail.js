// 订单详情: status, address, lines, every discount line and the totals as the API answers, the
// timeline (the order's events, newest first), the shipment's tracking, after-sales, and the actions
// the status allows. 去评价 shows on the lines the API lists as waiting for a review (reviews/pending/).
const api = require('../../utils/api')
const { yuan, dateTime } = require('../../utils/format')

const OPEN_AFTER_SALE = ['requested', 'awaiting_return', 'returning', 'refunding']
const AFTER_SALE_OK = ['paid', 'shipped', 'delivered', 'completed']

function confirm(content) {
  return new Promise((resolve) => {
    wx.showModal({ title: '提示', content, success: (res) => resolve(!!res.confirm), fail: () => resolve(false) })
  })
}

function view(order, reviewable) {
  const open = order.after_sales.some((a) => OPEN_AFTER_SALE.indexOf(a.status) !== -1)
  const a = order.address
  return {
    order_no: order.order_no,
    status: order.status,
    status_text: order.status_text,
    pay_deadline: order.status === 'pending_payment' ? dateTime(order.pay_deadline) : '',
    address: { recipient: a.recipient, phone: a.phone, text: `${a.province}${a.city === a.province ? '' : a.city}${a.district}${a.detail}` },
    lines: order.lines.map((line) => ({
      id: line.id, title: line.title, spec_text: line.spec_text, image: line.image, quantity: line.quantity,
      price: yuan(line.unit_price_fen), refunded: line.refunded_fen ? yuan(line.refunded_fen) : '',
      reviewable: reviewable.indexOf(line.id) !== -1,
    })),
    goods: yuan(order.goods_fen),
    shipping: yuan(order.shipping_fen),
    discounts: order.discounts.map((d) => ({ label: d.label, amount: `-${yuan(d.amount_fen)}` })),
    total: yuan(order.total_fen),
    paid: order.paid_fen ? yuan(order.paid_fen) : '',
    refunded: order.refunded_fen ? yuan(order.refunded_fen) : '',
    remark: order.remark,
    created: dateTime(order.created_at),
    timeline: order.timeline.slice().reverse().map((e) => ({ text: e.text, message: e.message, at: dateTime(e.created_at) })),
    shipment: order.shipment && {
      carrier_name: order.shipment.carrier_name,
      tracking_no: order.shipment.tracking_no,
      shipped_at: dateTime(order.shipment.shipped_at),
      tracking: order.shipment.tracking.map((t) => ({ description: t.description, location: t.location, at: dateTime(t.occurred_at) })),
    },
    after_sales: order.after_sales.map((s) => ({ no: s.after_sale_no, kind_text: s.kind_text, status_text: s.status_text, amount: yuan(s.amount_fen) })),
    canPay: order.status === 'pending_payment',
    canCancel: order.status === 'pending_payment',
    canConfirm: order.status === 'shipped' || order.status === 'delivered',
    canAfterSale: AFTER_SALE_OK.indexOf(order.status) !== -1 && !open && order.lines.some((l) => l.refundable_quantity > 0),
  }
}

Component({
  data: { order: null, error: '' },
  methods: {
    onLoad(query) {
      this.orderNo = (query && query.order_no) || ''
      this.focus = (query && query.focus) || ''
    },
    onShow() {
      this.load()
    },
    async load() {
      try {
        const order = await api.get(api.shopPath(`/orders/${this.orderNo}/`), undefined, { auth: true, quiet: true })
        let reviewable = []
        if (order.status === 'completed') {
          const pending = await api.get(api.shopPath('/reviews/pending/'), undefined, { auth: true, quiet: true }).catch(() => [])
          reviewable = pending.filter((p) => p.order_no === order.order_no).map((p) => p.line_id)
        }
        this.setData({ order: view(order, reviewable), error: '' })
        if (this.focus === 'tracking' && order.shipment) wx.pageScrollTo({ selector: '#tracking', duration: 0 })
      } catch (err) {
        this.setData({ error: err.message })
      }
    },
    async act(action, done) {
      try {
        const order = await api.post(api.shopPath(`/orders/${this.orderNo}/${action}/`), {}, { auth: true })
        this.setData({ order: view(order, []) })
        wx.showToast({ title: done, icon: 'success' })
      } catch (err) {
        // api.js has shown the API's message
      }
    },
    async onCancel() {
      if (!(await confirm('确定取消这个订单吗？取消后商品将不再为你保留。'))) return
      await this.act('cancel', '订单已取消')
    },
    async onConfirm() {
      if (!(await confirm('请确认已收到商品，确认后订单将完成。'))) return
      await this.act('confirm-receipt', '已确认收货')
      this.load() // the completed order's lines may now be reviewed
    },
    onPay() {
      wx.navigateTo({ url: `/pages/pay/pay?order_no=${this.orderNo}` })
    },
    onAfterSale() {
      wx.navigateTo({ url: `/pages/aftersale/apply?order_no=${this.orderNo}` })
    },
    onOpenAfterSale(e) {
      wx.navigateTo({ url: `/pages/aftersale/detail?order_no=${this.orderNo}&after_sale_no=${e.currentTarget.dataset.no}` })
    },
    onReview(e) {
      wx.navigateTo({ url: `/pages/reviews/write?order_no=${this.orderNo}&line_id=${e.currentTarget.dataset.id}` })
    },
    onComplain() {
      wx.navigateTo({ url: `/pages/complaint/new?order_no=${this.orderNo}` })
    },
    onCopy() {
      wx.setClipboardData({ data: this.orderNo })
    },
  },
})
