// Line charts as SVG text, no dependency: panels side by side, linear or
// log10 axes, a legend and value labels on each point.

export interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
  /** Label text of a point; default: the value. */
  label?: (y: number) => string;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  series: readonly Series[];
  /** Format of axis tick values. */
  xTick?: (x: number) => string;
  yTick?: (y: number) => string;
}

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1000 -> 1k, 300000 -> 300k, 2500000 -> 2.5M. */
export function compact(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return `${+n.toPrecision(3)}`;
}

/** Tick values covering [min, max]: powers of ten (with 2 and 5 between when the range is short) or 1-2-5 steps. */
export function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    const from = Math.floor(Math.log10(min));
    const to = Math.ceil(Math.log10(max));
    const steps = to - from <= 3 ? [1, 2, 5] : [1];
    for (let e = from; e <= to; e += 1) for (const m of steps) out.push(m * 10 ** e);
    return out.filter((t) => t >= min * 0.999 && t <= max * 1.001);
  }
  const span = max - min || 1;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) out.push(+t.toPrecision(12));
  return out;
}

function domain(values: readonly number[], log: boolean): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (!Number.isFinite(lo)) return log ? [1, 10] : [0, 1];
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
    if (lo === hi) hi = lo * 10;
    return [lo, hi];
  }
  lo = Math.min(0, lo);
  hi = hi === lo ? lo + 1 : hi * 1.1;
  return [lo, hi];
}

function panelSvg(p: Panel, x0: number, y0: number, width: number, height: number): string {
  const m = { left: 62, right: 18, top: 30, bottom: 44 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const xs = p.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = p.series.flatMap((s) => s.points.map(([, y]) => y));
  // A log x axis spans the data with a margin and ticks at the data's own x values.
  const finiteXs = xs.filter((v) => Number.isFinite(v) && v > 0);
  const [xMin, xMax] =
    p.xLog && finiteXs.length > 0
      ? [Math.min(...finiteXs) / 1.5, Math.max(...finiteXs) * 1.5]
      : domain(xs, p.xLog);
  const xTicks = p.xLog ? [...new Set(finiteXs)].sort((a, b) => a - b) : ticks(xMin, xMax, false);
  const [yMin, yMax] = domain(ys, p.yLog);
  const scale = (v: number, lo: number, hi: number, log: boolean): number =>
    log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
  const px = (x: number): number => x0 + m.left + scale(x, xMin, xMax, p.xLog) * w;
  const py = (y: number): number => y0 + m.top + h - scale(y, yMin, yMax, p.yLog) * h;
  const xTick = p.xTick ?? compact;
  const yTick = p.yTick ?? compact;
  const out: string[] = [];
  out.push(
    `<text x="${x0 + m.left + w / 2}" y="${y0 + 18}" text-anchor="middle" font-size="13" font-weight="bold">${escape(p.title)}</text>`,
  );
  for (const t of ticks(yMin, yMax, p.yLog)) {
    out.push(
      `<line x1="${x0 + m.left}" x2="${x0 + m.left + w}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e3e3e3"/>`,
      `<text x="${x0 + m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" font-size="10">${escape(yTick(t))}</text>`,
    );
  }
  for (const t of xTicks) {
    out.push(
      `<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${y0 + m.top}" y2="${y0 + m.top + h}" stroke="#f0f0f0"/>`,
      `<text x="${px(t).toFixed(1)}" y="${y0 + m.top + h + 15}" text-anchor="middle" font-size="10">${escape(xTick(t))}</text>`,
    );
  }
  out.push(
    `<rect x="${x0 + m.left}" y="${y0 + m.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`,
    `<text x="${x0 + m.left + w / 2}" y="${y0 + height - 8}" text-anchor="middle" font-size="11">${escape(p.xLabel)}</text>`,
    `<text transform="translate(${x0 + 14},${y0 + m.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escape(p.yLabel)}</text>`,
  );
  p.series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!p.yLog || y > 0));
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      );
    for (const [x, y] of pts) {
      out.push(
        `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`,
        // Labels sit right of a point in the left half of the plot, left of it in the right half.
        px(x) > x0 + m.left + w / 2
          ? `<text x="${(px(x) - 5).toFixed(1)}" y="${(py(y) - 5).toFixed(1)}" text-anchor="end" font-size="9" fill="${s.color}">${escape((s.label ?? compact)(y))}</text>`
          : `<text x="${(px(x) + 5).toFixed(1)}" y="${(py(y) - 5).toFixed(1)}" font-size="9" fill="${s.color}">${escape((s.label ?? compact)(y))}</text>`,
      );
    }
    const ly = y0 + m.top + 8 + i * 14;
    out.push(
      `<line x1="${x0 + m.left + 8}" x2="${x0 + m.left + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${x0 + m.left + 28}" y="${ly + 4}" font-size="10">${escape(s.name)}</text>`,
    );
  });
  return out.join('\n');
}

/** A whole SVG document: a title, a subtitle and the panels in a row. */
export function chartSvg(title: string, subtitle: string, panels: readonly Panel[]): string {
  const pw = 340;
  const ph = 300;
  const width = pw * panels.length + 20;
  const height = ph + 60;
  const body = panels.map((p, i) => panelSvg(p, 10 + i * pw, 50, pw, ph)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${escape(subtitle)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
