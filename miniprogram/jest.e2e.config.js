// The end-to-end test: the real pages in miniprogram-simulate against a live WeiShop server
// (started by tests/miniprogram/test_e2e.py, which sets WEISHOP_E2E_BASE), with wx.request sent
// over HTTP and the phone's side (wx.login, wx.requestPayment, getPhoneNumber,
// wx.requestSubscribeMessage) answered by WeiShop's WeChat and WeChat Pay simulators.
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.js'],
  setupFilesAfterEnv: ['<rootDir>/test/e2e/live-setup.js'],
  testTimeout: 180000,
}
