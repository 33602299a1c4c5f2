// The NetworkPolicies, rule by rule: who may reach each pod and where each
// pod may connect, with the default values and with a customised set, and
// that an empty peer list never turns into "any source".
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INetworkPolicy, INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1';
import { parse as parseYaml } from 'yaml';
import { codeBlocks } from '../docs/markdownExamples.ts';
import { render, runHelm, templateArgs, type RenderInput } from './lib/helm.ts';
import { ofKind, type K8sObject } from './lib/manifests.ts';
import { chartDir } from './lib/paths.ts';
import { selects, workloads } from './lib/pods.ts';
import { defaultsInput, scenarios } from './lib/scenarios.ts';

const base = defaultsInput.set ?? [];
const prefix = 'sketchyaf-realtime-';

/** Peers of the release's own pods with one of these components. */
const releasePods = (...components: string[]): INetworkPolicyPeer => ({
  podSelector: {
    matchLabels: {
      'app.kubernetes.io/instance': 'sketchyaf-realtime',
      'app.kubernetes.io/name': 'sketchyaf-realtime',
    },
    matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: components }],
  },
});
const namespace = (name: string): INetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});
const ingressNginx: INetworkPolicyPeer = {
  ...namespace('ingress-nginx'),
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
};
const http = [{ port: 'http', protocol: 'TCP' }];
const tcp = (...ports: number[]): { port: number; protocol: string }[] =>
  ports.map((port) => ({ port, protocol: 'TCP' }));
const dns = {
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
  to: [{ ...namespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
};

function policies(objects: readonly K8sObject[]): Map<string, INetworkPolicy> {
  return new Map(
    ofKind(objects, 'NetworkPolicy').map((np) => [np.metadata?.name?.slice(prefix.length) ?? '', np]),
  );
}

function policy(objects: readonly K8sObject[], component: string): NonNullable<INetworkPolicy['spec']> {
  const spec = policies(objects).get(component)?.spec;
  assert.ok(spec, `no NetworkPolicy for ${component}`);
  return spec;
}

/** Rules that admit any source or destination: a rule without peers, except egress rules limited to ports. */
function openRules(objects: readonly K8sObject[]): string[] {
  const open: string[] = [];
  for (const [name, np] of policies(objects)) {
    for (const rule of np.spec?.ingress ?? [])
      if (!rule.from?.length) open.push(`${name}: ingress rule without from`);
    for (const rule of np.spec?.egress ?? [])
      if (!rule.to?.length && !rule.ports?.length) open.push(`${name}: egress rule without to or ports`);
  }
  return open;
}

describe('chart: NetworkPolicies', function () {
  this.timeout(120_000);
  let dir = '';
  const withFile = async (name: string, text: string, extra: RenderInput = {}): Promise<K8sObject[]> => {
    const file = join(dir, name);
    await writeFile(file, text);
    return render({ set: base, files: [file], ...extra });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sketchyaf-netpol-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults: one policy per pod kind, each selecting exactly its own pods', async () => {
    const objects = await render(defaultsInput);
    assert.deepEqual([...policies(objects).keys()].sort(), [
      'broadcaster',
      'health',
      'migrate',
      'relay',
      'test',
      'timer-monitor',
    ]);
    for (const w of workloads(objects)) {
      const matching = ofKind(objects, 'NetworkPolicy').filter((np) =>
        selects(np.spec?.podSelector?.matchLabels, w.podLabels),
      );
      assert.equal(matching.length, 1, `${w.id}: selected by ${matching.length} policies`);
    }
    for (const np of policies(objects).values())
      assert.deepEqual(np.spec?.policyTypes, ['Ingress', 'Egress']);
  });

  it('defaults: the broadcaster admits health and tests, Prometheus, the ingress controller and the game backend', async () => {
    const objects = await render(defaultsInput);
    assert.deepEqual(policy(objects, 'broadcaster').ingress, [
      {
        ports: http,
        from: [
          releasePods('health', 'test'),
          namespace('monitoring'),
          ingressNginx,
          namespace('sketchyaf-game'),
        ],
      },
    ]);
    assert.deepEqual(policy(objects, 'health').ingress, [
      { ports: http, from: [releasePods('test'), namespace('monitoring'), ingressNginx] },
    ]);
    for (const component of ['relay', 'timer-monitor'])
      assert.deepEqual(
        policy(objects, component).ingress,
        [{ ports: http, from: [releasePods('health'), namespace('monitoring')] }],
        `${component}: metrics and health polls only`,
      );
    for (const component of ['migrate', 'test']) assert.deepEqual(policy(objects, component).ingress, []);
  });

  it('defaults: egress to DNS and, per pod, the ports of the dependencies it uses, to any address', async () => {
    const objects = await render(defaultsInput);
    const database = { ports: tcp(5432) };
    const redis = { ports: tcp(6379) };
    const pubnub = { ports: tcp(443) };
    const kubernetesApi = { ports: tcp(443, 6443) };
    const egress = (component: string): unknown => policy(objects, component).egress;
    assert.deepEqual(egress('broadcaster'), [dns, database, redis, pubnub, kubernetesApi]);
    assert.deepEqual(egress('relay'), [dns, database, redis, pubnub, kubernetesApi]);
    assert.deepEqual(egress('timer-monitor'), [dns, database, redis, kubernetesApi]);
    assert.deepEqual(egress('health'), [
      dns,
      database,
      redis,
      pubnub,
      kubernetesApi,
      { ports: http, to: [releasePods('broadcaster', 'relay', 'timer-monitor')] },
    ]);
    assert.deepEqual(egress('migrate'), [dns, database]);
    assert.deepEqual(egress('test'), [dns, { ports: http, to: [releasePods('broadcaster', 'health')] }]);
  });

  it('a customised set: exactly the peers, ports and CIDRs given', async () => {
    const objects = await withFile(
      'custom.yaml',
      `
networkPolicy:
  ingress:
    broadcaster:
      from:
        - namespaceSelector:
            matchLabels:
              team: games
          podSelector:
            matchLabels:
              app: game-api
        - ipBlock:
            cidr: 203.0.113.0/24
            except: [203.0.113.7/32]
    health:
      from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: traefik
    metrics:
      from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: observability
          podSelector:
            matchLabels:
              app.kubernetes.io/name: prometheus
  egress:
    dns:
      to:
        - ipBlock:
            cidr: 169.254.20.10/32
    database:
      ports: [6432]
      cidrs: [10.20.0.0/16, 'fd00:20::/64']
      to: []
    redis:
      ports: [6380]
      cidrs: []
      to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: redis
    pubnub:
      ports: [443]
      cidrs: [198.51.100.0/24]
      to: []
    kubernetesApi:
      ports: [443]
      cidrs: [172.18.0.2/32]
      to: []
    extra:
      - to:
          - ipBlock:
              cidr: 192.0.2.10/32
        ports:
          - port: 4317
            protocol: TCP
`,
    );
    const prometheus: INetworkPolicyPeer = {
      ...namespace('observability'),
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    };
    assert.deepEqual(policy(objects, 'broadcaster').ingress, [
      {
        ports: http,
        from: [
          releasePods('health', 'test'),
          prometheus,
          {
            namespaceSelector: { matchLabels: { team: 'games' } },
            podSelector: { matchLabels: { app: 'game-api' } },
          },
          { ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.7/32'] } },
        ],
      },
    ]);
    assert.deepEqual(policy(objects, 'health').ingress, [
      { ports: http, from: [releasePods('test'), prometheus, namespace('traefik')] },
    ]);
    assert.deepEqual(policy(objects, 'timer-monitor').ingress, [
      { ports: http, from: [releasePods('health'), prometheus] },
    ]);
    const customDns = { ports: dns.ports, to: [{ ipBlock: { cidr: '169.254.20.10/32' } }] };
    const database = {
      ports: tcp(6432),
      to: [{ ipBlock: { cidr: '10.20.0.0/16' } }, { ipBlock: { cidr: 'fd00:20::/64' } }],
    };
    const redis = { ports: tcp(6380), to: [namespace('redis')] };
    const pubnub = { ports: tcp(443), to: [{ ipBlock: { cidr: '198.51.100.0/24' } }] };
    const kubernetesApi = { ports: tcp(443), to: [{ ipBlock: { cidr: '172.18.0.2/32' } }] };
    const extra = { to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: tcp(4317) };
    assert.deepEqual(policy(objects, 'relay').egress, [
      customDns,
      database,
      redis,
      pubnub,
      kubernetesApi,
      extra,
    ]);
    assert.deepEqual(policy(objects, 'timer-monitor').egress, [
      customDns,
      database,
      redis,
      kubernetesApi,
      extra,
    ]);
    assert.deepEqual(policy(objects, 'migrate').egress, [customDns, database, extra]);
  });

  it('empty peer lists admit nobody: the rule is dropped, never left without from', async () => {
    const objects = await withFile(
      'closed.yaml',
      `
health:
  enabled: false
tests:
  enabled: false
networkPolicy:
  ingress:
    broadcaster:
      from: []
    health:
      from: []
    metrics:
      from: []
`,
    );
    assert.deepEqual([...policies(objects).keys()].sort(), [
      'broadcaster',
      'migrate',
      'relay',
      'timer-monitor',
    ]);
    for (const [name, np] of policies(objects)) assert.deepEqual(np.spec?.ingress, [], name);
    // Nothing in the release calls the services without health and tests.
    for (const component of ['broadcaster', 'relay', 'timer-monitor'])
      assert.ok(!policy(objects, component).egress?.some((r) => r.ports?.[0]?.port === 'http'), component);
  });

  it('no scenario has a rule that admits every source', async () => {
    for (const scenario of scenarios) assert.deepEqual(openRules(await render(scenario)), [], scenario.name);
  });

  it('without the relay Deployment: no relay policy, health polls the others, the broadcaster still reaches PubNub', async () => {
    const objects = await render({ set: [...base, 'relay.enabled=false'] });
    assert.ok(!policies(objects).has('relay'));
    assert.deepEqual(policy(objects, 'health').egress?.at(-1), {
      ports: http,
      to: [releasePods('broadcaster', 'timer-monitor')],
    });
    assert.ok(
      policy(objects, 'broadcaster').egress?.some((r) => r.ports?.[0]?.port === 443 && r.ports.length === 1),
    );
  });

  it('without runtime control only health talks to the Kubernetes API', async () => {
    const objects = await render({ set: [...base, 'control.enabled=false'] });
    const apiRule = (component: string): boolean =>
      policy(objects, component).egress?.some((r) => r.ports?.some((p) => p.port === 6443)) ?? false;
    assert.deepEqual(['broadcaster', 'relay', 'timer-monitor', 'health'].filter(apiRule), ['health']);
  });

  it('egress.enabled=false leaves egress open; enabled=false renders no policy', async () => {
    const ingressOnly = await render({ set: [...base, 'networkPolicy.egress.enabled=false'] });
    for (const [name, np] of policies(ingressOnly)) {
      assert.deepEqual(np.spec?.policyTypes, ['Ingress'], name);
      assert.equal(np.spec?.egress, undefined, name);
    }
    assert.deepEqual(
      policy(ingressOnly, 'relay').ingress,
      policy(await render(defaultsInput), 'relay').ingress,
    );
    const off = await render({ set: [...base, 'networkPolicy.enabled=false'] });
    assert.equal(ofKind(off, 'NetworkPolicy').length, 0);
  });

  it('the README examples are valid values; the first is the defaults of values.yaml', async () => {
    const readme = await readFile(join(chartDir, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Network policies'));
    const blocks = codeBlocks(section).filter((b) => b.lang === 'yaml');
    assert.equal(blocks.length, 2);
    const defaults = parseYaml(await readFile(join(chartDir, 'values.yaml'), 'utf8')) as {
      networkPolicy: { ingress: unknown };
    };
    const [first] = blocks;
    assert.deepEqual(
      (parseYaml(first?.text ?? '') as typeof defaults).networkPolicy.ingress,
      defaults.networkPolicy.ingress,
    );
    for (const [i, block] of blocks.entries()) {
      const objects = await withFile(`readme-${i}.yaml`, block.text);
      assert.deepEqual(openRules(objects), []);
      assert.ok(policies(objects).size > 0);
    }
  });

  for (const [what, text, path] of [
    [
      'a misspelled peer key',
      'networkPolicy:\n  ingress:\n    broadcaster:\n      from:\n        - namespaceSelektor: {}\n',
      /\/networkPolicy\/ingress\/broadcaster\/from\/0/,
    ],
    [
      'an ipBlock with a selector',
      'networkPolicy:\n  ingress:\n    metrics:\n      from:\n        - ipBlock: {cidr: 10.0.0.0/8}\n          namespaceSelector: {}\n',
      /\/networkPolicy\/ingress\/metrics\/from\/0/,
    ],
    [
      'a CIDR without a prefix length',
      'networkPolicy:\n  egress:\n    database:\n      ports: [5432]\n      cidrs: [10.0.0.1]\n      to: []\n',
      /\/networkPolicy\/egress\/database\/cidrs\/0/,
    ],
    ['the removed apiFrom key', 'networkPolicy:\n  apiFrom: []\n', /apiFrom/],
  ] as const) {
    it(`the schema rejects ${what}`, async () => {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, text);
      const result = await runHelm(templateArgs({ set: base, files: [file] }));
      assert.notEqual(result.code, 0, `accepted: ${text}`);
      assert.match(result.stderr, /values don't meet the specifications of the schema/);
      assert.match(result.stderr, path);
    });
  }
});
