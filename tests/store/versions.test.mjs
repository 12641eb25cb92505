// One version per read: a GET streams exactly one version, with that
// version's length and ETag, or fails cleanly — never the old length with
// the new bytes, never an ETag that does not match the body. Files are
// replaced (and deleted) while many reads run. Runs against every server in
// servers.mjs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { servers, stopAll } from "./servers.mjs";
import { sha256, put } from "./harness.mjs";

after(stopAll);

for (const launcher of servers) {
  describe(`store contract, one version per read [${launcher.name}]`, () => {
    let server;
    before(async () => {
      server = await launcher.start();
    });
    after(() => server?.stop());

    test("replacing a file while it is read many times: every read's body matches its ETag and length", { timeout: 180_000 }, async () => {
      // Different lengths, so the old length with the new body would show.
      const versions = [randomBytes(3_000_000), randomBytes(2_000_000), randomBytes(1_000_003)];
      const byTag = new Map(versions.map((v) => [`"${sha256(v)}"`, v]));
      assert.equal((await put(server, "hot.csv", versions[0])).status, 201);
      let writing = true;
      let writes = 0;
      const writer = (async () => {
        for (let i = 1; writing; i++) {
          const r = await put(server, "hot.csv", versions[i % versions.length]);
          assert.equal(r.status, 201);
          writes++;
        }
      })();
      const results = { whole: 0, ranged: 0, failedCleanly: 0, seen: new Set() };
      const mismatches = [];
      const reader = async (id) => {
        for (let n = 0; n < 60; n++) {
          const ranged = n % 3 === 2;
          const start = 1000 * id + n;
          try {
            const r = await fetch(`${server.url}/files/hot.csv`, ranged ? { headers: { range: `bytes=${start}-${start + 99_999}` } } : {});
            const tag = r.headers.get("etag");
            const body = Buffer.from(await r.arrayBuffer());
            const version = byTag.get(tag);
            if (!version) {
              mismatches.push(`read ${id}/${n}: unknown ETag ${tag} (status ${r.status})`);
              continue;
            }
            results.seen.add(tag);
            if (ranged) {
              assert.equal(r.status, 206);
              const expected = version.subarray(start, start + 100_000);
              if (!body.equals(expected) || r.headers.get("content-range") !== `bytes ${start}-${start + 99_999}/${version.length}`) {
                mismatches.push(`ranged read ${id}/${n}: bytes or Content-Range not of version ${tag}`);
              }
              results.ranged++;
            } else {
              if (Number(r.headers.get("content-length")) !== version.length) mismatches.push(`read ${id}/${n}: Content-Length ${r.headers.get("content-length")} for a ${version.length}-byte version`);
              if (sha256(body) !== sha256(version)) mismatches.push(`read ${id}/${n}: body (${body.length} bytes) is not version ${tag}`);
              results.whole++;
            }
          } catch {
            results.failedCleanly++; // a cut stream is an error the client sees, not a wrong file
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, id) => reader(id)));
      writing = false;
      await writer;
      console.log(
        `[${launcher.name}] ${results.whole} whole and ${results.ranged} ranged reads during ${writes} replacements: ${mismatches.length} mismatched, ${results.failedCleanly} failed cleanly, ${results.seen.size} versions seen`,
      );
      assert.deepEqual(mismatches, []);
      assert.ok(writes >= 10, `only ${writes} replacements happened during the reads`);
      assert.ok(results.seen.size >= 2, "the reads saw more than one version");
      assert.ok(results.whole + results.ranged >= 400, "most reads completed");
    });

    test("a file deleted while it streams: the read completes whole or fails, never short and silent", async () => {
      const body = randomBytes(24_000_000);
      assert.equal((await put(server, "going.csv", body)).status, 201);
      const r = await fetch(`${server.url}/files/going.csv`);
      const reader = r.body.getReader();
      const first = await reader.read();
      assert.equal((await fetch(`${server.url}/files/going.csv`, { method: "DELETE" })).status, 204);
      let received = [Buffer.from(first.value)];
      let outcome;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          received.push(Buffer.from(value));
        }
        outcome = Buffer.concat(received).equals(body) ? "whole" : "WRONG";
      } catch {
        outcome = "failed";
      }
      assert.notEqual(outcome, "WRONG");
      assert.equal((await fetch(`${server.url}/files/going.csv`)).status, 404);
    });
  });
}
