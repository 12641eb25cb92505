// A page for tests and benchmarks: the same Graphic Walker queries answered
// by Quiver (`computationFor`) and by Graphic Walker's own computation
// (`getComputation(rows)`, which keeps every row as a JS object).
import { getComputation } from "@kanaries/graphic-walker";
import { Quiver, computationFor, fieldsFor, type WalkerPayload, type WalkerRow } from "@quiver/client";

type Outcome = { rows?: WalkerRow[]; error?: string; ms: number };

const quiver = new Quiver();
let quiverComputation: ((p: WalkerPayload) => Promise<WalkerRow[]>) | null = null;
let walkerComputation: ((p: WalkerPayload) => Promise<WalkerRow[]>) | null = null;
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
   *  rows, as Quiver returns them (what a host page would pass as `data`). */
  async open(csv: string | { url: string }, withWalker = true) {
    const source = typeof csv === "string" ? new File([csv], "check.csv", { type: "text/csv" }) : csv.url;
    const started = performance.now();
    const dataset = quiver.open(source);
    const info = await dataset.loaded;
    const loadMs = performance.now() - started;
    quiverComputation = computationFor(dataset);
    quiverUncached = async (p) => JSON.parse(await dataset.walkerQuery(JSON.stringify(p)));
    let walkerMs = 0;
    if (withWalker) {
      const t = performance.now();
      const rows = JSON.parse(await dataset.walkerQuery(JSON.stringify({ workflow: [{ type: "view", query: [{ op: "raw", fields: ["*"] }] }] })));
      walkerComputation = getComputation(rows) as unknown as (p: WalkerPayload) => Promise<WalkerRow[]>;
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
  /** Each payload on both engines. */
  async both(payloads: WalkerPayload[]) {
    const out = [];
    for (const payload of payloads) {
      const q = await outcome(() => quiverComputation!(payload));
      const w = walkerComputation ? await outcome(() => walkerComputation!(payload)) : null;
      out.push({ quiver: q, walker: w });
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

Object.assign(window, { walkerCheck: api });
document.title += " (ready)";
