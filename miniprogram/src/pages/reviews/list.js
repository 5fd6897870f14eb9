// 商品评价 (public): a product's figures (summary/) and its reviews, filtered as the API filters them
// (全部 / 有图 / 好评 / 差评), newest first, paged.
const api = require('../../utils/api')
const { dateTime } = require('../../utils/format')

const FILTERS = [
  { key: 'all', label: '全部' },
  { key: 'photos', label: '有图' },
  { key: 'good', label: '好评' },
  { key: 'low', label: '差评' },
]

function view(r) {
  return {
    id: r.id, author_name: r.author_name, stars: '★★★★★'.slice(0, r.rating) + '☆☆☆☆☆'.slice(0, 5 - r.rating),
    text: r.text, spec_text: r.spec_text, photos: r.photos, reply: r.reply, created: dateTime(r.created_at),
  }
}

Component({
  data: { filters: FILTERS, filter: 'all', summary: null, reviews: [], page: 0, hasMore: true, loading: false, loaded: false, error: '' },
  methods: {
    onLoad(query) {
      this.productId = (query && query.product_id) || ''
      this.loadSummary()
      this.loadPage(1)
    },
    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) this.loadPage(this.data.page + 1)
    },
    async loadSummary() {
      try {
        const s = await api.get(api.shopPath(`/products/${this.productId}/reviews/summary/`), undefined, { quiet: true })
        this.setData({ summary: { count: s.review_count, average: s.average, good_percent: s.good_percent, photo_count: s.photo_count, low_count: s.low_count, good_count: s.good_count } })
      } catch (err) {
        // the list says what went wrong
      }
    },
    async loadPage(page) {
      const filter = this.data.filter
      this.setData({ loading: true })
      try {
        const query = { page }
        if (filter !== 'all') query.filter = filter
        const body = await api.get(api.shopPath(`/products/${this.productId}/reviews/`), query, { quiet: true })
        if (filter !== this.data.filter) return
        const rows = body.results.map(view)
        this.setData({ reviews: page === 1 ? rows : this.data.reviews.concat(rows), page, hasMore: !!body.next, loading: false, loaded: true, error: '' })
      } catch (err) {
        this.setData({ loading: false, loaded: true, error: err.message })
      }
    },
    onFilter(e) {
      const filter = e.currentTarget.dataset.key
      if (filter === this.data.filter) return
      this.setData({ filter, reviews: [], page: 0, hasMore: true, loaded: false })
      this.loadPage(1)
    },
    onPreview(e) {
      const { review, index } = e.currentTarget.dataset
      const found = this.data.reviews.find((r) => r.id === review)
      wx.previewImage({ urls: found.photos.map((p) => p.large), current: found.photos[index].large })
    },
  },
})
