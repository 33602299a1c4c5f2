// Entry point: the only place that reads process.env and handles signals.
import { runMain } from '@sketchyaf/core';
import { loadBroadcasterConfig } from './config.ts';
import { launchBroadcaster } from './service.ts';

await runMain(
  async () => {
    const config = loadBroadcasterConfig(process.env);
    const service = await launchBroadcaster(config);
    console.log(`broadcaster: listening on ${service.url}`);
    if (config.usingDevelopmentToken) {
      console.log(
        `broadcaster: development API token: ${config.apiTokens[0] ?? ''} (set BROADCAST_API_TOKENS to replace it)`,
      );
    }
    return service;
  },
  { name: 'broadcaster' },
);
