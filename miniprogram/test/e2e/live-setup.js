// The end-to-end test's phone, pointed at the live server the Python test started.
require('miniprogram-simulate') // defines the global `wx`, Component, Behavior
const config = require('../../src/config')
const live = require('./live-wx')

if (!process.env.WEISHOP_E2E_BASE || !process.env.WEISHOP_E2E_APPID) {
  throw new Error('run through tests/miniprogram/test_e2e.py (it starts the server and sets WEISHOP_E2E_BASE)')
}
config.apiBase = `${process.env.WEISHOP_E2E_BASE}/api/v1`
config.shop = process.env.WEISHOP_E2E_SHOP || 'demo'
global.getApp = () => ({ globalData: {} })
global.getCurrentPages = () => []
live.install(global.wx)
