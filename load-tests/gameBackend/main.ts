// `node load-tests/gameBackend/main.ts`: the game backend stand-in (see
// gameBackend.ts) for k6 runs. DATABASE_URL (default: npm start's embedded
// PostgreSQL; against staging a user allowed to INSERT and UPDATE games),
// GAME_BACKEND_PORT (default 8095), GAME_BACKEND_HOST (default 127.0.0.1;
// any other address needs GAME_BACKEND_TOKEN, 16 characters or more, which
// k6 then passes as -e GAME_BACKEND_TOKEN).
import { startGameBackend } from './gameBackend.ts';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:54329/sketchyaf';
const port = Number(process.env['GAME_BACKEND_PORT'] ?? 8095);
const host = process.env['GAME_BACKEND_HOST'] ?? '127.0.0.1';
const token = process.env['GAME_BACKEND_TOKEN'] ?? '';
try {
  const backend = await startGameBackend({ databaseUrl, port, host, token });
  console.log(`game backend stand-in listening on ${backend.url}${token ? ' (bearer token required)' : ''}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void backend.stop().then(() => process.exit(0));
    });
  }
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(78); // configuration error, as the services exit
}
