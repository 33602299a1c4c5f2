// A ShardLeases replica in its own process, so a test can SIGKILL it (a crash
// with no release and no goodbye). Prints "started", then each owned set as JSON.
import { createMetricsRegistry, createSilentLogger } from '@sketchyaf/core';
import { ShardLeases } from '../src/index.ts';

const [prefix = '', shardCount = '0', ttlMs = '0', databaseUrl = '', ...urls] = process.argv.slice(2);
const leases = new ShardLeases({
  prefix,
  shardCount: Number(shardCount),
  ttlMs: Number(ttlMs),
  redis: { urls },
  postgres: { url: databaseUrl },
  logger: createSilentLogger('replica-process'),
  registry: createMetricsRegistry({ service: 'replica-process', collectDefaults: false }),
});
leases.on('owned', (owned) => {
  process.stdout.write(`${JSON.stringify([...owned])}\n`);
});
await leases.start();
process.stdout.write('started\n');
// Kept alive by the test until it kills us; stdin closing means the test is gone.
process.stdin.resume();
process.stdin.on('end', () => {
  void leases.stop().then(() => process.exit(0));
});
