import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseControlSpec } from '@sketchyaf/control';
import { applyEdit, exitCodes, FileTarget, parseArgs, runCli, UsageError } from '../src/index.ts';

const base = (): ReturnType<typeof parseControlSpec> & { ok: true } => {
  const parsed = parseControlSpec({});
  assert.ok(parsed.ok);
  return parsed;
};

describe('sketchyaf-realtime control (pure parts)', () => {
  it('parses commands, the target and options', () => {
    const pause = parseArgs(['control', 'pause', 'broadcasting', '--note', 'why', '--timeout', '5'], {
      CONTROL_FILE: '/tmp/c.yaml',
    });
    assert.equal(pause.kind, 'edit');
    assert.ok(pause.kind === 'edit');
    assert.deepEqual(pause.edit, { kind: 'pause', what: 'broadcasting' });
    assert.equal(pause.options.file, '/tmp/c.yaml');
    assert.equal(pause.options.timeoutMs, 5000);
    assert.equal(pause.options.note, 'why');
    const cluster = parseArgs(['control', 'status', '--context=prod'], {});
    assert.ok(cluster.kind === 'status');
    assert.equal(cluster.options.file, null);
    assert.equal(cluster.options.context, 'prod');
    assert.equal(parseArgs([], {}).kind, 'help');
    assert.throws(() => parseArgs(['control', 'pause', 'everything'], {}), UsageError);
    assert.throws(() => parseArgs(['control', 'status', '--bogus'], {}), UsageError);
  });

  it('applies edits and validates them like the services do', () => {
    const { spec } = base();
    const paused = applyEdit(spec, { kind: 'pause', what: 'ingest' }, 'maintenance');
    assert.equal(paused.ingest, 'read-only');
    assert.equal(paused.note, 'maintenance');
    const limited = applyEdit(paused, { kind: 'set', key: 'relay.concurrency', value: '4' }, null);
    assert.equal(limited.relay.concurrency, 4);
    assert.equal(limited.ingest, 'read-only', 'other fields kept');
    assert.equal(
      applyEdit(limited, { kind: 'set', key: 'relay.concurrency', value: 'default' }, null).relay.concurrency,
      null,
    );
    assert.throws(
      () => applyEdit(spec, { kind: 'set', key: 'relay.concurrency', value: '0' }, null),
      /spec\.relay\.concurrency/,
    );
    assert.throws(
      () => applyEdit(spec, { kind: 'set', key: 'relay.speed', value: '1' }, null),
      /unknown key/,
    );
  });
});

describe('sketchyaf-realtime control: secrets', () => {
  it('never prints the password of a HEALTH_URL it cannot reach', async () => {
    const target = new FileTarget('/nonexistent/control.yaml', 'http://ops:S3CRET-pass@127.0.0.1:1');
    const { message } = await target.progress();
    assert.match(message, /health service at http:\/\/ops:\*\*\*@127\.0\.0\.1:1\/? unreachable/);
    assert.doesNotMatch(message, /S3CRET/);
  });
});

describe('sketchyaf-realtime control: --output json and in-pod defaults', () => {
  async function cli(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { env: {}, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('prints one JSON document on stdout for an edit and for status; progress goes to stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-json-'));
    const file = join(dir, 'control.yaml');
    try {
      const where = ['--file', file, '--health-url', 'http://127.0.0.1:1', '--output', 'json'];
      const paused = await cli(['control', 'pause', 'broadcasting', '--no-wait', ...where]);
      assert.equal(paused.code, exitCodes.ok, paused.err);
      const edit = JSON.parse(paused.out) as {
        generation: number;
        spec: { broadcasting: string };
        acknowledged: null;
      };
      assert.equal(edit.spec.broadcasting, 'paused');
      assert.equal(edit.acknowledged, null, '--no-wait: nobody waited');
      assert.match(paused.err, /generation/);
      const status = await cli(['control', 'status', ...where]);
      const state = JSON.parse(status.out) as {
        generation: number;
        applied: boolean;
        progress: { message: string };
      };
      assert.equal(state.generation, edit.generation);
      assert.equal(state.applied, false, 'no health service answered');
      const waited = await cli(['control', 'resume', 'broadcasting', '--timeout', '1', ...where]);
      assert.equal(waited.code, exitCodes.timeout);
      assert.equal((JSON.parse(waited.out) as { acknowledged: boolean }).acknowledged, false);
      assert.equal((await cli(['control', 'status', '--output', 'yaml'])).code, exitCodes.usage);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('in a pod, targets the release resource in the pod namespace (the chart sets both variables)', () => {
    const parsed = parseArgs(['control', 'status'], { POD_NAMESPACE: 'games', CONTROL_RESOURCE: 'prod-rt' });
    assert.ok(parsed.kind === 'status');
    assert.equal(parsed.options.namespace, 'games');
    assert.equal(parsed.options.name, 'prod-rt');
    const flags = parseArgs(['control', 'status', '--namespace', 'x', '--name', 'y'], {
      POD_NAMESPACE: 'games',
    });
    assert.ok(flags.kind === 'status');
    assert.deepEqual([flags.options.namespace, flags.options.name], ['x', 'y']);
  });

  it('lists every exit code in --help', async () => {
    const help = await cli(['--help']);
    for (const code of Object.values(exitCodes)) assert.match(help.out, new RegExp(`^  ${code}  `, 'm'));
  });
});
