export { createTestDatabase, testAdminUrl, withDatabase, type TestDatabase } from './testDatabases.ts';
export { waitFor } from './waitFor.ts';
