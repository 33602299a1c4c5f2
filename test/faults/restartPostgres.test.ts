import { setTimeout as sleep } from 'node:timers/promises';
import { faultScenario } from './faultScenario.ts';

/** Long enough for every replica to hit a refused connection, short as a real restart. */
const downMs = 2000;

faultScenario({
  name: 'PostgreSQL restart (down 2 s)',
  dedicatedPostgres: true,
  inject: async ({ postgres }) => {
    await postgres.stop();
  },
  recover: async ({ postgres, injectedAt }) => {
    await sleep(Math.max(0, injectedAt + downMs - Date.now()));
    await postgres.start();
  },
});
