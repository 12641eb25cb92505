// End-to-end: the dialect corpus (tests/data/dialects: CP949, Windows-1252,
// Excel's UTF-16 "Unicode text", a European CP949 export with sep=;, decimal
// commas and day-first dates, a US export with comments, quoted thousands,
// AM/PM times and a repeated header) through the public client, in one
// worker and in 3 byte ranges: the encoding, schema (with dialects), rows
// and warnings expected.json names. And a CP949 file cut into 4 ranges at
// offsets inside two-byte characters reads as in one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, plainPage } from "./harness.mjs";

const DIR = join(ROOT, "tests/data/dialects");
const expected = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8"));
const names = Object.keys(expected);
let page, closePage;

before(async () => {
  // A larger CP949 file: the data lines repeated (bytes, as Node cannot encode CP949).
  const bytes = readFileSync(join(DIR, "cp949.csv"));
  const headerEnd = bytes.indexOf(0x0a) + 1;
  const body = bytes.subarray(headerEnd);
  const big = Buffer.concat([bytes.subarray(0, headerEnd), ...Array.from({ length: 20_000 }, () => body)]);
  const dir = join(ROOT, "tests/data/generated");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cp949-big.csv"), big);
  ({ page, close: closePage } = await plainPage([...names.map((n) => join(DIR, n)), join(dir, "cp949-big.csv")]));
});

after(async () => {
  await closePage?.();
});

function load(index, shards) {
  return page.evaluate(
    async ({ index, shards }) => {
      const quiver = new window.Quiver();
      const file = document.getElementById("file").files[index];
      const ds = quiver.open(file, { shards });
      const info = await ds.loaded;
      const rows = await ds.rows(0, info.numRows);
      ds.close();
      return {
        encoding: info.encoding,
        guessed: info.encodingGuessed,
        schema: info.schema.map((c) => [c.name, c.kind, c.dialect ?? null]),
        rows,
        warnings: info.warnings.map((w) => w.kind),
      };
    },
    { index, shards },
  );
}

for (const [index, name] of names.entries()) {
  test(`${name}: encoding, schema, rows and warnings, in 1 worker and in 3 ranges`, async () => {
    const want = expected[name];
    for (const shards of [1, 3]) {
      const got = await load(index, shards);
      assert.ok(got.encoding.startsWith(want.encoding), `${shards} shards: ${got.encoding}`);
      assert.equal(got.guessed, want.guessed, `${shards} shards`);
      assert.deepEqual(got.schema, want.schema, `${shards} shards`);
      assert.deepEqual(got.rows, want.rows, `${shards} shards`);
      assert.deepEqual(got.warnings, want.warnings, `${shards} shards`);
    }
  });
}

test("a CP949 file in 4 ranges (cuts inside two-byte characters) reads as in one", async () => {
  const one = await load(names.length, 1);
  const four = await load(names.length, 4);
  assert.equal(one.rows.length, 60_000);
  assert.equal(one.encoding, "EUC-KR (CP949, Korean)");
  assert.deepEqual(one.rows[59_999], { 날짜: "2024-01-04", 부서: "총무부, 본사", 금액: 900 });
  assert.deepEqual(four.schema, one.schema);
  assert.deepEqual(four.rows, one.rows);
  assert.deepEqual(four.warnings, one.warnings);
});
