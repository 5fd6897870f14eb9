// 我的投诉: my complaints (paged, newest first); tapping one opens its state, the platform's note and
// its history (complaints/{no}/) in place.
const api = require('../../utils/api')
const { dateTime } = require('../../utils/format')

Component({
  data: { complaints: [], open: '', detail: null, page: 0, hasMore: true, loading: false, loaded: false, error: '' },
  methods: {
    onShow() {
      this.loadPage(1)
    },
    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) this.loadPage(this.data.page + 1)
    },
    async loadPage(page) {
      this.setData({ loading: true })
      try {
        const body = await api.get(api.shopPath('/complaints/'), { page }, { auth: true, quiet: true })
        const rows = body.results.map((c) => ({ no: c.complaint_no, kind_label: c.kind_label, status: c.status, status_label: c.status_label, order_no: c.order_no || '', created: dateTime(c.created_at) }))
        this.setData({ complaints: page === 1 ? rows : this.data.complaints.concat(rows), page, hasMore: !!body.next, loading: false, loaded: true, error: '' })
      } catch (err) {
        this.setData({ loading: false, loaded: true, error: err.message })
      }
    },
    async onOpen(e) {
      const no = e.currentTarget.dataset.no
      if (this.data.open === no) {
        this.setData({ open: '', detail: null })
        return
      }
      try {
        const c = await api.get(api.shopPath(`/complaints/${no}/`), undefined, { auth: true })
        this.setData({
          open: no,
          detail: {
            text: c.text, photos: c.photos, resolution_note: c.resolution_note,
            events: c.events.slice().reverse().map((ev) => ({ label: ev.label, note: ev.note, at: dateTime(ev.created_at) })),
          },
        })
      } catch (err) {
        // api.js has shown the API's message
      }
    },
    onNew() {
      wx.navigateTo({ url: '/pages/complaint/new' })
    },
  },
})
