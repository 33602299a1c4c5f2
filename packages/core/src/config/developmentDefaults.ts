/**
 * What `npm start` runs on loopback (docs/contract.md, "Local run defaults"): the
 * defaults every service falls back to in development, and only there.
 */
export const developmentDefaults = Object.freeze({
  databaseUrl: 'postgres://postgres@127.0.0.1:54329/sketchyaf',
  pubnubOrigin: 'http://127.0.0.1:8090',
  pubnubPublishKey: 'pub-c-local',
  pubnubSubscribeKey: 'sub-c-local',
  broadcasterUrl: 'http://127.0.0.1:8080',
  healthUrl: 'http://127.0.0.1:8081',
  timerMonitorUrl: 'http://127.0.0.1:8082',
  /** Accepted by the ingest API in development only; printed at start. */
  apiToken: 'dev-token-change-me',
  adminToken: 'dev-admin-token-change-me',
});
