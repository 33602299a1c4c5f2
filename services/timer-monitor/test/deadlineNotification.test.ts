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

  it('asks for a reload when the payload is anything else', () => {
    for (const bad of [undefined, '', 'nonsense', '[]', '{"g": [[1, 2, 3]]}', '{"g": "x"}', 'null']) {
      assert.equal(parseDeadlineNotification(bad).kind, 'reload', String(bad));
    }
  });
});
