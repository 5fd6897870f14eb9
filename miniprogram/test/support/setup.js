// Runs before every test file: a fresh fake phone for each test, and no test may leave a request
// that no recorded answer matched.
const simulate = require('miniprogram-simulate') // defines the global `wx`, Component, Behavior
const fake = require('./fake-wx')

global.getApp = () => ({ globalData: {} })
global.getCurrentPages = () => []

const CONFIG = require.resolve('../../src/config')

beforeEach(() => {
  fake.reset()
  fake.install(global.wx)
  jest.resetModules() // utils/api.js keeps in-flight state; every test starts signed out
  // the one network retry waits 10 ms, not a phone's 300 (page.js settles past it)
  jest.doMock(CONFIG, () => ({ ...jest.requireActual(CONFIG), retryDelayMs: 10 }))
})

afterEach(() => {
  expect(fake.state.unmatched).toEqual([])
})

module.exports = { simulate, fake }
