// The benchmark's workload, the same for every engine: each engine page
// provides an adapter with these methods, this module times them and keeps
// every answer (normalised, outside the timers) so bench/compare.mjs can
// compare them across engines.
//
//   load(file)           ingest the whole file into the engine's table, and
//                        nothing else (no preview)
//   count()              rows in the table
//   groupBy()            region × store: count, sum(quantity * unit_price),
//                        mean(unit_price) → the groups as rows
//   sortedPage(offset)   100 rows sorted by unit_price, then order_id (a
//                        unique order, so every engine must return the same
//                        rows) → the rows
//   freshSort()          100 rows at offset SORT_OFFSET sorted by customer
//                        descending, then order_id: a sort key not used
//                        before, so no engine has it cached → the rows
//   filteredPage()       region = North and quantity > 5, sorted by
//                        ordered_at, 100 rows and the number of matches
//                        → { total, rows }
//   firstRows(file)      the first 100 rows of a just-picked file, the
//                        engine's quickest way, from a fresh start, measured
//                        apart from the ingest (its work is thrown away)
//   release()            drop the table (between the cold and the warm run)
//   beforeRun(), beforeFirstRows()   optional, untimed: start what the next
//                        timed step needs, as DuckDB's instance is started
//                        before the file is picked
//
// Cold and warm: the page runs the workload twice, on two different files of
// the same size (the second generated with another seed). Run 1 is cold: the
// engine was instantiated before the file was picked and had done nothing
// else. Run 2 is warm: the same engine instance (Quiver: the same page, a
// fresh worker for the new file) after run 1. No engine runs any other
// warm-up (Quiver's client is created with `warmUp: false`).
export const SORT_OFFSET = 50_000;
export const PAGE = 100;

const STEPS = ["ingest", "count", "groupBy", "firstPage", "nextPage", "freshSort", "filteredPage", "firstRows"];

/** Epoch milliseconds of a timestamp in any engine's representation. */
function millis(v) {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return v;
  if (v instanceof Date) return v.getTime();
  const t = Date.parse(String(v));
  return Number.isNaN(t) ? String(v) : t;
}

const num = (v) => (v === null || v === undefined || v === "" ? null : Number(v));
const text = (v) => (v === null || v === undefined ? null : String(v));

/** A row as every engine must agree on it (the columns the workload touches). */
export function normalizeRow(r) {
  return {
    order_id: num(r.order_id),
    ordered_at: millis(r.ordered_at),
    region: text(r.region),
    store: text(r.store),
    customer: text(r.customer),
    quantity: num(r.quantity),
    unit_price: num(r.unit_price),
    discount: num(r.discount),
  };
}

function normalizeGroups(rows) {
  return rows
    .map((g) => ({ region: text(g.region), store: text(g.store), n: num(g.n), revenue: num(g.revenue), mean: num(g.mean) }))
    .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : a.store < b.store ? -1 : a.store > b.store ? 1 : 0));
}

/** One run of the workload on `file`: times (ms) and answers. */
export async function runOnce(adapter, file) {
  const steps = {};
  const raw = {};
  const time = async (name, f) => {
    const start = performance.now();
    raw[name] = await f();
    steps[name] = performance.now() - start;
  };
  await time("ingest", () => adapter.load(file));
  await time("count", () => adapter.count());
  await time("groupBy", () => adapter.groupBy());
  await time("firstPage", () => adapter.sortedPage(SORT_OFFSET));
  await time("nextPage", () => adapter.sortedPage(SORT_OFFSET + PAGE));
  await time("freshSort", () => adapter.freshSort());
  await time("filteredPage", () => adapter.filteredPage());
  // Untimed: an engine that needs a started instance for a new file gets it
  // first (Quiver: a started worker), as every engine had before the ingest.
  await adapter.beforeFirstRows?.();
  await time("firstRows", () => adapter.firstRows(file));
  const answers = {
    count: num(raw.count),
    groupBy: normalizeGroups(raw.groupBy),
    firstPage: raw.firstPage.map(normalizeRow),
    nextPage: raw.nextPage.map(normalizeRow),
    freshSort: raw.freshSort.map(normalizeRow),
    filteredPage: { total: num(raw.filteredPage.total), rows: raw.filteredPage.rows.map(normalizeRow) },
    firstRows: raw.firstRows.map(normalizeRow),
  };
  await adapter.release();
  return { steps, answers };
}

/**
 * Wires a page: the engine adapter runs on the two files picked in #file
 * (cold run on the first, warm run on the second). `window.runsDone` counts
 * finished runs (the harness reads the memory peak of the cold run from it);
 * `window.result` is `{ runs: [cold, warm] }` or `{ error }`.
 */
export function page(makeAdapter) {
  window.runsDone = 0;
  makeAdapter()
    .then((adapter) => {
      window.ready = true;
      document.getElementById("file").addEventListener("change", async (event) => {
        const runs = [];
        try {
          for (const file of event.target.files) {
            await adapter.beforeRun?.();
            runs.push(await runOnce(adapter, file));
            window.runsDone = runs.length;
          }
          window.result = { runs };
        } catch (e) {
          window.result = { runs, error: `run ${runs.length + 1}: ${String(e && e.message ? e.message : e)}` };
        }
      });
    })
    .catch((e) => {
      window.ready = true;
      window.result = { error: `could not start: ${e.message ?? e}` };
    });
}

export { STEPS };
