// The benchmark's workload, the same for every engine: each engine page
// provides an adapter with these methods, this module times them.
//   load(file, onFirstRows)  ingest the whole file; call onFirstRows() when
//                            100 rows could first be shown
//   count()                  rows in the table
//   groupBy()                region × store: count, sum(quantity * unit_price),
//                            mean(unit_price) → number of groups
//   sortedPage(offset)       100 rows sorted by unit_price → first unit_price
//   filteredPage()           region = North and quantity > 5, sorted by
//                            ordered_at, 100 rows → first order_id
export async function run(adapter, file) {
  const t0 = performance.now();
  let firstRows = null;
  const steps = {};
  const checks = {};
  const time = async (name, f) => {
    const start = performance.now();
    const value = await f();
    steps[name] = performance.now() - start;
    return value;
  };
  await time("ingest", () => adapter.load(file, () => (firstRows ??= performance.now() - t0)));
  steps.firstRows = firstRows ?? steps.ingest;
  checks.rows = await time("count", () => adapter.count());
  checks.groups = await time("groupBy", () => adapter.groupBy());
  checks.sortedPrice = await time("firstPage", () => adapter.sortedPage(50_000));
  checks.nextPrice = await time("nextPage", () => adapter.sortedPage(50_100));
  checks.filteredFirstId = await time("filteredPage", () => adapter.filteredPage());
  return { steps, checks };
}

/** Wires a page: the engine adapter runs on the file picked in #file. */
export function page(makeAdapter) {
  makeAdapter()
    .then((adapter) => {
      window.ready = true;
      document.getElementById("file").addEventListener("change", async (event) => {
        try {
          window.result = await run(adapter, event.target.files[0]);
        } catch (e) {
          window.result = { error: String(e && e.message ? e.message : e) };
        }
      });
    })
    .catch((e) => {
      window.ready = true;
      window.result = { error: `could not start: ${e.message ?? e}` };
    });
}
