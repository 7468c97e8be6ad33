/** The scaling chart: time of each graph job on 1 and 2 workers, relative to the plain single-threaded baseline (SVG). */
import type { Row } from './run.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One line per series (algorithm and graph): x is the number of workers, y the median time divided by
 * the plain baseline's (the COST ratio: below 1 beats plain JavaScript on one thread).
 */
export function scalingChart(rows: readonly Row[], subtitle: string): string {
  const series = new Map<string, { workers: number; ratio: number }[]>();
  for (const r of rows) {
    if (r.series === undefined || r.workers === undefined) continue;
    const points = series.get(r.series) ?? [];
    points.push({ workers: r.workers, ratio: r.ratio });
    series.set(r.series, points);
  }
  const width = 720;
  const height = 400;
  const left = 60;
  const top = 50;
  const plotW = 420;
  const plotH = 290;
  const xs = [...new Set([...series.values()].flat().map((p) => p.workers))].sort((a, b) => a - b);
  const maxRatio = Math.max(1.5, ...[...series.values()].flat().map((p) => p.ratio));
  const yMax = Math.ceil(maxRatio * 2) / 2;
  const x = (w: number) => left + (xs.length <= 1 ? plotW / 2 : ((xs.indexOf(w) + 0.5) / xs.length) * plotW);
  const y = (r: number) => top + plotH - (r / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">Graph jobs: time relative to plain single-threaded JavaScript</text>`,
    `<text x="${left}" y="40" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (let r = 0; r <= yMax + 1e-9; r += 0.5) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(r)}" y2="${y(r)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${y(r) + 4}" text-anchor="end">${r.toFixed(1)}×</text>`);
  }
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(1)}" y2="${y(1)}" stroke="#333" stroke-dasharray="6 4"/>`);
  out.push(`<text x="${left + plotW - 4}" y="${y(1) - 6}" text-anchor="end" fill="#333">plain JS, 1 thread</text>`);
  for (const w of xs) out.push(`<text x="${x(w)}" y="${top + plotH + 20}" text-anchor="middle">${w} worker${w === 1 ? '' : 's'}</text>`);
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 40}" text-anchor="middle" fill="#555">workers (threads)</text>`);
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  [...series].forEach(([name, points], i) => {
    const color = COLORS[i % COLORS.length]!;
    const sorted = [...points].sort((a, b) => a.workers - b.workers);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map((p) => `${x(p.workers)},${y(p.ratio)}`).join(' ')}"/>`);
    for (const p of sorted) out.push(`<circle cx="${x(p.workers)}" cy="${y(p.ratio)}" r="4" fill="${color}"><title>${escape(name)}, ${p.workers} worker(s): ${p.ratio.toFixed(2)}×</title></circle>`);
    const ly = top + 10 + i * 20;
    out.push(`<line x1="${left + plotW + 20}" x2="${left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${left + plotW + 46}" y="${ly + 4}">${escape(name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
