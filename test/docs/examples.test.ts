// Every example of the docs runs: curl commands against a real stack with the
// answer they show, ts/js snippets with node, the rest checked and exempted
// by name (test/docs/exemptions.ts). How to write one: README.md, `npm test`.
import { strict as assert } from 'node:assert';
import { globSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceText } from './commandChecks.ts';
import { startExampleStack, type ExampleStack } from './exampleStack.ts';
import { exemptions } from './exemptions.ts';
import { runDoc, type DocContext } from './runExamples.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Runbooks are left out: their commands act on a production cluster
// (kubectl, helm, Prometheus); test/docs/reliability.test.ts checks they exist.
const docs = [
  'README.md',
  ...[
    'db/README.md',
    'docs/*.md',
    'services/*/README.md',
    'packages/*/README.md',
    'charts/*/README.md',
  ].flatMap((g) => globSync(g, { cwd: root }).sort()),
];

describe('examples of the docs', function () {
  this.timeout(120_000);
  let stack: ExampleStack;
  let context: DocContext;
  const used = new Set<string>();
  const ran = new Map<string, number>();

  before(async () => {
    stack = await startExampleStack();
    context = { root, stack, exemptions, sources: sourceText(root) };
  });

  after(async () => {
    await stack.stop();
  });

  it('covers the README, docs/ and every package README', () => {
    for (const doc of ['README.md', 'docs/architecture.md', 'services/broadcaster/README.md'])
      assert.ok(docs.includes(doc), doc);
  });

  for (const doc of docs)
    it(`${doc}: every example runs, or is exempted and checked`, async () => {
      const result = await runDoc(doc, context);
      for (const e of result.used) used.add(e);
      ran.set(doc, result.ran);
      assert.deepEqual(result.problems, []);
    });

  it('has no exemption that matches nothing (test/docs/exemptions.ts)', () => {
    const prefixes = exemptions.flatMap((e) => e.prefixes);
    assert.equal(new Set(prefixes).size, prefixes.length, 'each prefix once');
    assert.deepEqual(
      prefixes.filter((p) => !used.has(p)),
      [],
    );
  });

  it('ran the examples it should have (not quietly tagged away)', () => {
    assert.ok((ran.get('README.md') ?? 0) >= 1, 'the README curl');
    assert.ok((ran.get('services/broadcaster/README.md') ?? 0) >= 7, 'the ingest API examples');
    assert.ok((ran.get('packages/pubnub-local/README.md') ?? 0) >= 8, 'the admin API and the snippet');
  });
});
