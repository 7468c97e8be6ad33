/** Peak memory of this process. */
import { readFileSync } from 'node:fs';

/**
 * Peak resident set size in MB. On Linux this is VmHWM, which starts afresh when a program is exec'd;
 * getrusage's maxRSS does not (a child spawned by a large parent reports the parent's size), so it is
 * only the fallback elsewhere.
 */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
