import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { sourceText, staticProblems } from './commandChecks.ts';
import { exemptions } from './exemptions.ts';
import {
  answerPattern,
  codeBlocks,
  commandList,
  fillPlaceholders,
  localPorts,
  rewriteLocalUrls,
  shapeProblems,
  shellCommands,
  simpleCommand,
  unquote,
} from './markdownExamples.ts';
import { exemptionFor } from './runExamples.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const shapeOf = (actual: unknown, shown: string): string[] => {
  const parsed = answerPattern(shown);
  if ('error' in parsed) throw new Error(parsed.error);
  return shapeProblems(actual, parsed.pattern);
};

describe('reading the examples of a doc', () => {
  it('finds fenced blocks with their language, line and text, also indented in a list', () => {
    const md = [
      '# t',
      '```sh',
      'a',
      '```',
      '- item',
      '   ```TS title',
      '   x()',
      '    y()',
      '   ```',
      '```',
      'p',
      '```',
    ].join('\n');
    assert.deepEqual(codeBlocks(md), [
      { line: 2, lang: 'sh', text: 'a' },
      { line: 6, lang: 'ts', text: 'x()\n y()' },
      { line: 10, lang: '', text: 'p' },
    ]);
  });

  it('joins continuation lines, drops comments, and takes `# <status> …` right after a command as its answer', () => {
    const block = [
      'TOKEN=t   # the dev token',
      'curl -s localhost:8080/v1/events \\',
      '  -d \'{"a":"#1"}\'',
      '# 202 {"eventId":"…"}; again: the same',
      '',
      'curl -s localhost:8080/x',
      '# a remark',
      '# 200',
      'npm run lint; npm run format',
    ].join('\n');
    assert.deepEqual(shellCommands(block, 'sh'), [
      { line: 1, text: 'TOKEN=t', expectation: null },
      {
        line: 2,
        text: 'curl -s localhost:8080/v1/events -d \'{"a":"#1"}\'',
        expectation: { status: 202, body: '{"eventId":"…"}' },
      },
      { line: 6, text: 'curl -s localhost:8080/x', expectation: null },
      { line: 9, text: 'npm run lint; npm run format', expectation: null },
    ]);
  });

  it('takes only `$ ` lines of a console block', () => {
    assert.deepEqual(
      shellCommands('$ curl -s localhost:8080/livez\nok\n$ npm test', 'console').map((c) => c.text),
      ['curl -s localhost:8080/livez', 'npm test'],
    );
  });

  it('splits command lists outside quotes and $( … ), and reads leading assignments', () => {
    assert.deepEqual(commandList("npm ci && npm start; echo 'a;b' & x || y"), [
      'npm ci',
      'npm start',
      "echo 'a;b'",
      'x',
      'y',
    ]);
    assert.deepEqual(commandList('GAME=$(psql -c "a; b")'), ['GAME=$(psql -c "a; b")']);
    assert.deepEqual(simpleCommand('export GAME=$(psql "$URL" -qAtc "SELECT 1")'), {
      assignments: [{ name: 'GAME', value: '$(psql "$URL" -qAtc "SELECT 1")' }],
      words: [],
    });
    assert.deepEqual(simpleCommand('A=1 B=x npm run bench -- timers'), {
      assignments: [
        { name: 'A', value: '1' },
        { name: 'B', value: 'x' },
      ],
      words: ['npm', 'run', 'bench', '--', 'timers'],
    });
    assert.equal(unquote(`'a b'"c\\"d"e`), 'a bc"de');
  });

  it('rewrites loopback URLs to the test servers and fills placeholders', () => {
    const bases = new Map([[8080, 'http://127.0.0.1:4001']]);
    const text = "curl localhost:8080/v1 'http://127.0.0.1:8080/x?y=1' http://127.0.0.1:8081/z";
    assert.deepEqual(localPorts(text), [8080, 8080, 8081]);
    assert.equal(
      rewriteLocalUrls(text, bases),
      "curl http://127.0.0.1:4001/v1 'http://127.0.0.1:4001/x?y=1' http://127.0.0.1:8081/z",
    );
    assert.equal(fillPlaceholders('/games/<gameId>/<other>', { gameId: 'g1' }), '/games/g1/<other>');
  });

  it('matches an answer to the shape shown: … strings, <placeholders>, open objects, exact scalars and keys', () => {
    const answer = { eventId: 'e1', channel: 'game.g1', sequence: 1 };
    assert.deepEqual(shapeOf(answer, '{"eventId":"…","channel":"game.<gameId>","sequence":1}'), []);
    assert.deepEqual(shapeOf(answer, '{…,"sequence":1}'), []);
    assert.deepEqual(shapeOf(answer, '{"eventId":"…","channel":"user.<userId>","sequence":2}'), [
      '$.channel: "game.g1" is not user.<userId>',
      '$.sequence: 2 shown, got 1',
    ]);
    assert.deepEqual(shapeOf(answer, '{"eventId":"…","sequence":1}'), [
      '$.channel: answered but not shown (show it, or add …)',
    ]);
    assert.deepEqual(shapeOf({ a: null }, '{"a":"…","b":"…"}'), [
      '$.a: a string was shown, got null',
      '$.b: shown but absent',
    ]);
    assert.deepEqual(shapeOf([{ x: 1 }, { x: 2 }], '[{"x":1}]'), ['$: 1 element(s) shown, got 2']);
    assert.ok('error' in answerPattern('{eventId: 1}'));
  });
});

describe('commands of the docs that are not run', () => {
  const sources = sourceText(root);

  it('checks npm scripts, CLI subcommands, paths and variables', () => {
    assert.deepEqual(staticProblems('npm start --workspace services/broadcaster', root, sources), []);
    assert.deepEqual(staticProblems('BENCH_CPU_PROF=/tmp/p npm run bench -- broadcast', root, sources), []);
    assert.deepEqual(staticProblems('npx sketchyaf-realtime control status --file x', root, sources), []);
    assert.deepEqual(staticProblems("npx mocha 'packages/pubnub-local/test/*.test.ts'", root, sources), []);
    assert.deepEqual(staticProblems('npm run nonesuch -w services/health', root, sources), [
      'no script "nonesuch" in services/health/package.json',
    ]);
    assert.deepEqual(staticProblems('npx sketchyaf-realtime control frobnicate', root, sources), [
      'sketchyaf-realtime control --help does not name "frobnicate"',
    ]);
    assert.deepEqual(
      staticProblems('NO_SUCH_SETTING_XYZ=1 node scripts/none.ts docs/*.nope', root, sources),
      [
        'NO_SUCH_SETTING_XYZ: no code reads this variable',
        'scripts/none.ts: no such file',
        'docs/*.nope: no such file',
      ],
    );
  });

  it('exempts by doc and whole-word prefix, after the variables', () => {
    assert.equal(
      exemptionFor('README.md', 'BENCH_GAMES=1 npm run bench -- timers', exemptions),
      'npm run bench',
    );
    assert.equal(exemptionFor('README.md', 'npm run benchmark', exemptions), undefined);
    assert.equal(exemptionFor('docs/leases.md', 'npm test', exemptions), undefined);
  });
});
