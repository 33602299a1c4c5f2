// docs/contract.md is what the game application relies on: every name it
// lists must be the one the code and the migrations use, and the README must
// send readers only to files that a clone contains.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventCatalogue, eventTypes } from '../../services/broadcaster/src/events/catalogue.ts';
import { channelFor } from '../../services/broadcaster/src/events/channels.ts';
import { buildEnvelope, envelopeVersion } from '../../services/broadcaster/src/events/envelope.ts';
import { sourceText } from './commandChecks.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const page = readFileSync(join(root, 'docs/contract.md'), 'utf8');
const schema = readFileSync(join(root, 'db/schema.sql'), 'utf8');

/** The rows of the first markdown table after `heading`, as arrays of trimmed cells. */
function tableAfter(heading: string): string[][] {
  const start = page.indexOf(heading);
  assert.ok(start >= 0, `no "${heading}" in docs/contract.md`);
  const lines = page.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const codeNames = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

describe('docs/contract.md', () => {
  it('lists the statuses of the games_status_check constraint', () => {
    const check = /games_status_check CHECK \(\(status = ANY \(ARRAY\[([^\]]+)\]/.exec(schema)?.[1] ?? '';
    const inSchema = [...check.matchAll(/'(\w+)'/g)].map((m) => m[1]);
    const line = page.split('\n').findIndex((l) => l.startsWith('Statuses:'));
    const listed = codeNames(
      page
        .split('\n')
        .slice(line, line + 2)
        .join(' '),
    );
    assert.deepEqual(listed, inSchema);
  });

  it('lists every column of games that the schema has', () => {
    const table = /CREATE TABLE games \(([\s\S]*?)\n\)/.exec(schema)?.[1] ?? '';
    const columns = [...table.matchAll(/^ {2}(\w+) /gm)]
      .map((m) => m[1] ?? '')
      .filter((c) => c !== 'CONSTRAINT');
    const listed = tableAfter('## Table `games`')
      .flatMap((row) => codeNames(row[0] ?? ''))
      .map((c) => c.split(' ')[0]);
    assert.deepEqual(
      columns.filter((c) => c !== 'created_at' && !listed.includes(c)),
      [],
    );
  });

  it('names the error codes the triggers raise, and no other', () => {
    const inSchema = new Set([...schema.matchAll(/ERRCODE = '(SK\d{3})'/g)].map((m) => m[1]));
    const listed = tableAfter('Errors the triggers raise').map((row) => codeNames(row[0] ?? '')[0]);
    assert.deepEqual(listed.toSorted(), [...inSchema].toSorted());
  });

  it('gives the default phase lengths of realtime_phase_seconds', () => {
    const body = /FUNCTION public\.realtime_phase_seconds[\s\S]*?\$function\$;/.exec(schema)?.[0] ?? '';
    const defaults =
      /CASE status WHEN 'briefing' THEN (\d+) WHEN 'drawing' THEN (\d+) WHEN 'voting' THEN (\d+) ELSE (\d+)/.exec(
        body,
      );
    assert.ok(defaults, 'defaults not found in db/schema.sql');
    const [, briefing, drawing, voting, results] = defaults;
    assert.ok(
      page.includes(
        `\`briefing\` ${briefing}, \`drawing\` ${drawing}, \`voting\` ${voting},\n\`results\` ${results}`,
      ),
      'the default phase lengths differ from db/schema.sql',
    );
  });

  it('names the other tables of the schema', () => {
    const tables = [...schema.matchAll(/^CREATE TABLE (\w+) /gm)]
      .map((m) => m[1])
      .filter((t) => t !== 'games');
    const listed = tableAfter('## Other tables').map((row) => codeNames(row[0] ?? '')[0]);
    assert.deepEqual(listed.toSorted(), tables.toSorted());
  });

  it('shows an envelope the relay would build, keys in order, data valid for its type', () => {
    const json = /```json\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const example = JSON.parse(json) as Record<string, unknown>;
    assert.equal(example['version'], envelopeVersion);
    const built = buildEnvelope({
      eventId: String(example['eventId']),
      type: String(example['type']),
      gameId: String(example['gameId']),
      sequence: Number(example['sequence']),
      channel: channelFor({ scope: 'game', gameId: String(example['gameId']) }),
      occurredAt: String(example['occurredAt']),
      requestId: String(example['requestId']),
      source: 'timer-monitor',
      data: example['data'],
    });
    assert.deepEqual(Object.keys(example), Object.keys(built));
    eventCatalogue.phase_changed.data.parse(example['data']);
  });

  it('lists every event type of the catalogue with its channel and writer', () => {
    const rows = tableAfter('Event types');
    const channelOf = { game: '`game.<gameId>`', presence: '`presence.<gameId>`', user: '`user.<userId>`' };
    const writerOf = { database: 'the `games` trigger', api: 'the ingest API' };
    assert.deepEqual(
      rows.map((r) => r.join(' | ')),
      eventTypes.map((t) => {
        const entry = eventCatalogue[t];
        return `\`${t}\` | ${channelOf[entry.scope]} | ${writerOf[entry.origin]}`;
      }),
    );
  });

  it('gives the channel names that channelFor builds', () => {
    const id = '0b9a4f8e-58c4-4f3e-8f59-4c1b6d2a7e10';
    const listed = tableAfter('## Channels').map((row) => codeNames(row[1] ?? '')[0]);
    assert.deepEqual(listed, [
      channelFor({ scope: 'game', gameId: id }).replace(id, '<gameId>'),
      channelFor({ scope: 'user', userId: 'u1' }).replace('u1', '<userId>'),
      channelFor({ scope: 'presence', gameId: id }).replace(id, '<gameId>'),
    ]);
  });

  it('lists only environment variables that the services read', () => {
    const sources = sourceText(root);
    const listed = tableAfter('## Environment').map((row) => codeNames(row[0] ?? '')[0] ?? '');
    assert.ok(listed.length >= 10);
    assert.deepEqual(
      listed.filter((name) => !sources.includes(name)),
      [],
    );
  });
});

describe('README.md links', () => {
  it('point only at files inside the repository', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)]
      .map((m) => m[1] ?? '')
      .filter((t) => !/^[a-z]+:/.test(t));
    assert.ok(targets.length >= 5, `only ${targets.length} relative links`);
    const escaping = targets.filter((t) => normalize(t).startsWith('..'));
    const missing = targets.filter((t) => !existsSync(join(root, t)));
    assert.deepEqual({ escaping, missing }, { escaping: [], missing: [] });
    assert.ok(!readme.includes('../shared'), 'the README names a file outside the repository');
    assert.ok(readme.includes('(docs/contract.md)'), 'the README links the contract');
  });
});
