// Conditional requests: a stale If-Range gets the whole file (200), not a
// range of a version the client does not have; If-Match and
// If-None-Match: * on PUT (and If-Match on DELETE) let a client avoid
// overwriting a version it has not seen — also when several race. Runs
// against every server in servers.mjs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { servers, stopAll } from "./servers.mjs";
import { sha256, put, postForm, assertJsonError } from "./harness.mjs";

after(stopAll);

for (const launcher of servers) {
  describe(`store contract, conditional requests [${launcher.name}]`, () => {
    let server;
    before(async () => {
      server = await launcher.start();
    });
    after(() => server?.stop());

    test("If-Range: a current ETag or date gets the range (206); a stale one gets the whole file (200)", async () => {
      const first = randomBytes(10_000);
      const one = await (await put(server, "if-range.bin", first)).json();
      const got = await fetch(`${server.url}/files/if-range.bin`, { method: "HEAD" });
      const date = got.headers.get("last-modified");
      const ranged = (ifRange) => fetch(`${server.url}/files/if-range.bin`, { headers: { range: "bytes=100-199", "if-range": ifRange } });
      let r = await ranged(`"${one.sha256}"`);
      assert.equal(r.status, 206);
      assert.deepEqual(Buffer.from(await r.arrayBuffer()), first.subarray(100, 200));
      r = await ranged(date);
      assert.equal(r.status, 206, "a matching date");
      await r.arrayBuffer();
      // The file changes: the client's validator is now stale.
      const second = randomBytes(12_000);
      const two = await (await put(server, "if-range.bin", second)).json();
      for (const stale of [`"${one.sha256}"`, "Thu, 01 Jan 2015 00:00:00 GMT", `W/"${two.sha256}"`, "not a validator"]) {
        r = await ranged(stale);
        assert.equal(r.status, 200, `If-Range ${stale}`);
        assert.equal(r.headers.get("content-range"), null);
        assert.equal(r.headers.get("etag"), `"${two.sha256}"`);
        assert.equal(sha256(Buffer.from(await r.arrayBuffer())), two.sha256, `If-Range ${stale}: the whole new file`);
      }
      r = await ranged(`"${two.sha256}"`);
      assert.equal(r.status, 206);
      assert.deepEqual(Buffer.from(await r.arrayBuffer()), second.subarray(100, 200));
    });

    test("If-None-Match: * creates only; If-Match replaces only the version named; both before the body is stored", async () => {
      const before = await server.stored();
      const v1 = Buffer.from("version 1\n");
      let r = await put(server, "guarded.csv", v1, { headers: { "if-none-match": "*" } });
      assert.equal(r.status, 201);
      const one = await r.json();
      const afterFirst = await server.stored();
      await assertJsonError(await put(server, "guarded.csv", "overwrite", { headers: { "if-none-match": "*" } }), 412, "precondition_failed", "exists");
      await assertJsonError(await put(server, "guarded.csv", "overwrite", { headers: { "if-match": `"${sha256("something else")}"` } }), 412, "precondition_failed", "stale If-Match");
      await assertJsonError(await put(server, "absent.csv", "x", { headers: { "if-match": "*" } }), 412, "precondition_failed", "If-Match * on no file");
      await assertJsonError(await put(server, "absent.csv", "x", { headers: { "if-match": `"${one.sha256}"` } }), 412, "precondition_failed", "If-Match on no file");
      assert.deepEqual(await server.stored(), afterFirst, "refused writes stored nothing");
      assert.equal(await (await fetch(`${server.url}/files/guarded.csv`)).text(), "version 1\n");
      r = await put(server, "guarded.csv", "version 2\n", { headers: { "if-match": `"${one.sha256}"` } });
      assert.equal(r.status, 201);
      const two = await r.json();
      r = await put(server, "guarded.csv", "version 3\n", { headers: { "if-match": `"${one.sha256}"` } });
      const refused = await assertJsonError(r, 412, "precondition_failed", "the version seen was replaced");
      assert.match(refused.error.message, new RegExp(two.sha256));
      // A large upload is refused before its body is stored.
      r = await put(server, "guarded.csv", randomBytes(30_000_000), { headers: { "if-none-match": "*" } });
      await assertJsonError(r, 412, "precondition_failed", "large");
      assert.deepEqual(await server.staged(), []);
      // DELETE with If-Match.
      await assertJsonError(await fetch(`${server.url}/files/guarded.csv`, { method: "DELETE", headers: { "if-match": `"${one.sha256}"` } }), 412, "precondition_failed", "DELETE");
      assert.equal((await fetch(`${server.url}/files/guarded.csv`, { method: "DELETE", headers: { "if-match": `"${two.sha256}"` } })).status, 204);
      assert.deepEqual((await server.stored()).sort(), before.sort());
      // GET with If-Match.
      await put(server, "read.csv", "x");
      await assertJsonError(await fetch(`${server.url}/files/read.csv`, { headers: { "if-match": '"nope"' } }), 412, "precondition_failed", "GET If-Match");
    });

    test("ten uploads racing with If-None-Match: * — exactly one creates the file, the others get 412", async () => {
      const bodies = Array.from({ length: 10 }, () => randomBytes(3_000_000));
      const answers = await Promise.all(bodies.map((b) => put(server, "race.csv", b, { headers: { "if-none-match": "*" } })));
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [201, ...Array(9).fill(412)]);
      const winner = await answers.find((a) => a.status === 201).json();
      const stored = Buffer.from(await (await fetch(`${server.url}/files/race.csv`)).arrayBuffer());
      assert.equal(sha256(stored), winner.sha256);
      for (const a of answers.filter((a) => a.status === 412)) await a.arrayBuffer();
      assert.deepEqual(await server.staged(), []);
      // Likewise ten racing If-Match on the same version: one wins. (New bodies: a
      // replacement with the winner's own bytes would keep its ETag, rightly.)
      const others = Array.from({ length: 10 }, () => randomBytes(3_000_000));
      const replacing = await Promise.all(others.map((b) => put(server, "race.csv", b, { headers: { "if-match": `"${winner.sha256}"` } })));
      assert.deepEqual(replacing.map((a) => a.status).sort(), [201, ...Array(9).fill(412)]);
    });

    test("a form with If-None-Match: * stores none of its files if one exists", async () => {
      await put(server, "form-exists.csv", "already here");
      const form = new FormData();
      form.append("file", new Blob(["new"]), "form-new.csv");
      form.append("file", new Blob(["replacement"]), "form-exists.csv");
      await assertJsonError(await postForm(server, form, { "if-none-match": "*" }), 412, "precondition_failed");
      assert.equal((await fetch(`${server.url}/files/form-new.csv`)).status, 404);
      assert.equal(await (await fetch(`${server.url}/files/form-exists.csv`)).text(), "already here");
    });
  });
}
