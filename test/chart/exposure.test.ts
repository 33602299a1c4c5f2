// The required image tag, the ingest API's Ingress and HTTPRoute, the pod
// extension points, the Grafana dashboard ConfigMap and the runbook base URL.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { render, runHelm, templateArgs, testImageTag, type RenderInput } from './lib/helm.ts';
import { validateObject } from './lib/kubeValidate.ts';
import { named, ofKind, type K8sObject } from './lib/manifests.ts';
import { chartDir, repoRoot } from './lib/paths.ts';
import { defaultsInput } from './lib/scenarios.ts';

const base = defaultsInput.set ?? [];
const with_ = (set: string[], extra: Partial<RenderInput> = {}): Promise<K8sObject[]> =>
  render({ set: [...base, ...set], ...extra });
const exposure = (): Promise<K8sObject[]> => render({ files: ['ci/exposure-values.yaml'] });
const broadcaster = 'sketchyaf-realtime-broadcaster';

async function failure(input: RenderInput): Promise<string> {
  const result = await runHelm(templateArgs(input));
  assert.notEqual(result.code, 0, 'rendered, want a failure');
  return result.stderr;
}

function podSpec(objects: readonly K8sObject[], name: string) {
  const spec = named(objects, 'Deployment', name).spec?.template.spec;
  assert.ok(spec, `${name} has a pod spec`);
  return spec;
}

describe('chart: image tag, ingest exposure, pod extensions, dashboard, runbook URLs', function () {
  this.timeout(120_000);

  describe('image.tag', () => {
    it('helm template without image.tag fails, saying what to pass', async () => {
      const stderr = await failure({ set: base, imageTag: null });
      assert.match(stderr, /image\.tag is required/);
      assert.match(stderr, /--set image\.tag=/);
    });

    it('the given tag is the image of every pod; a digest alone pins it without a tag', async () => {
      const objects = await with_([]);
      const images = ofKind(objects, 'Deployment').map((d) => d.spec?.template.spec?.containers[0]?.image);
      assert.ok(images.length >= 3);
      for (const image of images) assert.equal(image, `ghcr.io/sketchyaf/sketchyaf-realtime:${testImageTag}`);
      const digest = `sha256:${'b'.repeat(64)}`;
      const pinned = await render({ set: [...base, `image.digest=${digest}`], imageTag: null });
      assert.equal(
        podSpec(pinned, broadcaster).containers[0]?.image,
        `ghcr.io/sketchyaf/sketchyaf-realtime@${digest}`,
      );
    });
  });

  describe('Ingress and HTTPRoute for the ingest API', () => {
    it('render neither by default', async () => {
      const objects = await with_([]);
      assert.deepEqual(ofKind(objects, 'Ingress'), []);
      assert.deepEqual(ofKind(objects, 'HTTPRoute'), []);
    });

    it('the Ingress routes only /v1 of each host to the broadcaster, with TLS for every host', async () => {
      const ingress = named(await exposure(), 'Ingress', broadcaster);
      assert.equal(ingress.spec?.ingressClassName, 'nginx');
      assert.deepEqual(ingress.spec?.tls, [
        { secretName: 'realtime-example-com-tls', hosts: ['realtime.example.com'] },
      ]);
      assert.deepEqual(ingress.spec?.rules, [
        {
          host: 'realtime.example.com',
          http: {
            paths: [
              {
                path: '/v1',
                pathType: 'Prefix',
                backend: { service: { name: broadcaster, port: { name: 'http' } } },
              },
            ],
          },
        },
      ]);
      assert.equal(ingress.metadata?.annotations?.['cert-manager.io/cluster-issuer'], 'letsencrypt');
    });

    it('the HTTPRoute attaches to the given listener and sends /v1 to the Service port', async () => {
      const objects = await exposure();
      const route = named(objects, 'HTTPRoute', broadcaster);
      assert.deepEqual(route.spec.parentRefs, [
        { name: 'public', namespace: 'gateway', sectionName: 'https' },
      ]);
      assert.deepEqual(route.spec.hostnames, ['realtime.example.com']);
      const port = named(objects, 'Service', broadcaster).spec?.ports?.[0]?.port;
      assert.deepEqual(route.spec.rules, [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          backendRefs: [{ name: broadcaster, port }],
        },
      ]);
      assert.equal(route.metadata?.labels?.['gateway.example.com/expose'], 'true');
    });

    it('both validate against their schemas, and the check sees a broken HTTPRoute (self-test)', async () => {
      const objects = await exposure();
      const route = named(objects, 'HTTPRoute', broadcaster);
      const ingress = named(objects, 'Ingress', broadcaster);
      assert.deepEqual(await validateObject(route as unknown as K8sObject), []);
      assert.deepEqual(await validateObject(ingress as unknown as K8sObject), []);
      const broken = structuredClone(route) as unknown as K8sObject & {
        spec: { rules: { matches: { path: Record<string, unknown> }[] }[] };
      };
      const match = broken.spec.rules[0]?.matches[0];
      assert.ok(match);
      match.path['type'] = 'Prefix';
      match.path['valu'] = '/v1';
      const problems = await validateObject(broken);
      assert.ok(
        problems.some((p) => p.includes('type')),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((p) => p.includes('.valu: unknown field')),
        problems.join('\n'),
      );
    });

    it('enabled without hosts or parentRefs fails, naming the missing value', async () => {
      assert.match(
        await failure({ set: [...base, 'broadcaster.ingress.enabled=true'] }),
        /broadcaster\.ingress\.hosts/,
      );
      assert.match(
        await failure({ set: [...base, 'broadcaster.httpRoute.enabled=true'] }),
        /broadcaster\.httpRoute\.parentRefs/,
      );
    });
  });

  describe('pod extension points', () => {
    it('global extra env, volumes and mounts reach every service; a service adds its own after them', async () => {
      const objects = await exposure();
      for (const d of ofKind(objects, 'Deployment')) {
        const spec = d.spec?.template.spec;
        const container = spec?.containers[0];
        const env = container?.env?.map((e) => e.name) ?? [];
        assert.ok(env.includes('NODE_EXTRA_CA_CERTS'), `${d.metadata?.name}: ${env.join(',')}`);
        assert.ok(spec?.volumes?.some((v) => v.name === 'corp-ca' && v.configMap?.name === 'corp-ca'));
        assert.ok(
          container?.volumeMounts?.some((m) => m.name === 'corp-ca' && m.mountPath === '/etc/corp-ca'),
        );
        assert.equal(env.includes('OTEL_SERVICE_NAME'), d.metadata?.name === broadcaster);
      }
      const env = podSpec(objects, broadcaster).containers[0]?.env?.map((e) => e.name) ?? [];
      assert.ok(env.indexOf('NODE_EXTRA_CA_CERTS') < env.indexOf('OTEL_SERVICE_NAME'));
      assert.ok(env.indexOf('DATABASE_URL') < env.indexOf('NODE_EXTRA_CA_CERTS'), 'the chart env first');
    });

    it("a service's affinity and spread replace the global ones; others keep the global affinity and the soft spread", async () => {
      const objects = await exposure();
      const tm = podSpec(objects, 'sketchyaf-realtime-timer-monitor');
      assert.ok(tm.affinity?.podAntiAffinity && !tm.affinity.nodeAffinity);
      assert.deepEqual(
        tm.topologySpreadConstraints?.map((c) => c.whenUnsatisfiable),
        ['ScheduleAnyway', 'ScheduleAnyway'],
      );
      const relay = podSpec(objects, 'sketchyaf-realtime-relay');
      assert.ok(relay.affinity?.nodeAffinity);
      const b = podSpec(objects, broadcaster);
      assert.deepEqual(
        b.topologySpreadConstraints?.map((c) => [c.topologyKey, c.whenUnsatisfiable]),
        [['topology.kubernetes.io/zone', 'DoNotSchedule']],
      );
    });

    it("pod annotations: the service's over the global ones, checksums kept", async () => {
      const objects = await with_([
        'pod.annotations.example\\.com/a=global',
        'pod.annotations.example\\.com/b=global',
        'broadcaster.podAnnotations.example\\.com/b=service',
      ]);
      const annotations = named(objects, 'Deployment', broadcaster).spec?.template.metadata?.annotations;
      assert.equal(annotations?.['example.com/a'], 'global');
      assert.equal(annotations?.['example.com/b'], 'service');
      assert.ok(annotations?.['checksum/config']);
      const relay = named(objects, 'Deployment', 'sketchyaf-realtime-relay').spec?.template.metadata;
      assert.equal(relay?.annotations?.['example.com/b'], 'global');
    });

    it('an extraEnv name the chart sets itself fails the render', async () => {
      const stderr = await failure({
        set: [...base, 'relay.extraEnv[0].name=DATABASE_URL', 'relay.extraEnv[0].value=postgres://x'],
      });
      assert.match(stderr, /extraEnv DATABASE_URL is set by the chart itself/);
    });
  });

  describe('the game backend stand-in for k6 (loadTest.gameBackend)', () => {
    const name = 'sketchyaf-realtime-load-game-backend';

    it("runs the image's stand-in with its Secret, reachable by port-forward only, reaching only DNS and the database", async () => {
      const objects = await render({ files: ['ci/load-test-values.yaml'] });
      const spec = podSpec(objects, name);
      const container = spec.containers[0];
      assert.deepEqual(container?.args, ['load-tests/gameBackend/main.ts']);
      assert.equal(container?.image, `ghcr.io/sketchyaf/sketchyaf-realtime:${testImageTag}`);
      const env = Object.fromEntries(
        (container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.secretKeyRef?.key]),
      );
      assert.deepEqual(env, {
        GAME_BACKEND_HOST: '0.0.0.0',
        GAME_BACKEND_PORT: '8095',
        DATABASE_URL: 'GAME_BACKEND_DATABASE_URL',
        GAME_BACKEND_TOKEN: 'GAME_BACKEND_TOKEN',
      });
      assert.equal(spec.automountServiceAccountToken, false);
      assert.ok(!ofKind(objects, 'Service').some((s) => s.metadata?.name === name), 'no Service');
      const policy = named(objects, 'NetworkPolicy', name);
      assert.deepEqual(policy.spec?.ingress, []);
      assert.deepEqual(
        policy.spec?.egress?.map((r) => r.ports?.map((p) => p.port)),
        [[53, 53], [5432]],
      );
      assert.ok(
        !ofKind(await with_([]), 'Deployment').some((d) => d.metadata?.name === name),
        'off by default',
      );
    });

    it('is refused in production and without its Secret', async () => {
      assert.match(
        await failure({
          set: [...base, 'loadTest.gameBackend.enabled=true', 'loadTest.gameBackend.existingSecret=x'],
        }),
        /not environment production/,
      );
      assert.match(
        await failure({ set: [...base, 'environment=staging', 'loadTest.gameBackend.enabled=true'] }),
        /loadTest\.gameBackend\.existingSecret/,
      );
    });
  });

  describe('Grafana dashboard ConfigMap', () => {
    it('carries the sidecar label and the dashboard JSON unchanged; off renders none', async () => {
      const objects = await with_([]);
      const map = named(objects, 'ConfigMap', 'sketchyaf-realtime-dashboard');
      assert.equal(map.metadata?.labels?.['grafana_dashboard'], '1');
      const source = await readFile(
        join(repoRoot, 'k8s/monitoring/dashboards/sketchyaf-realtime.json'),
        'utf8',
      );
      assert.equal(map.data?.['sketchyaf-realtime.json'], source);
      const off = await with_(['monitoring.grafanaDashboard.enabled=false']);
      assert.ok(!ofKind(off, 'ConfigMap').some((c) => c.metadata?.name === 'sketchyaf-realtime-dashboard'));
      const elsewhere = await with_(['monitoring.grafanaDashboard.namespace=grafana']);
      assert.equal(
        named(elsewhere, 'ConfigMap', 'sketchyaf-realtime-dashboard').metadata?.namespace,
        'grafana',
      );
    });
  });

  describe('runbookBaseUrl', () => {
    it("every alert's runbook_url is under the base, with the rule file's path after runbooks/", async () => {
      interface Rule {
        alert?: string;
        annotations?: Record<string, string>;
      }
      const sourceRules = (
        parse(await readFile(join(chartDir, 'files/alert-rules.yaml'), 'utf8')) as {
          groups: { rules: Rule[] }[];
        }
      ).groups.flatMap((g) => g.rules.filter((r) => r.alert));
      const objects = await with_(['monitoring.mode=always', 'runbookBaseUrl=https://wiki.example.com/ops/']);
      const rule = objects.find((o) => o.kind === 'PrometheusRule');
      assert.ok(rule);
      const rendered = (rule['spec'] as { groups: { rules: Rule[] }[] }).groups.flatMap((g) =>
        g.rules.filter((r) => r.alert),
      );
      assert.equal(rendered.length, sourceRules.length);
      assert.ok(rendered.length > 0);
      rendered.forEach((r, i) => {
        const want = sourceRules[i]?.annotations?.['runbook_url']?.replace(
          /^.*\/runbooks\//,
          'https://wiki.example.com/ops/',
        );
        assert.ok(want, `${r.alert} has a runbook_url in the rule file`);
        assert.equal(r.annotations?.['runbook_url'], want, r.alert);
      });
    });
  });
});
