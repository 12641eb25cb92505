// A page for tests and benchmarks: the same Graphic Walker queries answered
// by Quiver (`computationFor`) and by Graphic Walker's own computation
// (`getComputation(rows)`, which keeps every row as a JS object).
import { getComputation } from "@kanaries/graphic-walker";
import { Quiver, computationFor, fieldsFor, type WalkerPayload, type WalkerRow } from "@quiver/client";

type Outcome = { rows?: WalkerRow[]; error?: string; ms: number };

const quiver = new Quiver();
let quiverComputation: ((p: WalkerPayload) => Promise<WalkerRow[]>) | null = null;
let walkerComputation: ((p: WalkerPayload) => Promise<WalkerRow[]>) | null = null;
/** The rows Graphic Walker was given. */
let walkerRows: WalkerRow[] = [];
/** Quiver without the client's answer cache, for timing. */
let quiverUncached: ((p: WalkerPayload) => Promise<WalkerRow[]>) | null = null;

async function outcome(run: () => Promise<WalkerRow[]>): Promise<Outcome> {
  const start = performance.now();
  try {
    const rows = await run();
    return { rows, ms: performance.now() - start };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), ms: performance.now() - start };
  }
}

const api = {
  /** Opens CSV text (or a URL) in Quiver and hands Graphic Walker the same
   *  rows: `options.rows` (as the users' server would send them), else as
   *  Quiver returns them (what a host page would pass as `data`).
   *  `options.nullValues` are Quiver's null tokens for the file. */
  async open(csv: string | { url: string }, withWalker = true, options: { rows?: WalkerRow[]; nullValues?: string[] } = {}) {
    const source = typeof csv === "string" ? new File([csv], "check.csv", { type: "text/csv" }) : csv.url;
    const started = performance.now();
    const dataset = quiver.open(source, options.nullValues ? { nullValues: options.nullValues } : {});
    const info = await dataset.loaded;
    const loadMs = performance.now() - started;
    quiverComputation = computationFor(dataset);
    quiverUncached = async (p) => JSON.parse(await dataset.walkerQuery(JSON.stringify(p)));
    let walkerMs = 0;
    if (withWalker) {
      const t = performance.now();
      const rows = options.rows ?? JSON.parse(await dataset.walkerQuery(JSON.stringify({ workflow: [{ type: "view", query: [{ op: "raw", fields: ["*"] }] }] })));
      walkerRows = rows;
      walkerComputation = computationOn(rows);
      walkerMs = performance.now() - t;
    }
    return { rows: info.numRows, loadMs, walkerRowsMs: walkerMs, fields: fieldsFor(info.schema) };
  },
  /** Milliseconds of each run of `payload` (answer cache skipped). */
  async time(payload: WalkerPayload, engine: "quiver" | "walker", runs: number) {
    const run = engine === "quiver" ? quiverUncached! : walkerComputation!;
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      rows = (await run(payload)).length;
      times.push(performance.now() - start);
    }
    return { times, rows };
  },
  /** Each payload on both engines; with `notes` (one per payload), also the
   *  reference answer (see `reference`), and Graphic Walker's own answer
   *  for every `walkerEvery`-th payload only (each of its steps starts a
   *  worker: the slow part). */
  async both(payloads: WalkerPayload[], notes?: Notes[], walkerEvery = 1) {
    const out = [];
    for (const [i, payload] of payloads.entries()) {
      const q = await outcome(() => quiverComputation!(payload));
      const w = walkerComputation && i % walkerEvery === 0 ? await outcome(() => walkerComputation!(payload)) : null;
      const r = notes ? await outcome(() => reference(walkerRows, payload, notes[i])) : null;
      out.push({ quiver: q, walker: w, reference: r });
    }
    return out;
  },
  /** Payloads fired at once on Quiver, as Graphic Walker's profiling does
   *  (`engine: "quiver-uncached"` skips the answer cache, for timing). */
  async burst(payloads: WalkerPayload[], engine: "quiver" | "quiver-uncached" | "walker" = "quiver") {
    const run = engine === "quiver" ? quiverComputation! : engine === "walker" ? walkerComputation! : quiverUncached!;
    const start = performance.now();
    const finished: number[] = [];
    const results = await Promise.all(payloads.map((p, i) => outcome(() => run(p)).then((o) => (finished.push(i), o))));
    // `finished`: the payloads' indices in the order their answers arrived.
    return { totalMs: performance.now() - start, finished, results };
  },
};

function computationOn(rows: WalkerRow[]) {
  return getComputation(rows) as unknown as (p: WalkerPayload) => Promise<WalkerRow[]>;
}

/** What the test knows about a payload's SQL fields, for the reference. */
type Notes = {
  /** Computed SQL fields that are null on a row where one of these fields
   *  is null (`value`: null for arithmetic, a CASE's ELSE for a `~` test). */
  nullRows?: Record<string, { fields: string[]; value: unknown }>;
  /** `expr` measures (by output key) that are null in a group where these
   *  fields hold only nulls (their `sum` has no values in SQL). */
  allNull?: Record<string, string[]>;
};

type Step = { type: string; [key: string]: any };
const isNull = (v: unknown) => v === null || v === undefined;

/**
 * Graphic Walker's own computation, step by step, with each of Quiver's
 * documented differences (README, "Deliberate differences from Graphic
 * Walker's built-in computation") applied where it arises, and nothing else:
 *
 * - nulls follow SQL: never inside a `range` or `temporal range`, never
 *   matched by `regexp`; aggregates other than `count` and `distinctCount`
 *   run on the group's non-null values (null when there are none); SQL
 *   arithmetic with a null is null (`notes.nullRows`, `notes.allNull`);
 * - non-finite results of a transform (the log of 0) are null;
 * - group keys are compared by value (`null`, `""` and `"null"` apart);
 * - a raw view returns only the fields it lists;
 * - sorting is a consistent order: nulls first (last descending), numbers
 *   numerically with NaN above them, other values as `String(v).localeCompare`
 *   (bins as `lo,hi`), where Graphic Walker's comparator treats a falsy
 *   second key as smaller than anything.
 *
 * Every step itself is Graphic Walker's (`getComputation` on the rows so far).
 */
async function reference(rows: WalkerRow[], payload: WalkerPayload, notes: Notes): Promise<WalkerRow[]> {
  let res = rows;
  const run = (data: WalkerRow[], step: Step) => computationOn(data)({ workflow: [step] });
  for (const step of payload.workflow as Step[]) {
    if (step.type === "filter") {
      res = await run(res, step);
      for (const f of step.filters) {
        if (f.rule && ["range", "temporal range", "regexp"].includes(f.rule.type)) res = res.filter((r) => !isNull(r[f.fid]));
      }
    } else if (step.type === "transform") {
      res = await run(res, step);
      for (const t of step.transform) {
        const name = t.expression.as;
        if (t.expression.op.startsWith("log")) {
          res = res.map((r) => (typeof r[name] === "number" && !Number.isFinite(r[name]) ? { ...r, [name]: null } : r));
        }
        const rule = notes.nullRows?.[name];
        if (rule) res = res.map((r) => (rule.fields.some((f) => isNull(r[f])) ? { ...r, [name]: rule.value } : r));
      }
    } else if (step.type === "view") {
      for (const query of step.query) {
        if (query.op === "aggregate") res = await aggregateSql(res, query, notes);
        else if (query.op === "raw" && query.fields?.length && !query.fields.includes("*")) {
          res = res.map((r) => Object.fromEntries(query.fields.filter((f: string) => f in r).map((f: string) => [f, r[f]])));
        } else res = await run(res, { type: "view", query: [query] });
      }
    } else if (step.type === "sort") {
      res = sortConsistently(res, step.by, step.sort);
    } else {
      res = await run(res, step);
    }
  }
  const offset = payload.offset ?? 0;
  return res.slice(offset, payload.limit && payload.limit > 0 ? offset + payload.limit : undefined);
}

/** A group key that tells `null`, `""`, NaN and numbers from text apart (-0 is 0). */
function valueKey(values: unknown[]): string {
  return JSON.stringify(values.map((v) => (v === undefined || v === null ? ["null"] : typeof v === "number" && Number.isNaN(v) ? ["NaN"] : [typeof v, Array.isArray(v) ? v.join() : v === 0 ? 0 : v])));
}

/** Graphic Walker's aggregate (groups in first-appearance order, the first
 *  row's keys), with groups by value and each measure computed by Graphic
 *  Walker on the rows with a value (all rows for `count`, `distinctCount`
 *  and `expr`): one call per measure, grouped by the group's number (each
 *  Graphic Walker step starts a worker, so not one call per group). */
async function aggregateSql(rows: WalkerRow[], query: { groupBy: string[]; measures: any[] }, notes: Notes): Promise<WalkerRow[]> {
  const TAG = "\u0001group";
  const index = new Map<string, number>();
  const groups: WalkerRow[][] = [];
  const tagged: WalkerRow[] = rows.map((row) => {
    const key = valueKey(query.groupBy.map((k) => row[k]));
    if (!index.has(key)) {
      index.set(key, groups.length);
      groups.push([]);
    }
    groups[index.get(key)!].push(row);
    return { ...row, [TAG]: index.get(key)! };
  });
  const out: WalkerRow[] = groups.map((group) => Object.fromEntries(query.groupBy.map((k) => [k, group[0][k]])));
  for (const m of query.measures) {
    const key = m.asFieldKey || `${m.field}_${m.agg}`;
    const all = ["count", "distinctCount", "expr"].includes(m.agg);
    const counted = all ? tagged : tagged.filter((r) => !isNull(r[m.field]));
    const values = new Map<unknown, unknown>();
    if (counted.length > 0) {
      const step: Step = { type: "view", query: [{ op: "aggregate", groupBy: [TAG], measures: [m] }] };
      for (const answer of await computationOn(counted)({ workflow: [step] })) values.set(answer[TAG], answer[key]);
    }
    groups.forEach((group, i) => {
      const empty = notes.allNull?.[key]?.some((f) => group.every((r) => isNull(r[f])));
      out[i][key] = values.has(i) && !empty ? values.get(i) : null;
    });
  }
  return out;
}

/** Stable; `by` in order; nulls first ascending (last descending). */
function sortConsistently(rows: WalkerRow[], by: string[], direction: string): WalkerRow[] {
  const sign = direction === "ascending" ? 1 : -1;
  const rank = (v: unknown) => (isNull(v) ? 0 : typeof v === "number" && Number.isNaN(v) ? 2 : 1);
  const compare = (a: unknown, b: unknown) => {
    if (rank(a) !== rank(b) || rank(a) !== 1) return rank(a) - rank(b);
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  };
  return [...rows].sort((x, y) => {
    for (const f of by) {
      const c = compare(x[f], y[f]);
      if (c !== 0) return sign * c;
    }
    return 0;
  });
}

Object.assign(window, { walkerCheck: api });
document.title += " (ready)";
