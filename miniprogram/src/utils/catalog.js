// What the browsing pages (home, category, search, product) share: product cards from the API's
// list items, the sorts of a product list, and paging that follows the API's `next`.
const { yuan } = require('./format')

// The sorts of a list (the H5 list's 综合/销量/新品/价格): `price` toggles cheapest/dearest first.
const SORTS = [
  { key: 'default', label: '综合' },
  { key: 'sales', label: '销量' },
  { key: 'new', label: '新品' },
  { key: 'price', label: '价格' },
]

// "¥59.00" or "¥59.00–¥89.00" when the SKUs' prices differ (as the H5 shop shows it).
function priceRange(low, high) {
  if (low === null || low === undefined) return ''
  if (high === null || high === undefined || high === low) return yuan(low)
  return `${yuan(low)}–${yuan(high)}`
}

function productPath(id) {
  return `/pages/product/product?id=${id}`
}

// A product list item (docs/api.md: products) as a card of the page.
function card(item) {
  return {
    id: item.id,
    title: item.title,
    subtitle: item.subtitle,
    image: item.cover ? item.cover.list : '',
    price: priceRange(item.price_min_fen, item.price_max_fen),
    soldOut: !!item.sold_out,
    sales: item.sales_count,
  }
}

// The tapped sort → the list's `ordering` (tapping 价格 again flips the direction).
function nextOrdering(current, key) {
  if (key === 'price') return current === 'price' ? '-price' : 'price'
  return key
}

// The sort tabs for the current ordering.
function sortTabs(ordering) {
  return SORTS.map((s) => {
    const on = s.key === ordering || (s.key === 'price' && ordering === '-price')
    let label = s.label
    if (s.key === 'price' && on) label = ordering === 'price' ? '价格↑' : '价格↓'
    return { key: s.key, label, on }
  })
}

// The `?ordering=` to send (none for the merchant's own order).
function orderingQuery(ordering) {
  return ordering && ordering !== 'default' ? { ordering } : {}
}

// The page number the API's `next` link asks for, or 0 when there is no next page.
function nextPage(next) {
  if (!next) return 0
  const m = /[?&]page=(\d+)/.exec(next)
  return m ? Number(m[1]) : 0
}

module.exports = { SORTS, priceRange, productPath, card, nextOrdering, sortTabs, orderingQuery, nextPage }
