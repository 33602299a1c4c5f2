import { strict as assert } from 'node:assert';
import { parseDeadlineNotification } from '../src/index.ts';

describe('parseDeadlineNotification', () => {
  it('reads the per-game form written by the games trigger', () => {
    const payload =
      '{"g": [["6f1c0d7e-0000-4000-8000-000000000001", 3, 1764400000123.456], ["6f1c0d7e-0000-4000-8000-000000000002", 9, null]]}';
    assert.deepEqual(parseDeadlineNotification(payload), {
      kind: 'games',
      games: [
        { gameId: '6f1c0d7e-0000-4000-8000-000000000001', version: 3, at: 1764400000123.456 },
        { gameId: '6f1c0d7e-0000-4000-8000-000000000002', version: 9, at: null },
      ],
    });
  });

  it('reads the reload form sent for bulk changes', () => {
    assert.deepEqual(parseDeadlineNotification('{"reload": 5000}'), { kind: 'reload', count: 5000 });
  });

  it('calls anything else malformed (ignored), never a reload: garbage must not cause reload storms', () => {
    const id = '6f1c0d7e-0000-4000-8000-000000000001';
    const bad: (string | undefined)[] = [
      undefined,
      '',
      'nonsense',
      '[]',
      'null',
      '42',
      '"text"',
      '{}',
      '{"g": "x"}',
      '{"g": []}',
      '{"g": [[1, 2, 3]]}',
      '{"g": [["not-a-uuid", 1, 5]]}',
      `{"g": [["${id}", 1]]}`,
      `{"g": [["${id}", -1, 5]]}`,
      `{"g": [["${id}", 1.5, 5]]}`,
      `{"g": [["${id}", 1e300, 5]]}`,
      `{"g": [["${id}", 1, "soon"]]}`,
      `{"g": [["${id}", 1, 5], "x"]}`,
      '{"reload": "all"}',
      '{"reload": -3}',
      '{"reload": null}',
      '{"reload": 1.5}',
    ];
    for (const payload of bad) {
      const parsed = parseDeadlineNotification(payload);
      assert.equal(parsed.kind, 'malformed', String(payload));
      assert.ok(parsed.kind === 'malformed' && parsed.reason.length > 0, `a reason for ${String(payload)}`);
    }
  });

  it('rejects a whole payload with one bad entry, so no id of it is queued', () => {
    const payload =
      '{"g": [["6f1c0d7e-0000-4000-8000-000000000001", 3, 17], ["6f1c0d7e-0000-4000-8000-00000000000z", 9, null]]}';
    assert.deepEqual(parseDeadlineNotification(payload), {
      kind: 'malformed',
      reason: 'a game id is not a uuid',
    });
  });
});
