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
  bytesRead: number;
  delimiter: string | undefined;
  warnings: IngestWarning[];
}

/** Progress of a load, with the rows readable so far. */
export interface Progress extends LoadProgress {
  /** Rows in complete batches: what queries see right now. */
  readableRows: number;
}

/** The name errors get when the wasm instance trapped. */
export const ENGINE_CRASHED = "EngineCrashed";

/**
 * Errors keep their `code` (and `name`) across the worker boundary: comlink's
 * own handler copies only message, name and stack. Installed on both sides.
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
