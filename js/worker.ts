// A dataset's worker: one wasm instance holding one table, driven by the
// client through comlink. Queries run here, never on the UI thread.
import * as Comlink from "comlink";
import init, { Dataset, ExportStream, layoutOf, mergePartials, mergeWarnings, resolveRanges, warmUp } from "../pkg/quiver.js";
import type {
  ColumnSummary,
  IngestWarning,
  Layout,
  RangeReport,
  Resolution,
  WarningLog,
  AggregateSpec,
  ColumnProfile,
  ExportSpec,
  IngestOptions,
  LoadProgress,
  PageSpec,
  PipelineSpec,
  ProfileSpec,
  Row,
} from "../pkg/quiver.js";
import { carryErrorCodes, engineCrashed, type DatasetInfo, type Progress, type ShardedQueryKind, type Source } from "./protocol";

carryErrorCodes(Comlink);

let ready: Promise<{ memory: WebAssembly.Memory }> | null = null;
/** The wasm instance's memory (it only grows; 4 GiB at most). */
let memory: WebAssembly.Memory | null = null;

/** Once the wasm instance trapped, its memory may be inconsistent: refuse. */
let crashed: string | null = null;

// A trap inside an async wasm call (a load) surfaces here, not as the call's
// rejection: wasm-bindgen's futures run in microtasks of their own.
self.addEventListener("error", (event) => {
  if (event.error instanceof WebAssembly.RuntimeError) crashed ??= event.error.message;
});

function guard<T>(run: () => T): T {
  if (crashed) throw engineCrashed(crashed);
  try {
    return run();
  } catch (e) {
    throw classify(e);
  }
}

async function guardAsync<T>(run: () => Promise<T>): Promise<T> {
  if (crashed) throw engineCrashed(crashed);
  try {
    return await run();
  } catch (e) {
    throw classify(e);
  }
}

function classify(e: unknown): unknown {
  if (e instanceof WebAssembly.RuntimeError) {
    crashed = e.message;
    return engineCrashed(e.message);
  }
  return e;
}

/** A Graphic Walker query waiting for its turn. */
interface WalkerJob {
  payload: string;
  localOffset: number;
  cost: number;
  order: number;
  resolve: (rows: string) => void;
  reject: (error: unknown) => void;
}

/** Lets messages that arrived meanwhile (more queries) be handled. */
const yieldToMessages = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });

export class EngineHost {
  #walkerQueue: WalkerJob[] = [];
  #walkerRunning = false;
  #walkerOrder = 0;

  /** Set as soon as loading starts; queries wait for the dataset to exist. */
  #dataset: Promise<Dataset> | null = null;
  #name = "";
  #abort: AbortController | null = null;
  #exports = new Map<number, ExportStream>();
  #nextExport = 1;

  /** Loads the wasm module. */
  async start(): Promise<void> {
    ready ??= init();
    memory = (await ready).memory;
  }

  /** Runs every hot path once so the browser optimises it (while idle). */
  async warmUp(): Promise<void> {
    await this.start();
    guard(() => warmUp());
  }

  /** Loads `source`; resolves with the final info, rejects on error or cancel. */
  load(
    source: Source,
    options: IngestOptions,
    onProgress?: (p: Progress) => void,
    testing: { crashAfterBytes?: number } = {},
  ): Promise<DatasetInfo> {
    this.#name = source.name;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    const created = this.start().then(() => guard(() => new Dataset(options)));
    this.#dataset = created;
    return (async () => {
      const dataset = await created;
      if (testing.crashAfterBytes !== undefined) dataset.crashWhileLoadingForTesting(testing.crashAfterBytes);
      const control = {
        signal,
        onProgress: onProgress && ((p: LoadProgress) => onProgress({ ...p, readableRows: dataset.numRows })),
      };
      await guardAsync(() =>
        source.kind === "file" ? dataset.loadFile(source.file, control) : dataset.loadUrl(source.url, control),
      );
      return await this.info();
    })();
  }

  /** The layout of `file` from its first 64 KB, for the byte ranges of a sharded load. */
  async layout(file: Blob, options: IngestOptions): Promise<Layout> {
    await this.start();
    const first = new Uint8Array(await file.slice(0, 65_536).arrayBuffer());
    return guard(() => layoutOf(first, options, file.size <= 65_536));
  }

  /**
   * Loads the byte range `[start, end)` of `file` (one shard): resolves with
   * where its records started and stopped. `exact`: `start` is a known
   * record start (a range read again).
   */
  loadRange(
    file: Blob,
    name: string,
    layout: Layout,
    range: { start: number; end: number; exact: boolean },
    options: IngestOptions,
    onProgress?: (p: Progress) => void,
    testing: { crashAfterBytes?: number } = {},
  ): Promise<RangeReport> {
    this.#name = name;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    const created = this.start().then(() =>
      guard(() => Dataset.forRange(options, layout, range.start, range.end, range.exact)),
    );
    this.#dataset = created;
    return (async () => {
      const dataset = await created;
      const control = {
        signal,
        onProgress: onProgress && ((p: LoadProgress) => onProgress({ ...p, readableRows: dataset.numRows })),
      };
      if (testing.crashAfterBytes !== undefined) dataset.crashWhileLoadingForTesting(testing.crashAfterBytes);
      return await guardAsync(() => dataset.loadRange(file, control));
    })();
  }

  /** Where this range's records started and stopped (so far). */
  rangeReport(): Promise<RangeReport> {
    return this.#onDataset((ds) => ds.rangeReport);
  }

  /** This range holds no record after all (see `resolveRanges`). */
  clearRows(): Promise<void> {
    return this.#onDataset((ds) => ds.clearRows());
  }

  columnSummary(): Promise<ColumnSummary[]> {
    return this.#onDataset((ds) => ds.columnSummary());
  }

  unifyColumns(summaries: ColumnSummary[][]): Promise<void> {
    return this.#onDataset((ds) => ds.unifyColumns(summaries));
  }

  warningLog(): Promise<WarningLog> {
    return this.#onDataset((ds) => ds.warningLog);
  }

  /** What to do with each range of a sharded load (runs in any shard's worker). */
  async resolveRanges(reports: RangeReport[]): Promise<Resolution[]> {
    await this.start();
    return guard(() => resolveRanges(reports));
  }

  /** One file's warnings from its ranges' logs. */
  async mergeWarnings(logs: WarningLog[], lineOffsets: number[], names: string[]): Promise<IngestWarning[]> {
    await this.start();
    return guard(() => mergeWarnings(logs, Float64Array.from(lineOffsets), names));
  }

  cancel(): void {
    this.#abort?.abort();
  }

  async info(): Promise<DatasetInfo> {
    const ds = await this.#need();
    return guard(() => ({
      name: this.#name,
      state: ds.state,
      schema: ds.schema,
      numRows: ds.numRows,
      memoryBytes: ds.memoryBytes,
      cacheBytes: ds.cacheBytes,
      wasmMemoryBytes: memory?.buffer.byteLength ?? 0,
      bytesRead: ds.bytesRead,
      delimiter: ds.delimiter,
      encoding: ds.encoding,
      encodingGuessed: ds.encodingGuessed,
      warnings: ds.warnings,
    }));
  }

  rows(offset: number, limit: number): Promise<Row[]> {
    return this.#onDataset((ds) => ds.rows(offset, limit));
  }

  page(spec: PageSpec) {
    return this.#onDataset((ds) => ds.page(spec));
  }

  pageIPC(spec: PageSpec) {
    return this.#onDataset((ds) => {
      const result = ds.pageIPC(spec);
      return Comlink.transfer(result, [result.ipc.buffer]);
    });
  }

  aggregate(spec: AggregateSpec) {
    return this.#onDataset((ds) => ds.aggregate(spec));
  }

  aggregateIPC(spec: AggregateSpec) {
    return this.#onDataset((ds) => {
      const result = ds.aggregateIPC(spec);
      return Comlink.transfer(result, [result.ipc.buffer]);
    });
  }

  query(spec: PipelineSpec) {
    return this.#onDataset((ds) => ds.query(spec));
  }

  queryIPC(spec: PipelineSpec) {
    return this.#onDataset((ds) => {
      const ipc = ds.queryIPC(spec);
      return Comlink.transfer(ipc, [ipc.buffer]);
    });
  }

  profile(spec: ProfileSpec): Promise<ColumnProfile[]> {
    return this.#onDataset((ds) => ds.profile(spec));
  }

  /** This shard's partial result for a query over a file loaded in shards
   *  (bytes, transferred). */
  partial(kind: ShardedQueryKind, spec: string): Promise<Uint8Array[]> {
    return this.#onDataset((ds) => {
      const parts = ds.partialQuery(kind, spec) as Uint8Array[];
      return Comlink.transfer(parts, parts.map((p) => p.buffer));
    });
  }

  /** The answer from every shard's partial result, in file order (runs in
   *  the first shard's worker). */
  async merge(kind: ShardedQueryKind, spec: string, partials: Uint8Array[][]): Promise<unknown> {
    await this.start();
    return guard(() => mergePartials(kind, spec, partials));
  }

  /**
   * Graphic Walker's `computation(payload)` as JSON text. Queries wait in
   * a queue that runs the cheapest first (`cost`: 0 for aggregates, more for
   * raw rows), so a burst of chart and profiling queries is not held up
   * behind one large raw-data query that arrived before them.
   */
  walker(payload: string, localOffset: number, cost: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.#walkerQueue.push({ payload, localOffset, cost, order: this.#walkerOrder++, resolve, reject });
      void this.#drainWalker();
    });
  }

  async #drainWalker(): Promise<void> {
    if (this.#walkerRunning) return;
    this.#walkerRunning = true;
    try {
      for (;;) {
        // Let queries posted in the same burst join the queue first.
        await yieldToMessages();
        if (this.#walkerQueue.length === 0) break;
        let next = 0;
        for (let i = 1; i < this.#walkerQueue.length; i++) {
          const [a, b] = [this.#walkerQueue[i], this.#walkerQueue[next]];
          if (a.cost < b.cost || (a.cost === b.cost && a.order < b.order)) next = i;
        }
        const job = this.#walkerQueue.splice(next, 1)[0];
        try {
          const ds = await this.#need();
          job.resolve(guard(() => ds.walkerQuery(job.payload, job.localOffset)));
        } catch (e) {
          job.reject(e);
        }
      }
    } finally {
      this.#walkerRunning = false;
    }
  }

  /** Starts an export; read it with `exportNext(id)`. */
  async exportStart(spec: ExportSpec): Promise<{ id: number; totalRows: number }> {
    const ds = await this.#need();
    const stream = guard(() => ds.export(spec));
    const id = this.#nextExport++;
    this.#exports.set(id, stream);
    return { id, totalRows: stream.totalRows };
  }

  /** The next chunk (transferred), or `undefined` when done. */
  async exportNext(id: number): Promise<{ chunk: Uint8Array | undefined; rowsDone: number }> {
    {
      const stream = this.#exports.get(id);
      if (!stream) throw new Error("This export has finished or was cancelled.");
      const chunk = guard(() => stream.next());
      const rowsDone = stream.rowsDone;
      if (!chunk) {
        stream.free();
        this.#exports.delete(id);
        return { chunk: undefined, rowsDone };
      }
      return Comlink.transfer({ chunk, rowsDone }, [chunk.buffer]);
    }
  }

  exportCancel(id: number): void {
    this.#exports.get(id)?.free();
    this.#exports.delete(id);
  }

  /** For tests of crash recovery only: makes the wasm instance trap. */
  async crashForTesting(): Promise<void> {
    const ds = await this.#need();
    guard(() => ds.crashForTesting());
  }

  /** For tests of out-of-memory recovery only: exhausts the wasm heap. */
  async exhaustMemoryForTesting(): Promise<void> {
    const ds = await this.#need();
    guard(() => ds.exhaustMemoryForTesting());
  }

  /** `run` on the dataset once it exists, with the engine's error handling. */
  async #onDataset<T>(run: (ds: Dataset) => T): Promise<T> {
    const ds = await this.#need();
    return guard(() => run(ds));
  }

  #need(): Promise<Dataset> {
    if (!this.#dataset) return Promise.reject(new Error("No file has been opened in this worker."));
    return this.#dataset;
  }
}

Comlink.expose(new EngineHost());
