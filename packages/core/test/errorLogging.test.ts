import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import {
  createHttpApp,
  createLogger,
  createMetricsRegistry,
  errorFields,
  startHttpServer,
  type HttpServerHandle,
} from '../src/index.ts';
import { serializeError } from '../src/logging/errorFields.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'test', level: 'info', format: 'json', stream }), lines };
}

describe('errors in logs', () => {
  describe('serializeError', () => {
    it('keeps name, message, code, PostgreSQL detail, stack and the cause chain', () => {
      const inner = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      const outer = Object.assign(new TypeError('query failed', { cause: inner }), {
        code: '22P02',
        detail: 'row 7',
      });
      const s = serializeError(outer);
      assert.equal(s.name, 'TypeError');
      assert.equal(s.message, 'query failed');
      assert.equal(s.code, '22P02');
      assert.equal(s.detail, 'row 7');
      assert.match(s.stack ?? '', /TypeError: query failed\n\s+at /);
      assert.ok(typeof s.cause === 'object');
      assert.equal(s.cause.code, 'ECONNREFUSED');
      assert.match(s.cause.stack ?? '', /connection refused/);
    });

    it('ends a cyclic or long cause chain at a bound', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      a.cause = b;
      let depth = 0;
      let node: unknown = serializeError(a);
      while (typeof node === 'object' && node !== null && 'cause' in node) {
        node = node.cause;
        depth += 1;
      }
      assert.equal(node, '(deeper causes omitted)');
      assert.ok(depth <= 4, `${depth} levels`);
    });

    it('turns thrown non-errors into text and lists the errors of an AggregateError', () => {
      assert.deepEqual(serializeError('nope'), { name: 'string', message: 'nope' });
      const s = serializeError(new AggregateError([new Error('one'), 42], 'all failed'));
      assert.equal(s.errors?.length, 2);
      assert.equal((s.errors?.[0] as { message: string }).message, 'one');
      assert.equal((s.errors?.[1] as { message: string }).message, '42');
    });

    it('errorFields is JSON-safe: the stack survives JSON.stringify', () => {
      const line = JSON.parse(JSON.stringify(errorFields(new Error('boom')))) as {
        err: { stack: string };
      };
      assert.match(line.err.stack, /Error: boom\n\s+at /);
    });
  });

  describe('the logger', () => {
    it('serializes an Error in any field, nested or as a cause, with its stack', () => {
      const { logger, lines } = capture();
      const err = new Error('outer', { cause: new Error('inner') });
      logger.error('top', { err });
      logger.warn('nested', { detail: { error: err }, list: [err] });
      const [top, nested] = lines;
      const topErr = top?.['err'] as { stack: string; cause: { stack: string } };
      assert.match(topErr.stack, /Error: outer\n\s+at /);
      assert.match(topErr.cause.stack, /Error: inner\n\s+at /);
      const nestedErr = (nested?.['detail'] as { error: { stack: string } }).error;
      assert.match(nestedErr.stack, /Error: outer/);
      assert.match((nested?.['list'] as { stack: string }[])[0]?.stack ?? '', /Error: outer/);
    });
    it('readable lines show the message in the line and the stack with its causes below it', () => {
      const chunks: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk.toString());
          done();
        },
      });
      const logger = createLogger({ service: 'test', level: 'info', format: 'pretty', stream });
      logger.error('failed', {
        gameId: 'g1',
        ...errorFields(new Error('outer', { cause: new Error('inner') })),
      });
      const [line = '', ...below] = (chunks[0] ?? '').split('\n');
      assert.match(line, /failed gameId=g1 err="outer"$/);
      assert.match(below.join('\n'), /^Error: outer\n\s+at [^]*\ncaused by: Error: inner\n\s+at /);
    });
  });

  describe('the 500 handler', () => {
    let server: HttpServerHandle | undefined;
    afterEach(async () => {
      await server?.stop(0);
      server = undefined;
    });

    it('logs the error of a route that throws with its stack, cause and request id', async () => {
      const { logger, lines } = capture();
      const app = createHttpApp({
        logger,
        registry: createMetricsRegistry({ service: 'test', collectDefaults: false }),
        readiness: [],
        routes: (a) =>
          a.get('/explode', () => {
            throw new RangeError('route exploded', { cause: new Error('the reason') });
          }),
      });
      server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
      const res = await fetch(`${server.url}/explode`, { headers: { 'x-request-id': 'req-500-test' } });
      assert.equal(res.status, 500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'internal');
      assert.doesNotMatch(JSON.stringify(body), /route exploded/, 'the stack stays in the logs');
      const line = lines.find((l) => l['message'] === 'request failed');
      assert.ok(line, `a log line among ${JSON.stringify(lines)}`);
      assert.equal(line['requestId'], 'req-500-test');
      const err = line['err'] as { name: string; message: string; stack: string; cause: { message: string } };
      assert.equal(err.name, 'RangeError');
      assert.equal(err.message, 'route exploded');
      assert.match(err.stack, /RangeError: route exploded\n\s+at .*errorLogging\.test\.ts/);
      assert.equal(err.cause.message, 'the reason');
    });
  });
});
