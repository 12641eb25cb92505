// End-to-end: the client library as the webpack bundle (dist/quiver.js) on a
// plain page without a build step: datasets in workers, several at once,
// closing, crash recovery, memory budget.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { salesFile, plainPage } from "./harness.mjs";
import { readCsv } from "./csv.mjs";

let page, closePage;

before(async () => {
  ({ page, close: closePage } = await plainPage([await salesFile(50_000), await salesFile(20_000)]));
});

after(async () => {
  await closePage?.();
});

test("a plain page opens a file with the bundle and queries it", async () => {
  const rows = readCsv(await salesFile(50_000));
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver();
    const progress = [];
    const ds = quiver.open(document.getElementById("file").files[0], { onProgress: (p) => progress.push(p.rows) });
    const info = await ds.loaded;
    const top = await ds.page({ sort: [{ column: "unit_price", descending: true }], limit: 1 });
    const byRegion = await ds.aggregate({ groupBy: ["region"], aggregates: [{ op: "count" }], sort: [{ column: "region" }] });
    ds.close();
    return { rows: info.numRows, state: info.state, progress: progress.length, top: top.rows[0].unit_price, regions: byRegion.rows };
  });
  assert.equal(result.rows, 50_000);
  assert.equal(result.state, "ready");
  assert.ok(result.progress >= 1);
  assert.equal(result.top, Math.max(...rows.map((r) => Number(r.unit_price))));
  const north = rows.filter((r) => r.region === "North").length;
  assert.equal(result.regions.find((r) => r.region === "North").count, north);
});

test("several datasets are open at once; closing one frees it and leaves the others", async () => {
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver();
    const [a, b] = [...document.getElementById("file").files].map((f) => quiver.open(f));
    await Promise.all([a.loaded, b.loaded]);
    const open = quiver.datasets.length;
    a.close();
    const error = await a.page({}).catch((e) => e.message);
    const stillThere = (await b.info()).numRows;
    b.close();
    return { open, after: quiver.datasets.length, error, stillThere };
  });
  assert.equal(result.open, 2);
  assert.equal(result.after, 0);
  assert.equal(result.error, "This dataset was closed.");
  assert.equal(result.stillThere, 20_000);
});

test("a crash in the engine rejects pending calls clearly and the file can be reopened", async () => {
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver();
    const file = document.getElementById("file").files[1];
    const ds = quiver.open(file);
    await ds.loaded;
    const crash = await ds.crashForTesting().catch((e) => ({ name: e.name, code: e.code, message: e.message }));
    const after = await ds.page({}).catch((e) => e.name);
    const again = quiver.open(file);
    const info = await again.loaded;
    again.close();
    return { crash, after, closed: ds.closed, reopened: info.numRows };
  });
  assert.equal(result.crash.name, "EngineCrashed");
  assert.equal(result.crash.code, "EngineCrashed");
  assert.match(result.crash.message, /The engine stopped .*Open the file again/);
  assert.equal(result.after, "EngineCrashed");
  assert.equal(result.closed, true);
  assert.equal(result.reopened, 20_000);
});

test("a trap while loading fails that dataset with EngineCrashed; another open dataset keeps working", async () => {
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver();
    const [big, small] = document.getElementById("file").files;
    const other = quiver.open(small);
    await other.loaded;
    // The engine traps inside its load (as a bug or running out of memory
    // would), after 1 MB of the 50,000-row file.
    const ds = quiver.open(big, { crashAfterBytesForTesting: 1_000_000 });
    const loaded = await ds.loaded.then(
      () => null,
      (e) => ({ name: e.name, code: e.code, message: e.message }),
    );
    const after = await ds.page({}).catch((e) => e.code);
    const otherRows = (await other.aggregate({ aggregates: [{ op: "count" }] })).rows[0].count;
    const stillOpen = quiver.datasets.length;
    other.close();
    return { loaded, after, closed: ds.closed, otherRows, stillOpen };
  });
  assert.deepEqual(
    { ...result.loaded, message: undefined },
    { name: "EngineCrashed", code: "EngineCrashed", message: undefined },
    JSON.stringify(result),
  );
  assert.match(result.loaded.message, /The engine stopped .*Open the file again/);
  assert.equal(result.after, "EngineCrashed");
  assert.equal(result.closed, true);
  assert.equal(result.otherRows, 20_000);
  assert.equal(result.stillOpen, 1);
});

test("running out of wasm memory loses that dataset only; the file opens again", async () => {
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver();
    const [big, small] = document.getElementById("file").files;
    const [ds, other] = [quiver.open(big), quiver.open(small)];
    await Promise.all([ds.loaded, other.loaded]);
    const started = performance.now();
    const crash = await ds.exhaustMemoryForTesting().then(
      () => null,
      (e) => ({ name: e.name, code: e.code, message: e.message }),
    );
    const ms = performance.now() - started;
    const otherRows = (await other.info()).numRows;
    const again = quiver.open(big);
    const reopened = (await again.loaded).numRows;
    again.close();
    other.close();
    return { crash, ms, closed: ds.closed, otherRows, reopened };
  });
  assert.equal(result.crash?.code, "EngineCrashed", JSON.stringify(result));
  assert.match(result.crash.message, /The engine stopped .*Open the file again/);
  assert.equal(result.closed, true);
  assert.equal(result.otherRows, 20_000);
  assert.equal(result.reopened, 50_000);
});

test("files loading at the same time share the memory budget", async () => {
  const result = await page.evaluate(async () => {
    const [a, b] = document.getElementById("file").files;
    // A roomy budget: two files at once both load.
    const roomy = new window.Quiver({ memoryBudgetBytes: 100_000_000 });
    const both = [roomy.open(a), roomy.open(b)];
    const infos = await Promise.all(both.map((d) => d.loaded));
    both.forEach((d) => d.close());
    // A budget that holds the 50,000-row file's table (about 2.4 MB) once
    // but not twice: opened twice at once, one copy loads and the other
    // stops early (before, each was given the whole budget, both loaded,
    // and together they held more than the budget).
    const tight = new window.Quiver({ memoryBudgetBytes: 4_000_000 });
    const copies = [tight.open(a), tight.open(a)];
    const outcomes = await Promise.allSettled(copies.map((d) => d.loaded));
    const held = (await Promise.all(copies.map((d) => d.info()))).map((i) => i.memoryBytes);
    copies.forEach((d) => d.close());
    return {
      roomy: infos.map((i) => i.numRows),
      tight: outcomes.map((o) => (o.status === "fulfilled" ? "ok" : o.reason.code)),
      held,
    };
  });
  assert.deepEqual(result.roomy, [50_000, 20_000]);
  assert.deepEqual([...result.tight].sort(), ["MemoryLimit", "ok"], JSON.stringify(result));
  const loadedCopy = result.tight.indexOf("ok");
  assert.ok(result.held[loadedCopy] > 2_000_000 && result.held[loadedCopy] <= 4_000_000, JSON.stringify(result));
});

test("a file over the memory budget stops early with the size it needs", async () => {
  const big = await salesFile(600_000);
  await page.setInputFiles("#file", big);
  const result = await page.evaluate(async () => {
    const quiver = new window.Quiver({ memoryBudgetBytes: 5_000_000 });
    const ds = quiver.open(document.getElementById("file").files[0]);
    const error = await ds.loaded.then(() => null, (e) => ({ code: e.code, message: e.message }));
    const info = await ds.info();
    ds.close();
    return { error, bytesRead: info.bytesRead, size: document.getElementById("file").files[0].size };
  });
  assert.equal(result.error?.code, "MemoryLimit", JSON.stringify(result));
  assert.match(result.error.message, /This file needs about \d+ MB of memory, more than the limit of 5.0 MB/);
  assert.ok(result.bytesRead < result.size / 2, `stopped after ${result.bytesRead} of ${result.size} bytes`);
});
