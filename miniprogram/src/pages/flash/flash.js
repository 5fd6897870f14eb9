// 限时秒杀: the session running now and the next one (GET flash-sales/), each with its countdown
// from the API's `seconds_left`, the flash price, the units left; an item opens its product page,
// where the ordinary checkout applies the flash price by itself.
const api = require('../../utils/api')
const attribution = require('../../utils/attribution')
const share = require('../../utils/share')
const countdown = require('../../utils/countdown')
const { yuan, dateTime } = require('../../utils/format')

function itemView(item, running) {
  const soldOut = running && item.remaining <= 0
  const sold = item.quantity > 0 ? Math.min(100, Math.round(((item.quantity - item.remaining) * 100) / item.quantity)) : 0
  return {
    id: item.id,
    productId: item.product_id,
    title: item.title,
    specText: item.spec_text,
    flashPrice: yuan(item.flash_price_fen),
    price: yuan(item.price_fen),
    stockText: running ? (soldOut ? '已抢光' : `仅剩 ${item.remaining} 件`) : `限量 ${item.quantity} 件`,
    limitText: item.per_user_limit ? `每人限购 ${item.per_user_limit} 件` : '',
    soldPercent: running ? sold : 0,
    soldOut,
  }
}

function sessionView(session) {
  if (!session) return null
  const running = session.state === 'running'
  return {
    id: session.id,
    name: session.name,
    running,
    startsAt: dateTime(session.starts_at),
    endsAt: dateTime(session.ends_at),
    label: running ? '距结束' : '距开始',
    clock: countdown.clock(session.seconds_left),
    items: session.items.map((item) => itemView(item, running)),
  }
}

Component({
  data: {
    loading: true,
    error: '',
    current: null,
    upcoming: null,
    empty: false,
  },
  lifetimes: {
    detached() { this.stopTimer() },
  },
  methods: {
    onLoad(query) {
      attribution.remember(query)
      share.loadRefCode()
      this.load()
    },
    onUnload() { this.stopTimer() },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    load() {
      return api.get(api.shopPath('/flash-sales/'), undefined, { quiet: true })
        .then((board) => {
          this.deadlines = {
            current: board.current ? countdown.deadline(board.current.seconds_left) : 0,
            upcoming: board.upcoming ? countdown.deadline(board.upcoming.seconds_left) : 0,
          }
          // only a countdown that was running asks again when it ends (never a loop on a 0)
          this.counting = {
            current: Boolean(board.current && board.current.seconds_left > 0),
            upcoming: Boolean(board.upcoming && board.upcoming.seconds_left > 0),
          }
          this.setData({
            loading: false,
            error: '',
            current: sessionView(board.current),
            upcoming: sessionView(board.upcoming),
            empty: !board.current && !board.upcoming,
          })
          this.startTimer()
        })
        .catch((err) => this.setData({ loading: false, error: err.message }))
    },

    startTimer() {
      this.stopTimer()
      if (!this.counting.current && !this.counting.upcoming) return
      this.stop = countdown.every(() => this.tick())
    },
    stopTimer() {
      if (this.stop) this.stop()
      this.stop = null
    },
    tick() {
      const changes = {}
      let ended = false
      ;['current', 'upcoming'].forEach((key) => {
        if (!this.data[key]) return
        const left = countdown.left(this.deadlines[key])
        changes[`${key}.clock`] = countdown.clock(left)
        if (left === 0 && this.counting[key]) ended = true
      })
      this.setData(changes)
      if (ended) {
        // a session ended or began: ask again what runs now
        this.stopTimer()
        this.load()
      }
    },

    openItem(e) {
      const { product } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/product/product?id=${product}` })
    },
    retry() {
      this.setData({ loading: true, error: '' })
      this.load()
    },

    onShareAppMessage() {
      return share.card({ title: '限时秒杀，手慢无', path: '/pages/flash/flash' })
    },
    onShareTimeline() {
      return share.timeline({ title: '限时秒杀，手慢无' })
    },
  },
})
