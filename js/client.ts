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
  MergedWindowResult,
  PageResult,
  PageSpec,
  PipelineSpec,
  ProfileSpec,
  QueryResult,
  Row,
} from "../pkg/quiver.js";
import {
  carryErrorCodes,
  ENGINE_CRASHED,
  engineCrashed,
  MERGE_LIMIT_BYTES,
  notSupportedInShards,
  tooLargeToMerge,
  type DatasetInfo,
  type Progress,
  type ShardedQueryKind,
  type Source,
} from "./protocol";
import { loadSharded, shardCount, type ShardedLoad } from "./shards";
import { PageCursors, pagesByWindows, shardedPage } from "./sharded-pages";
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
  /** Runs the generic warm-up (`warmUp`, synthetic data) in each spare
   *  worker before it takes a file (default true). Benchmarks turn it off
   *  to measure cold runs. */
  warmUp?: boolean;
}

export interface OpenOptions extends IngestOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** Display name (default: the file name or the URL's last part). */
  name?: string;
  /** For tests of crash handling only: the engine traps once this many
   *  bytes were read, as a bug or running out of memory would. */
  crashAfterBytesForTesting?: number;
  /**
   * Byte ranges of a `File`/`Blob` loaded in parallel, each by its own
   * worker (its own wasm instance and core): a number, or `"auto"` (from
   * the file's size and `navigator.hardwareConcurrency`; see js/shards.ts).
   * URLs load in one worker.
   */
  shards?: number | "auto";
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
  /** Budget set aside for datasets still loading. */
  readonly #reserved = new Map<Dataset, number>();
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
    this.#spare ??= startEngine(this.#createWorker, this.#options.warmUp ?? true);
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
    const { onProgress, signal, name, crashAfterBytesForTesting, shards, ...ingest } = options;
    const resolved: Source =
      source instanceof Blob
        ? { kind: "file", file: source, name: name ?? (source instanceof File ? source.name : "data.csv") }
        : { kind: "url", url: String(source), name: name ?? (String(source).split("/").pop() || String(source)) };
    const count = resolved.kind === "file" && !ingest.strict ? shardCount(resolved.file.size, shards ?? 1) : 1;
    // Within a budget, a file may use at most what is left of it, and no
    // more than 1.2× its size (a table is 0.3–1.1× its CSV: more is an
    // error anyway), so files loading at the same time keep to the budget
    // together. A URL's size is unknown: it may use all that is left. Plus
    // 1 MB: a tiny file's table has fixed costs (a 118-byte CP949 file,
    // decoded, needed 207 bytes: tests/e2e/app-dialects.test.mjs).
    const remaining = this.#remainingBudget();
    const cap = resolved.kind === "file" ? Math.ceil(resolved.file.size * 1.2) + (1 << 20) : Infinity;
    const budget = ingest.memoryLimitBytes ?? (remaining === undefined ? undefined : Math.min(remaining, cap));
    const memoryLimitBytes = budget === undefined ? undefined : Math.floor(budget / count);
    const engines = Array.from({ length: count }, () => {
      const engine = this.#spare ?? startEngine(this.#createWorker, false);
      this.#spare = null;
      return engine;
    });
    const dataset = new Dataset(resolved, { ...ingest, memoryLimitBytes }, engines, () => this.#open.delete(dataset), {
      crashAfterBytes: crashAfterBytesForTesting,
    });
    this.#open.add(dataset);
    // Until it has loaded, a dataset counts against the budget with all it
    // may use, so files loading at the same time share the budget too.
    if (budget !== undefined && remaining !== undefined) this.#reserved.set(dataset, budget);
    dataset.loaded.catch(() => {}).finally(() => this.#reserved.delete(dataset));
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
    const used = [...this.#open].reduce((sum, d) => sum + (this.#reserved.get(d) ?? d.lastInfo?.memoryBytes ?? 0), 0);
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
  /** One engine per shard (one for most files). */
  #engines: Promise<Engine>[];
  /** A sharded load's shards once it ended (null: one engine). */
  #sharded: Promise<ShardedLoad> | null = null;
  /** Graphic Walker queries asked in the current task, sent at its end. */
  #walkerBurst: { cost: number; send: () => void }[] | null = null;
  /** Where the sorted pages of a sharded dataset left off, per view. */
  #pageCursors = new PageCursors();
  #abort = new AbortController();
  #closed: Error | null = null;
  #pending = new Set<(reason: Error) => void>();
  #lastInfo: DatasetInfo | null = null;
  #onClose: () => void;

  constructor(
    source: Source,
    options: IngestOptions,
    engines: Promise<Engine>[],
    onClose: () => void,
    testing: { crashAfterBytes?: number } = {},
  ) {
    super();
    this.name = source.name;
    this.#onClose = onClose;
    this.#engines = engines;
    // An error a worker did not catch (a trap inside a load, which runs in
    // wasm-bindgen's own microtasks) loses its engine: fail every call.
    for (const engine of engines) {
      engine.then(
        ({ worker }) =>
          worker.addEventListener("error", (e) => {
            e.preventDefault();
            this.#fail(engineCrashed(e.message || "its worker failed"));
          }),
        (e: Error) => this.#fail(e),
      );
    }
    let readable = 0;
    const onProgress = (progress: Progress) => {
      this.dispatchEvent(new CustomEvent("progress", { detail: progress }));
      if (progress.readableRows !== readable) {
        readable = progress.readableRows;
        this.dispatchEvent(new Event("change"));
      }
    };
    const loading: Promise<DatasetInfo> =
      engines.length > 1 && source.kind === "file"
        ? this.#loadSharded(source.file, source.name, options, onProgress, testing)
        : this.#call((host) => host.load(source, options, Comlink.proxy(onProgress), testing));
    this.loaded = loading.then(
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

  /** The number of shards (workers) this dataset is loaded into. */
  get shardCount(): number {
    return this.#engines.length;
  }

  /** How a sharded load went, once it ended: ranges read again (their guessed
   *  start fell inside a quoted field) and ranges that held no record. */
  async shardStats(): Promise<{ shards: number; rereads: number; empty: number }> {
    if (!this.#sharded) return { shards: 1, rereads: 0, empty: 0 };
    const { shards, rereads } = await this.#sharded;
    return { shards: shards.length, rereads, empty: shards.filter((s) => s.resolution?.action === "empty").length };
  }

  #loadSharded(
    file: Blob,
    name: string,
    options: IngestOptions,
    onProgress: (p: Progress) => void,
    testing: { crashAfterBytes?: number },
  ): Promise<DatasetInfo> {
    const hosts = Promise.all(this.#engines.map((e) => e.then(({ host }) => host)));
    const load = this.#guarded(
      hosts.then((hosts) =>
        loadSharded(file, name, options, hosts, onProgress, Comlink.proxy, this.#abort.signal, testing),
      ),
    );
    this.#sharded = load;
    return load.then(async (done) => {
      const info = await this.info();
      if (done.stopped) throw done.stopped;
      return info;
    });
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
    if (this.#closed) return;
    this.#abort.abort();
    for (const engine of this.#engines) void engine.then(({ host }) => host.cancel()).catch(() => {});
  }

  async info(): Promise<DatasetInfo> {
    const info = this.#sharded ? await this.#shardedInfo() : await this.#call((h) => h.info());
    this.#lastInfo = info;
    return info;
  }

  rows(offset: number, limit: number): Promise<Row[]> {
    if (this.#sharded) return this.#shardedRows(offset, limit);
    return this.#call((h) => h.rows(offset, limit));
  }

  /** The shards' infos as one: rows, memory and bytes summed; the schema,
   *  delimiter and state of the whole; warnings merged at real lines. */
  async #shardedInfo(): Promise<DatasetInfo> {
    const sharded = await this.#sharded!;
    const infos = await this.#guarded(Promise.all(sharded.shards.map((s) => s.host.info())));
    const sum = (f: (i: DatasetInfo) => number) => infos.reduce((total, i) => total + f(i), 0);
    const states = infos.map((i) => i.state);
    const state = states.includes("failed")
      ? "failed"
      : sharded.stopped
        ? "cancelled"
        : states.every((s) => s === "ready")
          ? "ready"
          : "loading";
    return {
      ...infos[0],
      state,
      numRows: sum((i) => i.numRows),
      memoryBytes: sum((i) => i.memoryBytes),
      cacheBytes: sum((i) => i.cacheBytes),
      wasmMemoryBytes: sum((i) => i.wasmMemoryBytes),
      bytesRead: sum((i) => i.bytesRead),
      warnings: sharded.warnings,
    };
  }

  /** Rows `offset .. offset + limit` of a sharded dataset, shard by shard. */
  async #shardedRows(offset: number, limit: number): Promise<Row[]> {
    const { shards } = await this.#sharded!;
    const parts: Promise<Row[]>[] = [];
    let start = 0;
    for (const shard of shards) {
      const end = start + shard.rows;
      const from = Math.max(offset, start);
      const to = Math.min(offset + limit, end);
      if (from < to) parts.push(shard.host.rows(from - start, to - from));
      start = end;
    }
    if (offset > start) {
      const error = Object.assign(new Error(`Rows ${offset}..${offset + limit} are outside the table, which has ${start} rows.`), {
        code: "RowsOutOfRange",
      });
      throw error;
    }
    return (await this.#guarded(Promise.all(parts))).flat();
  }

  page(spec: PageSpec): Promise<PageResult> {
    if (this.#sharded) {
      return pagesByWindows(spec) ? this.#shardedPage(spec) : (this.#shardedQuery("page", spec) as Promise<PageResult>);
    }
    return this.#call((h) => h.page(spec));
  }

  pageIPC(spec: PageSpec): Promise<IpcPageResult> {
    if (this.#sharded) return this.#notSharded("pageIPC");
    return this.#call((h) => h.pageIPC(spec));
  }

  aggregate(spec: AggregateSpec): Promise<AggregateResult> {
    if (this.#sharded) return this.#shardedQuery("aggregate", spec) as Promise<AggregateResult>;
    return this.#call((h) => h.aggregate(spec));
  }

  aggregateIPC(spec: AggregateSpec): Promise<IpcAggregateResult> {
    if (this.#sharded) return this.#notSharded("aggregateIPC");
    return this.#call((h) => h.aggregateIPC(spec));
  }

  query(spec: PipelineSpec): Promise<QueryResult> {
    if (this.#sharded) return this.#shardedQuery("pipeline", spec) as Promise<QueryResult>;
    return this.#call((h) => h.query(spec));
  }

  queryIPC(spec: PipelineSpec): Promise<Uint8Array> {
    if (this.#sharded) return this.#notSharded("queryIPC");
    return this.#call((h) => h.queryIPC(spec));
  }

  profile(spec: ProfileSpec = {}): Promise<ColumnProfile[]> {
    if (this.#sharded) return this.#shardedQuery("profile", spec) as Promise<ColumnProfile[]>;
    return this.#call((h) => h.profile(spec));
  }

  /** A query over a dataset loaded in shards: every shard's partial result
   *  (bytes, computed in parallel), merged in the first shard's worker
   *  (`api::sharded` in the core). Shards that hold no rows are left out. */
  async #shardedQuery(kind: ShardedQueryKind, spec: unknown): Promise<unknown> {
    const asked = await this.#askedShards();
    const text = JSON.stringify(spec ?? {});
    const partials = await this.#guarded(Promise.all(asked.map((s) => s.host.partial(kind, text))));
    return this.#merge(kind, text, partials);
  }

  /** The shards a query asks: those holding rows (the first if none does). */
  async #askedShards(): Promise<ShardedLoad["shards"]> {
    const { shards } = await this.#guarded(this.#sharded!);
    const holding = shards.filter((s) => s.rows > 0);
    return holding.length > 0 ? holding : shards.slice(0, 1);
  }

  /** Merges the shards' partial results in the first shard's worker. */
  async #merge(kind: ShardedQueryKind, text: string, partials: Uint8Array[][]): Promise<unknown> {
    const { shards } = await this.#guarded(this.#sharded!);
    // Checked before the bytes are copied into the merging instance (the
    // core checks the same limit): too much to combine must not crash it.
    const bytes = partials.flat().reduce((n, p) => n + p.byteLength, 0);
    if (bytes > MERGE_LIMIT_BYTES) throw tooLargeToMerge(bytes, partials.length);
    const buffers = partials.flat().map((p) => p.buffer);
    return this.#guarded(shards[0].host.merge(kind, text, Comlink.transfer(partials, buffers)));
  }

  /** A sorted page of a sharded dataset by windows and merge cursors
   *  (js/sharded-pages.ts): the next page costs each shard `limit` rows. */
  async #shardedPage(spec: PageSpec): Promise<PageResult> {
    const asked = await this.#askedShards();
    return shardedPage(
      spec,
      asked.length,
      this.#pageCursors,
      (i, window) => this.#guarded(asked[i].host.partial("window", JSON.stringify(window))),
      (window, windows) => this.#merge("window", JSON.stringify(window), windows) as Promise<MergedWindowResult>,
    );
  }

  #notSharded<T>(what: string): Promise<T> {
    return Promise.reject(notSupportedInShards(what, this.#engines.length));
  }

  /**
   * Graphic Walker's `computation(payload)` over this dataset, as JSON text
   * (`payload` is the JSON of an `IDataQueryPayload`). Prefer
   * `computationFor(dataset)` from `./walker`, which caches, de-duplicates
   * and prioritises. `cost` orders queued queries (cheapest first).
   */
  walkerQuery(payload: string, localOffset = new Date().getTimezoneOffset(), cost = 0): Promise<string> {
    // In shards: chart workflows (filter, row-local transforms, one
    // aggregate or raw view, sorts) merge the shards' partial answers; the
    // others are an error that says to load the file in one shard
    // (walker::shards).
    if (this.#sharded) return this.#shardedQuery("walker", { payload: JSON.parse(payload), localOffset }) as Promise<string>;
    return new Promise<string>((resolve, reject) => {
      const send = () => this.#call((h) => h.walker(payload, localOffset, cost)).then(resolve, reject);
      if (!this.#walkerBurst) {
        // Queries asked in the same task (Graphic Walker asks a chart's and
        // the data tab's queries at once) go to the worker cheapest first:
        // its queue runs the cheapest it has received, and messages arrive
        // in order, so an expensive query cannot run before a cheaper one
        // of its burst, however busy the machine.
        const burst: { cost: number; send: () => void }[] = (this.#walkerBurst = []);
        queueMicrotask(() => {
          this.#walkerBurst = null;
          for (const query of burst.sort((a, b) => a.cost - b.cost)) query.send();
        });
      }
      this.#walkerBurst.push({ cost, send });
    });
  }

  /**
   * Exports a filtered, sorted view in chunks (CSV or Arrow IPC), so a large
   * export never holds more than a chunk in the worker. `onProgress(done, total)`.
   */
  async export(spec: ExportSpec, onProgress?: (rowsDone: number, totalRows: number) => void): Promise<Blob> {
    if (this.#sharded) return this.#notSharded("Export");
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

  /** For tests of out-of-memory recovery only: the engine allocates until
   *  its wasm heap can grow no more, and traps. */
  exhaustMemoryForTesting(): Promise<void> {
    return this.#call((h) => h.exhaustMemoryForTesting());
  }

  /** Runs a call on the (first) worker; a crash there closes this dataset
   *  and rejects every pending call with the crash error. */
  #call<T>(run: (host: Comlink.Remote<EngineHost>) => Promise<T>): Promise<T> {
    return this.#guarded(this.#engines[0].then(({ host }) => run(host)));
  }

  /** `work` (calls on any of the workers) with the dataset's error handling. */
  #guarded<T>(work: Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      work.then(
        (value) => {
          this.#pending.delete(reject);
          resolve(value);
        },
        (error: Error) => {
          this.#pending.delete(reject);
          reject(error);
          if ((error as Error & { code?: string })?.code === ENGINE_CRASHED) this.#fail(error);
        },
      );
    });
  }

  #fail(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const reject of this.#pending) reject(reason);
    this.#pending.clear();
    for (const engine of this.#engines) {
      engine.then(({ worker, host }) => {
        host[Comlink.releaseProxy]();
        worker.terminate();
      }, () => {});
    }
    this.#onClose();
    this.dispatchEvent(new Event("change"));
  }
}
