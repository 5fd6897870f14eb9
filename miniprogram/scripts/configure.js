#!/usr/bin/env node
// `npm run configure`: copies the appid of src/config.js (the one file a merchant edits) into
// project.config.json, which WeChat DevTools reads when it opens this folder.
const fs = require('fs')
const path = require('path')

const ROOT = path.resolve(__dirname, '..')
const config = require(path.join(ROOT, 'src', 'config.js'))
const file = path.join(ROOT, 'project.config.json')
const project = JSON.parse(fs.readFileSync(file, 'utf8'))
project.appid = config.appid
fs.writeFileSync(file, `${JSON.stringify(project, null, 2)}\n`)
console.log(`project.config.json: appid ${config.appid}; the app calls ${config.apiBase} for shop ${config.shop}`)
