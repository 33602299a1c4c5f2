import { strict as assert } from 'node:assert';
import { parseControlSpec } from '@sketchyaf/core';
import { applyEdit, FileTarget, parseArgs, UsageError } from '../src/index.ts';

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
