// utils/sku.js, the SKU picker's logic, on recorded product details: 纯棉圆领T恤 (颜色 × 尺码 with
// every S sold out and 黑/L sold out, recorded after setting those stocks to 0) and 重磅落肩T恤
// (墨绿/XL taken off sale: a combination that does not exist, besides 燕麦/XL and 墨绿/S at 0).
const sku = require('../../src/utils/sku')
const { fixture } = require('../support/page')

const tee = fixture('browse_product_matrix')
const heavy = fixture('browse_product_missing_combo')

// {spec name: [values that can be chosen]} for a choice given as value names.
function enabled(product, names) {
  const choice = product.specs.map((spec) => {
    const v = spec.values.find((x) => names.includes(x.value))
    return v ? v.id : null
  })
  const out = {}
  sku.rows(product.specs, product.skus, choice).forEach((row) => {
    out[row.name] = row.values.filter((v) => !v.disabled).map((v) => v.value)
  })
  return out
}

function idOf(product, name) {
  for (const spec of product.specs) {
    const v = spec.values.find((x) => x.value === name)
    if (v) return v.id
  }
  throw new Error(name)
}

test('with nothing chosen, only a value no in-stock SKU has is disabled', () => {
  expect(enabled(tee, [])).toEqual({ 颜色: ['白', '黑', '雾蓝'], 尺码: ['M', 'L', 'XL'] })
})

test('a chosen colour disables the sizes that are sold out in that colour', () => {
  expect(enabled(tee, ['黑'])).toEqual({ 颜色: ['白', '黑', '雾蓝'], 尺码: ['M', 'XL'] })
  expect(enabled(tee, ['雾蓝'])).toEqual({ 颜色: ['白', '黑', '雾蓝'], 尺码: ['L', 'XL'] })
  expect(enabled(tee, ['白'])).toEqual({ 颜色: ['白', '黑', '雾蓝'], 尺码: ['M', 'L', 'XL'] })
})

test('a chosen size disables the colours sold out in that size', () => {
  expect(enabled(tee, ['L'])).toEqual({ 颜色: ['白', '雾蓝'], 尺码: ['M', 'L', 'XL'] })
  expect(enabled(tee, ['M'])).toEqual({ 颜色: ['白', '黑'], 尺码: ['M', 'L', 'XL'] })
})

test('a combination that does not exist is disabled like a sold-out one', () => {
  expect(heavy.skus.some((s) => s.spec_text === '颜色:墨绿 尺码:XL')).toBe(false)
  expect(enabled(heavy, ['墨绿'])).toEqual({ 颜色: ['白', '燕麦', '墨绿'], 尺码: ['M', 'L'] })
  expect(enabled(heavy, ['XL'])).toEqual({ 颜色: ['白'], 尺码: ['S', 'M', 'L', 'XL'] })
})

test('choosing, changing and un-choosing values; a disabled value changes nothing', () => {
  const { specs, skus } = tee
  let choice = sku.initialChoice(specs, skus)
  expect(choice).toEqual([null, null])
  choice = sku.choose(specs, skus, choice, 0, idOf(tee, '黑'))
  expect(choice).toEqual([idOf(tee, '黑'), null])
  expect(sku.choose(specs, skus, choice, 1, idOf(tee, 'L'))).toEqual(choice) // 黑/L is sold out
  choice = sku.choose(specs, skus, choice, 1, idOf(tee, 'XL'))
  expect(choice).toEqual([idOf(tee, '黑'), idOf(tee, 'XL')])
  choice = sku.choose(specs, skus, choice, 0, idOf(tee, '雾蓝')) // another colour with XL in stock
  expect(choice).toEqual([idOf(tee, '雾蓝'), idOf(tee, 'XL')])
  choice = sku.choose(specs, skus, choice, 1, idOf(tee, 'XL')) // tapped again: un-chosen
  expect(choice).toEqual([idOf(tee, '雾蓝'), null])
})

test('a complete choice is the SKU with exactly those values, whatever their order', () => {
  const { specs, skus } = tee
  expect(sku.selected(specs, skus, [idOf(tee, '黑'), null])).toBeNull()
  const chosen = sku.selected(specs, skus, [idOf(tee, '黑'), idOf(tee, 'XL')])
  expect(chosen).toMatchObject({ spec_text: '颜色:黑 尺码:XL', price_fen: 8900, stock: 8 })
  expect(sku.missing(specs, [idOf(tee, '黑'), null])).toEqual(['尺码'])
  expect(sku.missing(specs, [null, null])).toEqual(['颜色', '尺码'])
  expect(sku.keyOf([7, 2])).toBe(sku.keyOf([2, 7]))
  expect(sku.selected(heavy.specs, heavy.skus, [idOf(heavy, '墨绿'), idOf(heavy, 'XL')])).toBeNull()
})

test('the picture follows the choice: a colour shows its own before the size is chosen', () => {
  const { skus } = tee
  const black = skus.find((s) => s.spec_text === '颜色:黑 尺码:M').image
  expect(black).toBeTruthy()
  expect(sku.imageFor(skus, [null, null])).toBeNull()
  expect(sku.imageFor(skus, [idOf(tee, '黑'), null])).toBe(black)
  expect(sku.imageFor(skus, [idOf(tee, '白'), null])).not.toBe(black)
})

test('a product without specs has its one SKU chosen; a spec with one value is chosen already', () => {
  const nuts = fixture('browse_product_no_specs')
  expect(nuts.specs).toEqual([])
  expect(sku.selected(nuts.specs, nuts.skus, sku.initialChoice(nuts.specs, nuts.skus))).toBe(nuts.skus[0])
  const one = { specs: [tee.specs[0], { ...tee.specs[1], values: [tee.specs[1].values[3]] }] } // 尺码: XL only
  expect(sku.initialChoice(one.specs, tee.skus)).toEqual([null, idOf(tee, 'XL')])
})

test('the quantity stays within 1 and the SKU\'s stock (at most 999)', () => {
  const black = tee.skus.find((s) => s.spec_text === '颜色:黑 尺码:XL')
  expect(sku.maxQuantity(black)).toBe(8)
  expect(sku.clampQuantity(12, black)).toBe(8)
  expect(sku.clampQuantity(0, black)).toBe(1)
  expect(sku.clampQuantity(3, null)).toBe(3)
  expect(sku.maxQuantity({ stock: 5000 })).toBe(999)
  expect(sku.maxQuantity(tee.skus.find((s) => s.stock === 0))).toBe(0)
})
