import { faultScenario } from './faultScenario.ts';

faultScenario({
  name: 'kill -9',
  inject: (victims) => {
    for (const v of victims) v.child.kill('SIGKILL');
  },
});
