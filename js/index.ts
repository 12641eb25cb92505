// Quiver's typed client: `new Quiver().open(file)` gives a Dataset whose
// loading and queries run in a Web Worker. React hooks are in ./react.
export { Quiver, Dataset, ENGINE_CRASHED } from "./client";
export { NOT_SHARDED } from "./protocol";
export { fieldsFor, computationFor, queryCost } from "./walker";
export type { WalkerField, WalkerPayload, WalkerRow, WalkerComputation, ComputationOptions, SemanticType, AnalyticType } from "./walker";
export type { QuiverOptions, OpenOptions, DatasetEvent, DatasetInfo, Progress, Source } from "./client";
export type {
  Aggregate,
  AggregateOp,
  AggregateResult,
  AggregateSpec,
  ColumnInfo,
  ColumnKind,
  ColumnProfile,
  DatasetState,
  ExportSpec,
  Filter,
  FilterValue,
  GroupKey,
  Histogram,
  IngestOptions,
  IngestWarning,
  IpcAggregateResult,
  IpcPageResult,
  LoadProgress,
  PageResult,
  PageSpec,
  PipelineSpec,
  ProfileSpec,
  QueryResult,
  Row,
  SortKey,
  Step,
  Expr,
  TimeUnit,
  ValueCount,
} from "../pkg/quiver.js";
