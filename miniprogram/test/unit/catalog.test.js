// utils/catalog.js: what the browsing pages share (price ranges, sorts, paging by the API's `next`).
const catalog = require('../../src/utils/catalog')
const { fixture } = require('../support/page')

test('a price range only when the SKUs\' prices differ', () => {
  expect(catalog.priceRange(5900, 8900)).toBe('¥59.00–¥89.00')
  expect(catalog.priceRange(3900, 3900)).toBe('¥39.00')
  expect(catalog.priceRange(null, null)).toBe('')
})

test('the next page is the one the API\'s `next` names', () => {
  expect(catalog.nextPage(fixture('browse_clothes_p1').next)).toBe(2)
  expect(catalog.nextPage(fixture('browse_clothes_p2').next)).toBe(0)
  expect(catalog.nextPage(fixture('browse_search_p1').next)).toBe(2) // page= is not the first parameter
})

test('价格 flips between cheapest and dearest first; the other sorts are what they say', () => {
  expect(catalog.nextOrdering('default', 'price')).toBe('price')
  expect(catalog.nextOrdering('price', 'price')).toBe('-price')
  expect(catalog.nextOrdering('-price', 'price')).toBe('price')
  expect(catalog.nextOrdering('price', 'sales')).toBe('sales')
  expect(catalog.sortTabs('-price').map((t) => `${t.label}${t.on ? '*' : ''}`)).toEqual(['综合', '销量', '新品', '价格↓*'])
  expect(catalog.orderingQuery('default')).toEqual({})
  expect(catalog.orderingQuery('new')).toEqual({ ordering: 'new' })
})

test('a card shows the list picture, the price and whether it is sold out', () => {
  const shorts = fixture('browse_clothes_p2').results.find((p) => p.sold_out)
  expect(catalog.card(shorts)).toMatchObject({ id: 12, title: '工装短裤', image: shorts.cover.list, price: '¥79.00', soldOut: true })
})
