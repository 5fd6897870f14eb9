// Opening pages and waiting on the live server: a page is settled when no HTTP call has been in
// flight for a moment (the pages chain calls: sign-in, then the answer, then the next).
const path = require('path')
const simulate = require('miniprogram-simulate')
const { phone } = require('./live-wx')

const SRC = path.resolve(__dirname, '../../src')

async function settle(timeoutMs = 60000) {
  const end = Date.now() + timeoutMs
  let quiet = 0
  while (Date.now() < end) {
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(25)
    quiet = phone.inflight === 0 ? quiet + 1 : 0
    if (quiet >= 16) return // 400 ms without a call in flight (api.js retries after 300 ms)
  }
  throw new Error('the page kept calling the server')
}

async function waitFor(check, what, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (check()) return
    // eslint-disable-next-line no-await-in-loop
    await simulate.sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const loaded = {} // route → component id: a page is loaded (compiled) once, rendered each time

// open('/pages/product/product?id=5') or open('pages/product/product', {id: 5})
async function open(url, query = {}) {
  const [route, search = ''] = url.replace(/^\//, '').split('?')
  const q = { ...Object.fromEntries(new URLSearchParams(search)), ...query }
  loaded[route] = loaded[route] || simulate.load(path.join(SRC, route), { rootPath: SRC })
  const page = simulate.render(loaded[route]) // a page opened again is a new instance of it
  page.attach(document.createElement('parent-wrapper'))
  if (page.instance.onLoad) page.instance.onLoad(q)
  if (page.instance.onShow) page.instance.onShow()
  await settle()
  return page
}

async function tap(page, selector, index = 0) {
  const nodes = page.querySelectorAll(selector)
  if (!nodes[index]) throw new Error(`nothing to tap: ${selector}[${index}]`)
  nodes[index].dispatchEvent('tap')
  await settle()
}

function text(page, selector) {
  const node = page.querySelector(selector)
  return node ? node.dom.textContent.trim() : ''
}

function lastNavigation() {
  return phone.navigations[phone.navigations.length - 1]
}

module.exports = { open, tap, text, settle, waitFor, lastNavigation }
