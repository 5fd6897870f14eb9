// The one file a merchant edits before opening this folder in WeChat DevTools (docs/miniprogram.md).
// `appid` is the mini-program's AppID from mp.weixin.qq.com (开发管理 → 开发设置); `npm run configure`
// copies it into project.config.json, which DevTools reads. `apiBase` is the WeiShop server, whose
// domain must be listed as a request/uploadFile/downloadFile 合法域名 in the WeChat console.
// `retryDelayMs`: how long utils/api.js waits before its one retry of a request the network lost.
module.exports = {
  appid: 'touristappid',
  apiBase: 'http://127.0.0.1:8000/api/v1',
  shop: 'demo',
  retryDelayMs: 300,
}
