// Optional resources on and off, capability gating, hooks and checksums.
import { strict as assert } from 'node:assert';
import { namespace, releaseName, render, runHelm, testImageTag, type RenderInput } from './lib/helm.ts';
import { idOf, named, ofKind, type K8sObject } from './lib/manifests.ts';
import { chartSecretSet, defaultsInput, operatorApis } from './lib/scenarios.ts';

const base = defaultsInput.set ?? [];
const autoscaleAll = [
  'broadcaster.autoscaling.enabled=true',
  'relay.autoscaling.enabled=true',
  'timerMonitor.autoscaling.enabled=true',
];
const kinds = (objects: readonly K8sObject[], kind: string): string[] =>
  objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
const with_ = (set: string[], extra: Partial<RenderInput> = {}): Promise<K8sObject[]> =>
  render({ set: [...base, ...set], ...extra });
const checksum = (objects: readonly K8sObject[], name: string): string =>
  named(objects, 'Deployment', name).spec?.template.metadata?.annotations?.['checksum/config'] ?? '';

describe('chart: optional resources and capabilities', function () {
  this.timeout(120_000);

  it('renders no ServiceMonitor, PrometheusRule or ScaledObject where the cluster lacks their APIs', async () => {
    const objects = await with_(autoscaleAll);
    for (const kind of ['ServiceMonitor', 'PrometheusRule', 'ScaledObject'])
      assert.deepEqual(kinds(objects, kind), []);
    assert.deepEqual(kinds(objects, 'HorizontalPodAutoscaler').sort(), [
      'sketchyaf-realtime-broadcaster',
      'sketchyaf-realtime-relay',
      'sketchyaf-realtime-timer-monitor',
    ]);
  });

  it('scales timer-monitor and relay with KEDA on backlog where KEDA is served; the broadcaster keeps its CPU HPA', async () => {
    const objects = await with_(autoscaleAll, { apiVersions: operatorApis });
    assert.deepEqual(kinds(objects, 'HorizontalPodAutoscaler'), ['sketchyaf-realtime-broadcaster']);
    assert.deepEqual(kinds(objects, 'ScaledObject').sort(), [
      'sketchyaf-realtime-relay',
      'sketchyaf-realtime-timer-monitor',
    ]);
    for (const so of objects.filter((o) => o.kind === 'ScaledObject')) {
      const spec = so['spec'] as {
        triggers: { type: string; metricType?: string; metadata: Record<string, string> }[];
      };
      const prometheus = spec.triggers.find((t) => t.type === 'prometheus');
      assert.ok(prometheus, `${idOf(so)}: prometheus trigger`);
      assert.match(
        prometheus.metadata['query'] ?? '',
        /sketchyaf_realtime_(outbox_backlog|timer_overdue_games)/,
      );
      assert.match(prometheus.metadata['query'] ?? '', /namespace="sketchyaf-realtime"/, 'query templated');
      assert.doesNotMatch(prometheus.metadata['query'] ?? '', /\{\{/);
      // KEDA rejects a fallback next to cpu or memory triggers, and needs AverageValue for it.
      assert.ok(
        !spec.triggers.some((t) => t.type === 'cpu' || t.type === 'memory'),
        `${idOf(so)}: fallback-compatible`,
      );
      assert.equal(prometheus.metricType, 'AverageValue');
    }
  });

  it('keda.mode=never keeps CPU HPAs even where KEDA is served', async () => {
    const objects = await with_([...autoscaleAll, 'keda.mode=never'], { apiVersions: operatorApis });
    assert.deepEqual(kinds(objects, 'ScaledObject'), []);
    assert.equal(kinds(objects, 'HorizontalPodAutoscaler').length, 3);
  });

  it('renders the ServiceMonitor where prometheus-operator is served, scraping every component', async () => {
    const objects = await with_([], { apiVersions: operatorApis });
    const [sm] = objects.filter((o) => o.kind === 'ServiceMonitor');
    assert.ok(sm);
    const spec = sm['spec'] as {
      endpoints: {
        port: string;
        path: string;
        relabelings: { targetLabel: string; replacement?: string }[];
      }[];
      selector: { matchExpressions: { values: string[] }[] };
    };
    assert.deepEqual(
      spec.endpoints.map((e) => [e.port, e.path]),
      [['http', '/metrics']],
    );
    assert.deepEqual(spec.selector.matchExpressions[0]?.values, [
      'broadcaster',
      'relay',
      'timer-monitor',
      'health',
    ]);
  });

  it('runs migrations in a pre-install,pre-upgrade hook that brings its own ServiceAccount and Secret', async () => {
    const objects = await render({ set: chartSecretSet });
    const job = named(objects, 'Job', 'sketchyaf-realtime-migrate');
    const hook = (o: { metadata?: { annotations?: Record<string, string> } }): Record<string, string> =>
      o.metadata?.annotations ?? {};
    assert.equal(hook(job)['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.deepEqual(job.spec?.template.spec?.containers[0]?.args, ['packages/core/src/db/migrateMain.ts']);
    assert.equal(job.spec?.template.spec?.restartPolicy, 'Never');
    const sa = named(objects, 'ServiceAccount', 'sketchyaf-realtime-migrate');
    const secret = named(objects, 'Secret', 'sketchyaf-realtime-migrate');
    for (const dep of [sa, secret]) {
      assert.equal(hook(dep)['helm.sh/hook'], 'pre-install,pre-upgrade');
      assert.ok(Number(hook(dep)['helm.sh/hook-weight']) < Number(hook(job)['helm.sh/hook-weight']));
    }
    assert.deepEqual(
      Object.keys(secret.data ?? {}),
      ['DATABASE_URL'],
      'the hook Secret holds only DATABASE_URL',
    );
    assert.equal(job.spec?.template.spec?.serviceAccountName, 'sketchyaf-realtime-migrate');
  });

  it('with an existing Secret, the migration hook reads it and the chart makes no Secret', async () => {
    const objects = await with_([]);
    assert.deepEqual(kinds(objects, 'Secret'), []);
    const job = named(objects, 'Job', 'sketchyaf-realtime-migrate');
    assert.equal(
      job.spec?.template.spec?.containers[0]?.env?.[0]?.valueFrom?.secretKeyRef?.name,
      'sketchyaf-realtime',
    );
  });

  it("reads each service's DATABASE_URL from its own Secret key with secret.perServiceDatabaseUrls", async () => {
    const databaseKeys = (objects: readonly K8sObject[]): Record<string, string | undefined> =>
      Object.fromEntries(
        ofKind(objects, 'Deployment').map((d): [string, string | undefined] => [
          d.metadata?.name?.replace(`${releaseName}-`, '') ?? '',
          d.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom
            ?.secretKeyRef?.key,
        ]),
      );
    const services = ['broadcaster', 'relay', 'timer-monitor', 'health'];
    const shared = await with_(['relay.enabled=true']);
    assert.deepEqual(databaseKeys(shared), Object.fromEntries(services.map((s) => [s, 'DATABASE_URL'])));
    const own = await with_(['relay.enabled=true', 'secret.perServiceDatabaseUrls=true']);
    assert.deepEqual(databaseKeys(own), {
      broadcaster: 'BROADCASTER_DATABASE_URL',
      relay: 'BROADCASTER_DATABASE_URL',
      'timer-monitor': 'TIMER_MONITOR_DATABASE_URL',
      health: 'HEALTH_DATABASE_URL',
    });
    const job = named(own, 'Job', 'sketchyaf-realtime-migrate');
    assert.equal(
      job.spec?.template.spec?.containers[0]?.env?.[0]?.valueFrom?.secretKeyRef?.key,
      'DATABASE_URL',
    );
  });

  it("writes the per-service keys and the migrator's URL into the chart's Secrets, and requires them", async () => {
    const urls = {
      migratorDatabaseUrl: 'postgres://migrator:test-only@db.example.test/sketchyaf',
      broadcasterDatabaseUrl: 'postgres://broadcaster:test-only@db.example.test/sketchyaf',
      timerMonitorDatabaseUrl: 'postgres://timers:test-only@db.example.test/sketchyaf',
      healthDatabaseUrl: 'postgres://health:test-only@db.example.test/sketchyaf',
    };
    const objects = await render({
      set: [
        ...chartSecretSet,
        'secret.perServiceDatabaseUrls=true',
        ...Object.entries(urls).map(([k, v]) => `secret.values.${k}=${v}`),
      ],
    });
    const decode = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString();
    const data = named(objects, 'Secret', 'sketchyaf-realtime').data ?? {};
    assert.equal(decode(data['BROADCASTER_DATABASE_URL']), urls.broadcasterDatabaseUrl);
    assert.equal(decode(data['TIMER_MONITOR_DATABASE_URL']), urls.timerMonitorDatabaseUrl);
    assert.equal(decode(data['HEALTH_DATABASE_URL']), urls.healthDatabaseUrl);
    assert.ok(
      !Object.values(data).map(decode).includes(urls.migratorDatabaseUrl),
      'no service sees the migrator',
    );
    const hook = named(objects, 'Secret', 'sketchyaf-realtime-migrate').data ?? {};
    assert.deepEqual(Object.keys(hook), ['DATABASE_URL']);
    assert.equal(decode(hook['DATABASE_URL']), urls.migratorDatabaseUrl);

    const missing = await runHelm([
      'template',
      releaseName,
      '.',
      ...chartSecretSet.flatMap((s) => ['--set', s]),
      '--set',
      'secret.perServiceDatabaseUrls=true',
      '--set',
      `image.tag=${testImageTag}`,
    ]);
    assert.notEqual(missing.code, 0);
    for (const key of ['broadcasterDatabaseUrl', 'timerMonitorDatabaseUrl', 'healthDatabaseUrl'])
      assert.match(missing.stderr, new RegExp(`secret\\.values\\.${key}`));
  });

  it("runs the migration Job from migrations.existingSecret, apart from the services' Secret", async () => {
    const objects = await with_(['migrations.existingSecret=sketchyaf-migrator']);
    const job = named(objects, 'Job', 'sketchyaf-realtime-migrate');
    const ref = job.spec?.template.spec?.containers[0]?.env?.[0]?.valueFrom?.secretKeyRef;
    assert.deepEqual({ name: ref?.name, key: ref?.key }, { name: 'sketchyaf-migrator', key: 'DATABASE_URL' });
    const chartManaged = await render({
      set: [...chartSecretSet, 'migrations.existingSecret=sketchyaf-migrator'],
    });
    assert.ok(!ofKind(chartManaged, 'Secret').some((s) => s.metadata?.name === 'sketchyaf-realtime-migrate'));
  });

  it('renders helm test Pods for health and a broadcast smoke', async () => {
    const objects = await with_([]);
    const pods = ofKind(objects, 'Pod');
    assert.deepEqual(pods.map((p) => p.metadata?.name).sort(), [
      'sketchyaf-realtime-test-broadcast',
      'sketchyaf-realtime-test-health',
    ]);
    for (const pod of pods) {
      assert.equal(pod.metadata?.annotations?.['helm.sh/hook'], 'test');
      assert.equal(pod.spec?.restartPolicy, 'Never');
    }
    const smoke = JSON.stringify(pods.find((p) => p.metadata?.name?.endsWith('broadcast')));
    assert.match(smoke, /\/v1\/events\?wait=published/);
  });

  it('turns every optional resource off', async () => {
    const objects = await render({ files: ['ci/optional-off-values.yaml'] });
    const present = new Set(objects.map(idOf));
    for (const kind of [
      'NetworkPolicy',
      'Job',
      'Pod',
      'Role',
      'RoleBinding',
      'ServiceMonitor',
      'PrometheusRule',
    ])
      assert.deepEqual(kinds(objects, kind), [], kind);
    assert.ok(!present.has('Deployment/sketchyaf-realtime-relay'));
    assert.ok(!present.has('Deployment/sketchyaf-realtime-health'));
    const config = named(objects, 'ConfigMap', 'sketchyaf-realtime-broadcaster');
    assert.equal(config.data?.['RELAY_ENABLED'], 'true', 'without a relay Deployment the broadcaster relays');
  });

  it('splits the relay out: the broadcaster stops relaying, the relay Deployment relays', async () => {
    const objects = await with_([]);
    assert.equal(
      named(objects, 'ConfigMap', 'sketchyaf-realtime-broadcaster').data?.['RELAY_ENABLED'],
      'false',
    );
    assert.equal(named(objects, 'ConfigMap', 'sketchyaf-realtime-relay').data?.['RELAY_ENABLED'], 'true');
  });

  it('rolls exactly the pods whose configuration changed (checksum annotations)', async () => {
    const before = await with_([]);
    const tuned = await with_(['timerMonitor.env.TIMER_BATCH_SIZE=500']);
    const common = await with_(['config.logLevel=debug']);
    assert.notEqual(
      checksum(before, 'sketchyaf-realtime-timer-monitor'),
      checksum(tuned, 'sketchyaf-realtime-timer-monitor'),
    );
    assert.equal(
      checksum(before, 'sketchyaf-realtime-broadcaster'),
      checksum(tuned, 'sketchyaf-realtime-broadcaster'),
    );
    for (const name of ['broadcaster', 'relay', 'timer-monitor', 'health'])
      assert.notEqual(
        checksum(before, `sketchyaf-realtime-${name}`),
        checksum(common, `sketchyaf-realtime-${name}`),
      );
  });

  it('rolls the pods when the chart-managed Secret changes', async () => {
    const a = await render({ set: chartSecretSet });
    const b = await render({
      set: [...chartSecretSet, 'secret.values.apiTokens=another-test-only-token-9876'],
    });
    const secretSum = (objects: readonly K8sObject[]): string | undefined =>
      named(objects, 'Deployment', 'sketchyaf-realtime-broadcaster').spec?.template.metadata?.annotations?.[
        'checksum/secret'
      ];
    assert.match(secretSum(a) ?? '', /^[a-f0-9]{64}$/);
    assert.notEqual(secretSum(a), secretSum(b));
  });

  it('writes large tuning numbers as plain integers', async () => {
    const objects = await with_(['relay.env.OUTBOX_RETENTION_MS=86400000']);
    assert.equal(
      named(objects, 'ConfigMap', 'sketchyaf-realtime-relay').data?.['OUTBOX_RETENTION_MS'],
      '86400000',
    );
  });

  it('pins the image by digest when one is given', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = await with_([`image.digest=${digest}`]);
    const image = named(objects, 'Deployment', 'sketchyaf-realtime-broadcaster').spec?.template.spec
      ?.containers[0]?.image;
    assert.equal(image, `ghcr.io/sketchyaf/sketchyaf-realtime@${digest}`);
  });

  it('NOTES give the endpoints, helm status/history/rollback and the runbooks', async () => {
    const args = ['install', releaseName, '.', '--dry-run=client', '--namespace', namespace];
    const result = await runHelm([
      ...args,
      '--values',
      'values-production.yaml',
      '--set',
      `image.tag=${testImageTag}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    for (const needle of [
      'http://sketchyaf-realtime-broadcaster.sketchyaf-realtime.svc:8080/v1/events',
      'http://sketchyaf-realtime-health.sketchyaf-realtime.svc:8081/api/health',
      'helm status sketchyaf-realtime',
      'helm history sketchyaf-realtime',
      'helm rollback sketchyaf-realtime <REVISION>',
      'helm test sketchyaf-realtime',
      '/runbooks/deploy.md',
      '/runbooks/rollback.md',
    ])
      assert.ok(notes.includes(needle), needle);
  });

  it('refuses several lease-holding replicas without REDIS_URL in the chart-managed Secret', async () => {
    const withoutRedis = chartSecretSet.filter((s) => !s.startsWith('secret.values.redisUrl='));
    await render({ set: withoutRedis });
    await assert.rejects(
      render({ set: [...withoutRedis, 'timerMonitor.replicaCount=2'] }),
      /secret\.values\.redisUrl/,
    );
  });
});
