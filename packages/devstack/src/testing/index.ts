export { createTestDatabase, testAdminUrl, withDatabase, type TestDatabase } from './testDatabases.ts';
export { waitFor } from './waitFor.ts';
export { startTestRedisServers, startTestRedisServer } from './redisServers.ts';
export {
  startRedisServer,
  findRedisServer,
  redisServerInstallHint,
  type RedisServer,
  type RedisServerOptions,
} from '../redisServer.ts';
export { startFakeControlApi, type FakeControlApi, type FakeObject } from './fakeControlApi.ts';
export { startTcpProxy, type TcpProxy, type TcpProxyMode } from './tcpProxy.ts';
export { createPrivateCa, type PrivateCa, type ServerCertificate } from './privateCa.ts';
export { captureLogs, type CapturedLogs } from './logCapture.ts';
export { ManualClock, type ManualClockOptions } from './manualClock.ts';
