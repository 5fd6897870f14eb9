// 搜索: a query box; the products matching every word (GET /shops/{shop}/products/?q=), sorted
// 综合/销量/新品/价格, a page more at the bottom; 没有找到… when nothing matches.
const api = require('../../utils/api')
const catalog = require('../../utils/catalog')

const PAGE_SIZE = 10
const MAX_Q = 50 // the API reads at most 50 characters

Component({
  data: {
    input: '',
    q: '',
    searched: false,
    ordering: 'default',
    sorts: catalog.sortTabs('default'),
    items: [],
    count: 0,
    nextPage: 0,
    loading: false,
    error: '',
  },
  methods: {
    onLoad(query) {
      this.seq = 0
      const q = query && query.q ? decodeURIComponent(query.q) : ''
      if (q) {
        this.setData({ input: q })
        this.search()
      }
    },
    onReachBottom() {
      if (this.data.nextPage && !this.data.loading) this.load(this.data.nextPage)
    },
    onInput(e) {
      this.setData({ input: e.detail.value })
    },
    clear() {
      this.setData({ input: '', q: '', searched: false, items: [], count: 0, nextPage: 0, error: '' })
    },
    search() {
      const q = this.data.input.trim().slice(0, MAX_Q)
      if (!q) {
        wx.showToast({ title: '请输入要搜索的商品', icon: 'none' })
        return
      }
      this.setData({ q, searched: true })
      this.load(1)
    },
    tapSort(e) {
      const ordering = catalog.nextOrdering(this.data.ordering, e.currentTarget.dataset.key)
      if (ordering === this.data.ordering) return
      this.setData({ ordering, sorts: catalog.sortTabs(ordering) })
      if (this.data.q) this.load(1)
    },
    async load(page) {
      this.seq = (this.seq || 0) + 1
      const seq = this.seq
      const first = page === 1
      this.setData(first ? { loading: true, error: '', items: [], count: 0, nextPage: 0 } : { loading: true, error: '' })
      const query = { q: this.data.q, page, page_size: PAGE_SIZE, ...catalog.orderingQuery(this.data.ordering) }
      try {
        const body = await api.get(api.shopPath('/products/'), query, { quiet: true })
        if (seq !== this.seq) return
        this.setData({
          loading: false,
          items: (first ? [] : this.data.items).concat(body.results.map(catalog.card)),
          count: body.count_is_exact === false ? `${body.count}+` : body.count, // a list past 10,000 says so
          nextPage: catalog.nextPage(body.next),
        })
      } catch (err) {
        if (seq !== this.seq) return
        this.setData({ loading: false, error: err.message })
      }
    },
    retry() {
      this.load(this.data.items.length ? this.data.nextPage || 1 : 1)
    },
    openProduct(e) {
      wx.navigateTo({ url: catalog.productPath(e.currentTarget.dataset.id) })
    },
  },
})
