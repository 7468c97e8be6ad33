/** The progress layer: pointstamp counts, could-result-in, frontiers and the protocol's moving parts. */
export { ChangeBatch, encodeUpdates, decodeUpdates, type PointstampUpdate } from './change-batch.js';
export { LocationKind, type LocationInfo, type Link, type ProgressTopology, type Pointstamp } from './topology.js';
export { Reachability, type Reach } from './reachability.js';
export { ProgressTracker, type ActivePointstamp } from './tracker.js';
export { LoopbackExchange, type ProgressExchange } from './exchange.js';
export { ProgressAccumulator } from './accumulator.js';
export { ProgressError, ProgressErrorCode } from './errors.js';
