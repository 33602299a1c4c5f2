// The chart README's values table is generated from the commented values.yaml
// (scripts/helm/chartReadme.ts): committed, it must be what the generator writes now.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import {
  endMarker,
  readmePath,
  renderReadme,
  spliceReadme,
  startMarker,
  valueRows,
  valuesPath,
  valuesTable,
} from '../../scripts/helm/chartReadme.ts';

/** Every leaf key of a parsed values file, dotted, not descending into lists. */
function leaves(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('chart README', function () {
  this.timeout(60_000);

  it('is what `npm run chart:readme` writes from values.yaml now', async () => {
    const committed = await readFile(readmePath, 'utf8');
    assert.ok(
      committed === (await renderReadme()),
      'charts/sketchyaf-realtime/README.md is stale: run `npm run chart:readme` and commit the result',
    );
  });

  it('documents every value of values.yaml, itself or through an enclosing key', async () => {
    const text = await readFile(valuesPath, 'utf8');
    const keys = valueRows(text).map((r) => r.key);
    for (const leaf of leaves(parse(text)))
      assert.ok(
        keys.some((k) => leaf === k || leaf.startsWith(`${k}.`)),
        `${leaf} has no row in the README`,
      );
    for (const key of ['image.tag', 'broadcaster.ingress.hosts', 'broadcaster.httpRoute.parentRefs'])
      assert.ok(keys.includes(key), key);
  });

  describe('the generator', () => {
    const sample = [
      '# A section comment, not a description.',
      'image:',
      '  # -- Image tag; a description may go on',
      '  # over several lines.',
      "  tag: ''",
      'hosts:',
      '  # -- not a row: list items belong to their list',
      '  - a.example.com',
      '# -- Probes, with their fields.',
      'probe:',
      '  periodSeconds: 2',
      '',
    ].join('\n');

    it('makes one row per `# --` comment, with its type, default and whole description', () => {
      const rows = valueRows(sample.replace('hosts:', '# -- Hosts.\nhosts:'));
      assert.deepEqual(rows, [
        {
          key: 'image.tag',
          type: 'string',
          default: '',
          description: 'Image tag; a description may go on over several lines.',
        },
        { key: 'hosts', type: 'list', default: ['a.example.com'], description: 'Hosts.' },
        {
          key: 'probe',
          type: 'object',
          default: { periodSeconds: 2 },
          description: 'Probes, with their fields.',
        },
      ]);
    });

    it('refuses a value without a description, naming it', () => {
      assert.throws(() => valueRows(sample), /no "# -- description" for hosts$/);
    });

    it('escapes pipes in the table and replaces only the text between the markers', () => {
      const table = valuesTable([{ key: 'a', type: 'string', default: 'x|y', description: 'one | two' }]);
      assert.match(table, /`"x\\\|y"` \| one \\\| two \|$/);
      const readme = `# T\n\nprose\n\n${startMarker}\nold\n${endMarker}\n\nafter\n`;
      assert.equal(
        spliceReadme(readme, 'NEW'),
        `# T\n\nprose\n\n${startMarker}\n\nNEW\n\n${endMarker}\n\nafter\n`,
      );
      assert.throws(() => spliceReadme('# no markers\n', 'NEW'), /needs the lines/);
    });
  });
});
