import { strict as assert } from 'node:assert';
import net from 'node:net';
import { Registry } from 'prom-client';
import { createPool, createSilentLogger } from '@sketchyaf/core';
import { freePort } from '@sketchyaf/testkit';
import { IngestRejection } from '../src/errors.ts';
import { OutboxWriter, unavailableRejection } from '../src/ingest/outboxWriter.ts';
import { validateSingle } from '../src/events/validateEvents.ts';
import { prepareEvent, type PreparedEvent } from '../src/ingest/prepareEvent.ts';
import { createBroadcasterMetrics } from '../src/metrics.ts';
import { examples } from './examples.ts';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('unavailableRejection', () => {
  it('answers every transient database cause 503 with the cause as the rejection reason', () => {
    const cases: [Error, string, number][] = [
      [withCode('ECONNREFUSED'), 'database_connection', 1],
      [new Error('Query read timeout'), 'database_timeout', 2],
      [withCode('57P01'), 'database_shutdown', 1],
      [withCode('40001'), 'database_serialization', 1],
      [withCode('55P03'), 'database_lock_timeout', 1],
      [withCode('42P01'), 'database_schema_missing', 30],
    ];
    for (const [err, reason, seconds] of cases) {
      const rejection = unavailableRejection(err);
      assert.ok(rejection instanceof IngestRejection, reason);
      assert.equal(rejection.status, 503);
      assert.equal(rejection.reason, reason);
      assert.equal((rejection.details as { retryAfterSeconds: number }).retryAfterSeconds, seconds);
    }
  });

  it('leaves what a retry cannot cure to the one-by-one isolation or a 500', () => {
    for (const err of [withCode('23505'), withCode('22P02'), new Error('a bug')])
      assert.equal(unavailableRejection(err), undefined);
  });
});

function oneEvent(): PreparedEvent[] {
  const result = validateSingle(examples['user_notification']);
  assert.ok(result.ok);
  return result.events.map((e) => prepareEvent(e, 'request-1'));
}

function writerOn(url: string): { writer: OutboxWriter; end: () => Promise<void> } {
  const logger = createSilentLogger();
  const pool = createPool({ connectionString: url, applicationName: 'test', logger });
  const writer = new OutboxWriter({
    pool,
    logger,
    metrics: createBroadcasterMetrics(new Registry()),
    maxWaitMs: 20,
    maxEvents: 500,
    maxInFlight: 1,
  });
  return { writer, end: () => pool.end() };
}

async function assertAll503(writer: OutboxWriter, requests: number, reason: string): Promise<void> {
  const writes = Array.from({ length: requests }, () => writer.write(oneEvent()));
  for (const outcome of await Promise.allSettled(writes)) {
    assert.equal(outcome.status, 'rejected');
    const error: unknown = outcome.reason;
    assert.ok(error instanceof IngestRejection, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.reason, reason);
  }
}

describe('OutboxWriter on a database that is not there', () => {
  it('a refused connection (ECONNREFUSED) is 503 for every request of the group', async () => {
    const { writer, end } = writerOn(`postgres://x@127.0.0.1:${await freePort()}/x`);
    try {
      await assertAll503(writer, 3, 'database_connection');
    } finally {
      await end();
    }
  });
});

describe('OutboxWriter on a database that drops every connection', () => {
  let server: net.Server;
  let connections = 0;

  before(async () => {
    server = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers the whole group 503 from one attempt: no one-by-one re-run', async () => {
    const { port } = server.address() as net.AddressInfo;
    const { writer, end } = writerOn(`postgres://x@127.0.0.1:${port}/x`);
    try {
      await assertAll503(writer, 3, 'database_connection');
      assert.equal(connections, 1, 'one connection attempt for the group of three');
    } finally {
      await end();
    }
  });
});
