// Resumable uploads (tus 1.0: core, creation, creation-with-upload,
// expiration, checksum, termination). The protocol's promises one by one,
// then the attacks: a 200 MB upload cut at random points (and the server
// killed once mid-way), resumed each time, stored with the right SHA-256;
// two clients resuming one upload at once never corrupt it. Uses
// tus-js-client (the Data Explorer's client) as well as raw requests. Runs
// against every server in servers.mjs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import * as tus from "tus-js-client";
import { servers, stopAll, lacks } from "./servers.mjs";
import { sha256, sleep, rawRequest, assertJsonError, eventually } from "./harness.mjs";

after(stopAll);
const TUS = { "tus-resumable": "1.0.0" };
const b64 = (s) => Buffer.from(s).toString("base64");
const digest = (algorithm, bytes) => `${algorithm} ${(await_import_crypto()).createHash(algorithm).update(bytes).digest("base64")}`;
import * as crypto from "node:crypto";
function await_import_crypto() {
  return crypto;
}

/** Creates an upload of `length` bytes named `name`; its absolute URL. */
async function create(server, name, length) {
  const r = await fetch(`${server.url}/uploads`, { method: "POST", headers: { ...TUS, "upload-length": String(length), "upload-metadata": `filename ${b64(name)},filetype ${b64("text/csv")}` } });
  assert.equal(r.status, 201, await r.clone().text());
  return new URL(r.headers.get("location"), server.url).href;
}

async function offsetOf(url) {
  const r = await fetch(url, { method: "HEAD", headers: TUS });
  return r.status === 200 ? Number(r.headers.get("upload-offset")) : r.status === 423 ? "locked" : null;
}

function patch(url, offset, body, headers = {}) {
  return fetch(url, { method: "PATCH", headers: { ...TUS, "content-type": "application/offset+octet-stream", "upload-offset": String(offset), ...headers }, body });
}

/** A raw PATCH that sends `count` bytes of `data` from `offset` and then cuts the connection. */
async function cutPatch(url, data, offset, count) {
  const { host, pathname } = new URL(url);
  const head = `PATCH ${pathname} HTTP/1.1\r\nHost: ${host}\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: ${offset}\r\nContent-Length: ${data.length - offset}\r\n\r\n`;
  await rawRequest({ url }, head, data.subarray(offset), { cutAfter: count });
}

/** Uploads with tus-js-client; resolves to the upload URL when it succeeds. */
function tusUpload(server, data, options = {}) {
  return new Promise((ok, fail) => {
    const upload = new tus.Upload(data, {
      endpoint: `${server.url}/uploads`,
      metadata: { filename: options.name ?? "tus.csv", filetype: "text/csv" },
      retryDelays: [0, 200, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000],
      ...options,
      onSuccess: () => ok(upload.url),
      onError: fail,
    });
    upload.start();
  });
}

for (const launcher of servers) {
  describe(`store contract, resumable uploads (tus) [${launcher.name}]`, { skip: lacks(launcher, "tus") }, () => {
    let server;
    before(async () => {
      server = await launcher.start();
    });
    after(() => server?.stop());

    test("OPTIONS says what the server supports", async () => {
      const r = await fetch(`${server.url}/uploads`, { method: "OPTIONS" });
      assert.ok([200, 204].includes(r.status));
      assert.equal(r.headers.get("tus-version"), "1.0.0");
      const extensions = r.headers.get("tus-extension").split(",");
      for (const e of ["creation", "expiration", "checksum", "termination"]) assert.ok(extensions.includes(e), e);
      assert.ok(Number(r.headers.get("tus-max-size")) > 0);
      assert.ok(r.headers.get("tus-checksum-algorithm").split(",").includes("sha1"));
    });

    test("create, HEAD, PATCH in pieces with checksums (a mismatch keeps nothing), then the file is stored and HEAD stays complete", async () => {
      const data = randomBytes(13_000_000);
      const url = await create(server, "pieces.csv", data.length);
      let head = await fetch(url, { method: "HEAD", headers: TUS });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("upload-offset"), "0");
      assert.equal(head.headers.get("upload-length"), String(data.length));
      assert.equal(head.headers.get("cache-control"), "no-store");
      assert.ok(Date.parse(head.headers.get("upload-expires")) > Date.now());
      // Piece 1 with a sha256, piece 2 with a wrong sha1 (refused, nothing kept), then right.
      let r = await patch(url, 0, data.subarray(0, 6_000_000), { "upload-checksum": digest("sha256", data.subarray(0, 6_000_000)) });
      assert.equal(r.status, 204);
      assert.equal(r.headers.get("upload-offset"), "6000000");
      await assertJsonError(await patch(url, 6_000_000, data.subarray(6_000_000, 9_000_000), { "upload-checksum": digest("sha1", data.subarray(0, 10)) }), 460, "checksum_mismatch");
      assert.equal(await offsetOf(url), 6_000_000);
      await assertJsonError(await patch(url, 6_000_001, data.subarray(6_000_001)), 409, "offset_mismatch");
      r = await patch(url, 6_000_000, data.subarray(6_000_000, 9_000_000), { "upload-checksum": digest("sha1", data.subarray(6_000_000, 9_000_000)) });
      assert.equal(r.status, 204);
      r = await patch(url, 9_000_000, data.subarray(9_000_000));
      assert.equal(r.status, 204);
      assert.equal(r.headers.get("upload-offset"), String(data.length));
      const listed = (await (await fetch(`${server.url}/files`)).json()).files.find((f) => f.name === "pieces.csv");
      assert.equal(listed.sha256, sha256(data));
      assert.equal(sha256(Buffer.from(await (await fetch(`${server.url}/files/pieces.csv`)).arrayBuffer())), sha256(data));
      // A client that missed the last answer asks again: complete, not a new upload.
      head = await fetch(url, { method: "HEAD", headers: TUS });
      assert.equal(head.headers.get("upload-offset"), String(data.length));
      assert.deepEqual(await server.staged(), []);
    });

    test("creation with upload, termination, and a zero-byte upload", async () => {
      const data = Buffer.from("id,x\n1,2\n");
      let r = await fetch(`${server.url}/uploads`, {
        method: "POST",
        headers: { ...TUS, "upload-length": String(data.length), "upload-metadata": `filename ${b64("with-data.csv")}`, "content-type": "application/offset+octet-stream" },
        body: data,
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get("upload-offset"), String(data.length));
      assert.equal(await (await fetch(`${server.url}/files/with-data.csv`)).text(), data.toString());
      // Termination of an unfinished upload removes everything it staged.
      const url = await create(server, "terminated.csv", 20_000_000);
      await cutPatch(url, randomBytes(20_000_000), 0, 12_000_000);
      assert.ok((await offsetOf(url)) > 0);
      r = await fetch(url, { method: "DELETE", headers: TUS });
      assert.equal(r.status, 204);
      await assertJsonError(await fetch(url, { method: "PATCH", headers: { ...TUS, "content-type": "application/offset+octet-stream", "upload-offset": "0" }, body: "x" }), 404, "not_found");
      assert.equal((await fetch(url, { method: "HEAD", headers: TUS })).status, 404);
      assert.ok(await eventually(async () => (await server.staged()).length === 0), `left: ${await server.staged()}`);
      assert.equal((await fetch(`${server.url}/files/terminated.csv`)).status, 404);
      // Zero bytes.
      const empty = await create(server, "empty.csv", 0);
      r = await patch(empty, 0, Buffer.alloc(0));
      assert.equal(r.status, 204);
      const got = await fetch(`${server.url}/files/empty.csv`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get("etag"), `"${sha256(Buffer.alloc(0))}"`);
    });

    test("tus-js-client uploads a file in chunks with progress; the stored file has its SHA-256", async () => {
      const data = randomBytes(30_000_000);
      const progress = [];
      await tusUpload(server, data, { name: "client.csv", chunkSize: 8 << 20, onProgress: (sent, total) => progress.push([sent, total]) });
      assert.ok(progress.length >= 4);
      assert.deepEqual(progress.at(-1), [data.length, data.length]);
      const listed = (await (await fetch(`${server.url}/files`)).json()).files.find((f) => f.name === "client.csv");
      assert.equal(listed.sha256, sha256(data));
    });

    test("a 200 MB upload cut at random points, the server killed once mid-way, resumed each time: stored whole", { timeout: 600_000 }, async () => {
      const size = 200_000_000;
      const data = randomBytes(size);
      const url = await create(server, "resumed.csv", size);
      let confirmed = 0;
      let cuts = 0;
      let killed = false;
      const log = [];
      while (confirmed < size * 0.9) {
        const remaining = size - confirmed;
        if (!killed && confirmed > size * 0.4) {
          // Kill -9 while a PATCH is streaming; restart; the upload must still be there.
          const { host, pathname } = new URL(url);
          const socket = connect(Number(new URL(url).port), "127.0.0.1");
          socket.on("error", () => {});
          socket.write(`PATCH ${pathname} HTTP/1.1\r\nHost: ${host}\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: ${confirmed}\r\nContent-Length: ${remaining}\r\n\r\n`);
          socket.write(data.subarray(confirmed, confirmed + 30_000_000));
          await sleep(400);
          await server.kill();
          socket.destroy();
          await server.restart();
          killed = true;
          const after = await offsetOf(url);
          log.push(`kill -9 at ~${confirmed}+30 MB → ${after}`);
          assert.ok(after >= confirmed, `after the restart the offset went back from ${confirmed} to ${after}`);
          confirmed = after;
          continue;
        }
        const count = 1 + Math.floor(Math.random() * Math.min(remaining - 1, 40_000_000));
        await cutPatch(url, data, confirmed, count);
        cuts++;
        const now = await eventually(async () => {
          const o = await offsetOf(url);
          return typeof o === "number" ? o : null;
        });
        log.push(`cut after ${count} bytes from ${confirmed} → ${now}`);
        assert.ok(now >= confirmed && now <= confirmed + count, `offset ${now} after sending ${count} bytes from ${confirmed}`);
        confirmed = now;
      }
      // The rest with tus-js-client, resuming from the offset the server gives.
      await new Promise((ok, fail) => {
        const upload = new tus.Upload(data, { uploadUrl: url, retryDelays: [0, 500, 1000], onSuccess: ok, onError: fail });
        upload.start();
      });
      console.log(`[${launcher.name}] 200 MB resumed after ${cuts} cuts and a kill -9: ${log.join("; ")}`);
      const listed = (await (await fetch(`${server.url}/files`)).json()).files.find((f) => f.name === "resumed.csv");
      assert.equal(listed.size, size);
      assert.equal(listed.sha256, sha256(data));
      const stored = Buffer.from(await (await fetch(`${server.url}/files/resumed.csv`)).arrayBuffer());
      assert.equal(sha256(stored), sha256(data));
      assert.ok(await eventually(async () => (await server.staged()).length === 0), `left: ${await server.staged()}`);
    });

    test("two clients resuming one upload at once: the second gets 423 (or 409), and the file is never corrupt", { timeout: 180_000 }, async () => {
      const size = 24_000_000;
      const data = randomBytes(size);
      const url = await create(server, "contended.csv", size);
      // A holds the upload with a slow PATCH; B, sending other bytes at the same offset, is refused.
      const { host, pathname, port } = new URL(url);
      const slow = connect(Number(port), "127.0.0.1");
      slow.on("error", () => {});
      let slowAnswer = "";
      slow.on("data", (d) => (slowAnswer += d));
      slow.write(`PATCH ${pathname} HTTP/1.1\r\nHost: ${host}\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 8000000\r\n\r\n`);
      slow.write(data.subarray(0, 4_000_000));
      await sleep(300);
      const garbage = Buffer.alloc(8_000_000, 0x58);
      const other = await patch(url, 0, garbage);
      assert.ok([409, 423].includes(other.status), `a concurrent PATCH got ${other.status}`);
      await other.arrayBuffer();
      const headWhileHeld = await fetch(url, { method: "HEAD", headers: TUS });
      assert.ok([200, 423].includes(headWhileHeld.status));
      slow.write(data.subarray(4_000_000, 8_000_000));
      assert.ok(await eventually(() => slowAnswer.startsWith("HTTP/1.1 204")), slowAnswer);
      slow.destroy();
      // B retries at its stale offset: 409, with the offset it should use.
      const stale = await patch(url, 0, garbage);
      assert.equal(stale.headers.get("upload-offset"), "8000000");
      await assertJsonError(stale, 409, "offset_mismatch");
      // Now two tus-js-client instances race to finish it with the same file, in small chunks.
      const both = await Promise.allSettled([
        new Promise((ok, fail) => new tus.Upload(data, { uploadUrl: url, chunkSize: 1 << 20, retryDelays: Array(30).fill(50), onSuccess: ok, onError: fail }).start()),
        new Promise((ok, fail) => new tus.Upload(data, { uploadUrl: url, chunkSize: 1 << 20, retryDelays: Array(30).fill(50), onSuccess: ok, onError: fail }).start()),
      ]);
      assert.deepEqual(both.map((b) => b.status), ["fulfilled", "fulfilled"], JSON.stringify(both.map((b) => String(b.reason ?? ""))));
      const stored = Buffer.from(await (await fetch(`${server.url}/files/contended.csv`)).arrayBuffer());
      assert.equal(stored.length, size);
      assert.equal(sha256(stored), sha256(data));
    });

    test("an upload nobody comes back to expires: HEAD says 404 and its staged bytes are gone", async () => {
      const short = await launcher.start({ uploadExpiry: 2, sweepInterval: 0.5 });
      try {
        const url = await create(short, "abandoned.csv", 12_000_000);
        await cutPatch(url, randomBytes(12_000_000), 0, 7_000_000);
        assert.ok((await offsetOf(url)) > 0);
        assert.ok((await short.staged()).length > 0);
        const expires = Date.parse((await fetch(url, { method: "HEAD", headers: TUS })).headers.get("upload-expires"));
        assert.ok(expires - Date.now() <= 3_000);
        assert.ok(await eventually(async () => (await short.staged()).length === 0, 10_000), `left: ${await short.staged()}`);
        assert.equal((await fetch(url, { method: "HEAD", headers: TUS })).status, 404);
        assert.equal((await fetch(`${short.url}/files/abandoned.csv`)).status, 404);
      } finally {
        await short.stop();
      }
    });
  });
}
