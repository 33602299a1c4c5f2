import { setTimeout as sleep } from 'node:timers/promises';
import { faultScenario, leaseTtlMs } from './faultScenario.ts';

faultScenario({
  name: 'SIGSTOP of one timer monitor and one broadcaster for 2 x TTL, then SIGCONT',
  replicaVictims: true,
  inject: ({ victims }) => {
    for (const v of victims) v.child.kill('SIGSTOP');
  },
  recover: async ({ victims, injectedAt }) => {
    await sleep(Math.max(0, injectedAt + 2 * leaseTtlMs - Date.now()));
    for (const v of victims) v.child.kill('SIGCONT');
  },
});
