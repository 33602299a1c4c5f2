import { strict as assert } from 'node:assert';
import { parseControlDocument, parseControlSpec, specDocument, specRevision } from '../src/index.ts';

describe('control spec (pure)', () => {
  it('defaults every absent field and reports every problem at once', () => {
    const empty = parseControlSpec(undefined);
    assert.ok(empty.ok);
    assert.deepEqual(specDocument(empty.spec), {
      broadcasting: 'enabled',
      timers: 'enabled',
      ingest: 'enabled',
    });
    const bad = parseControlSpec({ broadcasting: 'off', relay: { concurrency: 0, extra: 1 }, other: true });
    assert.ok(!bad.ok);
    assert.equal(bad.problems.length, 4, bad.problems.join('\n'));
    assert.ok(bad.problems.some((p) => p.startsWith('spec.broadcasting')));
    assert.ok(bad.problems.some((p) => p.startsWith('spec.relay')));
  });

  it('revision follows the normalized spec, not how it was written', () => {
    const a = parseControlSpec({ broadcasting: 'paused' });
    const b = parseControlSpec({ broadcasting: 'paused', timers: 'enabled', relay: null, note: '  ' });
    const c = parseControlSpec({ broadcasting: 'enabled' });
    assert.ok(a.ok && b.ok && c.ok);
    assert.equal(specRevision(a.spec), specRevision(b.spec));
    assert.notEqual(specRevision(a.spec), specRevision(c.spec));
  });

  it('reads a document: apiVersion, kind and generation checked; status ignored', () => {
    const ok = parseControlDocument({
      apiVersion: 'realtime.sketchyaf.io/v1alpha1',
      kind: 'RealtimeControl',
      metadata: { name: 'x', generation: 4 },
      spec: { timers: 'paused' },
      status: { anything: true },
    });
    assert.ok(ok.ok);
    assert.equal(ok.state.generation, 4);
    assert.equal(ok.state.spec.timers, 'paused');
    const bad = parseControlDocument({ kind: 'Other', metadata: { generation: -1 }, spc: {} });
    assert.ok(!bad.ok);
    assert.equal(bad.problems.length, 3, bad.problems.join('\n'));
    assert.equal(parseControlDocument(null).ok, true);
  });
});
