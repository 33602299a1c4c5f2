// A small typed subset of the Grafana dashboard model (schemaVersion 39) and
// helpers that lay panels out row by row. Used by buildDashboard.ts.

export interface Target {
  expr: string;
  legend?: string;
}

interface Threshold {
  color: string;
  value: number | null;
}

export interface ValueMapping {
  type: 'value';
  options: Record<string, { text: string; color: string }>;
}

interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

const datasource = { type: 'prometheus', uid: '${datasource}' } as const;

export interface PanelSpec {
  kind: 'timeseries' | 'stat';
  title: string;
  description: string;
  targets: readonly Target[];
  unit?: string;
  /** Width in grid columns (24 per row); default 8 for graphs, 4 for stats. */
  width?: number;
  /**
   * Colour steps from low to high, e.g. [['green', null], ['red', 5]]: the
   * background of a stat; dashed lines on a graph (an SLO target).
   */
  steps?: readonly (readonly [string, number | null])[];
  mappings?: readonly ValueMapping[];
  stack?: boolean;
  decimals?: number;
}

export interface RowSpec {
  title: string;
  panels: readonly PanelSpec[];
}

export type GrafanaPanel = Record<string, unknown> & { id: number; type: string; gridPos: GridPos };

function thresholds(spec: PanelSpec): { mode: 'absolute'; steps: Threshold[] } {
  const steps = spec.steps ?? [['green', null]];
  return { mode: 'absolute', steps: steps.map(([color, value]) => ({ color, value })) };
}

function targets(spec: PanelSpec): Record<string, unknown>[] {
  return spec.targets.map((t, i) => ({
    datasource,
    refId: String.fromCharCode(65 + i),
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    range: true,
  }));
}

function panel(spec: PanelSpec, id: number, gridPos: GridPos): GrafanaPanel {
  const defaults: Record<string, unknown> = {
    unit: spec.unit ?? 'short',
    thresholds: thresholds(spec),
    mappings: spec.mappings ?? [],
  };
  if (spec.decimals !== undefined) defaults['decimals'] = spec.decimals;
  if (spec.kind === 'stat') {
    return {
      id,
      type: 'stat',
      title: spec.title,
      description: spec.description,
      datasource,
      gridPos,
      fieldConfig: { defaults: { ...defaults, color: { mode: 'thresholds' } }, overrides: [] },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'background',
        graphMode: 'none',
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: 'auto',
      },
      targets: targets(spec),
    };
  }
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos,
    fieldConfig: {
      defaults: {
        ...defaults,
        min: 0,
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: spec.stack ? 30 : 10,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: spec.steps === undefined ? 'off' : 'dashed' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: targets(spec),
  };
}

/** Row headers and panels with ids and grid positions, left to right, top to bottom. */
export function layout(rows: readonly RowSpec[]): GrafanaPanel[] {
  const panels: GrafanaPanel[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of row.panels) {
      const w = spec.width ?? (spec.kind === 'stat' ? 4 : 8);
      const h = spec.kind === 'stat' ? 4 : 8;
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panel(spec, id++, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return panels;
}

export const upDownMapping: ValueMapping = {
  type: 'value',
  options: { '0': { text: 'down', color: 'red' }, '1': { text: 'up', color: 'green' } },
};

export const circuitMapping: ValueMapping = {
  type: 'value',
  options: {
    '0': { text: 'closed', color: 'green' },
    '1': { text: 'half-open', color: 'orange' },
    '2': { text: 'open', color: 'red' },
  },
};
