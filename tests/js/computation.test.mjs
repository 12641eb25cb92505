// Unit tests of `computationFor` (js/walker.ts) without a browser: Graphic
// Walker's computation over a dataset whose worker is replaced by a counter,
// so what reaches the engine can be counted. js/walker.ts is compiled with
// TypeScript's transpiler (it imports types only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

const source = readFileSync(new URL("../../js/walker.ts", import.meta.url), "utf8");
const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
const dir = mkdtempSync(join(tmpdir(), "quiver-walker-"));
writeFileSync(join(dir, "walker.mjs"), outputText);
const { computationFor } = await import(join(dir, "walker.mjs"));
rmSync(dir, { recursive: true });

/** A stand-in for a client `Dataset`: records each query; answers when told. */
class FakeDataset extends EventTarget {
  calls = [];
  walkerQuery(text, offset, cost) {
    return new Promise((resolve, reject) => this.calls.push({ payload: JSON.parse(text), offset, cost, resolve, reject }));
  }
}

const chart = (field) => ({ workflow: [{ type: "view", query: [{ op: "aggregate", groupBy: [field], measures: [{ field: "*", agg: "count", asFieldKey: "n" }] }] }] });

test("identical queries in flight reach the engine once and share the answer", async () => {
  const dataset = new FakeDataset();
  const compute = computationFor(dataset);
  const a = compute(chart("region"));
  const b = compute(structuredClone(chart("region")));
  const c = compute(chart("product"));
  assert.equal(dataset.calls.length, 2, "two distinct queries");
  dataset.calls[0].resolve(JSON.stringify([{ region: "North", n: 3 }]));
  dataset.calls[1].resolve(JSON.stringify([{ product: "x", n: 1 }]));
  assert.deepEqual(await a, [{ region: "North", n: 3 }]);
  assert.deepEqual(await b, [{ region: "North", n: 3 }]);
  assert.deepEqual(await c, [{ product: "x", n: 1 }]);
  // Answered from the cache afterwards.
  assert.deepEqual(await compute(chart("region")), [{ region: "North", n: 3 }]);
  assert.equal(dataset.calls.length, 2);
  // Aggregates are the cheapest kind (run first in a burst).
  assert.equal(dataset.calls[0].cost, 0);
});

test("new rows clear the cache; a failed query is asked again", async () => {
  const dataset = new FakeDataset();
  const compute = computationFor(dataset);
  const first = compute(chart("region"));
  dataset.calls[0].resolve("[]");
  await first;
  dataset.dispatchEvent(new Event("change"));
  const again = compute(chart("region"));
  assert.equal(dataset.calls.length, 2, "asked again after the rows changed");
  dataset.calls[1].reject(new Error("UnknownColumn: region"));
  await assert.rejects(again, /UnknownColumn/);
  compute(chart("region")).catch(() => {});
  assert.equal(dataset.calls.length, 3, "an error is not kept as the answer");
});

test("the cache keeps the most recently used answers up to its size", async () => {
  const dataset = new FakeDataset();
  const compute = computationFor(dataset, { cacheEntries: 2 });
  for (const f of ["a", "b"]) compute(chart(f));
  dataset.calls.forEach((c) => c.resolve("[]"));
  await compute(chart("a"));        // a is now the most recent
  compute(chart("c"));              // evicts b
  assert.equal(dataset.calls.length, 3);
  compute(chart("a"));
  assert.equal(dataset.calls.length, 3, "a was kept");
  compute(chart("b"));
  assert.equal(dataset.calls.length, 4, "b was evicted");
});
