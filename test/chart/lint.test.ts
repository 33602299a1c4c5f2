import { strict as assert } from 'node:assert';
import { lintArgs, runHelm, templateArgs } from './lib/helm.ts';
import { scenarios } from './lib/scenarios.ts';

describe('chart: helm lint --strict', function () {
  this.timeout(120_000);

  for (const scenario of scenarios) {
    it(`passes with ${scenario.name}`, async () => {
      const result = await runHelm(lintArgs(scenario));
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    });
  }

  it('refuses values.yaml alone, naming every missing secret value at once', async () => {
    const result = await runHelm(templateArgs({}));
    assert.notEqual(result.code, 0);
    for (const key of ['databaseUrl', 'pubnubPublishKey', 'pubnubSubscribeKey', 'apiTokens'])
      assert.match(result.stderr, new RegExp(`secret\\.values\\.${key}`));
    assert.match(result.stderr, /secret\.existingSecret/);
  });
});
