// npm run build --workspace packages/client (or packages/player-client): the
// publishable package in <package>/dist (JavaScript, declarations, README, its
// own package.json); publish it with `npm publish <package>/dist`. In this
// repository the workspace resolves to its TypeScript sources, as every
// workspace does; the published manifest points at the compiled files instead.
// The package directory is the first argument, relative to the repository
// (default packages/client).
import { execFile } from 'node:child_process';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const packageDir = fileURLToPath(new URL(`../../${process.argv[2] ?? 'packages/client'}/`, import.meta.url));
const dist = `${packageDir}dist/`;
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

interface SourceManifest {
  name: string;
  version: string;
  description: string;
  license: string;
  engines: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

await rm(dist, { recursive: true, force: true });
await promisify(execFile)(process.execPath, [tsc, '-p', `${packageDir}tsconfig.build.json`]);
const source = JSON.parse(await readFile(`${packageDir}package.json`, 'utf8')) as SourceManifest;
const manifest = {
  name: source.name,
  version: source.version,
  description: source.description,
  license: source.license,
  type: 'module',
  exports: {
    '.': { types: './index.d.ts', default: './index.js' },
    './package.json': './package.json',
  },
  types: './index.d.ts',
  files: ['*.js', '*.d.ts', 'README.md'],
  sideEffects: false,
  engines: source.engines,
  ...(source.peerDependencies === undefined ? {} : { peerDependencies: source.peerDependencies }),
};
await writeFile(`${dist}package.json`, `${JSON.stringify(manifest, null, 2)}\n`);
await copyFile(`${packageDir}README.md`, `${dist}README.md`);
console.log(`built ${source.name}@${source.version} in ${dist}`);
