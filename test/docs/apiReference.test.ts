// docs/openapi.json and docs/api.md are generated from the event catalogue:
// they must be what `npm run docs:api` writes now.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { apiEventTypes } from '../../services/broadcaster/src/events/catalogue.ts';
import { apiReferencePath, openapiPath, renderApiFiles } from '../../scripts/docs/renderApiReference.ts';

describe('docs/openapi.json and docs/api.md', function () {
  this.timeout(60_000);

  it('are what the generator writes from the catalogue now (else run `npm run docs:api`)', async () => {
    const { openapiJson, apiMarkdown } = await renderApiFiles();
    const stale = 'differs from the event catalogue: run `npm run docs:api` and commit the result';
    assert.ok((await readFile(openapiPath, 'utf8')) === openapiJson, `docs/openapi.json ${stale}`);
    assert.ok((await readFile(apiReferencePath, 'utf8')) === apiMarkdown, `docs/api.md ${stale}`);
  });

  it('render every event type and every operation', async () => {
    const page = await readFile(apiReferencePath, 'utf8');
    const headings = [
      ...apiEventTypes.map((t) => `### ${t}\n`),
      '### `POST /v1/events/batch`',
      '### rate_limited',
    ];
    for (const heading of headings) assert.ok(page.includes(heading), heading);
  });
});
