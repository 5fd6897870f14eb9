// 投诉商家: the type, what happened, up to 6 photos (uploaded one by one, sent as photo_ids) and
// optionally one of my orders in this shop (from my orders list). The platform handles it.
const api = require('../../utils/api')
const photos = require('../../utils/photos')
const { yuan } = require('../../utils/format')

const MAX_PHOTOS = 6
// The API's complaint types (docs/api.md: complaints), in the shopper's words.
const KINDS = [
  { code: 'fake', label: '假货' }, { code: 'not_shipped', label: '不发货' }, { code: 'refund_refused', label: '拒绝退款' },
  { code: 'wrong_info', label: '信息不实' }, { code: 'other', label: '其他' },
]

Component({
  data: { kinds: KINDS, kind: '', text: '', orders: [], orderIndex: -1, photos: [], room: MAX_PHOTOS, submitting: false, formError: '' },
  methods: {
    onLoad(query) {
      this.preset = (query && query.order_no) || ''
      this.loadOrders()
    },
    async loadOrders() {
      try {
        const body = await api.get(api.shopPath('/orders/'), { page_size: 50 }, { auth: true, quiet: true })
        const orders = body.results.map((o) => ({ order_no: o.order_no, label: `${o.lines[0] ? o.lines[0].title : ''} ${yuan(o.total_fen)} ${o.status_text}` }))
        const orderIndex = orders.findIndex((o) => o.order_no === this.preset)
        this.setData({ orders: [{ order_no: '', label: '不关联订单' }].concat(orders), orderIndex: orderIndex === -1 ? 0 : orderIndex + 1 })
      } catch (err) {
        this.setData({ orders: [{ order_no: '', label: '不关联订单' }], orderIndex: 0 })
      }
    },
    onKind(e) {
      this.setData({ kind: e.currentTarget.dataset.code })
    },
    onText(e) {
      this.setData({ text: e.detail.value })
    },
    onOrder(e) {
      this.setData({ orderIndex: Number(e.detail.value) })
    },
    ...photos.formMethods(MAX_PHOTOS),
    async onSubmit() {
      if (this.data.submitting) return
      if (!this.data.kind) {
        wx.showToast({ title: '请选择投诉类型', icon: 'none' })
        return
      }
      const order = this.data.orders[this.data.orderIndex]
      this.setData({ submitting: true, formError: '' })
      try {
        await api.post(api.shopPath('/complaints/'), {
          kind: this.data.kind, text: this.data.text, order_no: order ? order.order_no : '',
          photo_ids: this.data.photos.map((p) => p.id),
        }, { auth: true, quiet: true })
        wx.showToast({ title: '投诉已提交', icon: 'success' })
        wx.redirectTo({ url: '/pages/complaint/mine' })
      } catch (err) {
        this.setData({ formError: err.message })
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
