/**
 * Every way the runtime makes a time gives its counters the one kind of array V8 makes by pushing
 * small integers (packed, not holey, not generic): code compiled on times of one kind is thrown away
 * when a time of another comes (see counterCopy). V8 tells an array's kind only to a process started
 * with --allow-natives-syntax, so the check runs in one, on the build.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = join(dirname(fileURLToPath(import.meta.url)), '../../dist/src');

const script = `
const { Timestamp, PathSummary, productOrder, lexicographicOrder } = await import(${JSON.stringify(join(dist, 'index.js'))});
const { decodeUpdates, encodeUpdates } = await import(${JSON.stringify(join(dist, 'progress/change-batch.js'))});
const kind = (a) => (%HasSmiElements(a) && !%HasHoleyElements(a) ? 'packed small integers' : %HasHoleyElements(a) ? 'holey' : 'generic');
const t = Timestamp.of(3, 1, 2);
const u = Timestamp.of(2, 4, 0);
const made = {
  of: t,
  pushed: t.pushed(),
  popped: t.popped(),
  incremented: t.incremented(),
  'summary add': new PathSummary(0, 1).apply(t),
  'summary pop and push': new PathSummary(1, 0, [5]).apply(t),
  'product join': productOrder.join(t, u),
  'product meet': productOrder.meet(t, u),
  'lexicographic join': lexicographicOrder.join(t, u),
  decoded: decodeUpdates(encodeUpdates([{ location: 0, time: t, delta: 1 }]))[0].time,
};
console.log(JSON.stringify(Object.fromEntries(Object.entries(made).map(([k, time]) => [k, kind(time.counters)]))));
`;

describe('the counters of every time', () => {
  it('are packed small integers, however the time was made', () => {
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const kinds = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(kinds)).toHaveLength(10);
    expect(kinds).toEqual(Object.fromEntries(Object.keys(kinds).map((how) => [how, 'packed small integers'])));
  });
});
