// Unit tests of the sidebar's pure parts (formatting, API error mapping): `npm test`.
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/labextension'],
  testMatch: ['**/__tests__/**/*.spec.ts']
};
