/** The graph layer: the builder, scopes and loops, the vertex API, the operator library and the per-worker runtime. */
export { GraphBuilder } from './builder.js';
export { Scope, LoopScope, Feedback, StageHandle, type StageSpec, type OperatorContext, type UnaryLogic, type BinaryLogic } from './scope.js';
export { Stream } from './stream.js';
export { InputHandle, ProbeHandle, Collected } from './handles.js';
export { pipeline, exchangeBy, hashKey, type Pact, type Vertex, type VertexContext } from './vertex.js';
export { DataflowRuntime, VertexRuntime, type RemoteChannels, type RuntimeStats } from './runtime.js';
export { StageKind, type LogicalGraph, type StageDef, type EdgeDef, type ScopeInfo } from './logical.js';
export { GraphError, GraphErrorCode, DataflowError, DataflowErrorCode } from './errors.js';
export type { Subscriber } from './operators/sinks.js';
export type { IterateOptions } from './operators/iterate.js';
export type { Key } from './operators/reduce.js';
export { PerTime } from './operators/per-time.js';
export { checkRecord, RecordRefusal, Carry, type RecordCheckOptions } from './records.js';
