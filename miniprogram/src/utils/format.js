// Display helpers. Money arrives from the API as integer fen; the mini-program only formats it, it
// never computes a price it sends back (the server prices every order).

function yuan(fen) {
  if (fen === null || fen === undefined || fen === '') return ''
  const n = Number(fen)
  if (!Number.isFinite(n)) return ''
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(Math.round(n))
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

// "2026-12-01T08:30:00+08:00" → "2026-12-01 08:30", shown in Asia/Shanghai (UTC+8, no daylight
// saving): the API mostly answers with +08:00, but some answers carry UTC ("…Z"), which is moved on.
function dateTime(iso) {
  if (!iso) return ''
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(iso)
  if (!m) return iso
  const ms = Date.parse(iso)
  if (!m[3] || m[3] === '+08:00' || !Number.isFinite(ms)) return `${m[1]} ${m[2]}`
  const d = new Date(ms + 8 * 3600 * 1000)
  const two = (n) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`
}

// "2026-12-01T08:30:00+08:00" → "2026-12-01".
function date(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(iso || '')
  return m ? m[1] : ''
}

// "13812345678" → "138****5678" (shown on the page; the API keeps the number).
function maskPhone(phone) {
  const p = String(phone || '')
  return p.length >= 7 ? `${p.slice(0, 3)}****${p.slice(-4)}` : p
}

module.exports = { yuan, dateTime, date, maskPhone }
