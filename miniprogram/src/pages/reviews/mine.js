// 我的评价: 待评价 (the lines the API says may still be reviewed, each with its deadline) and
// 我的评价 (my reviews, hidden ones with the reason the API gives), paged.
const api = require('../../utils/api')
const { dateTime } = require('../../utils/format')

function stars(n) {
  return '★★★★★'.slice(0, n) + '☆☆☆☆☆'.slice(0, 5 - n)
}

Component({
  data: { tab: 'pending', pending: [], reviews: [], page: 0, hasMore: true, loading: false, loaded: false, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ tab: query && query.tab === 'mine' ? 'mine' : 'pending' })
    },
    onShow() {
      this.reload()
    },
    onReachBottom() {
      if (this.data.tab === 'mine' && this.data.hasMore && !this.data.loading) this.loadMine(this.data.page + 1)
    },
    reload() {
      this.setData({ loaded: false, error: '' })
      return this.data.tab === 'mine' ? this.loadMine(1) : this.loadPending()
    },
    async loadPending() {
      this.setData({ loading: true })
      try {
        const lines = await api.get(api.shopPath('/reviews/pending/'), undefined, { auth: true, quiet: true })
        this.setData({
          pending: lines.map((l) => ({ key: `${l.order_no}-${l.line_id}`, order_no: l.order_no, line_id: l.line_id, title: l.title, spec_text: l.spec_text, image: l.image, deadline: dateTime(l.review_deadline) })),
          loading: false, loaded: true,
        })
      } catch (err) {
        this.setData({ loading: false, loaded: true, error: err.message })
      }
    },
    async loadMine(page) {
      this.setData({ loading: true })
      try {
        const body = await api.get(api.shopPath('/reviews/'), { page }, { auth: true, quiet: true })
        const rows = body.results.map((r) => ({
          id: r.id, title: r.title, spec_text: r.spec_text, stars: stars(r.rating), text: r.text, photos: r.photos,
          reply: r.reply, is_hidden: r.is_hidden, hidden_reason: r.hidden_reason, is_anonymous: r.is_anonymous, created: dateTime(r.created_at),
        }))
        this.setData({ reviews: page === 1 ? rows : this.data.reviews.concat(rows), page, hasMore: !!body.next, loading: false, loaded: true })
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
    onWrite(e) {
      const { no, line } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/reviews/write?order_no=${no}&line_id=${line}` })
    },
  },
})
