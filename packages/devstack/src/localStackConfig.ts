import { z } from 'zod';
import { baseEnvShape, databaseUrlField, loadConfig, portField, urlField, type Env } from '@sketchyaf/core';

const shape = {
  LOG_LEVEL: baseEnvShape.LOG_LEVEL.default('warn'),
  DATABASE_URL: databaseUrlField.optional(),
  EMBEDDED_POSTGRES_PORT: portField(54329),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).optional(),
  TIMER_MONITOR_PORT: portField(8082),
  BROADCASTER_PORT: portField(8080),
  HEALTH_PORT: portField(8081),
  /** The live view (a page joining the demo game through the player client); with DEMO=on only. */
  LIVE_PAGE_PORT: portField(8083),
  PUBNUB_LOCAL_PORT: portField(8090),
  REDIS_URL: z.string().min(1).optional(),
  REDIS_PORT: portField(6390),
  PUBNUB_ORIGIN: urlField(['http:', 'https:']).optional(),
  PUBNUB_PUBLISH_KEY: z.string().min(1).default('pub-c-local'),
  PUBNUB_SUBSCRIBE_KEY: z.string().min(1).default('sub-c-local'),
  // Access Manager: pubnub-local runs with this one (developmentPubnubSecretKey when unset); with
  // PUBNUB_ORIGIN, the services sign with it when given. Never printed.
  PUBNUB_SECRET_KEY: z.string().min(1).optional(),
  DEMO: z.enum(['on', 'off']).default('on'),
  /** Runtime control file every service watches (default: <tmp>/sketchyaf-realtime/control.yaml). */
  CONTROL_FILE: z.string().min(1).optional(),
};

/** pubnub-local's secret key under `npm start`: every local run has Access Manager on. */
export const developmentPubnubSecretKey = 'sec-c-local';

export type LocalStackConfig = Readonly<z.output<z.ZodObject<typeof shape>>>;

/** `npm start`'s own settings; each service's settings still come from its own loader. */
export function loadLocalStackConfig(env: Env): LocalStackConfig {
  return loadConfig(env, shape);
}
