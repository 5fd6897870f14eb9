// 拼团: one group (?group_no=, the page a shared group card opens) or one group-buy activity
// (?activity=, from a product page: 发起拼团 and the open groups to join).
// - A group: its product, state, paid members (masked by the API), empty seats, the countdown from
//   `seconds_left`; 参团 chooses a SKU and an address and places the group order
//   (POST groups/{no}/join/), then pays it on pages/pay/pay; the share card and poster carry the
//   shopper's referral code.
// - An activity: its prices, 发起拼团 (POST group-buys/{id}/groups/) and its open groups.
// Prices shown are the API's; the order is priced by the server.
const api = require('../../utils/api')
const attribution = require('../../utils/attribution')
const share = require('../../utils/share')
const poster = require('../../utils/poster')
const countdown = require('../../utils/countdown')
const { yuan, dateTime } = require('../../utils/format')

const STATES = {
  waiting: { title: '等待团长付款', text: '团长付款后才开团，开团后好友就可以参团。' },
  open: { title: '', text: '' },
  succeeded: { title: '拼团成功', text: '人已凑满，商家将尽快发货。' },
  failed: { title: '拼团未成功', text: '没有在时限内凑满，已付款的团员都已自动原路退款。' },
  cancelled: { title: '这个团没有开成', text: '团长没有付款，团已取消。' },
}

function itemsView(items) {
  return (items || []).map((item) => ({
    skuId: item.sku_id,
    specText: item.spec_text || '默认',
    groupPrice: yuan(item.group_price_fen),
    price: yuan(item.price_fen),
    soldOut: item.stock <= 0,
  }))
}

// The lowest group price of the items, to show "拼团价 ¥X 起" (display only).
function lowest(items) {
  const prices = (items || []).map((i) => i.group_price_fen)
  if (!prices.length) return ''
  return yuan(Math.min(...prices))
}

function firstOnSale(items) {
  const found = items.find((i) => !i.soldOut)
  return found ? found.skuId : null
}

function groupView(group) {
  const state = STATES[group.state] || STATES.cancelled
  const open = group.state === 'open'
  const seats = []
  if (open) for (let i = 0; i < group.seats_left; i += 1) seats.push(i)
  return {
    groupNo: group.group_no,
    activityId: group.activity_id,
    productId: group.product_id,
    title: group.title,
    size: group.size,
    state: group.state,
    open,
    stateTitle: open ? `还差 ${group.seats_left} 人成团` : state.title,
    stateText: state.text,
    seatsLeft: group.seats_left,
    joinedCount: group.joined_count,
    members: group.members.map((m) => ({ name: m.name, initial: m.name.slice(0, 1), isLeader: m.is_leader })),
    emptySeats: seats,
    expiresAt: dateTime(group.expires_at),
    clock: countdown.clock(group.seconds_left),
    lowest: lowest(group.items),
  }
}

function activityView(activity) {
  return {
    id: activity.id,
    name: activity.name,
    productId: activity.product_id,
    title: activity.title,
    groupSize: activity.group_size,
    openHours: activity.open_hours,
    perUserLimit: activity.per_user_limit,
    endsAt: dateTime(activity.ends_at),
    lowest: lowest(activity.items),
    groups: (activity.groups || []).map((g) => ({
      groupNo: g.group_no,
      leader: g.leader,
      seatsLeft: g.seats_left,
      expiresAt: dateTime(g.expires_at),
    })),
  }
}

function addressView(a) {
  return {
    id: a.id,
    recipient: a.recipient,
    phone: a.phone,
    text: `${a.province}${a.city}${a.district} ${a.detail}`,
    isDefault: a.is_default,
  }
}

Component({
  data: {
    mode: '', // 'group' | 'activity'
    loading: true,
    error: '',
    group: null,
    activity: null,
    items: [],
    cover: '',
    // the 参团 / 发起拼团 sheet
    picking: '', // '' | 'join' | 'open'
    skuId: null,
    addresses: [],
    addressesLoaded: false,
    addressId: null,
    submitting: false,
    pickError: '',
  },
  lifetimes: {
    detached() { this.stopTimer() },
  },
  methods: {
    onLoad(query) {
      const q = query || {}
      attribution.remember(q)
      share.loadRefCode()
      this.query = q
      this.load()
    },
    onShow() {
      // back from adding an address: read the address book again
      if (this.data.picking && this.loadedOnce) this.loadAddresses()
      this.loadedOnce = true
    },
    onUnload() { this.stopTimer() },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    load() {
      const q = this.query || {}
      if (q.group_no) return this.loadGroup(String(q.group_no))
      if (q.activity) return this.loadActivity(String(q.activity))
      this.setData({ loading: false, error: '没有找到这个团。' })
      return Promise.resolve()
    },

    loadGroup(groupNo) {
      return api.get(api.shopPath(`/groups/${encodeURIComponent(groupNo)}/`), undefined, { quiet: true })
        .then((group) => {
          const items = itemsView(group.items)
          this.deadline = countdown.deadline(group.seconds_left)
          this.setData({
            mode: 'group', loading: false, error: '', group: groupView(group), items,
            skuId: this.data.skuId || firstOnSale(items),
          })
          this.loadCover(group.product_id)
          this.startTimer()
        })
        .catch((err) => this.setData({ loading: false, error: err.message }))
    },

    loadActivity(id) {
      return api.get(api.shopPath(`/group-buys/${encodeURIComponent(id)}/`), undefined, { quiet: true })
        .then((activity) => {
          const items = itemsView(activity.items)
          this.setData({
            mode: 'activity', loading: false, error: '', activity: activityView(activity), items,
            skuId: this.data.skuId || firstOnSale(items),
          })
          this.loadCover(activity.product_id)
        })
        .catch((err) => this.setData({ loading: false, error: err.message }))
    },

    // the product's first photo (public catalog); a product off the shelf just shows none
    loadCover(productId) {
      if (this.coverOf === productId) return
      this.coverOf = productId
      api.get(api.shopPath(`/products/${productId}/`), undefined, { quiet: true })
        .then((product) => {
          const image = product.images && product.images[0]
          if (image) this.setData({ cover: image.list })
        })
        .catch(() => {})
    },

    startTimer() {
      this.stopTimer()
      if (!this.data.group || !this.data.group.open || countdown.left(this.deadline) === 0) return
      this.stop = countdown.every(() => {
        const left = countdown.left(this.deadline)
        this.setData({ 'group.clock': countdown.clock(left) })
        if (left === 0) {
          this.stopTimer()
          this.load() // the group closed: read its outcome
        }
      })
    },
    stopTimer() {
      if (this.stop) this.stop()
      this.stop = null
    },

    // ---------------------------------------------------------------- 参团 / 发起拼团

    openJoin() { this.openPicker('join') },
    openNew() { this.openPicker('open') },
    openPicker(kind) {
      this.idempotencyKey = api.newKey()
      this.setData({ picking: kind, pickError: '' })
      if (!this.data.addressesLoaded) this.loadAddresses()
    },
    closePicker() {
      this.setData({ picking: '', pickError: '' })
    },
    loadAddresses() {
      return api.get('/addresses/', undefined, { auth: true, quiet: true })
        .then((list) => {
          const addresses = (list || []).map(addressView)
          const kept = addresses.find((a) => a.id === this.data.addressId)
          const chosen = kept || addresses.find((a) => a.isDefault) || addresses[0]
          this.setData({ addresses, addressesLoaded: true, addressId: chosen ? chosen.id : null })
        })
        .catch((err) => this.setData({ pickError: err.message }))
    },
    chooseSku(e) {
      const { sku, soldout } = e.currentTarget.dataset
      if (soldout) return
      this.setData({ skuId: Number(sku), pickError: '' })
    },
    chooseAddress(e) {
      this.setData({ addressId: Number(e.currentTarget.dataset.id), pickError: '' })
    },
    addAddress() {
      wx.navigateTo({ url: '/pages/address/edit' })
    },

    submit() {
      if (this.data.submitting) return
      const { skuId, addressId, picking, group, activity } = this.data
      if (!skuId) return this.setData({ pickError: '请选择规格' })
      if (!addressId) return this.setData({ pickError: '请先添加收货地址' })
      const path = picking === 'join'
        ? api.shopPath(`/groups/${encodeURIComponent(group.groupNo)}/join/`)
        : api.shopPath(`/group-buys/${activity.id}/groups/`)
      this.setData({ submitting: true, pickError: '' })
      return api.post(path, { sku_id: skuId, quantity: 1, address_id: addressId }, {
        auth: true,
        quiet: true,
        idempotent: true,
        idempotencyKey: this.idempotencyKey,
        headers: attribution.header(),
      })
        .then((placed) => {
          this.setData({ submitting: false, picking: '' })
          wx.navigateTo({ url: `/pages/pay/pay?order_no=${placed.order.order_no}` })
        })
        .catch((err) => {
          this.idempotencyKey = api.newKey() // a refusal: the next try is a new request
          this.setData({ submitting: false, pickError: err.message })
        })
    },

    // ---------------------------------------------------------------- elsewhere

    startNew() {
      wx.redirectTo({ url: `/pages/groupbuy/group?activity=${this.data.group.activityId}` })
    },
    openGroup(e) {
      wx.navigateTo({ url: `/pages/groupbuy/group?group_no=${e.currentTarget.dataset.no}` })
    },
    openProduct() {
      const productId = this.data.group ? this.data.group.productId : this.data.activity.productId
      wx.navigateTo({ url: `/pages/product/product?id=${productId}` })
    },
    myGroups() {
      wx.navigateTo({ url: '/pages/groupbuy/mine' })
    },
    showPoster() {
      return poster.show(api.shopPath(`/groups/${encodeURIComponent(this.data.group.groupNo)}/poster/`))
    },
    retry() {
      this.setData({ loading: true, error: '' })
      this.load()
    },

    shareContent() {
      const { group, activity, cover } = this.data
      if (group) {
        return {
          title: group.open ? `还差 ${group.seatsLeft} 人成团，一起拼「${group.title}」` : `一起拼「${group.title}」`,
          query: `group_no=${group.groupNo}`,
          imageUrl: cover,
        }
      }
      if (activity) {
        return { title: `${activity.groupSize}人团 · ${activity.title}`, query: `activity=${activity.id}`, imageUrl: cover }
      }
      return { title: '一起拼团', query: '', imageUrl: '' }
    },
    onShareAppMessage() {
      const c = this.shareContent()
      return share.card({ title: c.title, path: `/pages/groupbuy/group${c.query ? `?${c.query}` : ''}`, imageUrl: c.imageUrl })
    },
    onShareTimeline() {
      const c = this.shareContent()
      return share.timeline({ title: c.title, query: c.query, imageUrl: c.imageUrl })
    },
  },
})
