// Unit and page tests: each page rendered by miniprogram-simulate (jsdom) with recorded API answers.
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test/unit'],
  setupFilesAfterEnv: ['<rootDir>/test/support/setup.js'],
  testTimeout: 20000,
}
