// The status page's only stylesheet, inlined: no external assets. Dark, high
// contrast, colour never the only signal (every state is also a word).
export const statusPageCss = `
:root { color-scheme: dark; --bg:#0d1117; --panel:#161b22; --line:#30363d; --text:#e6edf3; --muted:#9da7b3;
  --up:#3fb950; --degraded:#d29922; --down:#f85149; --off:#8b949e; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif; }
main { max-width:1240px; margin:0 auto; padding:20px 24px 40px; }
h1 { font-size:20px; margin:0; font-weight:600; }
h2 { font-size:15px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:28px 0 10px; }
header { display:flex; justify-content:space-between; align-items:baseline; gap:16px; flex-wrap:wrap; }
.meta { color:var(--muted); font-size:14px; }
.banner { margin:16px 0 8px; padding:18px 22px; border-radius:8px; border:2px solid; display:flex; gap:18px; align-items:center; }
.banner .word { font-size:30px; font-weight:800; letter-spacing:.04em; }
.banner.ok { border-color:var(--up); background:#12261a; } .banner.ok .word { color:var(--up); }
.banner.degraded { border-color:var(--degraded); background:#2a2111; } .banner.degraded .word { color:var(--degraded); }
.banner.down { border-color:var(--down); background:#2d1416; } .banner.down .word { color:var(--down); }
.banner.pending { border-color:var(--off); } .banner.pending .word { color:var(--off); }
.reasons { margin:8px 0 0; padding-left:22px; font-size:16px; }
.reasons li { margin:3px 0; }
.grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(370px,1fr)); gap:12px; }
.card { background:var(--panel); border:1px solid var(--line); border-left:6px solid var(--off); border-radius:6px; padding:12px 14px; }
.card.up { border-left-color:var(--up); } .card.degraded { border-left-color:var(--degraded); } .card.down { border-left-color:var(--down); }
.card h3 { margin:0 0 4px; font-size:17px; display:flex; justify-content:space-between; align-items:center; gap:8px; }
.card p { margin:0 0 6px; }
.items { list-style:none; margin:6px 0 0; padding:0; font-size:13px; color:var(--muted); }
.items li { padding:2px 0; overflow-wrap:anywhere; }
.pill { display:inline-block; min-width:92px; text-align:center; padding:2px 8px; border-radius:999px; font-size:12px; font-weight:700; letter-spacing:.05em; color:#0d1117; background:var(--off); }
.pill.up, .pill.ok { background:var(--up); } .pill.degraded { background:var(--degraded); } .pill.down { background:var(--down); }
.dot { display:inline-block; width:9px; height:9px; border-radius:50%; margin-right:6px; background:var(--off); }
.dot.up { background:var(--up); } .dot.degraded { background:var(--degraded); } .dot.down { background:var(--down); }
table { width:100%; border-collapse:collapse; background:var(--panel); border:1px solid var(--line); border-radius:6px; overflow:hidden; }
th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:13px; color:var(--muted); font-weight:600; }
tr:last-child td { border-bottom:none; }
td.num { font-variant-numeric:tabular-nums; white-space:nowrap; font-weight:600; }
td.small, .small { font-size:13px; color:var(--muted); }
.stats { display:grid; grid-template-columns:repeat(auto-fill,minmax(180px,1fr)); gap:12px; }
.stat { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 14px; }
.stat .label { font-size:13px; color:var(--muted); }
.stat .value { font-size:22px; font-weight:700; font-variant-numeric:tabular-nums; }
.empty { color:var(--muted); padding:10px 0; }
code { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:13px; }
footer { margin-top:28px; color:var(--muted); font-size:13px; }
a { color:#58a6ff; }
a.runbook { font-size:13px; }
td.change { white-space:nowrap; }
td.change .pill { min-width:0; }
.bad { color:#f85149; }
`;
