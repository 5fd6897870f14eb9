// Open a page the way WeChat does (onLoad with the query, then onShow), rendered by
// miniprogram-simulate into jsdom, and wait for its API calls to settle.
const path = require('path')
const simulate = require('miniprogram-simulate')

const SRC = path.resolve(__dirname, '../../src')

async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(0)
  }
  // utils/api.js waits config.retryDelayMs (10 ms in the tests: setup.js) before its one network retry
  await simulate.sleep(require('../../src/config').retryDelayMs + 40)
  for (let i = 0; i < rounds; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(0)
  }
}

async function openPage(route, query = {}) {
  const id = simulate.load(path.join(SRC, route), { rootPath: SRC })
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper'))
  if (page.instance.onLoad) page.instance.onLoad(query)
  if (page.instance.onShow) page.instance.onShow()
  await settle()
  return page
}

// Text of the first node matching selector ('' when none).
function text(page, selector) {
  const node = page.querySelector(selector)
  return node ? node.dom.textContent.trim() : ''
}

function texts(page, selector) {
  return page.querySelectorAll(selector).map((n) => n.dom.textContent.trim())
}

async function tap(page, selector, index = 0) {
  const nodes = page.querySelectorAll(selector)
  if (!nodes[index]) throw new Error(`nothing to tap: ${selector}[${index}]`)
  nodes[index].dispatchEvent('tap')
  await settle()
}

// A recorded answer (scripts/record.py): {request: {method, path, body}, status, body}.
function recorded(name) {
  return JSON.parse(JSON.stringify(require(path.resolve(__dirname, '../fixtures', `${name}.json`))))
}

// Just the recorded body.
function fixture(name) {
  return recorded(name).body
}

// Answer the recorded request with the recorded answer: replay(fake, 'product_detail').
function replay(fake, name, options) {
  const r = recorded(name)
  fake.answer(r.request.method, r.request.path, { status: r.status, body: r.body }, options)
  return r.body
}

module.exports = { openPage, settle, text, texts, tap, fixture, recorded, replay, SRC }
