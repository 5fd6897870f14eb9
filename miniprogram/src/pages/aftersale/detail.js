// 售后详情: the state and its steps, the current deadline and the API's hint, what is refunded, a
// return's address and — while the API says the parcel is awaited (`awaiting_return`) — the form
// for the return parcel (carrier + tracking number); the after-sale's part of the order timeline.
const api = require('../../utils/api')
const { yuan, dateTime } = require('../../utils/format')

// The carriers the API takes (docs/api.md: return-shipment), in the shopper's words.
const CARRIERS = [
  { code: 'sf', name: '顺丰速运' }, { code: 'zto', name: '中通快递' }, { code: 'yto', name: '圆通速递' },
  { code: 'sto', name: '申通快递' }, { code: 'yunda', name: '韵达快递' }, { code: 'jd', name: '京东物流' },
  { code: 'ems', name: 'EMS' }, { code: 'other', name: '其他快递' },
]
// Order events that belong to after-sales (the order's timeline holds them).
const AFTER_SALE_EVENTS = ['refund_requested', 'refund_approved', 'refund_rejected', 'refund_withdrawn', 'refunded',
  'refund_failed', 'return_approved', 'return_address', 'return_shipped', 'return_received', 'return_rejected', 'after_sale_closed']

function view(s) {
  return {
    no: s.after_sale_no,
    kind_text: s.kind_text,
    status: s.status,
    status_text: s.status_text,
    reason: s.reason,
    amount: yuan(s.amount_fen),
    shipping: s.shipping_fen ? yuan(s.shipping_fen) : '',
    lines: s.lines.map((l) => ({ id: l.line_id, title: l.title, spec_text: l.spec_text, quantity: l.quantity, amount: yuan(l.amount_fen) })),
    steps: s.steps,
    hint: s.hint,
    deadline: dateTime(s.deadline),
    reject_reason: s.reject_reason,
    return_address: s.return_address,
    return_shipment: s.return_shipment && { ...s.return_shipment, shipped_at: dateTime(s.return_shipment.shipped_at) },
    merchant_photos: s.merchant_photos,
    created: dateTime(s.created_at),
    needsParcel: s.status === 'awaiting_return' && !!s.return_address,
  }
}

Component({
  data: { afterSale: null, timeline: [], error: '', carriers: CARRIERS, carrierIndex: 0, carrierName: '', trackingNo: '', formError: '', sending: false },
  methods: {
    onLoad(query) {
      this.orderNo = (query && query.order_no) || ''
      this.afterSaleNo = (query && query.after_sale_no) || ''
    },
    onShow() {
      this.load()
    },
    path(tail = '') {
      return api.shopPath(`/orders/${this.orderNo}/after-sales/${this.afterSaleNo}/${tail}`)
    },
    async load() {
      try {
        const [afterSale, order] = await Promise.all([
          api.get(this.path(), undefined, { auth: true, quiet: true }),
          api.get(api.shopPath(`/orders/${this.orderNo}/`), undefined, { auth: true, quiet: true }),
        ])
        const timeline = order.timeline.filter((e) => AFTER_SALE_EVENTS.indexOf(e.type) !== -1).reverse()
          .map((e) => ({ text: e.text, message: e.message, at: dateTime(e.created_at) }))
        this.setData({ afterSale: view(afterSale), timeline, error: '' })
      } catch (err) {
        this.setData({ error: err.message })
      }
    },
    onCarrier(e) {
      this.setData({ carrierIndex: Number(e.detail.value) })
    },
    onCarrierName(e) {
      this.setData({ carrierName: e.detail.value })
    },
    onTrackingNo(e) {
      this.setData({ trackingNo: e.detail.value })
    },
    async onShip() {
      if (this.data.sending) return
      const carrier = CARRIERS[this.data.carrierIndex].code
      const body = { carrier, tracking_no: this.data.trackingNo.trim() }
      if (carrier === 'other') body.carrier_name = this.data.carrierName.trim()
      this.setData({ sending: true, formError: '' })
      try {
        const afterSale = await api.post(this.path('return-shipment/'), body, { auth: true, quiet: true })
        this.setData({ afterSale: view(afterSale) })
        wx.showToast({ title: '已提交退货物流', icon: 'success' })
      } catch (err) {
        this.setData({ formError: err.message })
      } finally {
        this.setData({ sending: false })
      }
    },
    onCopyAddress() {
      const a = this.data.afterSale.return_address
      wx.setClipboardData({ data: `${a.name} ${a.phone} ${a.address}` })
    },
  },
})
