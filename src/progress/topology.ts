/** ProgressTopology: the logical graph as progress tracking sees it — locations and the summaries linking them. */
import type { PathSummary } from '../timestamps/summary.js';
import type { Timestamp } from '../timestamps/timestamp.js';

export const LocationKind = { vertex: 'vertex', edge: 'edge' } as const;
export type LocationKind = (typeof LocationKind)[keyof typeof LocationKind];

/** A place a pointstamp can be: a stage (its notification requests) or an edge (its messages in flight). */
export interface LocationInfo {
  readonly name: string;
  readonly kind: LocationKind;
  /** Loop depth of the times found here (for a vertex: of the times it receives). */
  readonly depth: number;
}

/** A step a time can take from one location to the next, changing as the summary says. */
export interface Link {
  readonly source: number;
  readonly target: number;
  readonly summary: PathSummary;
}

export interface ProgressTopology {
  readonly locations: readonly LocationInfo[];
  readonly links: readonly Link[];
}

/** A pointstamp: a time at a location. */
export interface Pointstamp {
  readonly location: number;
  readonly time: Timestamp;
}
