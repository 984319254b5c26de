import type { Bin, SeriesPoint } from './series';

const WIDTH = 720;
const HEIGHT = 360;
const MARGIN = { top: 56, right: 24, bottom: 44, left: 64 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const PALETTE = ['#2563eb', '#f59e0b', '#10b981', '#8b5cf6', '#ef4444'];
const REFERENCE_COLOR = '#dc2626';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

/** A labelled horizontal (y) or vertical (x) line across the plot: a ceiling, a target, a percentile. */
export interface ReferenceLine {
  value: number;
  label: string;
  /** Dashed lines are targets and ceilings; solid ones are measured markers. Default dashed. */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ReadonlyArray<{ name: string; points: readonly SeriesPoint[] }>;
  horizontal?: readonly ReferenceLine[];
}

export interface HistogramChart {
  title: string;
  xLabel: string;
  bins: readonly Bin[];
  /** Vertical markers in x units (percentiles, the target). */
  markers?: readonly ReferenceLine[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  categories: readonly string[];
  /** One bar per category for each series, side by side. */
  series: ReadonlyArray<{ name: string; values: readonly number[] }>;
  horizontal?: readonly ReferenceLine[];
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1).replace(/\.?0+$/, '');
}

/** Round tick values (1, 2, 5 × 10ⁿ) from 0 to at least `max`. */
export function niceTicks(max: number, wanted = 5): number[] {
  const top = max > 0 ? max : 1;
  const raw = top / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let value = 0; value < top + step; value += step) {
    ticks.push(Number(value.toPrecision(12)));
    if (value >= top) break;
  }
  return ticks;
}

function frame(
  title: string,
  body: string[],
  legend: ReadonlyArray<{ name: string; color: string }>,
): string {
  const legendItems = legend.map((item, i) => {
    const x = MARGIN.left + i * 180;
    return (
      `<rect x="${x}" y="30" width="12" height="12" fill="${item.color}"/>` +
      `<text x="${x + 18}" y="40" font-size="12" ${FONT} fill="#374151">${escapeXml(item.name)}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600" ${FONT} fill="#111827">${escapeXml(title)}</text>`,
    ...body,
    ...legendItems,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks: readonly number[], yMax: number, label: string): string[] {
  const lines = ticks.map((tick) => {
    const y = MARGIN.top + PLOT_H - (tick / yMax) * PLOT_H;
    return (
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e7eb"/>` +
      `<text x="${MARGIN.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11" ${FONT} fill="#6b7280">${fmt(tick)}</text>`
    );
  });
  const cy = MARGIN.top + PLOT_H / 2;
  lines.push(
    `<text x="16" y="${cy}" text-anchor="middle" font-size="12" ${FONT} fill="#374151" transform="rotate(-90 16 ${cy})">${escapeXml(label)}</text>`,
  );
  return lines;
}

function xAxisLabel(label: string): string {
  return `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 10}" text-anchor="middle" font-size="12" ${FONT} fill="#374151">${escapeXml(label)}</text>`;
}

function horizontalLines(lines: readonly ReferenceLine[], yMax: number): string[] {
  return lines.map((line) => {
    const y = MARGIN.top + PLOT_H - (line.value / yMax) * PLOT_H;
    const dash = line.dashed === false ? '' : ' stroke-dasharray="6 4"';
    return (
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${REFERENCE_COLOR}" stroke-width="1.5"${dash}/>` +
      `<text x="${MARGIN.left + PLOT_W - 4}" y="${(y - 6).toFixed(1)}" text-anchor="end" font-size="11" ${FONT} fill="${REFERENCE_COLOR}">${escapeXml(line.label)}</text>`
    );
  });
}

/** A line chart (e.g. role changes per second over time) with optional horizontal reference lines. */
export function lineChartSvg(chart: LineChart): string {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.t));
  const ys = [
    ...chart.series.flatMap((s) => s.points.map((p) => p.value)),
    ...(chart.horizontal ?? []).map((line) => line.value),
  ];
  const xTicks = niceTicks(Math.max(1, ...xs), 8);
  const yTicks = niceTicks(Math.max(1, ...ys) * 1.1);
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const x = (t: number) => MARGIN.left + (t / xMax) * PLOT_W;
  const y = (v: number) => MARGIN.top + PLOT_H - (v / yMax) * PLOT_H;
  const body = [
    ...yAxis(yTicks, yMax, chart.yLabel),
    ...xTicks.map(
      (tick) =>
        `<text x="${x(tick).toFixed(1)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#6b7280">${fmt(tick)}</text>`,
    ),
    xAxisLabel(chart.xLabel),
    ...horizontalLines(chart.horizontal ?? [], yMax),
    ...chart.series.map((s, i) => {
      const path = s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2" points="${path}"/>`;
    }),
  ];
  return frame(
    chart.title,
    body,
    chart.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length]! })),
  );
}

/** A histogram of latencies with vertical markers (percentiles, the target). */
export function histogramSvg(chart: HistogramChart): string {
  const xMax = chart.bins.at(-1)?.to ?? 1;
  const yTicks = niceTicks(Math.max(1, ...chart.bins.map((bin) => bin.count)) * 1.1);
  const yMax = yTicks.at(-1)!;
  const x = (v: number) => MARGIN.left + (Math.min(v, xMax) / xMax) * PLOT_W;
  const xTicks = niceTicks(xMax, 8).filter((tick) => tick <= xMax);
  const body = [
    ...yAxis(yTicks, yMax, 'count'),
    ...chart.bins.map((bin) => {
      const height = (bin.count / yMax) * PLOT_H;
      const left = x(bin.from);
      const width = Math.max(1, x(bin.to) - left - 1);
      return `<rect class="bar" x="${left.toFixed(1)}" y="${(MARGIN.top + PLOT_H - height).toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" fill="${PALETTE[0]}"/>`;
    }),
    ...xTicks.map(
      (tick) =>
        `<text x="${x(tick).toFixed(1)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#6b7280">${fmt(tick)}</text>`,
    ),
    xAxisLabel(chart.xLabel),
    ...(chart.markers ?? []).map((marker, i) => {
      const mx = x(marker.value);
      const dash = marker.dashed === false ? '' : ' stroke-dasharray="6 4"';
      const color = marker.dashed === false ? '#111827' : REFERENCE_COLOR;
      return (
        `<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="${color}" stroke-width="1.5"${dash}/>` +
        `<text x="${(mx + 4).toFixed(1)}" y="${MARGIN.top + 12 + i * 14}" font-size="11" ${FONT} fill="${color}">${escapeXml(marker.label)}</text>`
      );
    }),
  ];
  return frame(chart.title, body, []);
}

/** Grouped bars per category (e.g. memory per service, idle and loaded) with optional reference lines. */
export function barChartSvg(chart: BarChart): string {
  const values = [
    ...chart.series.flatMap((s) => s.values),
    ...(chart.horizontal ?? []).map((line) => line.value),
  ];
  const yTicks = niceTicks(Math.max(1, ...values) * 1.1);
  const yMax = yTicks.at(-1)!;
  const groupWidth = PLOT_W / Math.max(1, chart.categories.length);
  const barWidth = (groupWidth * 0.7) / Math.max(1, chart.series.length);
  const body = [
    ...yAxis(yTicks, yMax, chart.yLabel),
    ...chart.categories.flatMap((category, c) => {
      const left = MARGIN.left + c * groupWidth + groupWidth * 0.15;
      const bars = chart.series.map((s, i) => {
        const value = s.values[c] ?? 0;
        const height = (value / yMax) * PLOT_H;
        const bx = left + i * barWidth;
        const top = MARGIN.top + PLOT_H - height;
        return (
          `<rect class="bar" x="${bx.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"/>` +
          `<text x="${(bx + barWidth / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10" ${FONT} fill="#374151">${fmt(value)}</text>`
        );
      });
      return [
        ...bars,
        `<text x="${(MARGIN.left + c * groupWidth + groupWidth / 2).toFixed(1)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#374151">${escapeXml(category)}</text>`,
      ];
    }),
    ...horizontalLines(chart.horizontal ?? [], yMax),
  ];
  return frame(
    chart.title,
    body,
    chart.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length]! })),
  );
}
