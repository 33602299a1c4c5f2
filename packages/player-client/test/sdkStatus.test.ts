import { strict as assert } from 'node:assert';
import PubNub from 'pubnub';
import { statusMeaning } from '../src/sdkStatus.ts';

describe('player-client SDK statuses', () => {
  it('maps each category the SDK has to what the session does', () => {
    const c = PubNub.CATEGORIES;
    assert.equal(statusMeaning(c.PNConnectedCategory), 'connected');
    assert.equal(statusMeaning(c.PNReconnectedCategory), 'connected');
    assert.equal(statusMeaning(c.PNSubscriptionChangedCategory), 'connected');
    for (const down of [
      c.PNNetworkDownCategory,
      c.PNNetworkIssuesCategory,
      c.PNTimeoutCategory,
      c.PNConnectionErrorCategory,
      c.PNDisconnectedUnexpectedlyCategory,
    ])
      assert.equal(statusMeaning(down), 'disconnected', down);
    assert.equal(statusMeaning(c.PNConnectionErrorCategory, 'PNAccessDeniedCategory'), 'denied');
    assert.equal(statusMeaning(c.PNAccessDeniedCategory), 'denied');
    assert.equal(statusMeaning(c.PNRequestMessageCountExceededCategory), 'lost');
    // Leaving (our own unsubscribe) and acknowledgements change nothing.
    assert.equal(statusMeaning(c.PNDisconnectedCategory), 'other');
    assert.equal(statusMeaning(c.PNAcknowledgmentCategory), 'other');
  });
});
