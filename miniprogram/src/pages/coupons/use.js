// 去使用 of a coupon (a claimable one of coupons/ or a claim of coupons/mine/, which both carry
// `scope`, `category_ids` and `product_ids`): the one product it applies to, the category tab for
// a category coupon, else the home page. Shared by pages/coupons/center and pages/coupons/mine.
const format = require('../../utils/format')

const SCOPE_LABELS = { shop: '全店通用', categories: '指定分类可用', products: '指定商品可用' }

function useCoupon(coupon) {
  const products = coupon.product_ids || []
  if (coupon.scope === 'products' && products.length === 1) {
    wx.navigateTo({ url: `/pages/product/product?id=${products[0]}` })
  } else if (coupon.scope === 'categories') {
    wx.switchTab({ url: '/pages/category/category' })
  } else {
    wx.switchTab({ url: '/pages/home/home' })
  }
}

// How long a claimable coupon stays usable once claimed.
function validity(coupon) {
  if (coupon.use_mode === 'days') return `领取后 ${coupon.use_days} 天内有效`
  const from = format.date(coupon.use_starts_at)
  const to = format.date(coupon.use_ends_at)
  return from && to ? `${from} 至 ${to} 可用` : ''
}

module.exports = { useCoupon, validity, SCOPE_LABELS }
