// Countdowns from the API's `seconds_left` (flash sales, groups): counted from when the answer
// arrived, never from the phone's clock against the API's times, which may disagree.

function pad(n) {
  return String(n).padStart(2, '0')
}

// 3725 → "01:02:05"; a day or more → "2天 01:02:05".
function clock(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0))
  const days = Math.floor(s / 86400)
  const rest = s % 86400
  const text = `${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`
  return days ? `${days}天 ${text}` : text
}

// The moment (phone clock, ms) a countdown of `secondsLeft` from now ends.
function deadline(secondsLeft) {
  return Date.now() + Math.max(0, Number(secondsLeft) || 0) * 1000
}

function left(deadlineMs) {
  return Math.max(0, Math.ceil((deadlineMs - Date.now()) / 1000))
}

// Calls tick() every second until stop() (pages stop it in onUnload/onHide).
function every(tick) {
  const id = setInterval(tick, 1000)
  return () => clearInterval(id)
}

module.exports = { clock, deadline, left, every }
