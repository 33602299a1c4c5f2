import { z } from 'zod';
import { baseEnvShape, databaseUrlField, loadConfig, portField, type Env } from '@sketchyaf/core';

const shape = {
  LOG_LEVEL: baseEnvShape.LOG_LEVEL.default('warn'),
  DATABASE_URL: databaseUrlField.optional(),
  EMBEDDED_POSTGRES_PORT: portField(54329),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).optional(),
  TIMER_MONITOR_PORT: portField(8082),
  DEMO: z.enum(['on', 'off']).default('on'),
};

export type LocalStackConfig = Readonly<z.output<z.ZodObject<typeof shape>>>;

/** `npm start`'s own settings; each service's settings still come from its own loader. */
export function loadLocalStackConfig(env: Env): LocalStackConfig {
  return loadConfig(env, shape);
}
