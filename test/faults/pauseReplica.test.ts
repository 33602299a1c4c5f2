import { faultScenario, leaseTtlMs } from './faultScenario.ts';

faultScenario({
  name: 'SIGSTOP for 2 x TTL, then SIGCONT',
  inject: (victims) => {
    for (const v of victims) v.child.kill('SIGSTOP');
  },
  recover: async (victims, injectedAt) => {
    const left = injectedAt + 2 * leaseTtlMs - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, left)));
    for (const v of victims) v.child.kill('SIGCONT');
  },
});
