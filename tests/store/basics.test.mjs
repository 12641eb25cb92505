// The file store's HTTP contract, the everyday part: round trips, forms,
// ranges, size caps, cut connections, concurrent uploads, token and CORS,
// and one large file with the server's memory flat. Runs against every
// server in servers.mjs (the Rust store on disk and on S3 today).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { servers, stopAll } from "./servers.mjs";
import { sha256, put, postForm, rawRequest, assertJsonError, eventually } from "./harness.mjs";

after(stopAll);

for (const launcher of servers) {
  describe(`store contract, basics [${launcher.name}]`, () => {
    let server;
    before(async () => {
      server = await launcher.start();
    });
    after(() => server?.stop());

    test("a file goes in, is listed with its checksum and comes back byte for byte", async () => {
      const body = randomBytes(12_000_000); // more than two S3 parts
      const created = await put(server, "round trip.csv", body);
      assert.equal(created.status, 201);
      const stored = await created.json();
      assert.equal(stored.name, "round trip.csv");
      assert.equal(stored.size, body.length);
      assert.equal(stored.sha256, sha256(body));
      assert.match(stored.uploaded, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(created.headers.get("etag"), `"${stored.sha256}"`);

      const listed = await (await fetch(`${server.url}/files`)).json();
      assert.deepEqual(listed.files.find((f) => f.name === "round trip.csv"), stored);

      const got = await fetch(`${server.url}/files/round%20trip.csv`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get("content-length"), String(body.length));
      assert.equal(got.headers.get("accept-ranges"), "bytes");
      assert.equal(got.headers.get("etag"), `"${stored.sha256}"`);
      assert.equal(got.headers.get("content-type"), "text/csv");
      assert.ok(Date.parse(got.headers.get("last-modified")) > 0);
      assert.equal(sha256(Buffer.from(await got.arrayBuffer())), stored.sha256);

      const again = await fetch(`${server.url}/files/round%20trip.csv`, { headers: { "if-none-match": `"${stored.sha256}"` } });
      assert.equal(again.status, 304);
      const head = await fetch(`${server.url}/files/round%20trip.csv`, { method: "HEAD" });
      assert.equal(head.headers.get("content-length"), String(body.length));

      assert.equal((await fetch(`${server.url}/files/round%20trip.csv`, { method: "DELETE" })).status, 204);
      await assertJsonError(await fetch(`${server.url}/files/round%20trip.csv`), 404, "not_found");
      await assertJsonError(await fetch(`${server.url}/files/round%20trip.csv`, { method: "DELETE" }), 404, "not_found");
      assert.deepEqual(await server.staged(), []);
    });

    test("a multipart form upload (as an HTML form sends) stores each file under its name", async () => {
      const a = randomBytes(6_500_000);
      const b = Buffer.from("id,x\n1,2\n");
      const form = new FormData();
      form.append("note", "not a file");
      form.append("file", new Blob([a]), "form-a.csv");
      form.append("file", new Blob([b]), "form-b.csv");
      const created = await postForm(server, form);
      assert.equal(created.status, 201);
      const { files } = await created.json();
      assert.deepEqual(files.map((f) => [f.name, f.size, f.sha256]), [["form-a.csv", a.length, sha256(a)], ["form-b.csv", b.length, sha256(b)]]);
      assert.equal(sha256(Buffer.from(await (await fetch(`${server.url}/files/form-a.csv`)).arrayBuffer())), sha256(a));
      const bad = new FormData();
      bad.append("file", new Blob(["x"]), "../escape.csv");
      await assertJsonError(await postForm(server, bad), 400, "invalid_name");
      await assertJsonError(await postForm(server, new FormData()), 400, "no_file");
    });

    test("single Range requests: 206 with Content-Range, 416 past the end, whole file otherwise", async () => {
      const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      assert.equal((await put(server, "ranges.bin", body)).status, 201);
      const range = async (spec) => {
        const r = await fetch(`${server.url}/files/ranges.bin`, { headers: { range: spec } });
        return { status: r.status, contentRange: r.headers.get("content-range"), length: r.headers.get("content-length"), bytes: Buffer.from(await r.arrayBuffer()) };
      };
      for (const [spec, start, end] of [["bytes=0-0", 0, 0], ["bytes=10-19", 10, 19], ["bytes=990-5000", 990, 999], ["bytes=999-", 999, 999], ["bytes=-5", 995, 999], ["bytes=-5000", 0, 999], ["bytes=500-", 500, 999]]) {
        const r = await range(spec);
        assert.equal(r.status, 206, spec);
        assert.equal(r.contentRange, `bytes ${start}-${end}/1000`, spec);
        assert.equal(r.length, String(end - start + 1), spec);
        assert.deepEqual(r.bytes, body.subarray(start, end + 1), spec);
      }
      for (const spec of ["bytes=1000-", "bytes=1000-2000", "bytes=-0"]) {
        const r = await fetch(`${server.url}/files/ranges.bin`, { headers: { range: spec } });
        assert.equal(r.headers.get("content-range"), "bytes */1000", spec);
        await assertJsonError(r, 416, "range_not_satisfiable", spec);
      }
      for (const spec of ["bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=x-"]) {
        const r = await range(spec);
        assert.equal(r.status, 200, spec);
        assert.equal(r.bytes.length, 1000, spec);
      }
    });

    test("an oversized upload is refused and leaves nothing, with or without a declared length, or in a form", async () => {
      const small = await launcher.start({ maxBytes: 1_000_000 });
      try {
        const before = await small.stored();
        await assertJsonError(await put(small, "big.csv", randomBytes(2_000_000)), 413, "too_large", "declared");
        // Streamed without a length: refused once the cap is passed.
        const chunks = Array.from({ length: 40 }, () => randomBytes(100_000));
        const stream = new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.pop()) : c.close()) });
        const streamed = await put(small, "big.csv", stream, { duplex: "half" }).catch((e) => e);
        if (!(streamed instanceof Error)) await assertJsonError(streamed, 413, "too_large", "streamed");
        const form = new FormData();
        form.append("file", new Blob([randomBytes(2_000_000)]), "big-form.csv");
        await assertJsonError(await postForm(small, form), 413, "too_large", "form");
        assert.deepEqual(await eventually(async () => (await small.staged()).length === 0 && (await small.stored()).join() === before.join()), true);
        assert.equal((await (await fetch(`${small.url}/files`)).json()).total, 0);
        // A file under the cap still goes in.
        assert.equal((await put(small, "ok.csv", randomBytes(999_999))).status, 201);
      } finally {
        await small.stop();
      }
    });

    test("a connection cut mid-upload leaves nothing (plain PUT and form)", async () => {
      const before = await server.stored();
      const body = randomBytes(20_000_000);
      const cut = await rawRequest(server, `PUT /files/cut.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n`, body, { cutAfter: 12_000_000 });
      assert.equal(cut, null);
      const boundary = "----cut";
      const formBody = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut-form.csv"\r\n\r\n`), body]);
      await rawRequest(
        server,
        `POST /files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Requested-With: t\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${formBody.length + 100}\r\n\r\n`,
        formBody,
        { cutAfter: 9_000_000 },
      );
      const clean = await eventually(async () => (await server.staged()).length === 0 && (await server.stored()).join() === before.join());
      assert.ok(clean, `left behind: ${JSON.stringify({ staged: await server.staged(), stored: await server.stored(), before })}`);
      const listed = (await (await fetch(`${server.url}/files`)).json()).files.map((f) => f.name);
      assert.ok(!listed.includes("cut.csv") && !listed.includes("cut-form.csv"), listed.join());
    });

    test("20 parallel uploads all land whole; five to one name leave one complete version", async () => {
      const bodies = Array.from({ length: 20 }, (_, i) => randomBytes(500_000 + i * 37_001));
      const names = bodies.map((_, i) => (i < 15 ? `parallel-${String(i).padStart(2, "0")}.csv` : "same-name.csv"));
      const answers = await Promise.all(bodies.map((b, i) => put(server, names[i], b)));
      assert.deepEqual(answers.map((a) => a.status), Array(20).fill(201));
      const listed = (await (await fetch(`${server.url}/files?limit=1000`)).json()).files;
      for (let i = 0; i < 15; i++) assert.equal(listed.find((f) => f.name === names[i]).sha256, sha256(bodies[i]));
      const same = Buffer.from(await (await fetch(`${server.url}/files/same-name.csv`)).arrayBuffer());
      const winner = listed.find((f) => f.name === "same-name.csv");
      assert.equal(sha256(same), winner.sha256);
      assert.ok(bodies.slice(15).some((b) => sha256(b) === winner.sha256));
      // Paging, by name; a limit over 1000 is clamped to 1000.
      assert.equal((await (await fetch(`${server.url}/files?limit=5000`)).json()).limit, 1000);
      const page = await (await fetch(`${server.url}/files?offset=2&limit=3`)).json();
      assert.equal(page.files.length, 3);
      assert.deepEqual(page.files.map((f) => f.name), listed.slice(2, 5).map((f) => f.name));
      assert.deepEqual([...listed.map((f) => f.name)].sort(), listed.map((f) => f.name));
      // The four replaced versions of same-name.csv are gone from storage, not just unlisted.
      assert.deepEqual(await server.staged(), []);
    });

    test("a token, when configured, is required on every route; CORS answers the app's origin only", async () => {
      const guarded = await launcher.start({ token: "s3cret", corsOrigins: ["http://127.0.0.1:5173"] });
      try {
        for (const [method, path] of [["GET", "/files"], ["GET", "/files/x.csv"], ["PUT", "/files/x.csv"], ["DELETE", "/files/x.csv"], ["POST", "/uploads"], ["GET", "/health"]]) {
          await assertJsonError(await fetch(`${guarded.url}${path}`, { method, body: method === "PUT" ? "x" : undefined }), 401, "unauthorized", `${method} ${path}`);
          await assertJsonError(await fetch(`${guarded.url}${path}`, { method, headers: { authorization: "Bearer s3cre" } }), 401, "unauthorized", `${method} ${path}, a prefix`);
        }
        assert.equal((await fetch(`${guarded.url}/files`, { headers: { authorization: "Bearer s3cret" } })).status, 200);
        const preflight = (origin) =>
          fetch(`${guarded.url}/files/x.csv`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "authorization" } });
        assert.equal((await preflight("http://127.0.0.1:5173")).headers.get("access-control-allow-origin"), "http://127.0.0.1:5173");
        assert.equal((await preflight("http://evil.example")).headers.get("access-control-allow-origin"), null);
      } finally {
        await guarded.stop();
      }
    });

    test(`a large upload (${launcher.scale.large >> 20} MiB) and download stream through with the server's memory flat`, { timeout: 600_000 }, async () => {
      const fresh = await launcher.start();
      try {
        const idle = fresh.memory();
        const chunk = randomBytes(1 << 20);
        const total = launcher.scale.large >> 20; // MiB
        const hash = createHash("sha256");
        let sent = 0;
        const body = new ReadableStream({
          pull(controller) {
            if (sent === total) return controller.close();
            const piece = Buffer.from(chunk); // varied, so the file is not one repeated block
            piece.writeUInt32LE(sent, 0);
            hash.update(piece);
            sent++;
            controller.enqueue(piece);
          },
        });
        let started = performance.now();
        const created = await put(fresh, "large.csv", body, { duplex: "half" });
        const uploadSeconds = (performance.now() - started) / 1000;
        assert.equal(created.status, 201);
        const stored = await created.json();
        assert.equal(stored.size, total << 20);
        assert.equal(stored.sha256, hash.digest("hex"));
        const afterUpload = fresh.memory();
        started = performance.now();
        const got = await fetch(`${fresh.url}/files/large.csv`);
        assert.equal(got.headers.get("content-length"), String(total << 20));
        const back = createHash("sha256");
        let received = 0;
        for await (const part of got.body) {
          back.update(part);
          received += part.length;
        }
        const downloadSeconds = (performance.now() - started) / 1000;
        assert.equal(received, total << 20);
        assert.equal(back.digest("hex"), stored.sha256);
        const afterDownload = fresh.memory();
        console.log(
          `[${launcher.name}] ${total} MiB: upload ${uploadSeconds.toFixed(1)} s, download ${downloadSeconds.toFixed(1)} s; server memory idle ${idle.rss.toFixed(0)} MB, ` +
            `peak ${afterDownload.peak.toFixed(0)} MB (after upload ${afterUpload.rss.toFixed(0)} MB, after download ${afterDownload.rss.toFixed(0)} MB)`,
        );
        // Flat: what the transfer adds to the idle server stays far below the file's size.
        assert.ok(afterDownload.peak - idle.rss < 64, `peak resident memory ${afterDownload.peak.toFixed(0)} MB, idle ${idle.rss.toFixed(0)} MB`);
      } finally {
        await fresh.stop();
      }
    });
  });
}
