// 拆红包: a red packet shared as a card (?token=, the last part of its share link). 拆 opens it
// (POST red-packets/{token}/open/): the coupon got (its random amount, rule and validity), or the
// API's reason (opened already, none left, a bad link) on the page.
const api = require('../../utils/api')
const attribution = require('../../utils/attribution')
const share = require('../../utils/share')
const { yuan, dateTime } = require('../../utils/format')

const TOKEN = /^[A-Za-z0-9_:.-]{1,400}$/

// a query value as written in the path (share.card encodes it); a token never holds a '%' itself
function decoded(value) {
  const text = String(value || '')
  try {
    return text.indexOf('%') === -1 ? text : decodeURIComponent(text)
  } catch (e) {
    return text
  }
}

Component({
  data: {
    token: '',
    opening: false,
    claim: null,
    refusal: '',
    refusalCode: '',
  },
  methods: {
    onLoad(query) {
      const q = query || {}
      attribution.remember(q)
      share.loadRefCode()
      const token = decoded(q.token)
      const whole = TOKEN.test(token) // a signed token: letters, digits and - _ : . only
      this.setData({ token: whole ? token : '', refusal: whole ? '' : '这个红包链接不完整，请让好友重新分享。' })
    },

    open() {
      if (this.data.opening || !this.data.token) return
      this.setData({ opening: true, refusal: '' })
      return api.post(api.shopPath(`/red-packets/${this.data.token}/open/`), undefined, { auth: true, quiet: true })
        .then((claim) => this.setData({
          opening: false,
          claim: {
            name: claim.name,
            amount: yuan(claim.amount_fen),
            rule: claim.rule_text,
            validUntil: dateTime(claim.valid_until),
          },
        }))
        .catch((err) => this.setData({ opening: false, refusal: err.message, refusalCode: err.code }))
    },

    browse() {
      wx.switchTab({ url: '/pages/home/home' })
    },
    myCoupons() {
      wx.navigateTo({ url: '/pages/coupons/mine' })
    },

    onShareAppMessage() {
      const path = this.data.token ? `/pages/redpacket/redpacket?token=${encodeURIComponent(this.data.token)}` : '/pages/home/home'
      return share.card({ title: '送你一个红包，拆开就能用', path })
    },
  },
})
