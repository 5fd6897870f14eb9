// 商品详情: the pictures, title and price (a range when the SKUs' prices differ), the SKU picker
// (utils/sku.js: values that lead only to sold-out or missing SKUs are disabled; the chosen SKU's
// price, stock and picture are shown), a quantity bounded by its stock, 加入购物车 / 立即购买, the
// description, the reviews summary, and share cards carrying the sharer's referral code.
const api = require('../../utils/api')
const catalog = require('../../utils/catalog')
const picker = require('../../utils/sku')
const share = require('../../utils/share')
const attribution = require('../../utils/attribution')
const { yuan } = require('../../utils/format')

// rich-text draws the description's pictures at their own size: keep them within the screen.
function fitImages(html) {
  return (html || '').replace(/<img\b/g, '<img style="max-width:100%;height:auto;display:block"')
}

Component({
  data: {
    loading: true,
    error: '',
    id: 0,
    title: '',
    subtitle: '',
    images: [],
    current: 0,
    rangeText: '',
    priceText: '',
    sales: 0,
    soldOut: false,
    rows: [],
    hasSpecs: false,
    sku: null,
    stockText: '',
    chosenText: '',
    pickerImage: '',
    quantity: 1,
    maxQuantity: picker.MAX_QUANTITY,
    description: '',
    reviews: null,
  },
  methods: {
    onLoad(query) {
      attribution.remember(query)
      this.setData({ id: Number(query && query.id) || 0 })
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ loading: true, error: '' })
      const id = this.data.id
      try {
        const product = await api.get(api.shopPath(`/products/${id}/`), undefined, { quiet: true })
        this.product = product
        this.choice = picker.initialChoice(product.specs, product.skus)
        const soldOut = product.sold_out || !product.skus.some((s) => s.stock > 0)
        const rangeText = catalog.priceRange(product.price_min_fen, product.price_max_fen)
        this.setData({
          loading: false,
          title: product.title,
          subtitle: product.subtitle,
          images: product.images.map((img) => img.detail),
          current: 0,
          rangeText,
          sales: product.sales_count,
          soldOut,
          hasSpecs: product.specs.length > 0,
          description: fitImages(product.description),
        })
        this.refreshPicker()
        wx.setNavigationBarTitle({ title: product.title })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
        return
      }
      this.loadReviews(id)
    },
    async loadReviews(id) {
      try {
        const s = await api.get(api.shopPath(`/products/${id}/reviews/summary/`), undefined, { quiet: true })
        const latest = s.latest[0]
        this.setData({
          reviews: {
            count: s.review_count,
            goodPercent: s.good_percent,
            average: s.average,
            latest: latest ? { author: latest.author_name, rating: latest.rating, text: latest.text, spec: latest.spec_text } : null,
          },
        })
      } catch (err) {
        this.setData({ reviews: null }) // the product page works without its reviews
      }
    },
    // Draw the picker for the current choice: rows, the chosen SKU's price, stock and picture.
    refreshPicker() {
      const { specs, skus } = this.product
      const choice = this.choice
      const sku = picker.selected(specs, skus, choice)
      const missing = picker.missing(specs, choice)
      let chosenText = ''
      if (sku) chosenText = sku.spec_text ? `已选：${sku.spec_text.replace(/\S+?:/g, '')}` : ''
      else if (missing.length) chosenText = `请选择 ${missing.join(' / ')}`
      else chosenText = '该组合暂不可售'
      const image = sku ? sku.image : picker.imageFor(skus, choice)
      const update = {
        rows: picker.rows(specs, skus, choice),
        sku: sku ? { id: sku.id, price_fen: sku.price_fen, stock: sku.stock, image: sku.image, spec_text: sku.spec_text } : null,
        priceText: sku ? yuan(sku.price_fen) : this.data.rangeText,
        stockText: sku ? (sku.stock > 0 ? `库存 ${sku.stock} 件` : '已售罄') : '',
        chosenText,
        pickerImage: image || this.data.images[0] || '',
        maxQuantity: picker.maxQuantity(sku),
        quantity: picker.clampQuantity(this.data.quantity, sku),
      }
      const at = image ? this.data.images.indexOf(image) : -1
      if (at !== -1) update.current = at
      this.setData(update)
    },
    tapValue(e) {
      const { row, id, disabled } = e.currentTarget.dataset
      if (disabled) return
      this.choice = picker.choose(this.product.specs, this.product.skus, this.choice, Number(row), Number(id))
      this.refreshPicker()
    },
    onSwiper(e) {
      this.setData({ current: e.detail.current })
    },
    preview(e) {
      wx.previewImage({ current: e.currentTarget.dataset.url, urls: this.data.images })
    },
    minus() {
      if (this.data.quantity > 1) this.setData({ quantity: this.data.quantity - 1 })
    },
    plus() {
      if (this.data.quantity < this.data.maxQuantity) this.setData({ quantity: this.data.quantity + 1 })
      else if (this.data.sku) wx.showToast({ title: `库存只剩 ${this.data.sku.stock} 件`, icon: 'none' })
    },
    // The SKU to buy, or null after saying what is missing.
    chosenSku() {
      if (this.data.soldOut) return null
      const sku = this.data.sku
      if (!sku) {
        const missing = picker.missing(this.product.specs, this.choice)
        wx.showToast({ title: missing.length ? `请选择 ${missing.join(' / ')}` : '该组合暂不可售', icon: 'none' })
        return null
      }
      if (sku.stock <= 0) {
        wx.showToast({ title: '该规格已售罄', icon: 'none' })
        return null
      }
      return sku
    },
    async addToCart() {
      const sku = this.chosenSku()
      if (!sku || this.adding) return
      this.adding = true
      try {
        await api.post(api.shopPath('/cart/items/'), { sku_id: sku.id, quantity: this.data.quantity }, { auth: true })
        wx.showToast({ title: '已加入购物车', icon: 'success' })
      } catch (err) {
        // utils/api.js has shown the API's message (e.g. 库存不足)
      } finally {
        this.adding = false
      }
    },
    buyNow() {
      const sku = this.chosenSku()
      if (!sku) return
      wx.navigateTo({ url: `/pages/checkout/checkout?sku_id=${sku.id}&quantity=${this.data.quantity}` })
    },
    openShop() {
      wx.switchTab({ url: '/pages/home/home' })
    },
    openCart() {
      wx.switchTab({ url: '/pages/cart/cart' })
    },
    openReviews() {
      wx.navigateTo({ url: `/pages/reviews/list?product_id=${this.data.id}` })
    },
    onShareAppMessage() {
      return share.card({ title: this.data.title, path: catalog.productPath(this.data.id), imageUrl: this.data.images[0] })
    },
    onShareTimeline() {
      return share.timeline({ title: this.data.title, query: `id=${this.data.id}`, imageUrl: this.data.images[0] })
    },
  },
})
