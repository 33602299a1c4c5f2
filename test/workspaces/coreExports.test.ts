// packages/core is the service kit that every workspace builds on; its index
// is its public API, so an export nobody outside core imports is surface to
// keep stable for no one (core's own tests import the modules directly).
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { importsOf } from '../../scripts/workspaces/sourceImports.ts';
import { readWorkspaces, sourceFilesOf } from '../../scripts/workspaces/workspaces.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('@sketchyaf/core exports', () => {
  it('exports only what another workspace (or the root) imports from it', async () => {
    const index = await readFile(`${root}/packages/core/src/index.ts`, 'utf8');
    const exported = importsOf('index.ts', index).flatMap((ref) => (ref.names === '*' ? [] : ref.names));
    assert.ok(exported.length > 20, `read ${exported.length} exports`);
    const imported = new Set<string>();
    let wholeModule = false;
    for (const workspace of await readWorkspaces(root)) {
      if (workspace.dir === 'packages/core') continue;
      for (const file of await sourceFilesOf(root, workspace))
        for (const ref of importsOf(file.path, await readFile(`${root}/${file.path}`, 'utf8'))) {
          if (ref.specifier !== '@sketchyaf/core') continue;
          if (ref.names === '*') wholeModule = true;
          else for (const name of ref.names) imported.add(name);
        }
    }
    assert.equal(
      wholeModule,
      false,
      'import named exports of @sketchyaf/core, so that their use can be counted',
    );
    assert.deepEqual(
      exported.filter((name) => !imported.has(name)),
      [],
      'exported by packages/core/src/index.ts but imported nowhere else: un-export them',
    );
  });
});
