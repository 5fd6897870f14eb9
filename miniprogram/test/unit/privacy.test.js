// pages/privacy/privacy (隐私与数据): my data (summary + copy), account deletion with the blockers the
// API lists and the typed confirmation; afterwards the session is gone and the shop opens again.
const fake = require('../support/fake-wx')
const { openPage, fixture, recorded, text, texts, tap, settle } = require('../support/page')

const ERASE = '/me/erase/'

function signIn() {
  fake.answer('POST', '/auth/miniprogram', { status: 200, body: { token: 't-p', created: false, user: fixture('me_me') } })
}

function answer(name, method, path) {
  const r = recorded(name)
  fake.answer(method || r.request.method, path || r.request.path, { status: r.status, body: r.body })
  return r
}

async function type(page, value) {
  page.querySelector('#erase-word').dispatchEvent('input', { detail: { value } })
  await settle()
}

test('my data: a summary on the page and the whole JSON copied', async () => {
  signIn()
  answer('me_erase_state_blocked')
  const data = answer('me_privacy_data').body
  const copied = []
  wx.setClipboardData = (o) => { copied.push(o.data); o.success && o.success() }
  const page = await openPage('pages/privacy/privacy')
  await tap(page, '#export')
  expect(text(page, '#export-note')).toBe(data['说明'])
  const titles = texts(page, '.privacy-section-title')
  expect(titles).toEqual(Object.keys(data).filter((k) => !['说明', '店铺', '导出时间'].includes(k)))
  const orders = texts(page, '.privacy-items')[titles.indexOf('订单')]
  expect(orders).toContain(`订单 ${data['订单']['订单'].length} 条`)
  await tap(page, '#copy')
  expect(JSON.parse(copied[0])).toEqual(data)
  expect(fake.state.toasts).toEqual(['已复制，可粘贴到聊天或备忘录保存'])
})

test('an account that cannot be deleted yet shows the API\'s blockers and no confirmation', async () => {
  signIn()
  const state = answer('me_erase_state_blocked').body
  const page = await openPage('pages/privacy/privacy')
  expect(texts(page, '#erase-blocked .blocker')).toEqual(state.blockers)
  expect(page.querySelector('#erase-confirm')).toBeFalsy()
  expect(texts(page, '.privacy-h')).toEqual(expect.arrayContaining(['将被删除', '会保留（已匿名）', '暂时不能注销']))
})

test('deleting needs the typed word, sends what the API wants, then clears the session and goes home', async () => {
  signIn()
  const state = answer('me_erase_state_ok').body
  const done = answer('me_erase_done')
  const page = await openPage('pages/privacy/privacy')
  expect(fake.state.storage['weishop.token']).toBe('"t-p"')
  await type(page, '注')
  await tap(page, '#erase')
  expect(fake.state.requests.filter((r) => r.method === 'POST' && r.path === ERASE)).toHaveLength(0)
  await type(page, state.confirmation)
  await tap(page, '#erase')
  const sent = fake.state.requests.filter((r) => r.method === 'POST' && r.path === ERASE)
  expect(sent).toHaveLength(1)
  expect(sent[0].data).toEqual(done.request.body)
  expect(sent[0].header.Authorization).toBe('Token t-p')
  expect(fake.state.storage['weishop.token']).toBeUndefined()
  expect(fake.state.storage['weishop.user']).toBeUndefined()
  expect(fake.state.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/home/home' }])
})

test('a refusal at the last moment shows the API\'s blockers and keeps the session', async () => {
  signIn()
  answer('me_erase_state_ok')
  const blocked = answer('me_erase_blocked')
  const page = await openPage('pages/privacy/privacy')
  await type(page, '注销')
  await tap(page, '#erase')
  expect(texts(page, '#erase-confirm .blocker')).toEqual(blocked.body.fields.blockers)
  expect(fake.state.storage['weishop.token']).toBe('"t-p"')
  expect(fake.state.navigations).toEqual([])
})

test('an unconfirmed erase shows the API\'s message', async () => {
  signIn()
  answer('me_erase_state_ok')
  const refused = answer('me_erase_unconfirmed')
  const page = await openPage('pages/privacy/privacy')
  // the page sends only the confirmation word; a server that wants another one answers this way
  page.setData({ 'erase.confirmation': '注' })
  await type(page, '注')
  await tap(page, '#erase')
  expect(text(page, '#erase-error')).toBe(refused.body.message)
  expect(fake.state.toasts).toEqual([])
})
