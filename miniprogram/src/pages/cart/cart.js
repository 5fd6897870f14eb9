// 购物车 (tab): the cart as the API answers it. Quantities change through PATCH and removals
// through DELETE; each answer is the whole new cart, drawn as is. The total (goods_fen) is the
// API's: the page never adds prices up. Lines that cannot be bought now (sold out, off shelf, not
// enough stock) are greyed with the API's reason and left out of checkout by the server.
const api = require('../../utils/api')
const { yuan } = require('../../utils/format')

const MAX_QUANTITY = 999

function lineView(item) {
  const max = Math.min(MAX_QUANTITY, Math.max(item.stock, 1))
  return {
    id: item.id,
    productId: item.product_id,
    title: item.title,
    spec: item.spec_text,
    image: item.image || '',
    price: yuan(item.price_fen),
    quantity: item.quantity,
    available: item.available,
    problem: item.problem,
    canLess: item.quantity > 1,
    canMore: item.available && item.quantity < max,
  }
}

Component({
  data: {
    loading: true,
    error: '',
    lines: [],
    empty: false,
    goods: '',
    count: 0,
    canCheckout: false,
    busy: false,
  },
  methods: {
    onShow() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ error: '' })
      try {
        const cart = await api.get(api.shopPath('/cart/'), undefined, { auth: true, quiet: true })
        this.draw(cart)
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    draw(cart) {
      const lines = cart.items.map(lineView)
      const ok = cart.items.filter((i) => i.available)
      this.setData({
        loading: false,
        lines,
        empty: lines.length === 0,
        goods: yuan(cart.goods_fen),
        count: ok.reduce((n, i) => n + i.quantity, 0),
        canCheckout: ok.length > 0,
      })
    },
    // Every change is the server's: its answer (the new cart) is drawn, an error is its message.
    async change(call) {
      if (this.data.busy) return
      this.setData({ busy: true })
      try {
        this.draw(await call())
      } catch (err) {
        // api.js showed the API's message; the cart on screen may be stale: read it again
        await this.load()
      } finally {
        this.setData({ busy: false })
      }
    },
    setQuantity(id, quantity) {
      return this.change(() => api.patch(api.shopPath(`/cart/items/${id}/`), { quantity }, { auth: true }))
    },
    onLess(e) {
      const { id, q } = e.currentTarget.dataset
      if (Number(q) > 1) this.setQuantity(id, Number(q) - 1)
    },
    onMore(e) {
      const { id, q, more } = e.currentTarget.dataset
      if (more) this.setQuantity(id, Number(q) + 1)
    },
    onQuantityInput(e) {
      const { id, q } = e.currentTarget.dataset
      const wanted = parseInt(e.detail.value, 10)
      if (!Number.isInteger(wanted) || wanted < 1 || wanted === Number(q)) {
        this.setData({ lines: this.data.lines.slice() }) // put the old number back
        return
      }
      this.setQuantity(id, wanted)
    },
    onRemove(e) {
      const { id } = e.currentTarget.dataset
      wx.showModal({
        title: '删除商品',
        content: '确定从购物车删除这件商品吗？',
        confirmColor: '#e4393c',
        success: (res) => {
          if (res.confirm) this.change(() => api.del(api.shopPath(`/cart/items/${id}/`), undefined, { auth: true }))
        },
      })
    },
    onOpenProduct(e) {
      wx.navigateTo({ url: `/pages/product/product?id=${e.currentTarget.dataset.product}` })
    },
    onCheckout() {
      if (!this.data.canCheckout) return
      wx.navigateTo({ url: '/pages/checkout/checkout' })
    },
    onGoHome() {
      wx.switchTab({ url: '/pages/home/home' })
    },
    onRetry() {
      this.setData({ loading: true })
      this.load()
    },
  },
})
