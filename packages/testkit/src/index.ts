// Everything a test needs: databases cloned from the migrated template, Redis servers, waits,
// a fake Kubernetes control API, a TCP proxy for faults, a private CA and log capture.
export {
  createTestDatabase,
  dropSchema,
  testAdminUrl,
  withDatabase,
  type TestDatabase,
} from './testDatabases.ts';
export { waitFor } from './waitFor.ts';
export { startTestRedisServers, startTestRedisServer } from './redisServers.ts';
export {
  startEmbeddedPostgres,
  startThrowawayPostgres,
  startRedisServer,
  findRedisServer,
  redisServerInstallHint,
  freePort,
  findPostgresBinaries,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  type PostgresBinaries,
  type RedisServer,
  type RedisServerOptions,
} from '@sketchyaf/local-servers';
export {
  kubeconfigYamlFor,
  startFakeControlApi,
  type FakeControlApi,
  type FakeObject,
} from './fakeControlApi.ts';
export { startTcpProxy, type TcpProxy, type TcpProxyMode } from './tcpProxy.ts';
export { createPrivateCa, type PrivateCa, type ServerCertificate } from './privateCa.ts';
export { captureLogs, type CapturedLogs } from './logCapture.ts';
export { createGames, type GameOptions } from './games.ts';
export { spawnNode, type NodeProcess, type NodeProcessOptions } from './nodeProcess.ts';
export { findChromium, chromiumInstallHint, dumpDom, screenshot } from './chromium.ts';
export { ManualClock, type ManualClockOptions } from './manualClock.ts';
