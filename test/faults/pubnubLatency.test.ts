import { setTimeout as sleep } from 'node:timers/promises';
import { faultScenario } from './faultScenario.ts';

const windowMs = 5000;

faultScenario({
  name: 'PubNub answers 2 s late for 5 s',
  inject: async ({ pubnub }) => {
    await pubnub.setFaults({ latencyMs: 2000 });
  },
  recover: async ({ pubnub, injectedAt }) => {
    await sleep(Math.max(0, injectedAt + windowMs - Date.now()));
    await pubnub.setFaults({ latencyMs: 0 });
  },
});
