#!/usr/bin/env node
// Checks the package as WeChat DevTools would load it, with registry packages only (no upload, no
// DevTools): every page and component app.json names has its .js/.wxml/.wxss/.json, every JSON
// parses, the tab bar's pages are pages, every WXML and WXSS file compiles with WeChat's own
// compilers (miniprogram-compiler's wcc/wcsc), config.js names a shop and an API base, and
// project.config.json carries config.js's appid. `node scripts/check.js` (CI runs it).
const fs = require('fs')
const path = require('path')
const compiler = require('miniprogram-compiler')

const ROOT = path.resolve(__dirname, '..')
const SRC = path.join(ROOT, 'src')
const problems = []

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    problems.push(`${path.relative(ROOT, file)}: ${err.message}`)
    return null
  }
}

const app = readJson(path.join(SRC, 'app.json')) || { pages: [] }
const project = readJson(path.join(ROOT, 'project.config.json')) || {}
const config = require(path.join(SRC, 'config.js'))

if (project.miniprogramRoot !== 'src/') problems.push('project.config.json: miniprogramRoot must be "src/"')
if (project.appid !== config.appid) problems.push(`project.config.json appid ${project.appid} is not config.js's ${config.appid}: run npm run configure`)
if (!/^https?:\/\/[^/]+/.test(config.apiBase || '') || !/\/api\/v1$/.test(config.apiBase)) problems.push('config.js: apiBase must be the server\'s …/api/v1')
if (!config.shop) problems.push('config.js: shop (the shop handle) is empty')

const units = new Set(app.pages)
function checkUnit(unit, from) {
  ;['js', 'wxml', 'wxss', 'json'].forEach((ext) => {
    if (!fs.existsSync(path.join(SRC, `${unit}.${ext}`))) problems.push(`${unit}.${ext} is missing (${from})`)
  })
  const json = fs.existsSync(path.join(SRC, `${unit}.json`)) ? readJson(path.join(SRC, `${unit}.json`)) : null
  Object.values((json && json.usingComponents) || {}).forEach((dep) => {
    const resolved = dep.startsWith('/') ? dep.slice(1) : path.join(path.dirname(unit), dep)
    if (!units.has(resolved)) {
      units.add(resolved)
      checkUnit(resolved, `used by ${unit}`)
    }
  })
}
app.pages.forEach((page) => checkUnit(page, 'app.json pages'))
;((app.tabBar && app.tabBar.list) || []).forEach((tab) => {
  if (!app.pages.includes(tab.pagePath)) problems.push(`tabBar page ${tab.pagePath} is not in pages`)
})
if (new Set(app.pages).size !== app.pages.length) problems.push('app.json lists a page twice')

try {
  compiler.wxmlToJs(SRC)
} catch (err) {
  problems.push(`WXML does not compile: ${String(err.message || err).slice(0, 2000)}`)
}
try {
  compiler.wxssToJs(SRC)
} catch (err) {
  problems.push(`WXSS does not compile: ${String(err.message || err).slice(0, 2000)}`)
}

if (problems.length) {
  console.error(`miniprogram check: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`)
  process.exit(1)
}
console.log(`miniprogram check: ${app.pages.length} pages, ${units.size - app.pages.length} components, all compile`)
