// 支付订单 `?order_no=<no>[&auto=1]`: POST orders/{no}/payment/ {scene: "miniprogram"} and pass its
// `request_payment` as is to wx.requestPayment. 立即支付 asks for the order messages first
// (subscribe.ask: WeChat shows the prompt only from a tap); opened by checkout with `auto=1` the
// page pays at once (checkout's 提交订单 tap asked already) and still offers the button.
// WeChat's "ok" is not proof: the order is read again a few times until the API says it is paid
// (WeChat Pay's notification reached the server); until then the page says it is confirming.
// A cancel says 已取消支付 with 重新支付. The pay deadline counts down; past it the order cannot be paid.
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const { yuan } = require('../../utils/format')

const POLL_DELAYS_MS = [0, 800, 1500, 2500, 4000] // before each read of the order

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds))
  const h = Math.floor(s / 3600)
  const m = String(Math.floor((s % 3600) / 60)).padStart(2, '0')
  const sec = String(s % 60).padStart(2, '0')
  return h ? `${h}:${m}:${sec}` : `${m}:${sec}`
}

Component({
  data: {
    loading: true,
    error: '',
    orderNo: '',
    total: '',
    // state: pending | paying | checking | paid | unconfirmed | cancelled | failed | expired | closed
    state: 'pending',
    message: '',
    statusText: '',
    countdown: '',
  },
  lifetimes: {
    detached() {
      this.stopClock()
    },
  },
  methods: {
    onLoad(query) {
      const q = query || {}
      this.setData({ orderNo: q.order_no || '' })
      this.start(q.auto === '1')
    },
    onUnload() {
      this.stopClock()
    },
    pollDelays() {
      return POLL_DELAYS_MS
    },
    orderPath() {
      return api.shopPath(`/orders/${this.data.orderNo}/`)
    },
    async start(auto) {
      let order
      try {
        order = await api.get(this.orderPath(), undefined, { auth: true, quiet: true })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
        return
      }
      this.show(order)
      if (auto && this.data.state === 'pending') await this.pay()
    },
    show(order) {
      this.order = order
      const data = { loading: false, total: yuan(order.total_fen), statusText: order.status_text }
      if (order.status === 'pending_payment') {
        this.deadline = Date.parse(order.pay_deadline)
        this.startClock()
      } else {
        // paid (待发货) or further on; cancelled (not paid in time, or by the shopper) and closed
        // (refunded) orders cannot be paid
        this.stopClock()
        data.state = order.status === 'cancelled' || order.status === 'closed' ? 'closed' : 'paid'
      }
      this.setData(data)
    },
    startClock() {
      this.stopClock()
      this.tick()
      this.timer = setInterval(() => this.tick(), 1000)
    },
    stopClock() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },
    tick() {
      const left = (this.deadline - Date.now()) / 1000
      if (left <= 0) {
        this.stopClock()
        if (!['paid', 'checking', 'paying'].includes(this.data.state)) this.setData({ state: 'expired', countdown: '' })
        return
      }
      this.setData({ countdown: clock(left) })
    },
    async onPayTap() {
      if (['paying', 'checking', 'paid', 'expired', 'closed'].includes(this.data.state)) return
      await subscribe.ask(subscribe.ORDER_EVENTS) // inside the tap, before the payment
      await this.pay()
    },
    async pay() {
      this.setData({ state: 'paying', message: '' })
      let answer
      try {
        answer = await api.post(api.shopPath(`/orders/${this.data.orderNo}/payment/`), { scene: 'miniprogram' }, { auth: true, quiet: true })
      } catch (err) {
        this.setData({ state: 'failed', message: err.message })
        if (err.code === 'order_not_payable') await this.check() // paid meanwhile, cancelled or too late
        return
      }
      const result = await new Promise((resolve) => {
        wx.requestPayment({
          ...answer.request_payment,
          success: () => resolve({ ok: true }),
          fail: (res) => resolve({ ok: false, errMsg: (res && res.errMsg) || '' }),
        })
      })
      if (!result.ok) {
        if (/cancel/.test(result.errMsg)) this.setData({ state: 'cancelled', message: '' })
        else this.setData({ state: 'failed', message: '支付未完成，请重试' })
        return
      }
      this.setData({ state: 'checking' })
      await this.check()
    },
    // Read the order until the API says it is paid (or the reads run out).
    async check() {
      const failedBefore = this.data.state === 'failed'
      for (const wait of this.pollDelays()) {
        // eslint-disable-next-line no-await-in-loop
        if (wait) await sleep(wait)
        let order
        try {
          // eslint-disable-next-line no-await-in-loop
          order = await api.get(this.orderPath(), undefined, { auth: true, quiet: true })
        } catch (err) {
          continue
        }
        if (order.status !== 'pending_payment') {
          this.show(order)
          this.setData({ message: '' })
          return
        }
        if (failedBefore) return // not paid: the failure stands
      }
      if (!failedBefore) this.setData({ state: 'unconfirmed' })
    },
    async onRefresh() {
      this.setData({ state: 'checking' })
      await this.check()
    },
    onViewOrder() {
      wx.redirectTo({ url: `/pages/orders/detail?order_no=${this.data.orderNo}` })
    },
    onGoHome() {
      wx.switchTab({ url: '/pages/home/home' })
    },
  },
})
