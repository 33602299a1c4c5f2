// runbooks/: one page per alert, named after it, with Meaning, Impact,
// Diagnosis (with commands) and Mitigation; no page without an alert; every
// metric a page names is in docs/metrics.md; incident-response.md present.
import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDocumented, loadCatalogue } from './support/catalogue.ts';
import { incidentResponsePath, runbookBaseUrl, runbooksDir } from './support/paths.ts';
import { loadRules } from './support/rules.ts';

const sections = ['Meaning', 'Impact', 'Diagnosis', 'Mitigation'] as const;

async function runbookPages(): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  for (const file of (await readdir(runbooksDir)).sort()) {
    if (file.endsWith('.md')) pages.set(file.slice(0, -3), await readFile(join(runbooksDir, file), 'utf8'));
  }
  return pages;
}

/** `## Heading` -> its text, in order. */
function sectionsOf(text: string): { heading: string; body: string }[] {
  const parts = text.split(/^## /m).slice(1);
  return parts.map((part) => {
    const newline = part.indexOf('\n');
    return { heading: part.slice(0, newline).trim(), body: part.slice(newline + 1) };
  });
}

describe('monitoring: runbooks', () => {
  it('exist for every alert, and only for alerts', async () => {
    const alerts = new Set((await loadRules()).alerts.map((a) => a.alert));
    const pages = await runbookPages();
    const missing = [...alerts].filter((a) => !pages.has(a)).map((a) => `runbooks/alerts/${a}.md is missing`);
    const orphans = [...pages.keys()]
      .filter((p) => !alerts.has(p))
      .map((p) => `runbooks/alerts/${p}.md has no alert`);
    assert.deepEqual([...missing, ...orphans], []);
  });

  it("are each alert's runbook_url", async () => {
    const { alerts } = await loadRules();
    const wrong = alerts
      .filter((a) => a.annotations['runbook_url'] !== `${runbookBaseUrl}${a.alert}.md`)
      .map((a) => `${a.alert}: ${String(a.annotations['runbook_url'])}`);
    assert.deepEqual(wrong, []);
  });

  it('are titled after the alert, with Meaning, Impact, Diagnosis and Mitigation in that order', async () => {
    const problems: string[] = [];
    for (const [name, text] of await runbookPages()) {
      if (!text.startsWith(`# ${name}\n`)) problems.push(`${name}.md: first line must be "# ${name}"`);
      const found = sectionsOf(text);
      const headings = found.map((s) => s.heading);
      if (headings.join('|') !== sections.join('|')) {
        problems.push(`${name}.md: sections are [${headings.join(', ')}], expected [${sections.join(', ')}]`);
      }
      for (const s of found) {
        if (s.body.trim().length < 40) problems.push(`${name}.md: "## ${s.heading}" is (nearly) empty`);
      }
      const diagnosis = found.find((s) => s.heading === 'Diagnosis')?.body ?? '';
      if (!/```(sh|sql)\n[\s\S]*?```/.test(diagnosis)) problems.push(`${name}.md: Diagnosis has no commands`);
    }
    assert.deepEqual(problems, []);
  });

  it('name only metrics and recording rules listed in docs/metrics.md', async () => {
    const catalogue = await loadCatalogue();
    const unknown: string[] = [];
    for (const [name, text] of await runbookPages()) {
      for (const match of text.matchAll(/\b(?:[a-z_]+:)?sketchyaf_realtime_[a-z0-9_]+(?::[a-z0-9_]+)?/g)) {
        if (!isDocumented(match[0], catalogue)) unknown.push(`${name}.md: ${match[0]}`);
      }
    }
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('link only to pages that exist', async () => {
    const pages = await runbookPages();
    const broken: string[] = [];
    for (const [name, text] of pages) {
      for (const match of text.matchAll(/\]\(([A-Za-z]+)\.md\)/g)) {
        if (!pages.has(match[1] ?? '')) broken.push(`${name}.md -> ${match[1] ?? ''}.md`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('have an incident response page with escalation levels and the shared setup', async () => {
    const text = await readFile(incidentResponsePath, 'utf8');
    const headings = sectionsOf(text).map((s) => s.heading);
    for (const heading of ['Severities', 'Escalation', 'Setup']) {
      assert.ok(headings.includes(heading), `incident-response.md has no "## ${heading}"`);
    }
    for (const level of ['L1', 'L2', 'L3'])
      assert.match(text, new RegExp(`\\| ${level} `), `no escalation level ${level}`);
    assert.match(text, /helm -n sketchyaf-realtime rollback/);
  });
});
