// 我的拼团: my groups in this shop (GET groups/mine/, newest first, paginated) with each one's
// state in my words; an unpaid one goes to the pay page, an open one to its page to invite friends.
const api = require('../../utils/api')
const share = require('../../utils/share')

// my state in a group, from my membership's `status` and the group's `state` (as the H5 page says it)
function label(row) {
  const { status, group } = row
  if (status === 'left') return { text: '已退出拼团 · 已退款', tone: 'mute' }
  if (status === 'refunded') return { text: group.state === 'failed' ? '拼团失败 · 已退款' : '已退款', tone: 'mute' }
  if (status === 'refunding') return { text: group.state === 'failed' ? '拼团失败 · 退款中' : '退款中', tone: 'warn' }
  if (status === 'cancelled' || group.state === 'cancelled') return { text: '已取消', tone: 'mute' }
  if (status === 'pending') return { text: group.state === 'waiting' ? '待付款 · 付款后开团' : '待付款', tone: 'warn' }
  if (group.state === 'open') return { text: `拼团中 · 还差 ${group.seats_left} 人`, tone: 'brand' }
  if (group.state === 'succeeded') return { text: '拼团成功', tone: 'ok' }
  if (group.state === 'failed') return { text: '拼团失败 · 退款中', tone: 'warn' }
  return { text: '未开团', tone: 'mute' }
}

function rowView(row) {
  const { text, tone } = label(row)
  const g = row.group
  return {
    groupNo: g.group_no,
    orderNo: row.order_no,
    title: g.title,
    meta: `${g.size}人团 · 团号 ${g.group_no}`,
    isLeader: row.is_leader,
    label: text,
    tone,
    canPay: row.status === 'pending' && (g.state === 'waiting' || g.state === 'open'),
    canInvite: row.status === 'joined' && g.state === 'open',
  }
}

Component({
  data: {
    loading: true,
    error: '',
    rows: [],
    next: null,
    loadingMore: false,
  },
  methods: {
    onLoad() {
      share.loadRefCode()
    },
    onShow() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      if (!this.data.next || this.data.loadingMore) return
      this.setData({ loadingMore: true })
      this.page += 1
      api.get(api.shopPath('/groups/mine/'), { page: this.page }, { auth: true, quiet: true })
        .then((body) => this.setData({ rows: this.data.rows.concat(body.results.map(rowView)), next: body.next, loadingMore: false }))
        .catch((err) => {
          this.page -= 1
          this.setData({ loadingMore: false })
          api.toast(err.message)
        })
    },

    load() {
      this.page = 1
      return api.get(api.shopPath('/groups/mine/'), { page: 1 }, { auth: true, quiet: true })
        .then((body) => this.setData({ loading: false, error: '', rows: body.results.map(rowView), next: body.next }))
        .catch((err) => this.setData({ loading: false, error: err.message }))
    },

    openGroup(e) {
      wx.navigateTo({ url: `/pages/groupbuy/group?group_no=${e.currentTarget.dataset.no}` })
    },
    pay(e) {
      wx.navigateTo({ url: `/pages/pay/pay?order_no=${e.currentTarget.dataset.order}` })
    },
    openOrder(e) {
      wx.navigateTo({ url: `/pages/orders/detail?order_no=${e.currentTarget.dataset.order}` })
    },
    browse() {
      wx.switchTab({ url: '/pages/home/home' })
    },
    retry() {
      this.setData({ loading: true, error: '' })
      this.load()
    },
  },
})
