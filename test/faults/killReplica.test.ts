import { faultScenario } from './faultScenario.ts';

faultScenario({
  name: 'kill -9 of one timer monitor and one broadcaster',
  replicaVictims: true,
  inject: ({ victims }) => {
    for (const v of victims) v.child.kill('SIGKILL');
  },
});
