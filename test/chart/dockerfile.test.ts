// The Dockerfile cannot be built here (no Docker engine; CI builds it), so
// its supply-chain and runtime rules are checked on its text.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readWorkspaces } from '../../scripts/workspaces/workspaces.ts';
import { chartDir, repoRoot } from './lib/paths.ts';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string;
  body: Instruction[];
}

function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const logical = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') {
      const [from = '', , name = ''] = rest;
      stages.push({ from, name, body: [] });
    } else if (stages.length === 0) args.push(instruction);
    else stages.at(-1)?.body.push(instruction);
  }
  return { args, stages };
}

describe('image: Dockerfile and .dockerignore', () => {
  let dockerfile = { args: [] as Instruction[], stages: [] as Stage[] };
  let runtime: Stage | undefined;
  let ignore: string[] = [];

  before(async () => {
    dockerfile = parseDockerfile(await readFile(join(repoRoot, 'Dockerfile'), 'utf8'));
    runtime = dockerfile.stages.at(-1);
    ignore = (await readFile(join(repoRoot, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  });

  it('builds every stage on the slim Node of .nvmrc', async () => {
    const nvmrc = (await readFile(join(repoRoot, '.nvmrc'), 'utf8')).trim();
    assert.deepEqual(dockerfile.args, [{ op: 'ARG', args: `NODE_VERSION=${nvmrc}` }]);
    for (const stage of dockerfile.stages)
      assert.match(stage.from, /^(node:\$\{NODE_VERSION\}-[a-z]+-slim|[a-z-]+)$/, stage.from);
    assert.ok(dockerfile.stages.some((s) => s.from.startsWith('node:')));
  });

  it('installs production dependencies only, with the lockfile and no install scripts', () => {
    const runs = dockerfile.stages.flatMap((s) => s.body.filter((i) => i.op === 'RUN').map((i) => i.args));
    const install = runs.find((r) => r.includes('npm ci'));
    assert.ok(install, 'npm ci');
    for (const flag of [
      '--omit=dev',
      '--ignore-scripts',
      '--workspace packages/core',
      '--workspace services',
    ])
      assert.ok(install.includes(flag), flag);
    assert.ok(!runs.some((r) => /npm (install|i) /.test(r)), 'npm install would ignore the lockfile');
  });

  it('runs the final image as a numeric non-root user, the one the chart sets', async () => {
    assert.equal(runtime?.name, 'runtime', 'the services image is the last (default) stage');
    const users = runtime.body.filter((i) => i.op === 'USER').map((i) => i.args);
    const user = users.at(-1) ?? '';
    assert.match(user, /^[0-9]+:[0-9]+$/, 'numeric user:group, so runAsNonRoot can verify it');
    const [uid = '', gid = ''] = user.split(':');
    assert.notEqual(Number(uid), 0);
    const values = parse(await readFile(join(chartDir, 'values.yaml'), 'utf8')) as {
      pod: { runAsUser: number; runAsGroup: number };
    };
    assert.equal(values.pod.runAsUser, Number(uid));
    assert.equal(values.pod.runAsGroup, Number(gid));
  });

  it('starts node on an entry file in exec form, so SIGTERM reaches Node', () => {
    const all = dockerfile.stages.flatMap((s) => s.body);
    const entrypoint = all.filter((i) => i.op === 'ENTRYPOINT').at(-1);
    assert.deepEqual(JSON.parse(entrypoint?.args ?? 'null'), ['node']);
    const cmd = runtime?.body.filter((i) => i.op === 'CMD').at(-1);
    const [entry] = JSON.parse(cmd?.args ?? '[]') as string[];
    assert.ok(entry && existsSync(join(repoRoot, entry)), `CMD entry ${entry ?? ''}`);
  });

  it('copies into the final image only paths that exist and are not ignored', () => {
    const copies = (runtime?.body ?? []).filter((i) => i.op === 'COPY' && !i.args.includes('--from'));
    assert.ok(copies.length > 0);
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) {
        assert.ok(existsSync(join(repoRoot, src)), `COPY ${src}`);
        assert.ok(!ignore.includes(src.replace(/\/$/, '')), `COPY ${src} is in .dockerignore`);
      }
    }
  });

  it('puts the operator CLI on PATH with its dependencies (kubectl exec … -- sketchyaf-realtime)', async () => {
    const runs = dockerfile.stages.flatMap((s) => s.body.filter((i) => i.op === 'RUN').map((i) => i.args));
    assert.ok(
      runs.find((r) => r.includes('npm ci'))?.includes('--workspace packages/cli'),
      'its dependencies',
    );
    const cli = JSON.parse(await readFile(join(repoRoot, 'packages/cli/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const binPath = join('packages/cli', cli.bin['sketchyaf-realtime'] ?? '').replace(/\\/g, '/');
    const link = (runtime?.body ?? []).find((i) => i.op === 'RUN' && i.args.includes('/usr/local/bin/'));
    assert.ok(link?.args.includes(`ln -s /app/${binPath} /usr/local/bin/sketchyaf-realtime`), link?.args);
    const copied = (runtime?.body ?? []).filter((i) => i.op === 'COPY').map((i) => i.args);
    for (const dir of ['packages/cli/src', 'packages/cli/bin'])
      assert.ok(
        copied.some((c) => c.includes(` ${dir} ${dir}`)),
        `COPY ${dir}`,
      );
  });

  it('installs and copies every workspace the services and the CLI load, and no test kit', async () => {
    const workspaces = (await readWorkspaces(repoRoot)).filter((w) => w.dir !== '');
    const byName = new Map(workspaces.map((w) => [w.manifest.name, w]));
    // The production closure: services/* and the CLI, then their dependencies (not devDependencies).
    const needed = new Set(
      workspaces.filter((w) => w.dir.startsWith('services/') || w.dir === 'packages/cli'),
    );
    for (const workspace of needed)
      for (const name of Object.keys(workspace.manifest.dependencies ?? {})) {
        const dependency = byName.get(name);
        if (dependency !== undefined) needed.add(dependency);
      }
    const dirs = [...needed].map((w) => w.dir);
    for (const internal of ['packages/core', 'packages/leases', 'packages/control'])
      assert.ok(dirs.includes(internal), internal);
    for (const devOnly of ['packages/testkit', 'packages/local-servers', 'packages/devstack'])
      assert.ok(!dirs.includes(devOnly), `${devOnly} must stay out of the image`);
    const install = dockerfile.stages
      .flatMap((s) => s.body)
      .find((i) => i.op === 'RUN' && i.args.includes('npm ci'));
    const copied = (runtime?.body ?? []).filter((i) => i.op === 'COPY').map((i) => i.args);
    for (const dir of dirs) {
      const covered = dir.startsWith('services/') ? 'services' : dir;
      assert.ok(install?.args.includes(`--workspace ${covered}`), `npm ci --workspace ${covered}`);
      const source = dir.startsWith('services/') ? 'services/' : `${dir}/src`;
      assert.ok(
        copied.some((c) => c.includes(` ${source} `)),
        `COPY ${source}`,
      );
    }
  });

  it('keeps node_modules, git, tools, tests and cluster files out of the build context', () => {
    for (const pattern of ['**/node_modules', '.git', '.tools', '**/test', '**/*.test.ts', 'charts', 'k8s'])
      assert.ok(ignore.includes(pattern), pattern);
  });
});
