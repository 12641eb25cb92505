// End-to-end: the client's spare worker runs the generic warm-up
// (src/warm_up.rs) before it takes a file. Afterwards the engine must answer
// exactly as a cold one does, and as computed here from the CSV, and the
// warm-up must leave no dataset behind. (That it frees every byte it
// allocates is tests/warm_up.rs, natively, with a counting allocator.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { salesFile, plainPage } from "./harness.mjs";
import { readCsv } from "./csv.mjs";

let page, closePage;
const ROWS = 30_000;

before(async () => {
  ({ page, close: closePage } = await plainPage([await salesFile(ROWS)]));
});

after(async () => {
  await closePage?.();
});

/** The same questions on a fresh Quiver, warmed up or not. */
async function answers(warmUp) {
  return page.evaluate(async (warmUp) => {
    const quiver = new window.Quiver({ warmUp });
    const started = performance.now();
    await quiver.ready();
    const readyMs = performance.now() - started;
    const datasetsAfterWarmUp = quiver.datasets.length;
    const ds = quiver.open(document.getElementById("file").files[0]);
    const info = await ds.loaded;
    const byRegion = await ds.aggregate({
      groupBy: ["region"],
      aggregates: [{ op: "count", as: "n" }, { op: "sum", column: "quantity", as: "quantity" }, { op: "max", column: "unit_price", as: "top" }],
      sort: [{ column: "region" }],
    });
    const page = await ds.page({ sort: [{ column: "unit_price" }, { column: "order_id" }], offset: 1000, limit: 5, columns: ["order_id"] });
    const walker = JSON.parse(
      await ds.walkerQuery(
        JSON.stringify({
          workflow: [
            { type: "filter", filters: [{ fid: "quantity", rule: { type: "range", value: [3, null] } }] },
            { type: "view", query: [{ op: "aggregate", groupBy: [], measures: [{ field: "*", agg: "count", asFieldKey: "n" }] }] },
          ],
        }),
      ),
    );
    ds.close();
    return { readyMs, datasetsAfterWarmUp, rows: info.numRows, byRegion: byRegion.rows, page: page.rows.map((r) => r.order_id), walker };
  }, warmUp);
}

test("after the generic warm-up the engine answers exactly as a cold one, and as the CSV says", async () => {
  const rows = readCsv(await salesFile(ROWS));
  const warm = await answers(true);
  const cold = await answers(false);
  assert.equal(warm.datasetsAfterWarmUp, 0, "the warm-up leaves no dataset open");
  assert.equal(warm.rows, ROWS);
  const { readyMs: _w, ...warmAnswers } = warm;
  const { readyMs: _c, ...coldAnswers } = cold;
  assert.deepEqual(warmAnswers, coldAnswers);

  const regions = [...new Set(rows.map((r) => r.region))].sort();
  assert.deepEqual(
    warm.byRegion,
    regions.map((region) => {
      const mine = rows.filter((r) => r.region === region);
      return {
        region,
        n: mine.length,
        quantity: mine.reduce((s, r) => s + Number(r.quantity), 0),
        top: Math.max(...mine.map((r) => Number(r.unit_price))),
      };
    }),
  );
  const sorted = rows.slice().sort((a, b) => Number(a.unit_price) - Number(b.unit_price) || Number(a.order_id) - Number(b.order_id));
  assert.deepEqual(warm.page, sorted.slice(1000, 1005).map((r) => Number(r.order_id)));
  assert.deepEqual(warm.walker, [{ n: rows.filter((r) => Number(r.quantity) >= 3).length }]);
});
