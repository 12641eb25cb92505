// A dataset's worker: one wasm instance holding one table, driven by the
// client through comlink. Queries run here, never on the UI thread.
import * as Comlink from "comlink";
import init, { Dataset, ExportStream, warmUp } from "../pkg/quiver.js";
import type {
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
import { carryErrorCodes, ENGINE_CRASHED, type DatasetInfo, type Progress, type Source } from "./protocol";

carryErrorCodes(Comlink);

let ready: Promise<unknown> | null = null;

/** Once the wasm instance trapped, its memory may be inconsistent: refuse. */
let crashed: string | null = null;

function guard<T>(run: () => T): T {
  if (crashed) throw crashError(crashed);
  try {
    return run();
  } catch (e) {
    throw classify(e);
  }
}

async function guardAsync<T>(run: () => Promise<T>): Promise<T> {
  if (crashed) throw crashError(crashed);
  try {
    return await run();
  } catch (e) {
    throw classify(e);
  }
}

function classify(e: unknown): unknown {
  if (e instanceof WebAssembly.RuntimeError) {
    crashed = e.message;
    return crashError(e.message);
  }
  return e;
}

function crashError(detail: string): Error {
  const error = new Error(
    `The engine stopped (${detail}); this can mean it ran out of memory. Open the file again to continue.`,
  );
  error.name = ENGINE_CRASHED;
  return error;
}

/** Error objects lose their extra fields (like `code`) when posted; keep them. */
function portable(e: unknown): unknown {
  if (e instanceof Error || (e && typeof e === "object" && "message" in e)) {
    const err = e as Error & { code?: string };
    const copy = new Error(err.message);
    copy.name = err.name;
    (copy as Error & { code?: string }).code = err.code ?? (err.name === ENGINE_CRASHED ? ENGINE_CRASHED : undefined);
    return copy;
  }
  return e;
}

async function mapErrors<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw portable(e);
  }
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
    await ready;
  }

  /** Runs every hot path once so the browser optimises it (while idle). */
  async warmUp(): Promise<void> {
    await this.start();
    guard(() => warmUp());
  }

  /** Loads `source`; resolves with the final info, rejects on error or cancel. */
  load(source: Source, options: IngestOptions, onProgress?: (p: Progress) => void): Promise<DatasetInfo> {
    this.#name = source.name;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    const created = this.start().then(() => guard(() => new Dataset(options)));
    this.#dataset = created;
    return mapErrors(async () => {
      const dataset = await created;
      const control = {
        signal,
        onProgress: onProgress && ((p: LoadProgress) => onProgress({ ...p, readableRows: dataset.numRows })),
      };
      await guardAsync(() =>
        source.kind === "file" ? dataset.loadFile(source.file, control) : dataset.loadUrl(source.url, control),
      );
      return await this.info();
    });
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
      bytesRead: ds.bytesRead,
      delimiter: ds.delimiter,
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

  /**
   * Graphic Walker's `computation(payload)` as JSON text. Queries wait in
   * a queue that runs the cheapest first (`cost`: 0 for aggregates, more for
   * raw rows), so a burst of chart and profiling queries is not held up
   * behind one large raw-data query that arrived before them.
   */
  walker(payload: string, localOffset: number, cost: number): Promise<string> {
    return mapErrors(
      () =>
        new Promise<string>((resolve, reject) => {
          this.#walkerQueue.push({ payload, localOffset, cost, order: this.#walkerOrder++, resolve, reject });
          void this.#drainWalker();
        }),
    );
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
  exportStart(spec: ExportSpec): Promise<{ id: number; totalRows: number }> {
    return mapErrors(async () => {
      const ds = await this.#need();
      const stream = guard(() => ds.export(spec));
      const id = this.#nextExport++;
      this.#exports.set(id, stream);
      return { id, totalRows: stream.totalRows };
    });
  }

  /** The next chunk (transferred), or `undefined` when done. */
  exportNext(id: number): Promise<{ chunk: Uint8Array | undefined; rowsDone: number }> {
    return mapErrors(() => {
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
    });
  }

  exportCancel(id: number): void {
    this.#exports.get(id)?.free();
    this.#exports.delete(id);
  }

  /** For tests of crash recovery only: makes the wasm instance trap. */
  crashForTesting(): Promise<void> {
    return mapErrors(async () => {
      const ds = await this.#need();
      guard(() => ds.crashForTesting());
    });
  }

  /** `run` on the dataset once it exists, with the engine's error handling. */
  #onDataset<T>(run: (ds: Dataset) => T): Promise<T> {
    return mapErrors(async () => {
      const ds = await this.#need();
      return guard(() => run(ds));
    });
  }

  #need(): Promise<Dataset> {
    if (!this.#dataset) return Promise.reject(new Error("No file has been opened in this worker."));
    return this.#dataset;
  }
}

Comlink.expose(new EngineHost());
