const { yuan, dateTime } = require('../../src/utils/format')

test('fen are shown as yuan with two decimals', () => {
  expect(yuan(0)).toBe('¥0.00')
  expect(yuan(5)).toBe('¥0.05')
  expect(yuan(12990)).toBe('¥129.90')
  expect(yuan(-150)).toBe('-¥1.50')
  expect(yuan(null)).toBe('')
})

test('API times are shown to the minute', () => {
  expect(dateTime('2026-12-01T08:30:12+08:00')).toBe('2026-12-01 08:30')
  expect(dateTime('')).toBe('')
  expect(dateTime('2026-12-01T20:22:49.014946Z')).toBe('2026-12-02 04:22') // a UTC answer, shown in Shanghai
  expect(dateTime('2026-12-01T01:00:00-05:00')).toBe('2026-12-01 14:00')
})
