/** The differential layer: collections that change over time, arrangements, and incremental join, reduce and iterate. */
export { Collection } from './collection.js';
export { CollectionInput, newCollection } from './input.js';
export { Arrangement } from './arrange.js';
export { Iteration, iterateTogether, type Collections } from './iterate.js';
export { CollectionView, type ChangeSubscriber, type PairSubscriber } from './output.js';
export { consolidateUpdates, type Update } from './consolidate.js';
export { recordKey, compareRecords, type Data, type RecordKey } from './record-key.js';
export type { ReduceLogic } from './reduce.js';
export { Trace, type ArrangedBatch, type History, type TraceReader } from './trace.js';
export { Entries } from './entries.js';
export { CollectionError, CollectionErrorCode } from './errors.js';
