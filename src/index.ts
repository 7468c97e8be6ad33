/** timely-dataflow: the public surface, re-exported by name. */
export { Timestamp, productOrder, lexicographicOrder, compareTotal, PathSummary, Antichain, MutableAntichain, TimestampError } from './timestamps/index.js';
export type { TimestampOrder, OrderName } from './timestamps/index.js';
export { ChangeBatch, ProgressTracker, Reachability, LoopbackExchange, ProgressAccumulator, ProgressError } from './progress/index.js';
export type { PointstampUpdate, ProgressExchange, ProgressTopology } from './progress/index.js';
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
  DataflowError,
  PerTime,
  checkRecord,
  RecordRefusal,
} from './graph/index.js';
export type { Vertex, VertexContext, Pact, StageSpec, OperatorContext, UnaryLogic, BinaryLogic, Subscriber, IterateOptions, Key, RecordCheckOptions } from './graph/index.js';
export { Worker, execute, ThreadPool, WorkerError } from './workers/index.js';
export type { WorkerOptions, DataflowOptions, WorkerStats, ExecuteOptions, ExecuteResult, ThreadPoolOptions, TrafficStats } from './workers/index.js';
