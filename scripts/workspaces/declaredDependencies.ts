// Whether a workspace declares what it imports: the rule behind the dependency
// check in `npm test`. Pure, so that the rule itself is unit-tested.
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import type { ImportRef } from './sourceImports.ts';

export interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Where in its workspace a file sits: shipped code must not lean on devDependencies. */
export type FileRole = 'production' | 'development';

export interface Violation {
  file: string;
  specifier: string;
  problem: string;
}

const builtins = new Set(builtinModules);

/** `pg` for `pg/lib/x`, `@scope/name` for `@scope/name/sub`; undefined for relative paths, URLs and builtins. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || /^[a-z]+:/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The DefinitelyTyped package that types `name`: `@types/express`, `@types/scope__name`. */
export function typesPackageOf(name: string): string {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

/** What one import in `file` lacks in `manifest`, or undefined when it is declared. */
export function checkImport(
  file: string,
  role: FileRole,
  ref: ImportRef,
  manifest: Manifest,
): Violation | undefined {
  const { specifier } = ref;
  if (specifier.startsWith('node:')) {
    return builtins.has(specifier.slice('node:'.length))
      ? undefined
      : { file, specifier, problem: 'not a Node.js builtin' };
  }
  if (builtins.has(specifier.split('/')[0] ?? ''))
    return { file, specifier, problem: `a builtin without the node: prefix (write node:${specifier})` };
  const name = packageNameOf(specifier);
  if (name === undefined || name === manifest.name) return undefined;
  const runtime = { ...manifest.dependencies, ...manifest.peerDependencies };
  const any = { ...runtime, ...manifest.devDependencies };
  const declared = (names: Record<string, string>): boolean =>
    name in names || (ref.typeOnly && typesPackageOf(name) in names);
  if (!declared(any))
    return { file, specifier, problem: `${name} is not declared in ${manifest.name}'s package.json` };
  if (role === 'production' && !ref.typeOnly && !declared(runtime))
    return {
      file,
      specifier,
      problem: `${name} is a devDependency of ${manifest.name} but shipped code loads it`,
    };
  return undefined;
}

/**
 * Whether a relative import in `file` (repository path) lands outside the
 * workspace in `workspaceDir`: such an import bypasses the package.json it
 * should declare. The root package may reach anywhere (it is the repository).
 */
export function leavesWorkspace(workspaceDir: string, file: string, specifier: string): boolean {
  if (workspaceDir === '' || !specifier.startsWith('.')) return false;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return !target.startsWith(`${workspaceDir}/`);
}

/**
 * Declarations of a workspace that none of its files import: stale ones keep
 * packages in the install and edges in the workspace graph (a stale dev
 * dependency on devstack made a cycle). `installedOnly` names the packages
 * declared for what they install rather than for an import, with the reason.
 */
export function unusedDeclarations(
  manifest: Manifest,
  imported: ReadonlySet<string>,
  installedOnly: Readonly<Record<string, string>> = {},
): string[] {
  const declared = Object.keys({
    ...manifest.dependencies,
    ...manifest.devDependencies,
    ...manifest.peerDependencies,
  });
  const typesOfImported = new Set([...imported].map(typesPackageOf));
  return declared.filter(
    (name) => !imported.has(name) && !typesOfImported.has(name) && !(name in installedOnly),
  );
}
