// The Quiver client: each opened file gets its own module Web Worker running
// the wasm engine, so loading and querying never block the UI, a crash takes
// down one dataset only, and closing a dataset returns all of its memory.
import * as Comlink from "comlink";
import type {
  AggregateResult,
  AggregateSpec,
  ColumnProfile,
  ExportSpec,
  IngestOptions,
  IpcAggregateResult,
  IpcPageResult,
  PageResult,
  PageSpec,
  PipelineSpec,
  ProfileSpec,
  QueryResult,
  Row,
} from "../pkg/quiver.js";
import { carryErrorCodes, ENGINE_CRASHED, type DatasetInfo, type Progress, type Source } from "./protocol";
import type { EngineHost } from "./worker";

export type { DatasetInfo, Progress, Source } from "./protocol";
export { ENGINE_CRASHED } from "./protocol";

carryErrorCodes(Comlink);

/** How long after a load the next spare engine starts warming up. */
const SPARE_DELAY_MS = 5_000;

/** Wasm memory is 32-bit: at most 4 GB per dataset. */
const WASM_ADDRESS_SPACE = 4 * 1024 ** 3;

export interface QuiverOptions {
  /** Memory all open datasets may use together (default: 3 GB each, the
   *  engine's own limit). A file that would not fit stops early with an
   *  error saying how much it needs. */
  memoryBudgetBytes?: number;
  /** Makes the worker for a dataset (default: the bundled module worker). */
  createWorker?: () => Worker;
}

export interface OpenOptions extends IngestOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** Display name (default: the file name or the URL's last part). */
  name?: string;
}

export type DatasetEvent = "progress" | "change" | "loaded" | "error";

function defaultWorker(): Worker {
  return new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "quiver-dataset" });
}

/** A worker with the wasm engine started (and, when spare, warmed up). */
interface Engine {
  worker: Worker;
  host: Comlink.Remote<EngineHost>;
}

function startEngine(createWorker: () => Worker, warm: boolean): Promise<Engine> {
  const worker = createWorker();
  const host = Comlink.wrap<EngineHost>(worker);
  return (warm ? host.warmUp() : host.start()).then(
    () => ({ worker, host }),
    (e) => {
      worker.terminate();
      throw e;
    },
  );
}

/**
 * Opens files as datasets. One per app is enough. It keeps one spare engine
 * started and warmed up (run once on synthetic data so the browser optimises
 * the hot paths), so a file picked by the user starts loading at once and at
 * full speed.
 */
export class Quiver {
  readonly #options: QuiverOptions;
  readonly #open = new Set<Dataset>();
  #spare: Promise<Engine> | null = null;

  constructor(options: QuiverOptions = {}) {
    this.#options = options;
    this.#prepareSpare();
  }

  /** Resolves when the spare engine is ready for the next file. */
  async ready(): Promise<void> {
    await this.#prepareSpare();
  }

  #prepareSpare(): Promise<Engine> {
    this.#spare ??= startEngine(this.#createWorker, true);
    // A failed spare is not kept; the next open starts a fresh engine.
    this.#spare.catch(() => (this.#spare = null));
    return this.#spare;
  }

  get #createWorker(): () => Worker {
    return this.#options.createWorker ?? defaultWorker;
  }

  /**
   * Starts loading a `File`/`Blob` or a URL. The dataset can be queried at
   * once (queries see the rows loaded so far); `dataset.loaded` settles when
   * loading ends.
   */
  open(source: Blob | string | URL, options: OpenOptions = {}): Dataset {
    const { onProgress, signal, name, ...ingest } = options;
    const resolved: Source =
      source instanceof Blob
        ? { kind: "file", file: source, name: name ?? (source instanceof File ? source.name : "data.csv") }
        : { kind: "url", url: String(source), name: name ?? (String(source).split("/").pop() || String(source)) };
    const memoryLimitBytes = ingest.memoryLimitBytes ?? this.#remainingBudget();
    const engine = this.#spare ?? startEngine(this.#createWorker, false);
    this.#spare = null;
    const dataset = new Dataset(resolved, { ...ingest, memoryLimitBytes }, engine, () => this.#open.delete(dataset));
    this.#open.add(dataset);
    // The next spare starts a while after this file has loaded, so that its
    // warm-up does not compete with the load or the first queries.
    dataset.loaded
      .catch(() => {})
      .finally(() => setTimeout(() => this.#prepareSpare(), SPARE_DELAY_MS));
    if (onProgress) dataset.addEventListener("progress", (e) => onProgress((e as CustomEvent<Progress>).detail));
    if (signal) {
      if (signal.aborted) dataset.cancel();
      else signal.addEventListener("abort", () => dataset.cancel(), { once: true });
    }
    return dataset;
  }

  /** The datasets currently open. */
  get datasets(): Dataset[] {
    return [...this.#open];
  }

  #remainingBudget(): number | undefined {
    const budget = this.#options.memoryBudgetBytes;
    if (budget === undefined) return undefined;
    const used = [...this.#open].reduce((sum, d) => sum + (d.lastInfo?.memoryBytes ?? 0), 0);
    return Math.max(0, Math.min(budget - used, WASM_ADDRESS_SPACE));
  }
}

/**
 * One file, loaded in its own worker. Methods are async and cheap to call
 * repeatedly: results cross from the worker as compact JSON (a page, a
 * group-by) or as transferred Arrow IPC buffers, never as millions of objects.
 *
 * Events: `progress` (detail: Progress), `change` (more rows readable),
 * `loaded` (detail: DatasetInfo), `error` (detail: Error).
 */
export class Dataset extends EventTarget {
  readonly name: string;
  /** Settles when loading ends: the final info, or the load's error. */
  readonly loaded: Promise<DatasetInfo>;
  #engine: Promise<Engine>;
  #closed: Error | null = null;
  #pending = new Set<(reason: Error) => void>();
  #lastInfo: DatasetInfo | null = null;
  #onClose: () => void;

  constructor(source: Source, options: IngestOptions, engine: Promise<Engine>, onClose: () => void) {
    super();
    this.name = source.name;
    this.#onClose = onClose;
    this.#engine = engine;
    // A worker that dies outside a call (uncaught error) fails pending calls.
    engine.then(
      ({ worker }) => worker.addEventListener("error", (e) => this.#fail(new Error(`The engine's worker failed: ${e.message}`))),
      (e: Error) => this.#fail(e),
    );
    let readable = 0;
    const onProgress = Comlink.proxy((progress: Progress) => {
      this.dispatchEvent(new CustomEvent("progress", { detail: progress }));
      if (progress.readableRows !== readable) {
        readable = progress.readableRows;
        this.dispatchEvent(new Event("change"));
      }
    });
    this.loaded = this.#call((host) => host.load(source, options, onProgress)).then(
      (info) => {
        this.#lastInfo = info;
        this.dispatchEvent(new CustomEvent("loaded", { detail: info }));
        this.dispatchEvent(new Event("change"));
        return info;
      },
      (error: Error) => {
        this.dispatchEvent(new CustomEvent("error", { detail: error }));
        this.dispatchEvent(new Event("change"));
        throw error;
      },
    );
    // Nobody may be awaiting `loaded`; its rejection is reported as an event.
    this.loaded.catch(() => {});
  }

  /** The last info fetched (or received at the end of loading). */
  get lastInfo(): DatasetInfo | null {
    return this.#lastInfo;
  }

  /** Whether the dataset was closed or lost (then every call rejects). */
  get closed(): boolean {
    return this.#closed !== null;
  }

  /** Stops loading; the rows read so far stay queryable. */
  cancel(): void {
    if (!this.#closed) void this.#engine.then(({ host }) => host.cancel()).catch(() => {});
  }

  async info(): Promise<DatasetInfo> {
    const info = await this.#call((h) => h.info());
    this.#lastInfo = info;
    return info;
  }

  rows(offset: number, limit: number): Promise<Row[]> {
    return this.#call((h) => h.rows(offset, limit));
  }

  page(spec: PageSpec): Promise<PageResult> {
    return this.#call((h) => h.page(spec));
  }

  pageIPC(spec: PageSpec): Promise<IpcPageResult> {
    return this.#call((h) => h.pageIPC(spec));
  }

  aggregate(spec: AggregateSpec): Promise<AggregateResult> {
    return this.#call((h) => h.aggregate(spec));
  }

  aggregateIPC(spec: AggregateSpec): Promise<IpcAggregateResult> {
    return this.#call((h) => h.aggregateIPC(spec));
  }

  query(spec: PipelineSpec): Promise<QueryResult> {
    return this.#call((h) => h.query(spec));
  }

  queryIPC(spec: PipelineSpec): Promise<Uint8Array> {
    return this.#call((h) => h.queryIPC(spec));
  }

  profile(spec: ProfileSpec = {}): Promise<ColumnProfile[]> {
    return this.#call((h) => h.profile(spec));
  }

  /**
   * Graphic Walker's `computation(payload)` over this dataset, as JSON text
   * (`payload` is the JSON of an `IDataQueryPayload`). Prefer
   * `computationFor(dataset)` from `./walker`, which caches, de-duplicates
   * and prioritises. `cost` orders queued queries (cheapest first).
   */
  walkerQuery(payload: string, localOffset = new Date().getTimezoneOffset(), cost = 0): Promise<string> {
    return this.#call((h) => h.walker(payload, localOffset, cost));
  }

  /**
   * Exports a filtered, sorted view in chunks (CSV or Arrow IPC), so a large
   * export never holds more than a chunk in the worker. `onProgress(done, total)`.
   */
  async export(spec: ExportSpec, onProgress?: (rowsDone: number, totalRows: number) => void): Promise<Blob> {
    const { id, totalRows } = await this.#call((h) => h.exportStart(spec));
    const parts: BlobPart[] = [];
    for (;;) {
      const { chunk, rowsDone } = await this.#call((h) => h.exportNext(id));
      onProgress?.(rowsDone, totalRows);
      if (!chunk) break;
      parts.push(chunk as Uint8Array<ArrayBuffer>);
    }
    return new Blob(parts, { type: spec.format === "csv" ? "text/csv" : "application/vnd.apache.arrow.stream" });
  }

  /** Frees everything: the worker (and its memory) goes away. */
  close(): void {
    this.#fail(new Error("This dataset was closed."));
  }

  /** For tests of crash recovery only. */
  crashForTesting(): Promise<void> {
    return this.#call((h) => h.crashForTesting());
  }

  /** Runs a call on the worker; a crash there closes this dataset and
   *  rejects every pending call with the crash error. */
  #call<T>(run: (host: Comlink.Remote<EngineHost>) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      this.#engine.then(({ host }) => run(host)).then(
        (value) => {
          this.#pending.delete(reject);
          resolve(value);
        },
        (error: Error) => {
          this.#pending.delete(reject);
          reject(error);
          if (error?.name === ENGINE_CRASHED) this.#fail(error);
        },
      );
    });
  }

  #fail(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const reject of this.#pending) reject(reason);
    this.#pending.clear();
    this.#engine.then(({ worker, host }) => {
      host[Comlink.releaseProxy]();
      worker.terminate();
    }, () => {});
    this.#onClose();
    this.dispatchEvent(new Event("change"));
  }
}
