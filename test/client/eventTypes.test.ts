import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { apiEventTypes } from '@sketchyaf/broadcaster';
import { realtimeEventTypes } from '@sketchyaf/realtime-client';
import { eventTypesFile, renderEventTypes } from '../../scripts/client/renderEventTypes.ts';

describe('client event types', () => {
  it('packages/client/src/events.ts is what the catalogue renders (else: npm run client:types)', async () => {
    const committed = await readFile(eventTypesFile, 'utf8');
    assert.equal(committed, await renderEventTypes(), 'stale: run `npm run client:types`');
  });

  it('names every API event type of the catalogue', () => {
    assert.deepEqual([...realtimeEventTypes], apiEventTypes);
  });
});
