import { escapeHtml } from '../html/page';

export interface HourlyCount {
  hour: Date;
  kind: string;
  count: number;
}

const SERIES: Array<{ kind: string; label: string; colour: string }> = [
  { kind: 'role.granted', label: 'Grants', colour: '#1a7f37' },
  { kind: 'role.removed', label: 'Removals', colour: '#6e7781' },
  { kind: 'role.failed', label: 'Failures', colour: '#cf222e' },
];

/**
 * Grants, removals and failures per hour over the 24 hours before `now`, as an inline SVG line chart
 * drawn on the server: no front-end build, readable without JavaScript, with a text summary for
 * screen readers.
 */
export function activityChart(counts: readonly HourlyCount[], now: Date): string {
  const width = 720;
  const height = 200;
  const pad = { left: 36, right: 12, top: 12, bottom: 28 };
  const end = new Date(now);
  end.setUTCMinutes(0, 0, 0);
  const hours = Array.from({ length: 24 }, (_, i) => new Date(end.getTime() - (23 - i) * 3_600_000));
  const value = (kind: string, hour: Date) =>
    counts
      .filter((c) => c.kind === kind && c.hour.getTime() === hour.getTime())
      .reduce((sum, c) => sum + c.count, 0);
  const max = Math.max(1, ...SERIES.flatMap((s) => hours.map((h) => value(s.kind, h))));
  const x = (i: number) => pad.left + (i * (width - pad.left - pad.right)) / 23;
  const y = (v: number) => height - pad.bottom - (v * (height - pad.top - pad.bottom)) / max;
  const lines = SERIES.map((s) => {
    const points = hours.map((h, i) => `${x(i).toFixed(1)},${y(value(s.kind, h)).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points}"><title>${s.label}</title></polyline>`;
  }).join('');
  const axis = [0, 6, 12, 18, 23]
    .map(
      (i) =>
        `<text x="${x(i).toFixed(1)}" y="${height - 8}" font-size="11" text-anchor="middle">${hours[i]!.toISOString().slice(11, 16)}</text>`,
    )
    .join('');
  const totals = SERIES.map((s) => `${s.label}: ${hours.reduce((sum, h) => sum + value(s.kind, h), 0)}`).join(
    ', ',
  );
  const legend = SERIES.map(
    (s, i) =>
      `<rect x="${pad.left + i * 110}" y="0" width="10" height="10" fill="${s.colour}"/><text x="${pad.left + 14 + i * 110}" y="9" font-size="11">${s.label}</text>`,
  ).join('');
  return `<figure class="card"><svg role="img" aria-label="${escapeHtml(`Role changes in the last 24 hours. ${totals}`)}" viewBox="0 0 ${width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">
<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#d0d7de"/>
<text x="4" y="${pad.top + 8}" font-size="11">${max}</text><text x="4" y="${height - pad.bottom}" font-size="11">0</text>
${lines}${axis}<g transform="translate(0, ${pad.top})">${legend}</g></svg>
<figcaption>Last 24 hours, per hour (UTC). ${escapeHtml(totals)}.</figcaption></figure>`;
}
