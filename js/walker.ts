// Quiver as Graphic Walker's data engine: `fieldsFor` describes a dataset's
// columns the way Graphic Walker wants them, and `computationFor` answers
// Graphic Walker's `computation(payload)` calls in the dataset's worker.
//
//   const fields = fieldsFor((await dataset.loaded).schema);
//   <GraphicWalker fields={fields} computation={computationFor(dataset)} />
//
// The types here are structural copies of Graphic Walker's (`IMutField`,
// `IDataQueryPayload`, `IRow`), so this module needs no Graphic Walker import.
import type { ColumnInfo } from "../pkg/quiver.js";
import type { Dataset } from "./client";

export type SemanticType = "quantitative" | "nominal" | "ordinal" | "temporal";
export type AnalyticType = "dimension" | "measure";

/** A field as Graphic Walker's `fields` prop takes it (`IMutField`). */
export interface WalkerField {
  fid: string;
  name: string;
  semanticType: SemanticType;
  analyticType: AnalyticType;
}

/** Graphic Walker's `IDataQueryPayload`: steps, then `offset` / `limit`. */
export interface WalkerPayload {
  workflow: ReadonlyArray<{ type: string }>;
  offset?: number;
  limit?: number;
}

export type WalkerRow = Record<string, unknown>;

/** An integer column named like an identifier: a dimension, never summed. */
const ID_LIKE = /(^id$|_id$|[a-z]Id$|^id_|(^|_)(key|code|zip|zipcode|postcode|postal|phone|sku|ean|isbn|uuid)$|(^|_)(number|no|nr)$)/i;
/** An integer column holding a calendar part: an ordered dimension. */
const CALENDAR_PART = /(^|_)(year|yr|quarter|month|week|weekday|day|hour|minute)$/i;

/**
 * Graphic Walker fields for a schema. The rule:
 *
 * - dates and timestamps → temporal dimensions;
 * - text and booleans → nominal dimensions;
 * - floats → quantitative measures;
 * - integers → quantitative measures, except those named like an
 *   identifier (`id`, `customer_id`, `userId`, `zip`, `sku`, `phone` …),
 *   which are nominal dimensions, and those named like a calendar part
 *   (`year`, `month`, `order_week` …), which are ordinal dimensions.
 *
 * `overrides` replaces any of it per field.
 */
export function fieldsFor(schema: ColumnInfo[], overrides: Record<string, Partial<WalkerField>> = {}): WalkerField[] {
  return schema.map((column) => {
    const base = ((): Omit<WalkerField, "fid" | "name"> => {
      switch (column.kind) {
        case "date":
        case "timestamp":
          return { semanticType: "temporal", analyticType: "dimension" };
        case "string":
        case "boolean":
          return { semanticType: "nominal", analyticType: "dimension" };
        case "float":
          return { semanticType: "quantitative", analyticType: "measure" };
        case "integer":
          if (ID_LIKE.test(column.name)) return { semanticType: "nominal", analyticType: "dimension" };
          if (CALENDAR_PART.test(column.name)) return { semanticType: "ordinal", analyticType: "dimension" };
          return { semanticType: "quantitative", analyticType: "measure" };
      }
    })();
    return { fid: column.name, name: column.name, ...base, ...overrides[column.name] };
  });
}

export interface ComputationOptions {
  /** Answers kept for repeated identical queries (default 128). */
  cacheEntries?: number;
}

/** Graphic Walker's computation function type (`IComputationFunction`). */
export type WalkerComputation = (payload: WalkerPayload) => Promise<WalkerRow[]>;

/**
 * How long a query may take, roughly, to order a burst of them: aggregates
 * (one row per group) first, then raw rows by how many are asked for.
 */
export function queryCost(payload: WalkerPayload): number {
  const views = payload.workflow.filter((s) => s.type === "view") as unknown as Array<{ query?: Array<{ op: string }> }>;
  const aggregated = views.some((v) => v.query?.some((q) => q.op === "aggregate"));
  if (aggregated) return 0;
  const limit = payload.limit && payload.limit > 0 ? payload.limit : Infinity;
  return limit <= 1000 ? 1 : limit <= 100_000 ? 2 : 3;
}

/**
 * Graphic Walker's `computation` over `dataset`, run in its worker.
 * Identical queries share one answer (in flight, and from a cache that is
 * cleared whenever the dataset's rows change), and a burst of queries runs
 * cheapest first. Errors reject with the engine's message.
 */
export function computationFor(dataset: Dataset, options: ComputationOptions = {}): WalkerComputation {
  const capacity = options.cacheEntries ?? 128;
  const answers = new Map<string, Promise<WalkerRow[]>>();
  dataset.addEventListener("change", () => answers.clear());
  return (payload: WalkerPayload) => {
    const key = JSON.stringify(payload);
    const known = answers.get(key);
    if (known) {
      // Most recently used last.
      answers.delete(key);
      answers.set(key, known);
      return known;
    }
    const answer = dataset
      .walkerQuery(key, new Date().getTimezoneOffset(), queryCost(payload))
      .then((text) => JSON.parse(text) as WalkerRow[]);
    answers.set(key, answer);
    answer.catch(() => answers.delete(key));
    while (answers.size > capacity) answers.delete(answers.keys().next().value as string);
    return answer;
  };
}
