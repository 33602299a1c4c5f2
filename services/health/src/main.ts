// Entry point: the only place that reads process.env and handles signals.
import { runMain } from '@sketchyaf/core';
import { loadHealthConfig } from './config.ts';
import { launchHealth } from './service.ts';

await runMain(
  async () => {
    const service = await launchHealth(loadHealthConfig(process.env));
    console.log(`health: status page ${service.url}/ · API ${service.url}/api/health`);
    return service;
  },
  { name: 'health' },
);
