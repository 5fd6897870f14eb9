// 隐私与数据: 下载我的数据 (GET shops/<slug>/me/data/: a summary on the page, the whole JSON copied
// with wx.setClipboardData: a mini-program cannot save a file) and 注销账号 (GET /me/erase/: the
// blockers as the API words them; POST /me/erase/ {confirm: what the shopper typed}; then the
// session is cleared and the shop opens again, signed out).
const api = require('../../utils/api')

const HEAD_KEYS = ['说明', '店铺', '导出时间']

// {账号: {昵称: "小美", 收货地址: [...]}, ...} → [{title, items: ["昵称：小美", "收货地址 1 条"]}]
function summarize(data) {
  return Object.keys(data).filter((k) => HEAD_KEYS.indexOf(k) === -1).map((title) => {
    const value = data[title]
    const parts = value && typeof value === 'object' && !Array.isArray(value) ? value : { [title]: value }
    const items = Object.keys(parts).map((name) => {
      const v = parts[name]
      if (Array.isArray(v)) return v.length ? `${name} ${v.length} 条` : ''
      if (v === null || v === '' || v === undefined) return ''
      if (typeof v === 'object') return `${name}：有`
      return `${name}：${v}`
    }).filter(Boolean)
    return { title, text: items.length ? items.join(' · ') : '无' }
  })
}

Component({
  data: {
    loading: true,
    error: '',
    erase: null, // {can_erase, blockers, confirmation}
    typed: '',
    eraseError: '',
    eraseBlockers: [],
    erasing: false,
    exportInfo: null, // {note, exportedAt, sections}
    exportError: '',
    exporting: false,
  },
  methods: {
    onLoad() {
      this.exported = null
      this.load()
    },
    async load() {
      try {
        const erase = await api.get('/me/erase/', undefined, { auth: true, quiet: true })
        this.setData({ loading: false, error: '', erase })
      } catch (err) {
        this.setData({ loading: false, error: err.message })
      }
    },
    async onExport() {
      if (this.data.exporting) return
      this.setData({ exporting: true, exportError: '' })
      try {
        const data = await api.get(api.shopPath('/me/data/'), undefined, { auth: true, quiet: true })
        this.exported = data
        this.setData({
          exporting: false,
          exportInfo: { note: data['说明'] || '', exportedAt: data['导出时间'] || '', sections: summarize(data) },
        })
      } catch (err) {
        this.setData({ exporting: false, exportError: err.message })
      }
    },
    onCopy() {
      if (!this.exported) return
      wx.setClipboardData({
        data: JSON.stringify(this.exported, null, 2),
        success: () => wx.showToast({ title: '已复制，可粘贴到聊天或备忘录保存', icon: 'none' }),
      })
    },
    onType(e) {
      this.setData({ typed: String((e.detail && e.detail.value) || '').trim(), eraseError: '' })
    },
    async onErase() {
      const { erase, typed, erasing } = this.data
      if (!erase || !erase.can_erase || erasing || typed !== erase.confirmation) return
      this.setData({ erasing: true, eraseError: '', eraseBlockers: [] })
      try {
        await api.post('/me/erase/', { confirm: typed }, { auth: true, quiet: true })
      } catch (err) {
        const blockers = (err.fields && err.fields.blockers) || []
        this.setData({ erasing: false, eraseError: blockers.length ? '暂时不能注销：' : err.message, eraseBlockers: blockers })
        return
      }
      api.clearSession()
      wx.showToast({ title: '账号已注销', icon: 'success' })
      wx.reLaunch({ url: '/pages/home/home' })
    },
    toOrders() {
      wx.navigateTo({ url: '/pages/orders/list' })
    },
  },
})
