// 收货地址: the address book (shared by every shop). Opened from checkout with `?choose=1`, a tap
// chooses the address and goes back (utils/address.js hands it over). 设为默认 / 编辑 / 删除 / 新增,
// and 从微信导入: `wx.chooseAddress`, the region's codes found by the server (GET /regions/match/),
// saved with POST /addresses/; what the API refuses (a landline, a region it cannot place) opens
// the edit form with the API's messages next to the fields.
const api = require('../../utils/api')
const book = require('../../utils/address')

function view(a) {
  return {
    id: a.id,
    name: a.recipient,
    phone: a.phone,
    text: book.fullText(a),
    isDefault: a.is_default,
    complete: a.region_complete,
  }
}

Component({
  data: {
    loading: true,
    error: '',
    choose: false,
    addresses: [],
    importing: false,
  },
  methods: {
    onLoad(query) {
      this.setData({ choose: !!(query && query.choose) })
    },
    onShow() {
      this.load()
    },
    async load() {
      try {
        const list = await api.get('/addresses/', undefined, { auth: true, quiet: true })
        this.records = list
        this.setData({ loading: false, error: '', addresses: list.map(view) })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    record(id) {
      return (this.records || []).find((a) => a.id === Number(id))
    },
    onTapAddress(e) {
      const a = this.record(e.currentTarget.dataset.id)
      if (!a) return
      if (this.data.choose && a.region_complete) {
        book.choose(a)
        wx.navigateBack()
        return
      }
      this.edit(a.id)
    },
    edit(id) {
      wx.navigateTo({ url: id ? `/pages/address/edit?id=${id}` : '/pages/address/edit' })
    },
    onEdit(e) {
      this.edit(e.currentTarget.dataset.id)
    },
    onAdd() {
      this.edit(null)
    },
    async onSetDefault(e) {
      const id = e.currentTarget.dataset.id
      try {
        await api.patch(`/addresses/${id}/`, { is_default: true }, { auth: true })
      } catch (err) {
        return
      }
      await this.load()
    },
    onDelete(e) {
      const id = e.currentTarget.dataset.id
      wx.showModal({
        title: '删除地址',
        content: '确定删除这个收货地址吗？',
        confirmColor: '#e4393c',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await api.del(`/addresses/${id}/`, undefined, { auth: true })
          } catch (err) {
            return
          }
          await this.load()
        },
      })
    },
    async onImport() {
      if (this.data.importing) return
      const picked = await book.pickWechat()
      if (!picked) return // the shopper closed WeChat's picker
      this.setData({ importing: true })
      let mapped
      try {
        mapped = await book.fromWechat(picked)
      } catch (err) {
        this.setData({ importing: false })
        api.toast(err.message)
        return
      }
      try {
        const saved = await api.post('/addresses/', mapped.body, { auth: true, quiet: true })
        this.setData({ importing: false })
        if (this.data.choose) {
          book.choose(saved)
          wx.navigateBack()
          return
        }
        wx.showToast({ title: '已导入', icon: 'success' })
        await this.load()
      } catch (err) {
        this.setData({ importing: false })
        // let the shopper fix it: the form with what WeChat gave and the API's messages
        book.setDraft({ body: mapped.body, region: mapped.region, message: err.message, errors: book.fieldErrors(err) })
        wx.navigateTo({ url: '/pages/address/edit?draft=1' })
      }
    },
    onRetry() {
      this.setData({ loading: true })
      this.load()
    },
  },
})
