// The timer monitor's Node/V8 flags are the same where it ships (chart, start
// script) as in the benches (timerMonitorNodeFlags), so that the benches
// measure what runs.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { timerMonitorNodeFlags } from '@sketchyaf/timer-monitor';
import { render } from './lib/helm.ts';
import { repoRoot } from './lib/paths.ts';
import { containersOf, workloads } from './lib/pods.ts';

describe('timer monitor node flags', () => {
  it('the chart runs the timer monitor with timerMonitorNodeFlags before its entry', async () => {
    const objects = await render({ files: ['values-production.yaml'] });
    const monitor = workloads(objects).find((w) => w.id.endsWith('-timer-monitor'));
    assert.ok(monitor, 'a timer-monitor Deployment');
    const [container] = containersOf(monitor.spec);
    assert.deepEqual(container?.args, [...timerMonitorNodeFlags, 'services/timer-monitor/src/main.ts']);
  });

  it('the start script runs it with the same flags', async () => {
    const manifest = JSON.parse(
      await readFile(join(repoRoot, 'services/timer-monitor/package.json'), 'utf8'),
    ) as { scripts: { start: string } };
    assert.equal(manifest.scripts.start, `node ${timerMonitorNodeFlags.join(' ')} src/main.ts`);
  });
});
