import { strict as assert } from 'node:assert';
import { createTestDatabase, freePort, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { DeploymentStatusReader, type HealthService, type KubernetesReport } from '../src/index.ts';
import { deployment } from './fixtures.ts';
import { startFakeKubernetesApi, type FakeKubernetesApi } from './fakeKubernetesApi.ts';
import { getHealth, startTestHealth } from './helpers.ts';

const selector = 'app.kubernetes.io/part-of=sketchyaf-realtime';

function inCluster(report: KubernetesReport) {
  assert.ok(report.inCluster, 'expected the in-cluster shape');
  return report;
}

describe('Deployment status through @kubernetes/client-node', function () {
  this.timeout(60_000);
  let api: FakeKubernetesApi;

  before(async () => {
    api = await startFakeKubernetesApi();
  });
  after(async () => {
    await api?.stop();
  });

  it('lists the Deployments of the namespace by label selector, with the service-account token', async () => {
    api.answer = {
      deployments: [
        deployment('sketchyaf-realtime-timer-monitor'),
        deployment('sketchyaf-realtime-broadcaster', {
          desired: 3,
          updated: 1,
          ready: 2,
          available: 2,
          generation: 7,
          observed: 7,
        }),
      ],
    };
    api.requests.length = 0;
    const reader = new DeploymentStatusReader(
      { kubeConfig: api.kubeConfig(), namespace: 'sketchyaf-realtime' },
      selector,
      2000,
    );
    const report = inCluster(await reader.read());
    assert.deepEqual(api.requests, [
      {
        path: '/apis/apps/v1/namespaces/sketchyaf-realtime/deployments',
        labelSelector: selector,
        authorization: 'Bearer test-service-account-token',
      },
    ]);
    assert.equal(report.namespace, 'sketchyaf-realtime');
    assert.equal(report.level, 'degraded');
    assert.match(
      report.detail,
      /sketchyaf-realtime-broadcaster: 1 of 3 updated \(rollout in progress\); 2 of 3 ready/,
    );
    const [broadcaster, timers] = report.deployments;
    assert.equal(broadcaster?.name, 'sketchyaf-realtime-broadcaster');
    assert.deepEqual(
      {
        ready: broadcaster?.ready,
        available: broadcaster?.available,
        updated: broadcaster?.updated,
        generation: broadcaster?.generation,
      },
      { ready: 2, available: 2, updated: 1, generation: 7 },
    );
    assert.equal(timers?.level, 'up');
    assert.equal(timers?.version, '1.4.2');
    assert.deepEqual(timers?.images, ['ghcr.io/sketchyaf/realtime:1.4.2']);
  });

  it('says why when the API refuses (RBAC) or cannot be reached', async () => {
    api.answer = {
      status: 403,
      message:
        'deployments.apps is forbidden: User "system:serviceaccount:sketchyaf-realtime:health" cannot list resource "deployments"',
    };
    const reader = new DeploymentStatusReader(
      { kubeConfig: api.kubeConfig(), namespace: 'sketchyaf-realtime' },
      selector,
      2000,
    );
    const refused = inCluster(await reader.read());
    assert.equal(refused.level, 'degraded');
    assert.match(refused.detail, /^cannot list Deployments: HTTP 403: deployments.apps is forbidden/);

    const closed = await startFakeKubernetesApi();
    const kubeConfig = closed.kubeConfig();
    await closed.stop();
    const unreachable = inCluster(
      await new DeploymentStatusReader({ kubeConfig, namespace: 'ns' }, selector, 1000).read(),
    );
    assert.match(unreachable.detail, /^cannot list Deployments: /);
  });

  describe('in /api/health', () => {
    let db: TestDatabase;
    let health: HealthService | undefined;

    before(async () => {
      db = await createTestDatabase();
    });
    after(async () => {
      await health?.stop();
      await db?.drop();
    });

    it('reports the Deployments and lets a rollout make the whole status amber', async () => {
      api.answer = { deployments: [deployment('sketchyaf-realtime-health', { desired: 1 })] };
      const closed = `http://127.0.0.1:${await freePort()}`;
      health = await startTestHealth(
        {
          DATABASE_URL: db.url,
          PUBNUB_ORIGIN: closed,
          BROADCASTER_URLS: closed,
          TIMER_MONITOR_URLS: closed,
          CANARY_ENABLED: 'false',
        },
        { kubernetes: { kubeConfig: api.kubeConfig(), namespace: 'sketchyaf-realtime' } },
      );
      const url = health.url;
      const first = await waitFor('a Deployment in /api/health', async () => {
        const { body } = await getHealth(url);
        return body.kubernetes?.inCluster && body.kubernetes.deployments.length === 1 ? body : undefined;
      });
      const k8s = inCluster(first.kubernetes);
      assert.equal(k8s.level, 'up');
      assert.equal(k8s.deployments[0]?.name, 'sketchyaf-realtime-health');

      api.answer = {
        deployments: [
          deployment('sketchyaf-realtime-health', { desired: 1, updated: 0, generation: 2, observed: 1 }),
        ],
      };
      const rolling = await waitFor('the rollout in /api/health', async () => {
        const { body } = await getHealth(url);
        return body.kubernetes?.inCluster && body.kubernetes.level === 'degraded' ? body : undefined;
      });
      assert.ok(
        rolling.reasons.some((r) =>
          r.startsWith('Kubernetes: sketchyaf-realtime-health: controller has not seen generation 2'),
        ),
        rolling.reasons.join('\n'),
      );
      assert.ok(
        rolling.incidents.some((i) => i.subject === 'kubernetes' && i.from === 'up' && i.to === 'degraded'),
      );
    });
  });
});
