// `node load-tests/gameBackend/main.ts`: the test-only game backend stand-in
// (see gameBackend.ts) for k6 runs. DATABASE_URL (default: npm start's
// embedded PostgreSQL), GAME_BACKEND_PORT (default 8095). Loopback only.
import { startGameBackend } from './gameBackend.ts';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:54329/sketchyaf';
const port = Number(process.env['GAME_BACKEND_PORT'] ?? 8095);
const backend = await startGameBackend({ databaseUrl, port });
console.log(`game backend stand-in (test only) listening on ${backend.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void backend.stop().then(() => process.exit(0));
  });
}
