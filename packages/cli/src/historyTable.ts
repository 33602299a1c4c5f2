// Pure: a history page as the text `sketchyaf-realtime history` prints.
import type { HistoryPage } from './historyClient.ts';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Transitions, then events with their delivery state, then how to get the next page. */
export function formatHistory(page: HistoryPage): string[] {
  const out = [
    `game ${page.gameId}${page.gameExists ? '' : '  (deleted: its row is gone, its history stays)'}`,
  ];
  out.push('', `transitions (${page.transitions.length})`);
  if (page.transitions.length > 0)
    out.push(
      ...table(
        ['committed at', 'from', 'to', 'round', 'version', 'source', 'deadline'],
        page.transitions.map((t) => [
          t.committedAt,
          t.fromStatus,
          t.toStatus,
          String(t.round),
          String(t.version),
          t.source,
          t.deadline ?? '—',
        ]),
      ).map((l) => `  ${l}`),
    );
  out.push('', `events (${page.events.length})`);
  if (page.events.length > 0)
    out.push(
      ...table(
        ['seq', 'type', 'source', 'created at', 'delivery', 'attempts', 'at / error'],
        page.events.map((e) => [
          e.sequence === null ? '—' : String(e.sequence),
          e.type,
          e.source,
          e.createdAt,
          e.delivery,
          String(e.attempts),
          e.delivery === 'published'
            ? (e.publishedAt ?? '')
            : e.delivery === 'dead_lettered'
              ? `${e.deadLetteredAt ?? ''} ${e.lastError ?? ''}`.trim()
              : (e.lastError ?? ''),
        ]),
      ).map((l) => `  ${l}`),
    );
  const counts = new Map<string, number>();
  for (const e of page.events) counts.set(e.delivery, (counts.get(e.delivery) ?? 0) + 1);
  if (counts.size > 0)
    out.push('', `delivery: ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}`);
  if (page.next !== null)
    out.push(
      '',
      `more: add --after-transition ${page.next.afterTransition} --after-event ${page.next.afterEvent}`,
    );
  return out;
}
