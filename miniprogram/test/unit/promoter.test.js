// pages/promoter/promoter: 推广中心: the terms and applying; an approved promoter's balances, link,
// poster, ledger, customers and withdrawals (asking for one, confirming a transfer with
// wx.requestMerchantTransfer then withdrawals/check/, cancelling one).
const fake = require('../support/fake-wx')
const { openPage, tap, text, texts, replay, fixture } = require('../support/page')

const PAGE = 'pages/promoter/promoter'
const P = '/shops/demo/promoter/'

function signedIn(who) {
  replay(fake, `social_login_${who}`)
  return replay(fake, who === 'alice' ? 'social_share' : `social_share_${who}`).ref
}

function posts() {
  return fake.state.requests.filter((r) => r.method === 'POST' && r.path !== '/auth/miniprogram')
}

// alice: an approved promoter with commissions, one withdrawal waiting for her confirmation and
// one the merchant has not handled yet
async function openAlice() {
  signedIn('alice')
  replay(fake, 'social_promoter')
  replay(fake, 'social_promoter_link')
  replay(fake, 'social_promoter_ledger')
  replay(fake, 'social_promoter_customers')
  replay(fake, 'social_promoter_withdrawals')
  return openPage(PAGE)
}

test('someone who has not applied reads the terms and becomes a promoter at once', async () => {
  signedIn('dave')
  replay(fake, 'social_promoter_none')
  replay(fake, 'social_promoter_apply')
  replay(fake, 'social_promoter_new_link')
  replay(fake, 'social_promoter_new_ledger')
  const page = await openPage(PAGE)
  expect(text(page, '.rate')).toBe('10%')
  expect(text(page, '.level2')).toBe('2%')
  expect(text(page, '.rule')).toBe(fixture('social_promoter_none').terms.rule_text)
  expect(text(page, '.who')).toBe('人人可申请，申请即通过')
  expect(text(page, '.min')).toBe('满 ¥10.00 可提现到微信零钱')
  expect(page.querySelector('.balances')).toBeUndefined()
  await tap(page, '.apply')
  expect(posts().map((r) => r.path)).toEqual([`${P}apply/`])
  expect(text(page, '.balance')).toBe('¥0.00')
  expect(text(page, '.link-url')).toBe(fixture('social_promoter_new_link').url)
  expect(text(page, '.ledger .empty')).toBe('还没有收支，分享商品给好友就能赚佣金')
  expect(fake.state.toasts).toEqual(['你已成为推广员'])
})

test('a refused application shows the API\'s reason', async () => {
  signedIn('erin')
  replay(fake, 'social_promoter_none')
  replay(fake, 'social_promoter_apply_refused')
  const page = await openPage(PAGE)
  await tap(page, '.apply')
  expect(text(page, '.apply-error')).toBe('在本店付款下单后即可成为推广员。')
  expect(fake.state.toasts).toEqual([])
})

test('an application the merchant must approve says it waits', async () => {
  signedIn('erin')
  replay(fake, 'social_promoter_none')
  replay(fake, 'social_promoter_pending')
  const page = await openPage(PAGE)
  await tap(page, '.apply')
  expect(text(page, '.status')).toBe('申请已提交，等待商家审核')
  expect(text(page, '.who')).toBe('提交申请后由商家审核')
  expect(page.querySelector('.apply')).toBeUndefined()
})

test('an approved promoter sees the balances, the link and the ledger with signed amounts', async () => {
  const page = await openAlice()
  const { balances } = fixture('social_promoter')
  expect(text(page, '.balance')).toBe('¥2.91')
  expect(text(page, '.pending')).toBe('¥7.80')
  expect(text(page, '.withdrawing')).toBe('¥20.00')
  expect(text(page, '.withdrawn')).toBe('¥0.00')
  expect(balances.balance_fen).toBe(291)
  expect(text(page, '.link-url')).toBe(fixture('social_promoter_link').url)
  const ledger = fixture('social_promoter_ledger').results
  expect(texts(page, '.entry-label')).toEqual(ledger.map((e) => e.kind_label))
  expect(texts(page, '.entry-amount').slice(0, 3)).toEqual(['-¥10.00', '-¥10.00', '+¥7.80'])
  // the customers and withdrawals are asked for when their tab opens
  expect(fake.state.requests.map((r) => r.path)).not.toContain(`${P}customers/`)
})

test('the customers tab lists masked names with their orders and commission', async () => {
  const page = await openAlice()
  await tap(page, '.tab', 1)
  expect(texts(page, '.customer-name')).toEqual(['李**', '王**'])
  expect(texts(page, '.customer-commission')).toEqual(['¥25.50', '¥5.21'])
  expect(text(page, '.customer .mute')).toContain('2 单')
})

test('withdrawing sends the amount in fen and shows the request', async () => {
  const page = await openAlice()
  replay(fake, 'social_promoter_withdraw')
  page.querySelector('.amount-input').dispatchEvent('input', { detail: { value: '10' } })
  await tap(page, '.withdraw')
  expect(posts().map((r) => [r.path, r.data])).toEqual([[`${P}withdrawals/`, { amount_fen: 1000 }]])
  expect(fake.state.toasts).toEqual(['提现申请已提交，等待商家审核'])
  expect(page.instance.data.tab).toBe('withdrawals')
  expect(texts(page, '.withdrawal-status')).toEqual(['待审核', '转账中'])
})

test.each([
  ['5', 'social_promoter_withdraw_small', '最低提现 ¥10。'],
  ['50', 'social_promoter_withdraw_too_much', '可提现余额为 ¥22.91，不够提现 ¥50。'],
])('withdrawing %s yuan is refused with the API\'s message', async (typed, name, message) => {
  const page = await openAlice()
  replay(fake, name)
  page.querySelector('.amount-input').dispatchEvent('input', { detail: { value: typed } })
  await tap(page, '.withdraw')
  expect(text(page, '.withdraw-error')).toBe(message)
  expect(fake.state.toasts).toEqual([])
})

test('an amount that is not yuan with two decimals is not sent', async () => {
  const page = await openAlice()
  page.querySelector('.amount-input').dispatchEvent('input', { detail: { value: '1.234' } })
  await tap(page, '.withdraw')
  expect(text(page, '.withdraw-error')).toBe('请输入提现金额，最多两位小数')
  expect(posts()).toEqual([])
  await tap(page, '.all')
  expect(page.instance.data.amountText).toBe('2.91')
})

test('确认收款 opens WeChat\'s transfer sheet with the API\'s parameters, then checks the withdrawal', async () => {
  const page = await openAlice()
  await tap(page, '.tab', 2)
  const waiting = fixture('social_promoter_withdrawals').results.find((w) => w.confirm)
  expect(page.querySelectorAll('.confirm')).toHaveLength(1)
  replay(fake, 'social_promoter_withdrawal_check')
  replay(fake, 'social_promoter_after')
  await tap(page, '.confirm')
  expect(fake.state.merchantTransfers).toEqual([waiting.confirm])
  expect(posts().map((r) => [r.path, r.data])).toEqual([[`${P}withdrawals/check/`, { withdrawal_id: waiting.id }]])
  expect(fake.state.toasts).toEqual(['已到账'])
  expect(text(page, '.balance')).toBe('¥12.91')
})

test('closing WeChat\'s transfer sheet still asks how the withdrawal stands', async () => {
  const page = await openAlice()
  await tap(page, '.tab', 2)
  fake.state.merchantTransferResult = 'cancel'
  replay(fake, 'social_promoter_withdrawal_check')
  await tap(page, '.confirm')
  expect(fake.state.merchantTransfers).toHaveLength(1)
  expect(posts().map((r) => r.path)).toEqual([`${P}withdrawals/check/`])
})

test('a withdrawal not handled yet can be cancelled after a confirmation', async () => {
  const page = await openAlice()
  await tap(page, '.tab', 2)
  const open = fixture('social_promoter_withdrawals').results.find((w) => w.status === 'requested')
  replay(fake, 'social_promoter_withdrawal_cancel')
  fake.state.modalConfirm = false
  await tap(page, '.cancel')
  expect(posts()).toEqual([]) // said no
  fake.state.modalConfirm = true
  await tap(page, '.cancel')
  expect(posts().map((r) => [r.path, r.data])).toEqual([[`${P}withdrawals/cancel/`, { withdrawal_id: open.id }]])
  expect(fake.state.modals.map((m) => m.title)).toEqual(['撤销提现', '撤销提现'])
})

test('a cancel the API refuses shows its message', async () => {
  const page = await openAlice()
  await tap(page, '.tab', 2)
  replay(fake, 'social_promoter_withdrawal_cancel_refused')
  await tap(page, '.cancel')
  expect(fake.state.toasts).toEqual(['这笔提现当前为“已到账”，不能再处理。'])
})

test('the link is copied, the poster downloaded with the token, and cards carry the code', async () => {
  const page = await openAlice()
  await tap(page, '.copy')
  expect(fake.state.clipboard).toEqual([fixture('social_promoter_link').url])
  fake.answer('DOWNLOAD', `${P}poster/`, { status: 200 })
  await tap(page, '.poster')
  expect(fake.state.downloads[0].header.Authorization).toBe(`Token ${fixture('social_login_alice').token}`)
  expect(fake.state.previews).toHaveLength(1)
  const { code } = fixture('social_promoter_link')
  expect(page.instance.onShareAppMessage()).toEqual({ title: '好物推荐，快来看看', path: `/pages/home/home?ref=${encodeURIComponent(code)}` })
  expect(code).toBe(fixture('social_share').ref) // a promoter's link code is the share code
})

test('a new promoter\'s tabs say they are empty', async () => {
  signedIn('dave')
  replay(fake, 'social_promoter_new')
  replay(fake, 'social_promoter_new_link')
  replay(fake, 'social_promoter_new_ledger')
  replay(fake, 'social_promoter_new_customers')
  replay(fake, 'social_promoter_new_withdrawals')
  const page = await openPage(PAGE)
  expect(text(page, '.ledger .empty')).toBe('还没有收支，分享商品给好友就能赚佣金')
  await tap(page, '.tab', 1)
  expect(text(page, '.customers .empty')).toBe('还没有客户')
  await tap(page, '.tab', 2)
  expect(text(page, '.withdrawals .empty')).toBe('还没有提现')
  expect(page.querySelector('.confirm')).toBeUndefined()
})

test('a failure to load the centre shows the message', async () => {
  signedIn('alice')
  fake.failNetwork('GET', P, { times: 2 })
  const page = await openPage(PAGE)
  expect(text(page, '.error-text')).toBe('网络不给力，请稍后再试')
})
