// 申请售后: 仅退款 or 退货退款, the lines and units (the API's `lines: [{line_id, quantity}]`, within each
// line's `refundable_quantity`), the reason, an optional amount (at most what the API says those
// units give back: empty means that maximum) and up to 3 photos, each uploaded alone first
// (utils/photos.js) and sent as `photo_ids`. The submit tap asks for the after-sale messages first.
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const photos = require('../../utils/photos')
const { yuan } = require('../../utils/format')

const MAX_PHOTOS = 3
const REASONS = ['不想要了', '商品破损', '质量问题', '尺码不合适', '与描述不符', '少件/漏发', '其他']

// "12.5" → 1250 fen; anything else is null (the field is left out and the API's maximum applies).
function fenOf(text) {
  const m = /^\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/.exec(text || '')
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'))
}

Component({
  data: {
    order: null, error: '', kind: 'refund_only', canReturn: false, lines: [], reasons: REASONS, reason: '',
    note: '', amount: '', most: '', photos: [], room: MAX_PHOTOS, submitting: false, fieldErrors: {},
  },
  methods: {
    onLoad(query) {
      this.orderNo = (query && query.order_no) || ''
      this.load()
    },
    async load() {
      try {
        const order = await api.get(api.shopPath(`/orders/${this.orderNo}/`), undefined, { auth: true, quiet: true })
        const lines = order.lines.filter((l) => l.refundable_quantity > 0).map((l) => ({
          id: l.id, title: l.title, spec_text: l.spec_text, image: l.image, max: l.refundable_quantity,
          quantity: l.refundable_quantity, chosen: true, refundable_fen: l.refundable_fen,
        }))
        this.setData({ order: { order_no: order.order_no, status_text: order.status_text }, lines, canReturn: order.status !== 'paid' })
        this.refreshMost()
      } catch (err) {
        this.setData({ error: err.message })
      }
    },
    // The API's maximum, shown only when it is the API's own figure: every chosen line at all its
    // refundable units (their `refundable_fen`); for fewer units the API works it out on submit.
    refreshMost() {
      const chosen = this.data.lines.filter((l) => l.chosen)
      const whole = chosen.length && chosen.every((l) => l.quantity === l.max)
      this.setData({ most: whole ? yuan(chosen.reduce((n, l) => n + l.refundable_fen, 0)) : '' })
    },
    onKind(e) {
      this.setData({ kind: e.currentTarget.dataset.kind })
    },
    onToggle(e) {
      const i = e.currentTarget.dataset.index
      this.setData({ [`lines[${i}].chosen`]: !this.data.lines[i].chosen })
      this.refreshMost()
    },
    onMinus(e) {
      const i = e.currentTarget.dataset.index
      const line = this.data.lines[i]
      if (line.quantity > 1) this.setData({ [`lines[${i}].quantity`]: line.quantity - 1 })
      this.refreshMost()
    },
    onPlus(e) {
      const i = e.currentTarget.dataset.index
      const line = this.data.lines[i]
      if (line.quantity < line.max) this.setData({ [`lines[${i}].quantity`]: line.quantity + 1 })
      this.refreshMost()
    },
    onReason(e) {
      this.setData({ reason: e.currentTarget.dataset.reason })
    },
    onNote(e) {
      this.setData({ note: e.detail.value })
    },
    onAmount(e) {
      this.setData({ amount: e.detail.value })
    },
    ...photos.formMethods(MAX_PHOTOS),
    async onSubmit() {
      if (this.data.submitting) return
      const chosen = this.data.lines.filter((l) => l.chosen)
      if (!chosen.length) {
        wx.showToast({ title: '请选择要退的商品', icon: 'none' })
        return
      }
      const reason = [this.data.reason, this.data.note.trim()].filter(Boolean).join('：')
      if (!reason) {
        wx.showToast({ title: '请选择或填写售后原因', icon: 'none' })
        return
      }
      const body = {
        kind: this.data.kind,
        reason: reason.slice(0, 200),
        lines: chosen.map((l) => ({ line_id: l.id, quantity: l.quantity })),
        photo_ids: this.data.photos.map((p) => p.id),
      }
      const amount = fenOf(this.data.amount)
      if (this.data.amount.trim() && amount === null) {
        wx.showToast({ title: '请填写正确的退款金额', icon: 'none' })
        return
      }
      if (amount !== null) body.amount_fen = amount
      this.setData({ submitting: true, fieldErrors: {} })
      await subscribe.ask(subscribe.AFTER_SALE_EVENTS) // a tap: WeChat shows the prompt only now
      try {
        const order = await api.post(api.shopPath(`/orders/${this.orderNo}/after-sales/`), body, { auth: true })
        const made = order.after_sales.slice().sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0]
        wx.redirectTo({ url: `/pages/aftersale/detail?order_no=${this.orderNo}&after_sale_no=${made.after_sale_no}` })
      } catch (err) {
        const fields = {}
        Object.keys(err.fields || {}).forEach((k) => { fields[k] = err.message })
        this.setData({ fieldErrors: fields })
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
