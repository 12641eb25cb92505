// End-to-end: a file loaded in several byte ranges, each by its own worker,
// through the public client (the webpack bundle on a plain page), gives the
// table one worker gives: same rows in the same order, same types, same
// warnings at the same lines — with quoted line breaks placed across the
// cuts. A cancel keeps a prefix of the file; a shard's crash fails the
// dataset with EngineCrashed and leaves other datasets working.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { salesFile, ROOT, plainPage } from "./harness.mjs";

let page, closePage;

/** A CSV whose quoted notes hold line breaks, ragged rows every 997 rows
 *  and a column that turns from integers to floats late in the file. */
function trickyCsv(rows) {
  const lines = ["id,note,amount,when"];
  for (let i = 0; i < rows; i++) {
    const note = i % 3 === 0 ? `"line one\nline two, ""quoted""\nthree ${i}"` : `plain ${i % 50}`;
    const amount = i === rows - 10 ? "2.5" : String(i % 1000);
    const row = `${i},${note},${amount},2024-01-${String(1 + (i % 28)).padStart(2, "0")}`;
    lines.push(i % 997 === 5 ? `${i},short` : row);
  }
  return lines.join("\r\n") + "\r\n";
}

before(async () => {
  const dir = join(ROOT, "tests/data/generated");
  mkdirSync(dir, { recursive: true });
  const tricky = join(dir, "tricky-shards.csv");
  writeFileSync(tricky, trickyCsv(60_000));
  ({ page, close: closePage } = await plainPage([tricky, await salesFile(200_000)]));
});

after(async () => {
  await closePage?.();
});

/** Loads file `index` with `shards` workers; returns info and sampled rows. */
function loadWith(index, shards) {
  return page.evaluate(
    async ({ index, shards }) => {
      const quiver = new window.Quiver();
      const file = document.getElementById("file").files[index];
      const ds = quiver.open(file, { shards });
      const info = await ds.loaded;
      const n = info.numRows;
      const picks = [0, 1, Math.floor(n / 3) - 1, Math.floor(n / 3), Math.floor(n / 2), n - 2];
      const sampled = [];
      for (const at of picks) sampled.push(...(await ds.rows(at, 2)));
      const all = await ds.rows(0, n);
      const stats = await ds.shardStats();
      ds.close();
      return {
        stats,
        shardCount: ds.shardCount,
        numRows: n,
        kinds: info.schema.map((c) => `${c.name}:${c.kind}`),
        warnings: info.warnings.map((w) => ({ kind: w.kind, count: w.count, lines: w.lines, message: w.message })),
        sampled,
        ids: all.map((r) => r.id ?? r.order_id),
        state: info.state,
      };
    },
    { index, shards },
  );
}

test("1 to 8 shards give the one-worker table, with quoted line breaks across the cuts", async () => {
  const one = await loadWith(0, 1);
  assert.equal(one.shardCount, 1);
  assert.equal(one.numRows, 60_000);
  assert.deepEqual(one.kinds, ["id:integer", "note:string", "amount:float", "when:date"]);
  assert.ok(one.warnings.some((w) => w.kind === "raggedRows"), JSON.stringify(one.warnings));
  let rereads = 0;
  for (const shards of [2, 3, 5, 8, 13]) {
    const many = await loadWith(0, shards);
    rereads += many.stats.rereads;
    assert.equal(many.shardCount, shards);
    assert.equal(many.state, "ready");
    assert.equal(many.numRows, one.numRows, `${shards} shards`);
    assert.deepEqual(many.kinds, one.kinds, `${shards} shards`);
    assert.deepEqual(many.sampled, one.sampled, `${shards} shards`);
    assert.deepEqual(many.ids, one.ids, `${shards} shards: rows in file order`);
    assert.deepEqual(many.warnings, one.warnings, `${shards} shards: warnings at the same lines`);
  }
  // A third of the rows carry quoted line breaks: some cuts fall inside them.
  assert.ok(rereads > 0, "no range started inside quotes: the test does not test that");
});

test("the sales file in 4 shards: the same rows as in one", async () => {
  const one = await loadWith(1, 1);
  const four = await loadWith(1, 4);
  assert.equal(four.numRows, 200_000);
  assert.deepEqual(four.kinds, one.kinds);
  assert.deepEqual(four.sampled, one.sampled);
  assert.deepEqual(four.ids, one.ids);
});

/** The sales file's answers to the same queries with `shards` workers. */
/** Graphic Walker's chart payloads of `npm run bench:walker` (the raw page sorted at offset 50,000 included). */
const CHARTS = Object.values(JSON.parse(readFileSync(join(ROOT, "bench/walker/charts.json"), "utf8"))).map((c) => c.payload);

function queriesWith(shards) {
  return page.evaluate(async ({ shards, charts }) => {
    const quiver = new window.Quiver();
    const ds = quiver.open(document.getElementById("file").files[1], { shards });
    await ds.loaded;
    const answers = {
      sortedPage: await ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 50_000, limit: 100 }),
      // Sorted pages of a sharded file go by windows and merge cursors: the
      // next pages, a jump back, and a sort with many ties (file order).
      nextPages: [
        await ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 50_100, limit: 100 }),
        await ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 50_200, limit: 100 }),
        await ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 1_000, limit: 100 }),
      ],
      tiesPage: await ds.page({ sort: [{ column: "region" }], offset: 70_000, limit: 30, columns: ["order_id", "customer"] }),
      pastTheEnd: await ds.page({ sort: [{ column: "region" }], offset: 300_000, limit: 30 }),
      filteredPage: await ds.page({
        filter: { op: "and", filters: [{ op: "=", column: "region", value: "North" }, { op: ">", column: "quantity", value: 3 }] },
        sort: [{ column: "ordered_at" }, { column: "order_id" }],
        limit: 50,
      }),
      plainPage: await ds.page({ offset: 123_456, limit: 20 }),
      byRegion: await ds.aggregate({
        groupBy: ["region", "returned"],
        aggregates: [{ op: "count" }, { op: "sum", column: "quantity" }, { op: "mean", column: "unit_price" },
          { op: "min", column: "ordered_at" }, { op: "countDistinct", column: "customer" }, { op: "median", column: "unit_price" }],
        sort: [{ column: "region" }, { column: "returned" }],
      }),
      byPrice: await ds.aggregate({ groupBy: ["unit_price"], aggregates: [{ op: "count" }], sort: [{ column: "count", descending: true }, { column: "unit_price" }], limit: 10 }),
      byMonth: await ds.aggregate({ groupBy: [{ column: "ordered_at", bucket: "month", as: "month" }], aggregates: [{ op: "count" }, { op: "stddevSamp", column: "quantity" }] }),
      pipeline: await ds.query({ steps: [
        { filter: { op: "isNull", column: "discount" } },
        { aggregate: { groupBy: ["product"], aggregates: [{ op: "count", as: "n" }] } },
        { sort: [{ column: "n", descending: true }, { column: "product" }] },
        { slice: { limit: 5 } },
      ] }),
      profile: await ds.profile({ columns: ["unit_price", "region", "ordered_at", "discount"] }),
      charts: [],
    };
    for (const chart of charts) answers.charts.push(JSON.parse(await ds.walkerQuery(JSON.stringify(chart))));
    const refusals = [];
    // The data tab's first page, in file order.
    const raw = { workflow: [{ type: "view", query: [{ op: "raw", fields: ["*"] }] }], limit: 5 };
    answers.charts.push(JSON.parse(await ds.walkerQuery(JSON.stringify(raw))));
    const fold = { workflow: [{ type: "view", query: [{ op: "fold", foldBy: ["quantity", "unit_price"], newFoldKeyCol: "k", newFoldValueCol: "v" }] }], limit: 5 };
    for (const call of [() => ds.walkerQuery(JSON.stringify(fold)), () => ds.export({ format: "csv" })]) {
      try {
        await call();
        refusals.push("answered");
      } catch (e) {
        refusals.push(`${e.code}: ${e.message}`);
      }
    }
    const count = (await ds.aggregate({ aggregates: [{ op: "count" }] })).rows[0].count;
    ds.close();
    return { shards: ds.shardCount, answers, refusals, count };
  }, { shards, charts: CHARTS });
}

/** Equal, numbers to 1e-9 relative (sums and moments add up in another order). */
function close(a, b, path = "") {
  if (typeof a === "number" && typeof b === "number") {
    assert.ok(a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)), `${path}: ${a} vs ${b}`);
  } else if (a && b && typeof a === "object") {
    assert.deepEqual(Object.keys(a), Object.keys(b), path);
    for (const k of Object.keys(a)) close(a[k], b[k], `${path}.${k}`);
  } else {
    assert.deepEqual(a, b, path);
  }
}

test("queries and Graphic Walker's charts on the sales file in 4 shards answer as on one worker; what shards cannot answer yet says so", async () => {
  const one = await queriesWith(1);
  const four = await queriesWith(4);
  assert.equal(four.shards, 4);
  assert.equal(one.answers.sortedPage.total, 200_000);
  assert.equal(one.answers.sortedPage.rows.length, 100);
  assert.ok(one.answers.filteredPage.rows.length > 0 && one.answers.byRegion.rows.length >= 8);
  assert.deepEqual(one.answers.nextPages.map((p) => [p.offset, p.rows.length]), [[50_100, 100], [50_200, 100], [1_000, 100]]);
  assert.deepEqual(Object.keys(one.answers.tiesPage.rows[0]), ["order_id", "customer"]);
  assert.equal(one.answers.pastTheEnd.rows.length, 0);
  // Result columns agree in kind; their Arrow encoding may not (a key that
  // is a dictionary in one worker comes out of the merge as plain text).
  const kinds = (answers) => JSON.parse(JSON.stringify(answers, (k, v) => (k === "arrowType" ? undefined : v)));
  close(kinds(four.answers), kinds(one.answers), "answers");
  assert.deepEqual(one.refusals, ["answered", "answered"]);
  for (const refusal of four.refusals) assert.match(refusal, /^NotSupportedInShards: .* not supported yet on a file loaded in (4 )?shards/);
  // Graphic Walker's charts: the shards' partial aggregates merge into the
  // one-worker rows, groups in the same order; raw rows (sorted at offset
  // 50,000, and the data tab's first page) as one worker gives them.
  assert.equal(one.answers.charts.length, 6);
  for (const rows of one.answers.charts) assert.ok(rows.length > 0);
  // The engine is still usable after a refusal.
  assert.equal(four.count, 200_000);
});

test("a cancelled sharded load keeps a prefix of the file", async () => {
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver();
    const file = document.getElementById("file").files[1];
    const ds = quiver.open(file, { shards: 4 });
    await new Promise((resolve) => ds.addEventListener("progress", resolve, { once: true }));
    ds.cancel();
    const error = await ds.loaded.then(() => null, (e) => e.name);
    const info = await ds.info();
    const rows = await ds.rows(0, info.numRows);
    ds.close();
    return { error, state: info.state, numRows: info.numRows, ids: rows.map((r) => r.order_id) };
  });
  assert.equal(result.error, "AbortError");
  assert.equal(result.state, "cancelled");
  assert.ok(result.numRows < 200_000, `kept ${result.numRows}`);
  // A prefix: the first ids of the file, in order, without gaps.
  const first = result.ids[0];
  result.ids.forEach((id, i) => assert.equal(id, first + i));
});

test("a shard's crash fails the dataset with EngineCrashed; another dataset keeps working", async () => {
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver();
    const [tricky, sales] = document.getElementById("file").files;
    const other = quiver.open(tricky);
    await other.loaded;
    const ds = quiver.open(sales, { shards: 3, crashAfterBytesForTesting: 2_000_000 });
    const error = await ds.loaded.then(() => null, (e) => ({ name: e.name, code: e.code }));
    const otherRows = (await other.info()).numRows;
    other.close();
    return { error, closed: ds.closed, otherRows };
  });
  assert.deepEqual(result.error, { name: "EngineCrashed", code: "EngineCrashed" });
  assert.equal(result.closed, true);
  assert.equal(result.otherRows, 60_000);
});
