// A shopper buys in the mini-program, end to end against a live WeiShop server with the demo shop
// (tests/miniprogram/test_e2e.py starts it and reads the order back afterwards). Every page is the
// real one; every call is real HTTP; WeChat's side is played by the server's simulators.
const fs = require('fs')
const { phone, phoneNumberCode } = require('./live-wx')
const { open, tap, text, waitFor, lastNavigation } = require('./driver')

const PHONE = `139${String(Date.now()).slice(-8)}`

test('log in, bind a phone, browse, choose a SKU, add to cart, order, pay and see it paid', async () => {
  // 个人中心: wx.login signs in silently; getPhoneNumber's code is traded for the number
  const me = await open('pages/me/me')
  expect(phone.storage['weishop.token']).toBeTruthy()
  await me.instance.onPhoneNumber({ detail: { errMsg: 'getPhoneNumber:ok', code: await phoneNumberCode(PHONE) } })
  await waitFor(() => me.instance.data.phoneNote === '手机号已绑定', 'the phone binding')
  expect(me.instance.data.user.phone).toBe(PHONE)

  // 首页 → 搜索 → the T-shirt with a colour × size matrix
  const home = await open('pages/home/home')
  expect(home.instance.data.shop.name).toBeTruthy()
  expect(home.querySelectorAll('.cat').length).toBeGreaterThan(1)
  const search = await open('pages/search/search', { q: '纯棉圆领T恤' })
  expect(search.querySelectorAll('.card').length).toBeGreaterThan(0)
  await tap(search, '.card')
  const productUrl = lastNavigation().url
  expect(productUrl).toMatch(/^\/pages\/product\/product\?id=\d+/)

  // the SKU picker: choose the first value of every spec that is not disabled
  const product = await open(productUrl)
  const rows = product.instance.data.rows
  expect(rows.length).toBe(2)
  for (let r = 0; r < rows.length; r += 1) {
    const values = product.instance.data.rows[r].values
    const index = values.findIndex((v) => !v.disabled)
    expect(index).toBeGreaterThanOrEqual(0)
    const offset = product.instance.data.rows.slice(0, r).reduce((n, row) => n + row.values.length, 0)
    product.querySelectorAll('.value')[offset + index].dispatchEvent('tap')
    // eslint-disable-next-line no-await-in-loop
    await waitFor(() => product.instance.data.rows[r].values[index].chosen, `value ${index} of spec ${r}`)
  }
  const sku = product.instance.chosenSku()
  expect(sku && sku.id).toBeTruthy()
  expect(text(product, '.sku-price')).toMatch(/^¥\d+\.\d\d$/)
  await tap(product, '.add')
  expect(phone.toasts).toContain('已加入购物车')

  // 购物车 → 去结算
  const cart = await open('pages/cart/cart')
  expect(cart.querySelectorAll('.line').length).toBe(1)
  await tap(cart, '.checkout')
  expect(lastNavigation().url).toBe('/pages/checkout/checkout')

  // 确认订单: a new shopper has no address: import one from WeChat (the phone's address book)
  phone.wechatAddress = {
    userName: '王小明', telNumber: PHONE, provinceName: '广东省', cityName: '深圳市', countyName: '南山区',
    detailInfo: '科技园科苑路 15 号', postalCode: '518057',
  }
  let checkout = await open('pages/checkout/checkout')
  if (!checkout.instance.data.address) {
    await tap(checkout, '.address')
    const book = await open(lastNavigation().url)
    await tap(book, '.import') // saved through the API, chosen, and back to the checkout page
    await waitFor(() => lastNavigation().kind === 'navigateBack', `the address book to return (${phone.toasts})`)
    checkout = await open('pages/checkout/checkout')
  }
  await waitFor(() => checkout.instance.data.address, 'the address on the checkout page')
  const total = text(checkout, '.total')
  expect(total).toMatch(/^¥\d+\.\d\d$/)
  await tap(checkout, '.submit')
  const payUrl = lastNavigation().url
  expect(payUrl).toMatch(/^\/pages\/pay\/pay\?order_no=[^&]+&auto=1$/)
  const orderNo = new URLSearchParams(payUrl.split('?')[1]).get('order_no')

  // 支付: the API's request_payment goes to wx.requestPayment (the simulator checks paySign, pays
  // and notifies the server); the page shows 支付成功 only once the API says the order is paid
  const pay = await open(payUrl)
  await waitFor(() => pay.instance.data.state === 'paid', 'the order to be paid', 90000)
  expect(text(pay, '.result-title')).toBe('支付成功')
  expect(text(pay, '.amount')).toBe(total)

  const fen = Math.round(Number(total.replace('¥', '')) * 100)
  fs.writeFileSync(process.env.WEISHOP_E2E_OUT, JSON.stringify({ order_no: orderNo, total_fen: fen, sku_id: sku.id, phone: PHONE }))
})
