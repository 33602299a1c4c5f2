// The live view's page. Its script runs in the browser: it loads the pubnub
// SDK's browser build (a classic script, `window.PubNub`) and the player
// client as ES modules, joins the demo's current game, and shows each event as
// the application receives it, with the connection and catch-up state. The
// `data-*` attributes are what the Chromium test reads.
export const livePageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SketchyAF Realtime: live game</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
  h1 { font-size: 1.3rem; }
  .pills span { display: inline-block; margin-right: .6rem; padding: .2rem .6rem; border-radius: 1rem; background: #eee; }
  [data-connection="connected"] { background: #c8f0c8 !important; }
  [data-connection="disconnected"] { background: #f6c2c2 !important; }
  [data-catchup="running"], [data-catchup="retrying"] { background: #fbe7a6 !important; }
  #phase { font-size: 2rem; font-weight: 600; margin: 1rem 0; }
  ol { font-family: ui-monospace, monospace; font-size: 13px; }
</style>
<script src="/vendor/pubnub.js"></script>
</head>
<body>
<h1>Live game <code id="game">…</code> as player <code id="user">…</code></h1>
<p class="pills">
  <span id="connection" data-connection="connecting">connection: connecting</span>
  <span id="catchup" data-catchup="idle">catch-up: idle</span>
  <span id="last" data-last-sequence="0">last sequence: 0</span>
</p>
<div id="phase" data-phase="" data-phases-seen="0">waiting for the game…</div>
<p id="caughtup"></p>
<ol id="events"></ol>
<script type="module">
import { joinGame } from '/player-client/index.ts';

const $ = (id) => document.getElementById(id);
let session = null;
let phasesSeen = 0;
let previous = '';

async function join() {
  const res = await fetch('/config?after=' + previous, { cache: 'no-store' });
  if (res.status !== 200) { setTimeout(join, 1000); return; }
  const config = await res.json();
  previous = config.gameId;
  $('game').textContent = config.gameId;
  $('user').textContent = config.userId;
  $('events').replaceChildren();
  const pubnub = new PubNub({
    subscribeKey: config.subscribeKey,
    userId: config.userId,
    origin: config.pubnubOrigin,
    ssl: config.ssl,
  });
  session = joinGame({ gameId: config.gameId, userId: config.userId, token: config.token, pubnub, baseUrl: config.baseUrl });
  session.on('state', (s) => {
    $('connection').dataset.connection = s.connection;
    $('connection').textContent = 'connection: ' + s.connection;
    $('catchup').dataset.catchup = s.catchUp;
    $('catchup').textContent = 'catch-up: ' + s.catchUp + (s.catchUpReason ? ' (' + s.catchUpReason + ')' : '') + (s.error ? ': ' + s.error : '');
    $('last').dataset.lastSequence = String(s.lastSequence);
    $('last').textContent = 'last sequence: ' + s.lastSequence + (s.pending > 0 ? ', ' + s.pending + ' waiting' : '');
  });
  session.on('caughtUp', (c) => {
    $('caughtup').textContent = 'caught up (' + c.reason + '): ' + c.delivered + ' events in ' + c.tookMs + ' ms';
  });
  session.on('event', (e) => {
    const li = document.createElement('li');
    li.value = e.sequence;
    li.dataset.sequence = String(e.sequence);
    const d = e.data;
    li.textContent = e.type === 'phase_changed'
      ? e.type + ': ' + d.from + ' → ' + d.to + ', round ' + d.round + '/' + d.totalRounds
      : e.type;
    $('events').append(li);
    if (e.type === 'phase_changed') {
      phasesSeen += 1;
      $('phase').dataset.phase = String(d.to);
      $('phase').dataset.phasesSeen = String(phasesSeen);
      $('phase').textContent = d.to + ' · round ' + d.round + ' of ' + d.totalRounds;
      // A finished demo game: move on to the next one.
      if (d.to === 'completed' || d.to === 'cancelled') setTimeout(() => { session.leave(); pubnub.destroy(); join(); }, 3000);
    }
  });
}
join();
</script>
</body>
</html>
`;
