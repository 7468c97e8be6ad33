/** timely-dataflow: the public surface, re-exported by name. */
export { Timestamp, productOrder, lexicographicOrder, compareTotal, PathSummary, Antichain, MutableAntichain, TimestampError, TimestampErrorCode } from './timestamps/index.js';
export type { TimestampOrder, OrderName } from './timestamps/index.js';
export { ChangeBatch, ProgressTracker, Reachability, LoopbackExchange, ProgressAccumulator, ProgressError, ProgressErrorCode } from './progress/index.js';
export type { PointstampUpdate, ProgressExchange, ProgressTopology, LocationInfo, Link, Reach, ActivePointstamp } from './progress/index.js';
export {
  GraphBuilder,
  Scope,
  LoopScope,
  Feedback,
  StageHandle,
  Stream,
  InputHandle,
  ProbeHandle,
  Collected,
  pipeline,
  exchangeBy,
  GraphError,
  GraphErrorCode,
  DataflowError,
  DataflowErrorCode,
  PerTime,
  Carry,
  checkRecord,
  RecordRefusal,
} from './graph/index.js';
export type { Vertex, VertexContext, Pact, StageSpec, OperatorContext, UnaryLogic, BinaryLogic, Subscriber, IterateOptions, Key, RecordCheckOptions } from './graph/index.js';
export { Worker, ThreadPool, WorkerError, WorkerErrorCode, runThread } from './workers/index.js';
export type { WorkerOptions, DataflowOptions, WorkerStats, ExecuteResult, ThreadPoolOptions, TrafficStats, JobModule } from './workers/index.js';
export { Collection, CollectionInput, newCollection, Arrangement, Iteration, iterateTogether, CollectionView, Trace, Entries, consolidateUpdates, recordKey, compareRecords, CollectionError, CollectionErrorCode } from './collections/index.js';
export type { Collections, ChangeSubscriber, PairSubscriber, Update, Data, RecordKey, ReduceLogic, ArrangedBatch, History, TraceReader } from './collections/index.js';
export { execute, NetError, NetErrorCode, parseHosts, readHostfile } from './net/index.js';
export type { ExecuteOptions, Host, TlsOptions } from './net/index.js';
