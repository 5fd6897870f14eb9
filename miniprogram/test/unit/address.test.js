// 收货地址 (list) and 编辑收货地址 (edit): the address book as recorded, default/delete/edit, the
// 从微信导入 mapping (wx.chooseAddress → the server's region match → POST /addresses/), and the
// API's field errors next to the fields.
const fake = require('../support/fake-wx')
const { openPage, settle, text, texts, tap, fixture, recorded, replay } = require('../support/page')

const LIST = 'pages/address/list'
const EDIT = 'pages/address/edit'

// What wx.chooseAddress answers (WeChat's documented fields).
const WECHAT = {
  userName: '张三',
  telNumber: '13800138000',
  provinceName: '广东省',
  cityName: '广州市',
  countyName: '海珠区',
  detailInfo: '新港中路397号',
  postalCode: '510000',
  nationalCode: '440105',
}

beforeEach(() => {
  fake.state.storage['weishop.token'] = JSON.stringify('recorded-shopper')
})

// GET /regions/?parent=… answered from the recorded walks (the query travels in `data`).
function regions() {
  const byParent = {}
  ;['buy_regions_provinces', 'buy_regions_cities', 'buy_regions_districts', 'buy_regions_cities_sh', 'buy_regions_districts_sh', 'buy_regions_cities_zj', 'buy_regions_districts_hz'].forEach((n) => {
    const r = recorded(n)
    const m = /parent=(\d+)/.exec(r.request.path)
    byParent[m ? m[1] : ''] = r.body
  })
  fake.answer('GET', '/regions/', (req) => {
    const parent = (req.data && req.data.parent) || ''
    return parent in byParent ? { status: 200, body: byParent[parent] } : { status: 599, body: { code: 'unrecorded', message: parent } }
  })
}

function matchAnswer(name) {
  fake.answer('GET', '/regions/match/', { status: 200, body: fixture(name) })
}

const posts = () => fake.state.requests.filter((r) => r.method === 'POST' && r.path === '/addresses/')

describe('list', () => {
  test('the book shows each address with its default mark', async () => {
    const book = replay(fake, 'buy_addresses_three')
    const page = await openPage(LIST)
    expect(texts(page, '.address .name')).toEqual(book.map((a) => a.recipient))
    expect(texts(page, '.address .where')[0]).toBe('北京市 北京市 东城区 东四十条 1 号')
    expect(page.querySelectorAll('.default-tag')).toHaveLength(1)
    expect(text(page, '.address .who')).toContain('默认')
  })

  test('an empty book says so', async () => {
    replay(fake, 'buy_addresses_empty')
    const page = await openPage(LIST)
    expect(text(page, '.no-addresses')).toBe('还没有收货地址')
  })

  test('设为默认 PATCHes is_default and reads the book again', async () => {
    replay(fake, 'buy_addresses') // 张三 is the default
    replay(fake, 'buy_address_default_10')
    const page = await openPage(LIST)
    fake.answer('GET', '/addresses/', { status: 200, body: fixture('buy_addresses_after_delete') }) // 李四 is now
    await tap(page, '.set-default', 1)
    const patch = fake.state.requests.find((r) => r.method === 'PATCH')
    expect(patch.path).toBe('/addresses/10/')
    expect(patch.data).toEqual({ is_default: true })
    expect(page.instance.data.addresses.filter((a) => a.isDefault).map((a) => a.name)).toEqual(['李四'])
    expect(fake.state.requests.filter((r) => r.method === 'GET' && r.path === '/addresses/')).toHaveLength(2)
  })

  test('删除 asks, DELETEs and shows the book the API has now', async () => {
    replay(fake, 'buy_addresses_three')
    replay(fake, 'buy_address_delete')
    const page = await openPage(LIST)
    fake.answer('GET', '/addresses/', { status: 200, body: fixture('buy_addresses_after_delete') })
    await tap(page, '.delete', 0)
    expect(fake.state.modals).toHaveLength(1)
    expect(fake.state.requests.find((r) => r.method === 'DELETE').path).toBe('/addresses/11/')
    expect(page.instance.data.addresses.map((a) => a.name)).toEqual(['李四', '张三'])
  })

  test('in choose mode a tap hands the address to checkout and goes back', async () => {
    const book = replay(fake, 'buy_addresses_after_delete')
    const page = await openPage(LIST, { choose: '1' })
    await tap(page, '.address .main', 1)
    expect(JSON.parse(fake.state.storage['weishop.checkout.address'])).toEqual(book[1])
    expect(fake.state.navigations).toEqual([{ kind: 'navigateBack', delta: 1 }])
  })

  test('outside choose mode a tap edits; 新增地址 adds', async () => {
    replay(fake, 'buy_addresses_after_delete')
    const page = await openPage(LIST)
    await tap(page, '.address .main', 0)
    await tap(page, '.add')
    expect(fake.state.navigations.map((n) => n.url)).toEqual(['/pages/address/edit?id=10', '/pages/address/edit'])
  })

  test('从微信导入 maps WeChat\'s address, asks the server for the codes and saves it', async () => {
    replay(fake, 'buy_addresses_empty')
    matchAnswer('buy_regions_match')
    replay(fake, 'buy_address_create')
    fake.state.chosenAddress = WECHAT
    const page = await openPage(LIST)
    fake.answer('GET', '/addresses/', { status: 200, body: [fixture('buy_address_create')] })
    await tap(page, '.import')
    const match = fake.state.requests.find((r) => r.path === '/regions/match/')
    expect(match.data).toEqual({ province: '广东省', city: '广州市', district: '海珠区' })
    expect(posts()[0].data).toEqual(recorded('buy_address_create').request.body)
    expect(texts(page, '.address .name')).toEqual(['张三'])
  })

  test('an import the API refuses opens the form with its messages next to the fields', async () => {
    replay(fake, 'buy_addresses_empty')
    matchAnswer('buy_regions_match')
    const refusal = replay(fake, 'buy_address_invalid')
    fake.state.chosenAddress = { ...WECHAT, telNumber: '020-81167888' } // a landline: not a mobile
    const list = await openPage(LIST)
    await tap(list, '.import')
    expect(posts()[0].data.phone).toBe('020-81167888')
    expect(fake.state.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/address/edit?draft=1' }])
    regions()
    const edit = await openPage(EDIT, { draft: '1' })
    expect(text(edit, '.form-message')).toBe(refusal.message)
    expect(text(edit, '.err-phone')).toBe(refusal.fields.phone[0])
    expect(edit.instance.data.form.recipient).toBe('张三')
    expect([text(edit, '.province'), text(edit, '.city'), text(edit, '.district')]).toEqual(['广东省', '广州市', '海珠区'])
  })

  test('closing WeChat\'s picker does nothing', async () => {
    replay(fake, 'buy_addresses_empty')
    const page = await openPage(LIST)
    await tap(page, '.import')
    expect(posts()).toHaveLength(0)
  })
})

describe('edit', () => {
  test('editing shows the address and its region; saving PATCHes the form', async () => {
    regions()
    const a = replay(fake, 'buy_address_get')
    replay(fake, 'buy_address_update')
    const page = await openPage(EDIT, { id: String(a.id) })
    expect(page.instance.data.form.recipient).toBe(a.recipient)
    expect([text(page, '.province'), text(page, '.city'), text(page, '.district')]).toEqual([a.province, a.city, a.district])
    page.querySelector('.detail').dispatchEvent('input', { detail: { value: '南京东路 200 号' } })
    await tap(page, '.save')
    const patch = fake.state.requests.find((r) => r.method === 'PATCH')
    expect(patch.path).toBe(`/addresses/${a.id}/`)
    expect(patch.data).toEqual({ ...recorded('buy_address_update').request.body, is_default: a.is_default })
    expect(fake.state.navigations).toEqual([{ kind: 'navigateBack', delta: 1 }])
  })

  test('a field the API refuses shows its message next to it, and the page stays', async () => {
    regions()
    const a = replay(fake, 'buy_address_get')
    const refusal = replay(fake, 'buy_address_update_invalid')
    const page = await openPage(EDIT, { id: String(a.id) })
    page.querySelector('.detail').dispatchEvent('input', { detail: { value: '' } })
    await tap(page, '.save')
    expect(text(page, '.form-message')).toBe(refusal.message)
    expect(text(page, '.err-detail')).toBe(refusal.fields.detail[0])
    expect(fake.state.navigations).toEqual([])
  })

  test('a new address walks province → city → district and POSTs the codes; a region error sits by the region', async () => {
    regions()
    const refusal = replay(fake, 'buy_address_region_invalid')
    const page = await openPage(EDIT)
    expect(text(page, '.province')).toBe('省份')
    expect(page.querySelector('.city')).toBeFalsy() // asked for once a province is chosen
    const provinces = fixture('buy_regions_provinces')
    page.querySelector('.province-picker').dispatchEvent('change', { detail: { value: provinces.findIndex((p) => p.code === '440000') } })
    await settle()
    const cities = fixture('buy_regions_cities')
    page.querySelector('.city-picker').dispatchEvent('change', { detail: { value: cities.findIndex((c) => c.code === '440100') } })
    await settle()
    const districts = fixture('buy_regions_districts')
    page.querySelector('.district-picker').dispatchEvent('change', { detail: { value: districts.findIndex((d) => d.code === '440105') } })
    await settle()
    expect([text(page, '.province'), text(page, '.city'), text(page, '.district')]).toEqual(['广东省', '广州市', '海珠区'])
    page.querySelector('.recipient').dispatchEvent('input', { detail: { value: '张三' } })
    page.querySelector('.phone').dispatchEvent('input', { detail: { value: '13800138000' } })
    page.querySelector('.detail').dispatchEvent('input', { detail: { value: '新港中路397号' } })
    await tap(page, '.save')
    expect(posts()[0].data).toEqual({ ...recorded('buy_address_create').request.body, is_default: false })
    expect(text(page, '.err-city_code')).toBe(refusal.fields.city_code[0]) // the recorded refusal answered
  })

  test('从微信导入 on the form fills it; a region the server could not finish asks for the rest', async () => {
    regions()
    matchAnswer('buy_regions_match_partial')
    fake.state.chosenAddress = { ...WECHAT, provinceName: '浙江省', cityName: '杭州市', countyName: '不存在区' }
    const page = await openPage(EDIT)
    await tap(page, '.import')
    expect(page.instance.data.form.province_code).toBe('330000')
    expect(page.instance.data.form.city_code).toBe('330100')
    expect(page.instance.data.form.district_code).toBe('')
    expect(text(page, '.form-message')).toBe('请补全所在地区')
  })
})
