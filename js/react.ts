// React hooks over the Quiver client. Every hook keeps its last result while
// a newer request runs, and a newer request always supersedes an older one
// (late answers to old requests are dropped).
import { createContext, createElement, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import type {
  AggregateResult,
  AggregateSpec,
  ColumnProfile,
  IngestOptions,
  PageResult,
  PageSpec,
  PipelineSpec,
  ProfileSpec,
  QueryResult,
} from "../pkg/quiver.js";
import { Quiver, type Dataset, type DatasetInfo, type Progress } from "./client";

const QuiverContext = createContext<Quiver | null>(null);
let shared: Quiver | null = null;

/** Provides one `Quiver` (with its options, say a memory budget) to the tree. */
export function QuiverProvider({ quiver, children }: { quiver: Quiver; children?: ReactNode }) {
  return createElement(QuiverContext.Provider, { value: quiver }, children);
}

/** The provided `Quiver`, or one shared default. */
export function useQuiver(): Quiver {
  return useContext(QuiverContext) ?? (shared ??= new Quiver());
}

export type LoadStatus = "idle" | "loading" | "ready" | "cancelled" | "failed";

export interface DatasetHandle {
  dataset: Dataset | null;
  status: LoadStatus;
  progress: Progress | null;
  /** Final info once loaded (or after a cancel, of the rows kept). */
  info: DatasetInfo | null;
  error: Error | null;
  /** When loading started (`performance.now()`), for speeds and times left. */
  startedAt: number;
  cancel(): void;
}

/**
 * Opens `source` (a File/Blob or a URL; `null` for nothing) and follows its
 * loading. A new source (or new options) closes the previous dataset.
 */
export function useDataset(source: Blob | string | URL | null, options: IngestOptions = {}): DatasetHandle {
  const quiver = useQuiver();
  const optionsKey = JSON.stringify(options);
  const [state, setState] = useState<Omit<DatasetHandle, "cancel">>(idle);
  const current = useRef<Dataset | null>(null);

  useEffect(() => {
    if (source === null) {
      setState(idle());
      return;
    }
    const dataset = quiver.open(source, JSON.parse(optionsKey) as IngestOptions);
    current.current = dataset;
    const startedAt = performance.now();
    setState({ dataset, status: "loading", progress: null, info: null, error: null, startedAt });
    let frame = 0;
    let latest: Progress | null = null;
    const onProgress = (e: Event) => {
      latest = (e as CustomEvent<Progress>).detail;
      // One state update per animation frame, however often progress comes.
      frame ||= requestAnimationFrame(() => {
        frame = 0;
        setState((s) => (s.dataset === dataset && s.status === "loading" ? { ...s, progress: latest } : s));
      });
    };
    dataset.addEventListener("progress", onProgress);
    dataset.loaded.then(
      (info) => setState((s) => (s.dataset === dataset ? { ...s, status: "ready", info, progress: latest } : s)),
      async (error: Error) => {
        const info = dataset.closed ? null : await dataset.info().catch(() => null);
        const status: LoadStatus = error.name === "AbortError" ? "cancelled" : "failed";
        setState((s) => (s.dataset === dataset ? { ...s, status, error, info, progress: latest } : s));
      },
    );
    return () => {
      cancelAnimationFrame(frame);
      dataset.removeEventListener("progress", onProgress);
      dataset.close();
    };
  }, [quiver, source, optionsKey]);

  return { ...state, cancel: () => current.current?.cancel() };
}

function idle(): Omit<DatasetHandle, "cancel"> {
  return { dataset: null, status: "idle", progress: null, info: null, error: null, startedAt: 0 };
}

export interface QueryState<T> {
  /** The latest answer (kept while a newer request runs). */
  data: T | undefined;
  loading: boolean;
  error: Error | null;
}

/**
 * Runs `run(dataset)` whenever `key` changes or the dataset has more rows
 * (while loading), superseding older requests. `key: null` runs nothing.
 */
export function useDatasetQuery<T>(dataset: Dataset | null, key: string | null, run: (d: Dataset) => Promise<T>): QueryState<T> {
  const [state, setState] = useState<QueryState<T>>({ data: undefined, loading: false, error: null });
  const [version, setVersion] = useState(0);
  const latest = useRef(0);
  const runRef = useRef(run);
  runRef.current = run;

  useEffect(() => {
    if (!dataset) return;
    const bump = () => setVersion((v) => v + 1);
    dataset.addEventListener("change", bump);
    return () => dataset.removeEventListener("change", bump);
  }, [dataset]);

  useEffect(() => {
    if (!dataset || key === null || dataset.closed) {
      setState({ data: undefined, loading: false, error: null });
      return;
    }
    const request = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    runRef.current(dataset).then(
      (data) => request === latest.current && setState({ data, loading: false, error: null }),
      (error: Error) => request === latest.current && setState((s) => ({ data: s.data, loading: false, error })),
    );
  }, [dataset, key, version]);

  return state;
}

/** The dataset's info (schema, rows, memory), kept current while it loads. */
export function useInfo(dataset: Dataset | null): QueryState<DatasetInfo> {
  return useDatasetQuery(dataset, "info", (d) => d.info());
}

export function usePage(dataset: Dataset | null, spec: PageSpec | null): QueryState<PageResult> {
  return useDatasetQuery(dataset, spec && JSON.stringify(spec), (d) => d.page(spec!));
}

export function useAggregate(dataset: Dataset | null, spec: AggregateSpec | null): QueryState<AggregateResult> {
  return useDatasetQuery(dataset, spec && JSON.stringify(spec), (d) => d.aggregate(spec!));
}

export function useQuery(dataset: Dataset | null, spec: PipelineSpec | null): QueryState<QueryResult> {
  return useDatasetQuery(dataset, spec && JSON.stringify(spec), (d) => d.query(spec!));
}

/** Profiles one column, some columns, or a full profile spec. */
export function useProfile(dataset: Dataset | null, columns: string | string[] | ProfileSpec | null): QueryState<ColumnProfile[]> {
  const spec: ProfileSpec | null =
    columns === null ? null : typeof columns === "string" ? { columns: [columns] } : Array.isArray(columns) ? { columns } : columns;
  return useDatasetQuery(dataset, spec && JSON.stringify(spec), (d) => d.profile(spec!));
}
