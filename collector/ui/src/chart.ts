import uPlot from 'uplot';
import { bytes, num } from './format.js';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999'];
// Dashes tell lines apart where colour does not (print, colour-blindness beyond the palette).
const DASHES: ReadonlyArray<number[] | undefined> = [undefined, [6, 3], [2, 2], [8, 3, 2, 3]];

export type Unit = '%' | 'bytes/s' | 'bytes' | '°C' | 's' | 'ratio' | '';

export interface ChartLine {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number | null]>;
}

export interface ChartHandle {
  destroy(): void;
}

function formatValue(unit: Unit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'bytes/s':
      return bytes(v, '/s');
    case 'bytes':
      return bytes(v);
    case '%':
      return `${num(v)} %`;
    case '°C':
      return `${num(v)} °C`;
    case 's':
      return v < 1 ? `${num(v * 1000)} ms` : `${num(v)} s`;
    case 'ratio':
      return `${num(v * 100)} %`;
    default:
      return num(v, 2);
  }
}

/**
 * Puts series with their own timestamps on one x axis (uPlot wants columns):
 * the union of timestamps, null where a series has no point, so gaps stay gaps.
 */
export function alignSeries(lines: readonly ChartLine[]): uPlot.AlignedData {
  const set = new Set<number>();
  for (const l of lines) for (const p of l.points) set.add(p[0]);
  const xs = Float64Array.from(set).sort();
  const index = new Map<number, number>();
  xs.forEach((t, i) => index.set(t, i));
  const cols: Array<Array<number | null>> = lines.map((l) => {
    const col: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of l.points) col[index.get(t) as number] = v === null || !Number.isFinite(v) ? null : v;
    return col;
  });
  // uPlot's x axis is in seconds.
  return [Array.from(xs, (t) => t / 1000), ...cols];
}

/** One time-series chart; follows its container's width. */
export function lineChart(el: HTMLElement, title: string, unit: Unit, lines: readonly ChartLine[], range: { readonly fromMs: number; readonly toMs: number }): ChartHandle {
  const width = Math.max(260, el.clientWidth || 600);
  const opts: uPlot.Options = {
    title,
    width,
    height: 200,
    scales: { x: { time: true, min: range.fromMs / 1000, max: range.toMs / 1000 }, y: unit === '%' ? { range: [0, 100] } : {} },
    axes: [{ stroke: '#444', grid: { stroke: '#e4e4e4' } }, { stroke: '#444', grid: { stroke: '#e4e4e4' }, size: 64, values: (_u, vals) => vals.map((v) => formatValue(unit, v)) }],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    series: [
      {},
      ...lines.map((l, i) => ({
        label: l.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        dash: lines.length > 1 ? DASHES[i % DASHES.length] : undefined,
        spanGaps: false,
        // A fresh host or AP has a point or two: draw them as dots, or the chart looks empty.
        points: { show: l.points.length <= 30, size: 5 },
        value: (_u: uPlot, v: number | null) => formatValue(unit, v),
      })),
    ],
  };
  const plot = new uPlot(opts, alignSeries(lines), el);
  const ro = new ResizeObserver(() => {
    const w = Math.max(260, el.clientWidth);
    if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: 200 });
  });
  ro.observe(el);
  return {
    destroy(): void {
      ro.disconnect();
      plot.destroy();
    },
  };
}
