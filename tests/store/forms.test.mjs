// A multipart form is stored whole or not at all: a form that fails after
// its first file (a refused name, an oversized file, two files of one name,
// a connection cut) leaves no file of it stored or replaced, and nothing
// staged. Runs against every server in servers.mjs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { servers, stopAll } from "./servers.mjs";
import { sha256, put, postForm, rawRequest, assertJsonError, eventually } from "./harness.mjs";

after(stopAll);

for (const launcher of servers) {
  describe(`store contract, forms all or nothing [${launcher.name}]`, () => {
    let server;
    before(async () => {
      server = await launcher.start({ maxBytes: 8_000_000 });
      assert.equal((await put(server, "kept-a.csv", "old a\n")).status, 201);
      assert.equal((await put(server, "kept-b.csv", "old b\n")).status, 201);
    });
    after(() => server?.stop());

    /** Asserts the store holds exactly what it held before (nothing staged, nothing replaced). */
    async function unchanged(before, label) {
      const clean = await eventually(async () => (await server.staged()).length === 0 && (await server.stored()).sort().join() === before.sort().join());
      assert.ok(clean, `${label}: ${JSON.stringify({ staged: await server.staged(), stored: await server.stored(), before })}`);
      assert.equal(await (await fetch(`${server.url}/files/kept-a.csv`)).text(), "old a\n", label);
      assert.equal(await (await fetch(`${server.url}/files/kept-b.csv`)).text(), "old b\n", label);
      const names = (await (await fetch(`${server.url}/files`)).json()).files.map((f) => f.name);
      assert.deepEqual(names, ["kept-a.csv", "kept-b.csv"], label);
    }

    test("a form that fails after its first files stores none of them and replaces nothing", async () => {
      const before = await server.stored();
      const big = randomBytes(6_500_000); // more than one S3 part
      const cases = [
        ["a refused second name", [["new-1.csv", big], ["kept-a.csv", "new a"], ["../x.csv", "y"]], 400, "invalid_name"],
        ["an oversized last file", [["kept-a.csv", "new a"], ["kept-b.csv", "new b"], ["huge.csv", randomBytes(8_000_001)]], 413, "too_large"],
        ["two files of one name", [["kept-b.csv", big], ["new-2.csv", "x"], ["kept-b.csv", "again"]], 400, "duplicate_name"],
      ];
      for (const [label, files, status, code] of cases) {
        const form = new FormData();
        for (const [name, content] of files) form.append("file", new Blob([content]), name);
        await assertJsonError(await postForm(server, form), status, code, label);
        await unchanged(before, label);
      }
    });

    test("a form cut off in its second file stores none of it", async () => {
      const before = await server.stored();
      const boundary = "----formcut";
      const first = randomBytes(6_000_000);
      const second = randomBytes(6_000_000);
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="kept-a.csv"\r\n\r\n`),
        first,
        Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut-second.csv"\r\n\r\n`),
        second,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const cut = await rawRequest(
        server,
        `POST /files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Requested-With: t\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
        { cutAfter: first.length + 3_000_000 },
      );
      assert.equal(cut, null);
      await unchanged(before, "cut in the second file");
    });

    test("a whole form replaces all its files at once", async () => {
      const form = new FormData();
      const a = randomBytes(6_400_000);
      form.append("file", new Blob([a]), "kept-a.csv");
      form.append("file", new Blob(["new b\n"]), "kept-b.csv");
      const created = await postForm(server, form);
      assert.equal(created.status, 201);
      assert.equal(sha256(Buffer.from(await (await fetch(`${server.url}/files/kept-a.csv`)).arrayBuffer())), sha256(a));
      assert.equal(await (await fetch(`${server.url}/files/kept-b.csv`)).text(), "new b\n");
      assert.deepEqual(await server.staged(), []);
    });
  });
}
