// 编辑收货地址: recipient, mobile, region (province → city → district pickers walked through
// GET /regions/, a level asked for only where the level above has children), detail, default.
// `?id=` edits, no id adds, `?draft=1` opens an import the API refused (utils/address.js). 从微信导入
// fills the form from `wx.chooseAddress` (codes found by the server). Saving shows the API's message
// at the top and its per-field messages next to the fields.
const api = require('../../utils/api')
const book = require('../../utils/address')

const EMPTY = { recipient: '', phone: '', province_code: '', city_code: '', district_code: '', detail: '', is_default: false }

function indexOf(list, code) {
  return list.findIndex((r) => r.code === code)
}

Component({
  data: {
    loading: true,
    id: 0,
    form: { ...EMPTY },
    provinces: [],
    cities: [],
    districts: [],
    pi: -1,
    ci: -1,
    di: -1,
    needCity: false,
    needDistrict: false,
    names: { province: '', city: '', district: '' },
    errors: {},
    message: '',
    saving: false,
  },
  methods: {
    async onLoad(query) {
      const q = query || {}
      const id = Number(q.id) || 0
      this.setData({ id })
      wx.setNavigationBarTitle({ title: id ? '编辑收货地址' : '新增收货地址' })
      try {
        const provinces = await this.regions(undefined)
        this.setData({ provinces })
        if (id) {
          const a = await api.get(`/addresses/${id}/`, undefined, { auth: true, quiet: true })
          await this.fill({ ...EMPTY, ...pick(a) }, { province: a.province, city: a.city, district: a.district })
        } else if (q.draft) {
          const draft = book.takeDraft()
          if (draft) {
            await this.fill({ ...EMPTY, ...draft.body }, draft.region || {})
            this.setData({ errors: draft.errors || {}, message: draft.message || '' })
          }
        }
        this.setData({ loading: false })
      } catch (err) {
        this.setData({ loading: false, message: err.message })
      }
    },
    regions(parent) {
      return api.get('/regions/', parent ? { parent } : undefined, { quiet: true })
    },
    // Put an address into the form and load the picker columns its codes need.
    async fill(form, names) {
      const p = this.data.provinces.find((r) => r.code === form.province_code)
      const cities = p && p.has_children ? await this.regions(p.code) : []
      const c = cities.find((r) => r.code === form.city_code)
      const districts = c && c.has_children ? await this.regions(c.code) : []
      this.setData({
        form,
        cities,
        districts,
        pi: indexOf(this.data.provinces, form.province_code),
        ci: indexOf(cities, form.city_code),
        di: indexOf(districts, form.district_code),
        needCity: !!(p && p.has_children),
        needDistrict: !!(c && c.has_children),
        names: { province: (p && p.name) || names.province || '', city: (c && c.name) || names.city || '', district: names.district || '' },
      })
      const d = districts.find((r) => r.code === form.district_code)
      if (d) this.setData({ 'names.district': d.name })
    },
    onInput(e) {
      const field = e.currentTarget.dataset.field
      this.setData({ [`form.${field}`]: e.detail.value, [`errors.${field}`]: '' })
    },
    onDefault(e) {
      this.setData({ 'form.is_default': !!e.detail.value })
    },
    async onProvince(e) {
      const p = this.data.provinces[Number(e.detail.value)]
      if (!p) return
      const cities = p.has_children ? await this.regions(p.code) : []
      this.setData({
        pi: Number(e.detail.value), ci: -1, di: -1, cities, districts: [],
        'form.province_code': p.code, 'form.city_code': '', 'form.district_code': '',
        needCity: p.has_children, needDistrict: false,
        names: { province: p.name, city: '', district: '' },
        'errors.province_code': '', 'errors.city_code': '', 'errors.district_code': '',
      })
    },
    async onCity(e) {
      const c = this.data.cities[Number(e.detail.value)]
      if (!c) return
      const districts = c.has_children ? await this.regions(c.code) : []
      this.setData({
        ci: Number(e.detail.value), di: -1, districts,
        'form.city_code': c.code, 'form.district_code': '', needDistrict: c.has_children,
        'names.city': c.name, 'names.district': '', 'errors.city_code': '', 'errors.district_code': '',
      })
    },
    onDistrict(e) {
      const d = this.data.districts[Number(e.detail.value)]
      if (!d) return
      this.setData({ di: Number(e.detail.value), 'form.district_code': d.code, 'names.district': d.name, 'errors.district_code': '' })
    },
    async onImport() {
      const picked = await book.pickWechat()
      if (!picked) return
      try {
        const mapped = await book.fromWechat(picked)
        await this.fill({ ...this.data.form, ...mapped.body }, mapped.region)
        this.setData({ errors: {}, message: mapped.region.complete ? '' : '请补全所在地区' })
      } catch (err) {
        this.setData({ message: err.message })
      }
    },
    async onSave() {
      if (this.data.saving) return
      const f = this.data.form
      const body = {
        recipient: f.recipient.trim(),
        phone: f.phone.trim(),
        province_code: f.province_code,
        city_code: f.city_code,
        district_code: f.district_code,
        detail: f.detail.trim(),
        is_default: !!f.is_default,
      }
      this.setData({ saving: true, message: '', errors: {} })
      try {
        if (this.data.id) await api.patch(`/addresses/${this.data.id}/`, body, { auth: true, quiet: true })
        else await api.post('/addresses/', body, { auth: true, quiet: true })
      } catch (err) {
        this.setData({ saving: false, message: err.message, errors: book.fieldErrors(err) })
        return
      }
      this.setData({ saving: false })
      wx.navigateBack()
    },
  },
})

function pick(a) {
  return {
    recipient: a.recipient, phone: a.phone, province_code: a.province_code, city_code: a.city_code,
    district_code: a.district_code, detail: a.detail, is_default: a.is_default,
  }
}
