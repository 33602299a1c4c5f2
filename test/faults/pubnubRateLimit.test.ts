import { setTimeout as sleep } from 'node:timers/promises';
import { faultScenario } from './faultScenario.ts';

const stormMs = 5000;

faultScenario({
  name: 'PubNub 429 storm for 5 s (Retry-After: 1)',
  inject: async ({ pubnub }) => {
    await pubnub.setFaults({ rateLimit: { durationMs: stormMs, retryAfterSeconds: 1 } });
  },
  recover: async ({ injectedAt }) => {
    await sleep(Math.max(0, injectedAt + stormMs - Date.now()));
  },
});
