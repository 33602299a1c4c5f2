// Supply chain: no values file carries a secret. Secrets come from an
// existing Secret (secret.existingSecret) made from the secret store.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { chartDir, repoRoot } from './lib/paths.ts';
import { ciFiles, environmentFiles } from './lib/scenarios.ts';

const valuesFiles = [
  join(chartDir, 'values.yaml'),
  ...environmentFiles.map((f) => join(chartDir, f)),
  ...ciFiles.map((f) => join(chartDir, f)),
  join(repoRoot, '.github/kind/values-kind.yaml'),
];

const secretLooking: [string, RegExp][] = [
  ['URL with a password', /:\/\/[^/\s:@]+:[^@\s]+@/],
  ['PubNub key', /\b(pub|sub|sec)-c-[0-9a-f-]{8,}/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['token-like string', /^[A-Za-z0-9+/=_-]{32,}$/],
];

function strings(value: unknown, path: string, out: [string, string][]): [string, string][] {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) strings(v, path ? `${path}.${k}` : k, out);
  return out;
}

describe('supply chain: no secret in any values file', () => {
  for (const file of valuesFiles) {
    const name = relative(repoRoot, file);
    it(name, async () => {
      const values = parse(await readFile(file, 'utf8')) as { secret?: { values?: Record<string, string> } };
      for (const [key, value] of Object.entries(values.secret?.values ?? {}))
        assert.equal(value, '', `${name}: secret.values.${key} must stay empty; use secret.existingSecret`);
      for (const [path, value] of strings(values, '', []))
        for (const [what, pattern] of secretLooking)
          assert.doesNotMatch(value, pattern, `${name}: ${path} looks like a ${what}`);
    });
  }

  it('the patterns catch real-looking secrets (self-test)', () => {
    const samples = [
      'postgres://app:s3cret@db:5432/sketchyaf',
      'pub-c-0123abcd-4567-89ef',
      '-----BEGIN RSA PRIVATE KEY-----',
      'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEyMzQ1Njc4OTA',
    ];
    for (const sample of samples)
      assert.ok(
        secretLooking.some(([, p]) => p.test(sample)),
        sample,
      );
  });
});
