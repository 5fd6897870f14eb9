// 评价商品: the line (from 待评价, reviews/pending/), 1–5 stars, the text, up to 6 photos uploaded one by
// one (utils/photos.js) and sent as photo_ids, anonymous or not. The API checks every rule.
const api = require('../../utils/api')
const photos = require('../../utils/photos')

const MAX_PHOTOS = 6
const LABELS = ['', '很差', '较差', '一般', '满意', '非常满意']

Component({
  data: { line: null, error: '', rating: 5, label: LABELS[5], stars: [1, 2, 3, 4, 5], text: '', anonymous: false, photos: [], room: MAX_PHOTOS, submitting: false, formError: '' },
  methods: {
    onLoad(query) {
      this.orderNo = (query && query.order_no) || ''
      this.lineId = Number((query && query.line_id) || 0)
      this.load()
    },
    async load() {
      try {
        const pending = await api.get(api.shopPath('/reviews/pending/'), undefined, { auth: true, quiet: true })
        const line = pending.find((p) => p.order_no === this.orderNo && p.line_id === this.lineId)
        if (!line) {
          this.setData({ error: '这件商品已评价或已超过评价期限' })
          return
        }
        this.setData({ line: { title: line.title, spec_text: line.spec_text, image: line.image } })
      } catch (err) {
        this.setData({ error: err.message })
      }
    },
    onStar(e) {
      const rating = Number(e.currentTarget.dataset.n)
      this.setData({ rating, label: LABELS[rating] })
    },
    onText(e) {
      this.setData({ text: e.detail.value })
    },
    onAnonymous(e) {
      this.setData({ anonymous: !!e.detail.value })
    },
    ...photos.formMethods(MAX_PHOTOS),
    async onSubmit() {
      if (this.data.submitting) return
      this.setData({ submitting: true, formError: '' })
      try {
        await api.post(api.shopPath('/reviews/'), {
          order_no: this.orderNo, line_id: this.lineId, rating: this.data.rating, text: this.data.text,
          is_anonymous: this.data.anonymous, photo_ids: this.data.photos.map((p) => p.id),
        }, { auth: true, quiet: true })
        wx.showToast({ title: '评价成功', icon: 'success' })
        wx.redirectTo({ url: '/pages/reviews/mine?tab=mine' })
      } catch (err) {
        this.setData({ formError: err.message })
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
