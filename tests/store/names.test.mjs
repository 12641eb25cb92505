// File names under attack: paths that reach outside the store in every
// encoding, names at and past the 255-byte limit (in ASCII and in scripts
// whose percent-encoding triples them), and names that deceive a person
// (text-direction overrides, zero-width characters, Windows device names,
// trailing dots). Each refused name leaves nothing written; each allowed one
// round-trips with its checksum. Runs against every server in servers.mjs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { servers, stopAll } from "./servers.mjs";
import { sha256, put, postForm, rawRequest, assertJsonError } from "./harness.mjs";

after(stopAll);
const enc = encodeURIComponent;

for (const launcher of servers) {
  describe(`store contract, names [${launcher.name}]`, () => {
    let server;
    before(async () => {
      server = await launcher.start();
    });
    after(() => server?.stop());

    test("names that could reach outside the store are refused, and nothing is written", async () => {
      const before = await server.stored();
      for (const name of ["..", "%2e%2e", "..%2fescape.csv", "%2e%2e%2f%2e%2e%2fescape.csv", "a%2fb.csv", "%2fetc%2fpasswd", "x%00y.csv", "x%0Ay.csv", ".hidden", "..%5c..%5cwin.csv", "C:evil.csv", "n".repeat(256), "%ff%fe.csv", "%c0%ae%c0%ae"]) {
        const r = await put(server, name, "data");
        assert.ok([400, 404].includes(r.status), `${name}: ${r.status}`);
        const error = await r.json();
        assert.ok(["invalid_name", "no_route"].includes(error.error.code), `${name}: ${JSON.stringify(error)}`);
      }
      // Paths a client would normally tidy up, sent as they are.
      for (const path of ["/files/../escape.csv", "/files/..%2Fescape.csv", "/files/%2E%2E/escape.csv", "//etc/passwd", "/files//etc/passwd", "/files/a/../../b.csv"]) {
        const answer = await rawRequest(server, `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\n`, Buffer.from("data"));
        assert.ok([400, 404].includes(answer.status), `${path}: ${answer.status}`);
      }
      assert.deepEqual(await server.stored(), before, "no file was written");
      assert.equal((await (await fetch(`${server.url}/files`)).json()).total, 0);
    });

    test("names of 249 to 255 bytes round-trip whole; 256 bytes is refused before anything is stored", async () => {
      for (let length = 249; length <= 255; length++) {
        const name = `${"n".repeat(length - 4)}.csv`;
        const body = Buffer.from(`name of ${length} bytes\n`);
        const created = await put(server, enc(name), body);
        assert.equal(created.status, 201, `${length} bytes`);
        const stored = await created.json();
        assert.equal(stored.sha256, sha256(body), `${length} bytes`);
        const listed = (await (await fetch(`${server.url}/files?limit=1000`)).json()).files.find((f) => f.name === name);
        assert.deepEqual(listed, stored, `${length} bytes: listed with its checksum`);
        assert.equal(sha256(Buffer.from(await (await fetch(`${server.url}/files/${enc(name)}`)).arrayBuffer())), stored.sha256);
        assert.equal((await fetch(`${server.url}/files/${enc(name)}`, { method: "DELETE" })).status, 204);
      }
      const before = await server.stored();
      await assertJsonError(await put(server, enc(`${"n".repeat(252)}.csv`), "x"), 400, "invalid_name", "256 bytes");
      assert.deepEqual(await server.stored(), before);
    });

    test("names whose percent-encoding is longer than 255 bytes (CJK) round-trip; past 255 bytes of UTF-8 they are refused", async () => {
      for (const count of [28, 60, 83]) {
        const name = `${"表".repeat(count)}.csv`; // 3 bytes each in UTF-8, 9 percent-encoded
        assert.ok(enc(name).length > 255);
        const body = Buffer.from(`${count} characters\n`);
        const created = await put(server, enc(name), body);
        assert.equal(created.status, 201, `${count} CJK characters (${Buffer.byteLength(name)} bytes)`);
        assert.equal((await created.json()).name, name);
        const got = await fetch(`${server.url}/files/${enc(name)}`);
        assert.equal(sha256(Buffer.from(await got.arrayBuffer())), sha256(body));
      }
      const listed = (await (await fetch(`${server.url}/files?limit=1000`)).json()).files;
      assert.equal(listed.filter((f) => f.name.startsWith("表")).length, 3);
      assert.ok(listed.every((f) => f.sha256.length === 64), "every file listed with a checksum");
      const before = await server.stored();
      await assertJsonError(await put(server, enc("表".repeat(86)), "x"), 400, "invalid_name", "258 bytes of UTF-8");
      // The same through a form.
      const form = new FormData();
      form.append("file", new Blob(["x"]), "表".repeat(86));
      await assertJsonError(await postForm(server, form), 400, "invalid_name", "a form");
      assert.deepEqual(await server.stored(), before);
    });

    test("names that deceive a person are refused (overrides, invisible characters, Windows devices, trailing dots)", async () => {
      const before = await server.stored();
      const deceptive = [
        "invoice\u202Efdp.exe", // shows as "invoiceexe.pdf"
        "report\u200B.csv",
        "\u200Dsales.csv",
        "\uFEFFsales.csv",
        "sales\u2066.csv",
        "soft\u00ADhyphen.csv",
        "tag\u{E0041}.csv",
        "CON",
        "con.csv",
        "NUL",
        "aux.csv",
        "COM1",
        "lpt9.txt",
        "CON .csv",
        "report.csv.",
        "report.",
        "what?.csv",
        "a:b.csv",
      ];
      for (const name of deceptive) {
        await assertJsonError(await put(server, enc(name), "x"), 400, "invalid_name", JSON.stringify(name));
        const form = new FormData();
        form.append("file", new Blob(["x"]), name);
        await assertJsonError(await postForm(server, form), 400, "invalid_name", `form ${JSON.stringify(name)}`);
      }
      assert.deepEqual(await server.stored(), before, "nothing was written");
      // Near misses are ordinary names.
      for (const name of ["console.csv", "COM10.csv", "nul-results.csv", "con-ed.csv"]) {
        assert.equal((await put(server, enc(name), "x")).status, 201, name);
      }
    });

    test("a name is one file however its accents are encoded (NFC)", async () => {
      const decomposed = "cafe\u0301.csv";
      const composed = "caf\u00e9.csv";
      const created = await put(server, enc(decomposed), "first");
      assert.equal(created.status, 201);
      assert.equal((await created.json()).name, composed);
      assert.equal(await (await fetch(`${server.url}/files/${enc(composed)}`)).text(), "first");
      assert.equal((await put(server, enc(composed), "second")).status, 201);
      assert.equal(await (await fetch(`${server.url}/files/${enc(decomposed)}`)).text(), "second");
      const listed = (await (await fetch(`${server.url}/files?limit=1000`)).json()).files.filter((f) => f.name.normalize("NFC") === composed);
      assert.equal(listed.length, 1);
    });
  });
}
