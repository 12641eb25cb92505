// What crosses between the client (main thread) and a dataset's worker.
import type { ColumnInfo, DatasetState, IngestWarning, LoadProgress } from "../pkg/quiver.js";

/** Where a dataset's bytes come from. A `File`/`Blob` is a handle: posting
 *  it to the worker copies no data. */
export type Source = { kind: "file"; file: Blob; name: string } | { kind: "url"; url: string; name: string };

/** A dataset's state as of the moment it was asked for. */
export interface DatasetInfo {
  name: string;
  state: DatasetState;
  schema: ColumnInfo[];
  numRows: number;
  /** Arrow memory of the table. */
  memoryBytes: number;
  /** Row orders cached for paging. */
  cacheBytes: number;
  /** The engine's wasm memory (all shards'): what the table, its load and
   *  its queries took at their peak, since wasm memory never shrinks. */
  wasmMemoryBytes: number;
  bytesRead: number;
  delimiter: string | undefined;
  /** How the file's bytes were read: `UTF-8`, `EUC-KR (CP949, Korean)` … */
  encoding: string | undefined;
  /** The encoding was a guess (a warning says so too). */
  encodingGuessed: boolean;
  warnings: IngestWarning[];
}

/** Progress of a load, with the rows readable so far. */
export interface Progress extends LoadProgress {
  /** Rows in complete batches: what queries see right now. */
  readableRows: number;
}

/** The `name` and `code` errors get when the wasm instance trapped (or its
 *  worker died): the dataset is lost and the file must be opened again. */
export const ENGINE_CRASHED = "EngineCrashed";

/** The error for a lost engine; `detail` says what happened. */
export function engineCrashed(detail: string): Error & { code: string } {
  const error = Object.assign(
    new Error(`The engine stopped (${detail}); this can mean it ran out of memory. Open the file again to continue.`),
    { code: ENGINE_CRASHED },
  );
  error.name = ENGINE_CRASHED;
  return error;
}

/** The queries a dataset loaded in shards answers from every shard
 *  (`api::sharded::Kind` in the core). */
export type ShardedQueryKind = "page" | "aggregate" | "pipeline" | "profile" | "walker" | "window";

/** The `code` of a call a dataset loaded in shards cannot answer yet. */
export const NOT_SHARDED = "NotSupportedInShards";

/** The error for such a call; `what` names it. */
export function notSupportedInShards(what: string, shards: number): Error & { code: string } {
  return Object.assign(
    new Error(`${what} is not supported yet on a file loaded in ${shards} shards. Open the file with { shards: 1 } to use it (a file larger than about 6 GB does not fit one shard).`),
    { code: NOT_SHARDED },
  );
}

/** Partial results past this many bytes are not merged (the core's
 *  `api::sharded::GATHER_LIMIT_BYTES`; change both together). */
export const MERGE_LIMIT_BYTES = 256 * 1024 * 1024;

/** The core's error for partial results too large to merge, raised before
 *  they are copied (same code and wording as `too_large_to_merge`). */
export function tooLargeToMerge(bytes: number, shards: number): Error & { code: string } {
  const mb = (n: number) => Math.floor(n / (1024 * 1024));
  return Object.assign(
    new Error(
      `this query's partial results from the ${shards} shards are ${mb(bytes)} MB, more than the ${mb(MERGE_LIMIT_BYTES)} MB that can be combined in one place ` +
        "(a sort without a limit, a group-by or profile over a column with millions of distinct values); " +
        "filter, aggregate or limit it first, or profile fewer columns",
    ),
    { code: "InvalidQuery" },
  );
}

/**
 * The one way errors cross the worker boundary: they keep their `message`,
 * `name` and `code` (comlink's own handler copies only message, name and
 * stack; a `DOMException` such as an `AbortError` arrives as an `Error` with
 * its name). Installed on both sides.
 */
export function carryErrorCodes(comlink: typeof import("comlink")): void {
  const base = comlink.transferHandlers.get("throw")!;
  interface Wire {
    isError: boolean;
    value: { message: string; name: string; code?: string; stack?: string };
  }
  comlink.transferHandlers.set("throw", {
    canHandle: base.canHandle,
    serialize(thrown: unknown) {
      const value = (thrown as { value: unknown }).value;
      if (value && typeof value === "object" && "message" in value) {
        const e = value as { message: string; name: string; code?: string; stack?: string };
        return [{ isError: true, value: { message: e.message, name: e.name, code: e.code, stack: e.stack } }, []];
      }
      return base.serialize(thrown);
    },
    deserialize(serialized: unknown) {
      const wire = serialized as Wire;
      if (wire.isError) throw Object.assign(new Error(wire.value.message), wire.value);
      return base.deserialize(serialized);
    },
  });
}
