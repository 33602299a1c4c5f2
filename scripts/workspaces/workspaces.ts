// The workspaces of this repository and their source files, read from disk.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { FileRole, Manifest } from './declaredDependencies.ts';

export interface Workspace {
  /** Directory relative to the repository root; '' for the root. */
  dir: string;
  manifest: Manifest & { workspaces?: string[]; private?: boolean; scripts?: Record<string, string> };
}

export interface SourceFile {
  /** Path relative to the repository root. */
  path: string;
  role: FileRole;
}

/** Folders of the root package's own code: everything outside the workspaces that Node runs. */
export const rootSourceDirs = ['test', 'bench', 'scripts', 'load-tests'];
/** Run by k6 (its own runtime and module names such as `k6/http`), not by Node. */
const notNode = ['load-tests/k6'];
const sourceFile = /\.(?:[cm]?ts|[cm]?js)$/;
/** Shipped with the package; everything else in a workspace (test, examples) is development code. */
const productionDirs = ['src', 'bin'];

async function readManifest(root: string, dir: string): Promise<Workspace['manifest']> {
  return JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8')) as Workspace['manifest'];
}

/** The root package and every workspace its package.json lists, root first. */
export async function readWorkspaces(root: string): Promise<Workspace[]> {
  const rootManifest = await readManifest(root, '');
  const dirs = rootManifest.workspaces ?? [];
  const members = await Promise.all(
    dirs.map(async (dir) => ({ dir, manifest: await readManifest(root, dir) })),
  );
  return [{ dir: '', manifest: rootManifest }, ...members];
}

async function walk(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory())
        return entry.name === 'node_modules' || entry.name === 'dist' || notNode.includes(path)
          ? []
          : walk(root, path);
      return sourceFile.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
    }),
  );
  return nested.flat();
}

/** The source files a workspace's package.json answers for, with their role. */
export async function sourceFilesOf(root: string, workspace: Workspace): Promise<SourceFile[]> {
  if (workspace.dir === '') {
    const files = await Promise.all(rootSourceDirs.map((dir) => walk(root, dir)));
    return files.flat().map((path) => ({ path, role: 'development' }));
  }
  const files = await walk(root, workspace.dir);
  return files.map((path) => {
    const top = relative(workspace.dir, path).split('/')[0] ?? '';
    return { path, role: productionDirs.includes(top) ? 'production' : 'development' };
  });
}
