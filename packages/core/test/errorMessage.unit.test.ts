import { strict as assert } from 'node:assert';
import { errorMessage } from '../src/index.ts';

describe('errorMessage', () => {
  it('is the message, with a cause code it lacks, or the thrown value as text', () => {
    assert.equal(errorMessage(new Error('boom')), 'boom');
    assert.equal(
      errorMessage(
        new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      ),
      'fetch failed (ECONNREFUSED)',
    );
    assert.equal(
      errorMessage(new Error('ECONNRESET here', { cause: { code: 'ECONNRESET' } })),
      'ECONNRESET here',
    );
    assert.equal(errorMessage(new Error('null cause', { cause: null })), 'null cause');
    assert.equal(errorMessage('plain'), 'plain');
    assert.equal(errorMessage(42), '42');
  });
});
