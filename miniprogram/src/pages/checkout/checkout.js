// 确认订单: priced by the server's checkout preview, placed with POST orders.
//
// Opened from the cart (no query: the cart's available lines) or by 立即购买 with
// `?sku_id=<id>&quantity=<n>` (items mode). Group-buy hook: `&group_activity=<id>[&group_no=<no>]`
// adds `group_buy: {activity_id, group_no}` to the preview and the order (发起拼团 / 参团 at the
// group's price, no coupon), exactly as docs/api.md#group-buy-拼团 describes.
//
// Everything shown about money is the preview's answer: lines, 运费, each discount line (coupon,
// member discount, points…), 实付. The shopper's choices (address, coupon, 积分抵扣, remark) are
// sent back and the preview answers again. 提交订单 posts the same choices with an
// Idempotency-Key kept for this attempt (the same request retried after a timeout returns the same
// order) and the attribution header, then opens the payment page, which pays at once.
const api = require('../../utils/api')
const attribution = require('../../utils/attribution')
const subscribe = require('../../utils/subscribe')
const addressBook = require('../../utils/address')
const { yuan } = require('../../utils/format')

const CHOICE_FIELDS = { points: 'use_points' } // preview `choices[].option` → the body's switch

function claimIdOf(discounts) {
  const line = discounts.find((d) => d.code === 'coupon')
  const m = line && /^coupon_claim:(\d+)$/.exec(line.ref)
  return m ? Number(m[1]) : null
}

function addressView(a) {
  return a ? { id: a.id, name: a.recipient, phone: a.phone, text: addressBook.fullText(a), complete: a.region_complete } : null
}

Component({
  data: {
    loading: true,
    error: '',
    address: null,
    lines: [],
    goods: '',
    shipping: '',
    discounts: [],
    total: '',
    problems: [],
    choices: [],
    groupBuy: false,
    coupon: { text: '', chosen: false },
    couponError: '',
    couponPanel: false,
    claims: [],
    remark: '',
    submitting: false,
    canSubmit: false,
  },
  methods: {
    onLoad(query) {
      const q = query || {}
      attribution.remember(q)
      this.items = q.sku_id ? [{ sku_id: Number(q.sku_id), quantity: Number(q.quantity) || 1 }] : null
      // group-buy hook: the group's price is the server's, like every other price
      this.groupBuy = q.group_activity ? { activity_id: Number(q.group_activity), group_no: q.group_no || null } : null
      this.couponChoice = undefined // undefined: the server picks the best; null: none; an id: that claim
      this.options = {} // the preview's switches the shopper turned on: {use_points: true}
      this.attempt = null
      this.setData({ groupBuy: !!this.groupBuy })
      this.start()
    },
    onShow() {
      const chosen = addressBook.takeChosen() // back from the address book in choose mode
      if (chosen && this.started) {
        this.addressRecord = chosen
        this.setData({ address: addressView(chosen) })
        this.preview()
      }
    },
    async start() {
      this.setData({ loading: true, error: '' })
      try {
        const book = await api.get('/addresses/', undefined, { auth: true, quiet: true })
        const chosen = addressBook.takeChosen()
        this.addressRecord = chosen || book.find((a) => a.is_default) || book[0] || null
        this.setData({ address: addressView(this.addressRecord) })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
        return
      }
      this.started = true
      await this.preview()
    },
    // The body both the preview and the order take: what to buy and the shopper's choices.
    choiceBody() {
      const body = {}
      if (this.items) body.items = this.items
      if (this.addressRecord) body.address_id = this.addressRecord.id
      if (this.groupBuy) body.group_buy = this.groupBuy
      else if (this.couponChoice !== undefined) body.coupon_claim_id = this.couponChoice
      Object.keys(this.options).forEach((k) => { if (this.options[k]) body[k] = true })
      return body
    },
    async preview() {
      try {
        const answer = await api.post(api.shopPath('/checkout/preview/'), this.choiceBody(), {
          auth: true, quiet: true, headers: attribution.header(),
        })
        this.draw(answer)
        return true
      } catch (err) {
        if (String(err.code).startsWith('coupon_') && this.previous) {
          // the claim picked cannot be used here: say why and keep what was shown
          this.couponChoice = this.previous.couponChoice
          this.setData({ couponError: err.message })
          return false
        }
        this.setData({ loading: false, error: err.message })
        return false
      }
    },
    draw(p) {
      this.shown = p
      this.previous = { couponChoice: this.couponChoice }
      const claimId = claimIdOf(p.discounts)
      const couponLine = p.discounts.find((d) => d.code === 'coupon')
      let couponText = '暂无可用'
      if (couponLine) couponText = `-${yuan(couponLine.amount_fen)}`
      else if (this.couponChoice === null) couponText = '不使用优惠券'
      this.setData({
        loading: false,
        error: '',
        lines: p.lines.map((l, i) => ({
          key: `${l.sku_id}-${i}`,
          title: l.title,
          spec: l.spec_text,
          unit: yuan(l.unit_price_fen),
          quantity: l.quantity,
          total: yuan(l.total_fen),
          problem: l.problem,
        })),
        goods: yuan(p.goods_fen),
        shipping: p.shipping_fen ? yuan(p.shipping_fen) : '免运费',
        discounts: p.discounts.map((d) => ({ code: d.code, label: d.label, amount: `-${yuan(d.amount_fen)}` })),
        total: yuan(p.total_fen),
        problems: p.problems,
        choices: p.choices.filter((c) => CHOICE_FIELDS[c.option]).map((c) => ({
          option: c.option, label: c.label, detail: c.detail, chosen: c.chosen, available: c.available,
        })),
        coupon: { text: couponText, chosen: claimId !== null },
        canSubmit: !!this.addressRecord && p.problems.length === 0 && p.lines.length > 0,
      })
    },
    onChooseAddress() {
      wx.navigateTo({ url: '/pages/address/list?choose=1' })
    },
    async onOpenCoupons() {
      if (this.groupBuy) return
      this.setData({ couponError: '' })
      try {
        const mine = await api.get(api.shopPath('/coupons/mine/'), { status: 'usable' }, { auth: true, quiet: true })
        const current = this.shown ? claimIdOf(this.shown.discounts) : null
        this.setData({
          couponPanel: true,
          claims: mine.results.map((c) => ({
            id: c.id, name: c.name, rule: c.rule_text, until: (c.valid_until || '').slice(0, 10), chosen: c.id === current,
          })),
        })
      } catch (err) {
        this.setData({ couponError: err.message })
      }
    },
    onCloseCoupons() {
      this.setData({ couponPanel: false })
    },
    async onPickCoupon(e) {
      const id = e.currentTarget.dataset.id
      this.couponChoice = id === 'none' ? null : Number(id)
      this.setData({ couponPanel: false, couponError: '' })
      await this.preview()
    },
    async onChoice(e) {
      const field = CHOICE_FIELDS[e.currentTarget.dataset.option]
      if (!field) return
      this.options[field] = !!e.detail.value
      await this.preview()
    },
    onRemark(e) {
      this.setData({ remark: e.detail.value })
    },
    // The order's body: the previewed choices, the coupon the preview showed (or null) so the order is
    // priced as previewed, the remark.
    orderBody() {
      const body = this.choiceBody()
      if (!this.groupBuy) body.coupon_claim_id = claimIdOf(this.shown.discounts)
      body.remark = this.data.remark.trim()
      return body
    },
    // One Idempotency-Key per attempt: the same body retried keeps its key (a timeout's retry
    // returns the order already placed); a changed body is a new attempt.
    keyFor(body) {
      const sig = JSON.stringify(body)
      if (!this.attempt || this.attempt.sig !== sig) this.attempt = { sig, key: api.newKey() }
      return this.attempt.key
    },
    async onSubmit() {
      if (this.data.submitting || !this.data.canSubmit) return
      this.setData({ submitting: true, error: '' })
      await subscribe.ask(subscribe.ORDER_EVENTS) // in the tap: WeChat shows the prompt only from one
      const body = this.orderBody()
      let order
      try {
        order = await api.post(api.shopPath('/orders/'), body, {
          auth: true, idempotent: true, idempotencyKey: this.keyFor(body), headers: attribution.header(),
        })
      } catch (err) {
        // api.js showed the API's message; prices or stock may have moved: preview again
        this.setData({ submitting: false })
        if (err.code !== 'network') await this.preview()
        return
      }
      this.setData({ submitting: false })
      wx.redirectTo({ url: `/pages/pay/pay?order_no=${order.order_no}&auto=1` })
    },
    onRetry() {
      if (this.started) {
        this.setData({ loading: true })
        this.preview()
      } else this.start()
    },
  },
})
