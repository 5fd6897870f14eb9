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

// "2026-12-01T08:30:00+08:00" → "2026-12-01 08:30" (the API answers in Asia/Shanghai).
function dateTime(iso) {
  if (!iso) return ''
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso)
  return m ? `${m[1]} ${m[2]}` : iso
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
