/**
 * `npx pubnub-local [--port 8090] [--host 127.0.0.1] [--secret-key KEY]` or `npm start`: the only
 * place that reads the environment and argv, prints, and handles signals.
 * PORT, HOST and PUBNUB_SECRET_KEY come from the environment; flags win over them.
 */
import { parseArgs } from 'node:util';
import type { Logger } from './logger.ts';
import { startPubnubLocal } from './server.ts';

const DEFAULT_PORT = 8090;

function parsePort(raw: string | undefined, source: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${source} must be a port number, got ${raw}`);
  return port;
}

function splitKeys(raw: string | undefined): string[] | undefined {
  const keys = raw
    ?.split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  return keys && keys.length > 0 ? keys : undefined;
}

const stderrLogger: Logger = {
  info: (message, meta) => {
    console.error(JSON.stringify({ level: 'info', message, ...meta }));
  },
  warn: (message, meta) => {
    console.error(JSON.stringify({ level: 'warn', message, ...meta }));
  },
  error: (message, meta) => {
    console.error(JSON.stringify({ level: 'error', message, ...meta }));
  },
};

export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env = process.env,
): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'secret-key': { type: 'string' },
    },
  });
  const port = parsePort(values.port, '--port') ?? parsePort(env.PORT, 'PORT') ?? DEFAULT_PORT;
  const host = values.host ?? (env.HOST || '127.0.0.1');
  const publishKeys = splitKeys(env.PUBNUB_PUBLISH_KEY);
  const subscribeKeys = splitKeys(env.PUBNUB_SUBSCRIBE_KEY);
  const secretKey = values['secret-key'] ?? (env.PUBNUB_SECRET_KEY || undefined);
  const handle = await startPubnubLocal({
    host,
    port,
    ...(publishKeys ? { publishKeys } : {}),
    ...(subscribeKeys ? { subscribeKeys } : {}),
    ...(secretKey !== undefined ? { secretKey } : {}),
    ...(values.quiet ? {} : { logger: stderrLogger }),
  });
  console.log(`pubnub-local listening on ${handle.url}`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      console.error(`pubnub-local: second ${signal}, exiting now`);
      process.exit(1);
    }
    handle.stop().then(
      () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      },
      (error: unknown) => {
        console.error('pubnub-local: stop failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(`pubnub-local: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
