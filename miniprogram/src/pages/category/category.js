// 分类: the two-level category tree on the left; on the right the chosen category's products
// (a top-level category includes its children), sorted 综合/销量/新品/价格, a page more at the
// bottom. The home's category row chooses a category through storage (a tab takes no query).
const api = require('../../utils/api')
const catalog = require('../../utils/catalog')

const CATEGORY_KEY = 'weishop.category'
const PAGE_SIZE = 10

Component({
  data: {
    loading: true,
    error: '',
    tree: [],
    topIndex: 0,
    children: [],
    categoryId: 0,
    ordering: 'default',
    sorts: catalog.sortTabs('default'),
    items: [],
    count: 0,
    nextPage: 0,
    listLoading: false,
    listError: '',
  },
  methods: {
    onLoad() {
      this.seq = 0
      this.loadTree()
    },
    onShow() {
      if (this.data.tree.length) this.applyPending()
    },
    onPullDownRefresh() {
      this.loadTree().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      if (this.data.nextPage && !this.data.listLoading) this.loadProducts(this.data.nextPage)
    },
    async loadTree() {
      this.setData({ loading: true, error: '' })
      try {
        const tree = await api.get(api.shopPath('/categories/'), undefined, { quiet: true })
        this.setData({ loading: false, tree })
        if (!this.applyPending()) this.chooseTop(this.data.topIndex < tree.length ? this.data.topIndex : 0)
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    // A category chosen on the home page: open it (a second-level one under its parent).
    applyPending() {
      const id = wx.getStorageSync(CATEGORY_KEY)
      if (!id) return false
      wx.removeStorageSync(CATEGORY_KEY)
      const tree = this.data.tree
      for (let i = 0; i < tree.length; i += 1) {
        if (tree[i].id === id) {
          this.chooseTop(i)
          return true
        }
        if (tree[i].children.some((c) => c.id === id)) {
          this.chooseTop(i, id)
          return true
        }
      }
      return false
    },
    chooseTop(index, childId) {
      const top = this.data.tree[index]
      if (!top) {
        this.setData({ topIndex: 0, children: [], categoryId: 0, items: [], count: 0, nextPage: 0 })
        return
      }
      this.setData({
        topIndex: index,
        children: [{ id: top.id, name: '全部' }].concat(top.children),
        categoryId: childId || top.id,
      })
      this.loadProducts(1)
    },
    tapTop(e) {
      const index = Number(e.currentTarget.dataset.index)
      if (index !== this.data.topIndex) this.chooseTop(index)
    },
    tapChild(e) {
      const id = Number(e.currentTarget.dataset.id)
      if (id === this.data.categoryId) return
      this.setData({ categoryId: id })
      this.loadProducts(1)
    },
    tapSort(e) {
      const ordering = catalog.nextOrdering(this.data.ordering, e.currentTarget.dataset.key)
      if (ordering === this.data.ordering) return
      this.setData({ ordering, sorts: catalog.sortTabs(ordering) })
      this.loadProducts(1)
    },
    async loadProducts(page) {
      this.seq = (this.seq || 0) + 1
      const seq = this.seq
      const first = page === 1
      this.setData(first ? { listLoading: true, listError: '', items: [], count: 0, nextPage: 0 } : { listLoading: true, listError: '' })
      const query = { category: this.data.categoryId, page, page_size: PAGE_SIZE, ...catalog.orderingQuery(this.data.ordering) }
      try {
        const body = await api.get(api.shopPath('/products/'), query, { quiet: true })
        if (seq !== this.seq) return
        this.setData({
          listLoading: false,
          items: (first ? [] : this.data.items).concat(body.results.map(catalog.card)),
          count: body.count,
          nextPage: catalog.nextPage(body.next),
        })
      } catch (err) {
        if (seq !== this.seq) return
        this.setData({ listLoading: false, listError: err.message })
      }
    },
    retryList() {
      this.loadProducts(this.data.items.length ? this.data.nextPage || 1 : 1)
    },
    openProduct(e) {
      wx.navigateTo({ url: catalog.productPath(e.currentTarget.dataset.id) })
    },
    openSearch() {
      wx.navigateTo({ url: '/pages/search/search' })
    },
  },
})
