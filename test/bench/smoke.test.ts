import { describe, expect, it } from 'vitest';
import { cases, type Case } from '../../dist/bench/cases.js';
import { scalingChart } from '../../dist/bench/chart.js';
import { measure, table, type Row } from '../../dist/bench/run.js';

// Every benchmark case, once, at a tiny size: the harness runs, and every answer is checked.
describe('benchmark cases (tiny sizes, answers checked, no timing asserted)', () => {
  const rows: Row[] = [];
  for (const c of cases('tiny')) {
    it(c.name, async () => {
      const got = await measure(c);
      expect(got.map((r) => r.variant)).toEqual(c.variants.map((v) => v.label));
      for (const r of got) {
        expect(r.ours.samples).toBe(c.samples);
        expect(r.ours.medianMs).toBeGreaterThan(0);
        expect(r.ratio).toBeCloseTo(r.ours.medianMs / r.reference.medianMs);
      }
      rows.push(...got);
    }, 60_000);
  }

  it('covers the micro, macro, graph and peer groups, and the peer answers are compared', () => {
    expect(new Set(rows.map((r) => r.group))).toEqual(new Set(['micro', 'macro', 'graph', 'peer']));
    expect(rows.find((r) => r.case.startsWith('wcc by iterate'))?.note).toMatch(/d2ts answer/);
    expect(rows.filter((r) => r.workers === 2).every((r) => r.note?.startsWith('progress/data bytes'))).toBe(true);
  });

  it('prints a table row per variant and draws a line per scaling series', () => {
    const text = table(rows);
    expect(text.split('\n')).toHaveLength(rows.length + 2);
    const svg = scalingChart(rows, 'test');
    const series = new Set(rows.flatMap((r) => (r.series === undefined ? [] : [r.series])));
    expect(series.size).toBeGreaterThanOrEqual(6);
    expect(svg.match(/<polyline/g)).toHaveLength(series.size);
  });

  it('refuses a case whose answer is wrong', async () => {
    const wrong: Case = {
      name: 'wrong',
      group: 'micro',
      params: {},
      work: 1,
      unit: 'run',
      samples: 1,
      baseline: { label: 'plain', run: () => 2 },
      variants: [{ label: '', run: () => 3 }],
      check: (a, b) => {
        if (a !== b) throw new Error(`answers differ: ${String(a)} vs ${String(b)}`);
      },
    };
    await expect(measure(wrong)).rejects.toThrow(/answers differ/);
  });
});
