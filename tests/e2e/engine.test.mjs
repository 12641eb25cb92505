// End-to-end: the engine in a real headless Chromium, its Arrow IPC read
// back by apache-arrow JS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveStatic, launchBrowser, ROOT } from "./harness.mjs";

let repo, browser;

before(async () => {
  repo = await serveStatic(ROOT);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await repo?.close();
});

test("apache-arrow JS reads the engine's Arrow IPC", async () => {
  const page = await browser.newPage();
  await page.goto(`${repo.url}/tests/e2e/pages/arrow.html`);
  await page.waitForFunction(() => window.ready === true);
  const result = await page.evaluate(() => {
    const lines = ["id,city,price,day,at,ok"];
    for (let i = 0; i < 5000; i++) {
      lines.push(`${i},${["Oslo", "Lima", "Pune"][i % 3]},${i % 7 === 0 ? "" : (i / 4).toFixed(2)},2024-02-${String(1 + (i % 28)).padStart(2, "0")},2024-02-01T10:00:${String(i % 60).padStart(2, "0")}Z,${i % 2 === 0}`);
    }
    const ds = new window.quiver.Dataset();
    ds.push(new TextEncoder().encode(lines.join("\n") + "\n"));
    ds.finish();
    const whole = window.Arrow.tableFromIPC(ds.toIPC());
    const slice = window.Arrow.tableFromIPC(ds.toIPC(4990, 100));
    const row = whole.get(4999).toJSON();
    return {
      rows: whole.numRows,
      sliceRows: slice.numRows,
      sliceFirstId: slice.get(0).toJSON().id,
      fields: whole.schema.fields.map((f) => `${f.name}:${f.type}`),
      row: { id: row.id, city: row.city, price: row.price, day: Number(row.day), at: Number(row.at), ok: row.ok },
      nullPrice: whole.get(7).toJSON().price,
    };
  });
  assert.equal(result.rows, 5000);
  assert.equal(result.sliceRows, 10);
  assert.equal(result.sliceFirstId, 4990);
  assert.deepEqual(result.fields, [
    "id:Int16",
    "city:Dictionary<Int8, Utf8>",
    "price:Float64",
    "day:Date32<DAY>",
    "at:Timestamp<MICROSECOND, UTC>",
    "ok:Bool",
  ]);
  assert.deepEqual(result.row, {
    id: 4999,
    city: "Lima",
    price: 1249.75,
    day: Date.UTC(2024, 1, 16),
    at: Date.UTC(2024, 1, 1, 10, 0, 19),
    ok: false,
  });
  assert.equal(result.nullPrice, null);
  await page.close();
});

test("query results come as Arrow IPC that apache-arrow JS reads", async () => {
  const page = await browser.newPage();
  await page.goto(`${repo.url}/tests/e2e/pages/arrow.html`);
  await page.waitForFunction(() => window.ready === true);
  const result = await page.evaluate(() => {
    const lines = ["city,amount,at"];
    for (let i = 0; i < 3000; i++) lines.push(`${["Oslo", "Lima", "Pune"][i % 3]},${i},2024-0${1 + (i % 3)}-15T12:00:00Z`);
    const ds = new window.quiver.Dataset();
    ds.push(new TextEncoder().encode(lines.join("\n")));
    ds.finish();
    const { tableFromIPC } = window.Arrow;
    const page = ds.pageIPC({ sort: [{ column: "amount", descending: true }], limit: 3 });
    const groups = ds.aggregateIPC({
      groupBy: ["city", { column: "at", bucket: "month", as: "month" }],
      aggregates: [{ op: "sum", column: "amount", as: "total" }],
      sort: [{ column: "city" }],
    });
    const profile = tableFromIPC(ds.profileIPC({ columns: ["amount"] }));
    const pipeline = tableFromIPC(ds.queryIPC({ steps: [{ aggregate: { aggregates: [{ op: "count" }] } }] }));
    const top = tableFromIPC(page.ipc);
    const grouped = tableFromIPC(groups.ipc);
    return {
      total: page.total,
      top: top.toArray().map((r) => r.toJSON().amount),
      groups: groups.totalGroups,
      firstGroup: grouped.get(0).toJSON(),
      month: grouped.schema.fields[1].type.toString(),
      profile: { name: profile.get(0).name, distinct: Number(profile.get(0).distinctCount), mean: profile.get(0).mean },
      count: Number(pipeline.get(0).count),
    };
  });
  assert.equal(result.total, 3000);
  assert.deepEqual(result.top, [2999, 2998, 2997]);
  assert.equal(result.groups, 3);
  assert.equal(result.firstGroup.city, "Lima");
  assert.equal(Number(result.firstGroup.total), [...Array(1000).keys()].reduce((s, k) => s + 3 * k + 1, 0));
  assert.equal(result.month, "Timestamp<MICROSECOND, UTC>");
  assert.deepEqual(result.profile, { name: "amount", distinct: 3000, mean: 1499.5 });
  assert.equal(result.count, 3000);
  await page.close();
});

