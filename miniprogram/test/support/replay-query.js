// Replay recorded list answers by their query: replayByQuery(fake, ['browse_clothes_p1', ...])
// answers GET <path> with the recording whose query (?category=1&page=1&page_size=10) equals the
// request's `data`, whatever the order of the parameters. A request no recording matches is kept in
// fake.state.unmatched, so the test fails (test/support/setup.js).
const { recorded } = require('./page')

function signature(params) {
  return Object.keys(params)
    .filter((k) => params[k] !== undefined && params[k] !== null)
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&')
}

function queryOf(path) {
  const at = path.indexOf('?')
  const params = {}
  if (at !== -1) new URLSearchParams(path.slice(at + 1)).forEach((v, k) => { params[k] = v })
  return { path: at === -1 ? path : path.slice(0, at), params }
}

function replayByQuery(fake, names) {
  const byPath = {}
  names.forEach((name) => {
    const r = recorded(name)
    const { path, params } = queryOf(r.request.path)
    byPath[path] = byPath[path] || {}
    byPath[path][signature(params)] = { status: r.status, body: r.body }
  })
  Object.keys(byPath).forEach((path) => {
    fake.answer('GET', path, (request) => {
      const key = signature(request.data || {})
      const found = byPath[path][key]
      if (found) return found
      fake.state.unmatched.push(`GET ${path}?${key}`)
      return { status: 404, body: { code: 'not_found', message: '未录制的请求' } }
    })
  })
}

module.exports = { replayByQuery, signature }
