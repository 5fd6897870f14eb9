// Photos for the review, after-sales and complaint forms. wx.uploadFile sends one file per call, so
// each chosen picture is uploaded alone to POST /shops/{slug}/uploads/photos/ (docs/api.md#photo-uploads)
// as soon as it is chosen, and the form is then sent as JSON with the uploads' `photo_ids`.
const api = require('./api')

function chooseMedia(count) {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: (res) => resolve((res.tempFiles || []).map((f) => f.tempFilePath)),
      fail: () => resolve([]), // cancelled: nothing chosen
    })
  })
}

// Let the shopper pick up to `room` pictures and upload each; resolves the uploads [{id, url, path}]
// that succeeded (a refused one shows the API's message, e.g. 文件不是有效的图片…, and is left out).
async function chooseAndUpload(room) {
  if (room <= 0) return []
  const paths = await chooseMedia(room)
  const done = []
  for (const path of paths.slice(0, room)) {
    try {
      // eslint-disable-next-line no-await-in-loop
      const body = await api.upload(api.shopPath('/uploads/photos/'), { filePath: path, name: 'photo' })
      done.push({ id: body.id, url: body.url, path })
    } catch (err) {
      // api.upload has shown the API's message
    }
  }
  return done
}

// The page methods every photo form has (spread into the page's `methods`): 添加图片 uploads up to
// what is left of `max`, ✕ removes one. The page keeps `photos` [{id, url, path}] and `room`.
function formMethods(max) {
  return {
    async onAddPhotos() {
      const added = await chooseAndUpload(this.data.room)
      const all = this.data.photos.concat(added).slice(0, max)
      this.setData({ photos: all, room: max - all.length })
    },
    onRemovePhoto(e) {
      const all = this.data.photos.filter((p) => p.id !== e.currentTarget.dataset.id)
      this.setData({ photos: all, room: max - all.length })
    },
  }
}

module.exports = { chooseAndUpload, formMethods }
