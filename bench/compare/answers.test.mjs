// The answer comparison must catch an engine that does less work: one that
// skips a sort (rows in file order), drops a tie-breaker, loses a group, or
// reads an open range as exclusive (`[3, null]` as `> 3`). Each case breaks
// an answer built from real rows and checks the mismatch names the engine.
//   node --test bench/compare/answers.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareAnswers, firstDifference } from "./answers.mjs";
import { normalizeRow } from "./workload.js";

/** 1,000 sales-like rows with many ties on price. */
function rows() {
  const out = [];
  for (let i = 0; i < 1000; i++) {
    out.push({
      order_id: 10_000_000 + i,
      ordered_at: `2023-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z`,
      region: ["North", "South", "East"][i % 3],
      store: `Store ${i % 7}`,
      customer: `Customer ${(i * 7919) % 613}`,
      quantity: 1 + (i % 9),
      unit_price: (i * 37) % 50 + 0.25,
      discount: i % 4 === 0 ? null : (i % 10) / 100,
    });
  }
  return out;
}

const byPriceThenId = (a, b) => a.unit_price - b.unit_price || a.order_id - b.order_id;
const page = (list, offset) => list.slice(offset, offset + 100).map(normalizeRow);

test("identical answers, and floats within rounding, are no mismatch", () => {
  const sorted = rows().sort(byPriceThenId);
  const a = { count: 1000, sum: 0.1 + 0.2, firstPage: page(sorted, 500) };
  const b = { count: 1000, sum: 0.3, firstPage: page(sorted, 500) };
  assert.deepEqual(compareAnswers({ quiver: a, duckdb: b, arquero: structuredClone(a) }), []);
});

test("an engine that skips the sort is caught, and named", () => {
  const all = rows();
  const sorted = all.slice().sort(byPriceThenId);
  const good = { count: 1000, firstPage: page(sorted, 500) };
  const lazy = { count: 1000, firstPage: page(all, 500) };
  const mismatches = compareAnswers({ quiver: good, duckdb: good, papaparse: lazy });
  assert.equal(mismatches.length, 1);
  assert.equal(mismatches[0].step, "firstPage");
  assert.deepEqual(mismatches[0].classes, [["quiver", "duckdb"], ["papaparse"]]);
  assert.match(mismatches[0].difference, /^at \[0\]\./);
});

test("an engine that sorts by price only (ties in another order) is caught", () => {
  const all = rows();
  const tieBroken = all.slice().sort(byPriceThenId);
  // Same prices, ties in reverse file order: only the rows differ.
  const priceOnly = all.slice().sort((a, b) => a.unit_price - b.unit_price || b.order_id - a.order_id);
  assert.deepEqual(
    tieBroken.slice(500, 600).map((r) => r.unit_price),
    priceOnly.slice(500, 600).map((r) => r.unit_price),
  );
  const mismatches = compareAnswers({ quiver: { firstPage: page(tieBroken, 500) }, duckdb: { firstPage: page(priceOnly, 500) } });
  assert.equal(mismatches.length, 1);
  assert.match(mismatches[0].difference, /^at \[\d+\]\.(customer|order_id|ordered_at)/);
});

test("a lost group, a wrong mean and an exclusive range bound are caught", () => {
  const groups = [
    { region: "East", n: 333, mean: 24.75 },
    { region: "North", n: 334, mean: 25.1 },
  ];
  const lost = compareAnswers({ a: { groupBy: groups }, b: { groupBy: groups.slice(1) } });
  assert.equal(lost[0].difference, "at .length: a 2, b 1");
  const off = compareAnswers({ a: { groupBy: groups }, b: { groupBy: [groups[0], { ...groups[1], mean: 25.1000001 }] } });
  assert.match(off[0].difference, /\[1\]\.mean/);
  const all = rows();
  const inclusive = all.filter((r) => r.quantity >= 3).length;
  const exclusive = all.filter((r) => r.quantity > 3).length;
  const range = compareAnswers({ quiver: { count: inclusive }, "duckdb+parser": { count: exclusive } });
  assert.deepEqual(range[0].classes, [["quiver"], ["duckdb+parser"]]);
});

test("null and 0, missing and present, text and number differ", () => {
  assert.ok(firstDifference({ d: null }, { d: 0 }));
  assert.ok(firstDifference({ d: 1 }, {}));
  assert.ok(firstDifference({ d: "1" }, { d: 1 }));
  assert.equal(firstDifference({ d: NaN }, { d: NaN }), null);
});
