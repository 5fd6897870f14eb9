// The product page's SKU picker, as pure functions of the product detail's `specs` and `skus`
// (docs/api.md#choosing-a-sku-in-the-mini-program). A choice is an array with one entry per spec:
// the chosen value id, or null. Nothing here asks the server or computes a price: the price, stock
// and image shown are the chosen SKU's, as the API answered them.
const MAX_QUANTITY = 999 // the API's limit for one SKU in a cart or order

function keyOf(ids) {
  return ids.slice().sort((a, b) => a - b).join(',')
}

// Is there an in-stock SKU holding `valueId` (for spec `index`) together with every other chosen
// value? A value for which there is none is disabled: it leads only to sold-out or missing SKUs.
function possible(skus, choice, index, valueId) {
  return skus.some((sku) => {
    if (sku.stock <= 0 || sku.spec_value_ids.indexOf(valueId) === -1) return false
    return choice.every((chosen, i) => i === index || chosen === null || sku.spec_value_ids.indexOf(chosen) !== -1)
  })
}

// The first choice: a spec with a single value that can be bought is chosen already.
function initialChoice(specs, skus) {
  const choice = specs.map(() => null)
  specs.forEach((spec, index) => {
    if (spec.values.length === 1 && possible(skus, choice, index, spec.values[0].id)) choice[index] = spec.values[0].id
  })
  return choice
}

// One row per spec, each value with `chosen` and `disabled`, ready for the page's buttons.
function rows(specs, skus, choice) {
  return specs.map((spec, index) => ({
    id: spec.id,
    name: spec.name,
    values: spec.values.map((value) => ({
      id: value.id,
      value: value.value,
      chosen: choice[index] === value.id,
      disabled: !possible(skus, choice, index, value.id),
    })),
  }))
}

// A tap on a value: choose it, or un-choose it when it was chosen; a disabled value changes nothing.
function choose(specs, skus, choice, index, valueId) {
  const next = choice.slice()
  if (next[index] === valueId) {
    next[index] = null
    return next
  }
  if (!possible(skus, choice, index, valueId)) return choice.slice()
  next[index] = valueId
  return next
}

// The names of the specs still to choose.
function missing(specs, choice) {
  return specs.filter((spec, index) => choice[index] === null).map((spec) => spec.name)
}

// The SKU of a complete choice (a product without specs: its only SKU), or null.
function selected(specs, skus, choice) {
  if (!specs.length) return skus.length === 1 ? skus[0] : null
  if (choice.some((c) => c === null)) return null
  const key = keyOf(choice)
  return skus.find((sku) => keyOf(sku.spec_value_ids) === key) || null
}

// The picture for a choice: the first SKU holding every chosen value that has its own picture
// (choosing a colour shows that colour before the size is chosen); null when nothing is chosen.
function imageFor(skus, choice) {
  if (choice.every((c) => c === null)) return null
  const sku = skus.find((s) => s.image && choice.every((c) => c === null || s.spec_value_ids.indexOf(c) !== -1))
  return sku ? sku.image : null
}

// How many of a SKU one may ask for: its stock, at most 999 (0 when sold out).
function maxQuantity(sku) {
  if (!sku) return MAX_QUANTITY
  return Math.max(0, Math.min(sku.stock, MAX_QUANTITY))
}

// A quantity kept within 1..maxQuantity(sku) (1 when nothing is chosen yet).
function clampQuantity(quantity, sku) {
  const max = maxQuantity(sku)
  const n = Math.floor(Number(quantity)) || 1
  return Math.max(1, Math.min(n, Math.max(max, 1)))
}

module.exports = { keyOf, possible, initialChoice, rows, choose, missing, selected, imageFor, maxQuantity, clampQuantity, MAX_QUANTITY }
