// Throwaway PostgreSQL and Redis servers on loopback, started from binaries on this machine.
// Its own package because both `npm start` (devstack) and the test kit launch them, and
// neither should have to load the other.
export {
  startEmbeddedPostgres,
  startThrowawayPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from './embeddedPostgres.ts';
export { findPostgresBinaries, type PostgresBinaries } from './postgresBinaries.ts';
export {
  startRedisServer,
  findRedisServer,
  redisServerInstallHint,
  type RedisServer,
  type RedisServerOptions,
} from './redisServer.ts';
export { freePort } from './freePort.ts';
