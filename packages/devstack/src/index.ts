export {
  startEmbeddedPostgres,
  startThrowawayPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from './embeddedPostgres.ts';
export { freePort } from './freePort.ts';
export { dumpSchema } from './schemaDump.ts';
export { findPostgresBinaries, type PostgresBinaries } from './postgresBinaries.ts';
