// The informer path: the real @kubernetes/client-node against a minimal
// Kubernetes API server at the HTTP level (list, then a chunked watch).
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import { startFakeControlApi, waitFor, type FakeControlApi } from '@sketchyaf/testkit';
import { createSilentLogger } from '@sketchyaf/core';
import { KubernetesControlSource } from '../src/kubernetesControlSource.ts';

const namespace = 'sketchyaf-realtime';
const name = 'sketchyaf-realtime';

describe('KubernetesControlSource (informer against an HTTP-level API server)', function () {
  this.timeout(30_000);
  let api: FakeControlApi;
  let source: KubernetesControlSource | undefined;

  beforeEach(async () => {
    api = await startFakeControlApi();
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await api.stop();
  });

  function open(): KubernetesControlSource {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(api.kubeconfigYaml(namespace));
    source = new KubernetesControlSource({
      kubeConfig,
      namespace,
      name,
      resyncMs: 200,
      restartBaseMs: 100,
      restartMaxMs: 400,
      logger: createSilentLogger(),
    });
    return source;
  }

  it('lists, then watches from the listed resourceVersion, and follows changes within 2 s', async () => {
    api.applySpec(name, { broadcasting: 'paused', relay: { concurrency: 4 } });
    const s = open();
    await s.start();
    assert.equal(s.current().generation, 1);
    assert.equal(s.current().spec.broadcasting, 'paused');
    assert.equal(s.current().spec.relay.concurrency, 4);
    assert.deepEqual(s.status(), {
      kind: 'kubernetes',
      location: `${namespace}/${name}`,
      synced: true,
      error: null,
    });
    const list = api.requests.findIndex(
      (r) => r === `GET /apis/realtime.sketchyaf.io/v1alpha1/namespaces/${namespace}/realtimecontrols`,
    );
    const watch = api.requests.findIndex((r) => r.includes('watch=true'));
    assert.ok(list >= 0 && watch > list, api.requests.join('\n'));
    assert.match(api.requests[watch] ?? '', /resourceVersion=101/);

    const changed = Date.now();
    api.applySpec(name, { broadcasting: 'enabled', timers: 'paused' });
    await waitFor('generation 2 through the watch', () => (s.current().generation === 2 ? true : undefined));
    assert.ok(Date.now() - changed < 2000);
    assert.equal(s.current().spec.timers, 'paused');
    assert.equal(s.current().spec.broadcasting, 'enabled');
    assert.equal(
      api.requests.filter((r) => !r.includes('watch=true')).length,
      1,
      'one list; the change came by watch',
    );
  });

  it('a resource created later, then deleted: defaults (generation 0) in between and after', async () => {
    const s = open();
    await s.start();
    assert.equal(s.current().generation, 0);
    assert.equal(s.current().spec.broadcasting, 'enabled');
    api.applySpec(name, { ingest: 'read-only' });
    await waitFor('the new resource', () => (s.current().spec.ingest === 'read-only' ? true : undefined));
    api.remove(name);
    await waitFor('defaults after delete', () => (s.current().generation === 0 ? true : undefined));
    assert.equal(s.current().spec.ingest, 'enabled');
  });

  it('restarts the informer after a failed watch and list, and catches up on what changed meanwhile', async () => {
    api.applySpec(name, { timers: 'paused' });
    const s = open();
    await s.start();
    const errors: string[] = [];
    s.subscribe(() => {
      const error = s.status().error;
      if (error !== null) errors.push(error);
    });
    api.failWatches = 1;
    api.failLists = 1;
    api.closeWatches();
    api.applySpec(name, { timers: 'enabled', broadcasting: 'paused' });
    await waitFor('the change after the restart', () =>
      s.current().generation === 2 && s.status().error === null ? true : undefined,
    );
    assert.ok(
      errors.some((e) => /HTTP 500/.test(e)),
      errors.join('\n'),
    );
    assert.equal(s.current().spec.broadcasting, 'paused');
    assert.ok(
      api.requests.filter((r) => !r.includes('watch=true') && r.startsWith('GET')).length >= 3,
      api.requests.join('\n'),
    );
  });

  it('keeps the last good state when the resource turns invalid, and says why', async () => {
    api.applySpec(name, { broadcasting: 'paused' });
    const s = open();
    await s.start();
    api.applySpec(name, { broadcasting: 'stopped', relay: { concurrency: 0 } });
    await waitFor('the error', () => s.status().error ?? undefined);
    assert.match(s.status().error ?? '', /spec\.broadcasting: .*spec\.relay\.concurrency/);
    assert.equal(s.current().generation, 1);
    assert.equal(s.current().spec.broadcasting, 'paused');
  });
});
