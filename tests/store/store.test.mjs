// Integration tests of the file store (server/, the `quiver-store` binary)
// over loopback: the HTTP contract in the README ("The file store").
// The binary is built by scripts/test.sh (`cargo build --profile store -p quiver-store`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

import { startStore, stopStores } from "./harness.mjs";

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const put = (store, name, body, init = {}) => fetch(`${store.url}/files/${name}`, { method: "PUT", body, ...init });
/** Files under `dir`, recursively (relative paths). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}

let store;
before(async () => {
  store = await startStore();
});
after(stopStores);

test("a file goes in, is listed with its checksum and comes back byte for byte", async () => {
  const body = randomBytes(3_000_000);
  const created = await put(store, "round trip.csv", body);
  assert.equal(created.status, 201);
  const stored = await created.json();
  assert.equal(stored.name, "round trip.csv");
  assert.equal(stored.size, body.length);
  assert.equal(stored.sha256, sha256(body));
  assert.match(stored.uploaded, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const listed = await (await fetch(`${store.url}/files`)).json();
  assert.deepEqual(listed.files.find((f) => f.name === "round trip.csv"), stored);

  const got = await fetch(`${store.url}/files/round%20trip.csv`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get("content-length"), String(body.length));
  assert.equal(got.headers.get("accept-ranges"), "bytes");
  assert.equal(got.headers.get("etag"), `"${stored.sha256}"`);
  assert.equal(got.headers.get("content-type"), "text/csv");
  assert.ok(Date.parse(got.headers.get("last-modified")) > 0);
  assert.equal(sha256(Buffer.from(await got.arrayBuffer())), stored.sha256);

  const again = await fetch(`${store.url}/files/round%20trip.csv`, { headers: { "if-none-match": `"${stored.sha256}"` } });
  assert.equal(again.status, 304);
  const head = await fetch(`${store.url}/files/round%20trip.csv`, { method: "HEAD" });
  assert.equal(head.headers.get("content-length"), String(body.length));

  assert.equal((await fetch(`${store.url}/files/round%20trip.csv`, { method: "DELETE" })).status, 204);
  const gone = await fetch(`${store.url}/files/round%20trip.csv`);
  assert.equal(gone.status, 404);
  assert.equal((await gone.json()).error.code, "not_found");
  assert.equal((await fetch(`${store.url}/files/round%20trip.csv`, { method: "DELETE" })).status, 404);
});

test("a multipart form upload (as an HTML form sends) stores each file under its name", async () => {
  const a = randomBytes(2_500_000);
  const b = Buffer.from("id,x\n1,2\n");
  const form = new FormData();
  form.append("note", "not a file");
  form.append("file", new Blob([a]), "form-a.csv");
  form.append("file", new Blob([b]), "form-b.csv");
  const created = await fetch(`${store.url}/files`, { method: "POST", body: form });
  assert.equal(created.status, 201);
  const { files } = await created.json();
  assert.deepEqual(files.map((f) => [f.name, f.size, f.sha256]), [["form-a.csv", a.length, sha256(a)], ["form-b.csv", b.length, sha256(b)]]);
  assert.equal(sha256(Buffer.from(await (await fetch(`${store.url}/files/form-a.csv`)).arrayBuffer())), sha256(a));
  const bad = new FormData();
  bad.append("file", new Blob(["x"]), "../escape.csv");
  const refused = await fetch(`${store.url}/files`, { method: "POST", body: bad });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).error.code, "invalid_name");
  const empty = await fetch(`${store.url}/files`, { method: "POST", body: new FormData() });
  assert.equal(empty.status, 400);
});

test("single Range requests: 206 with Content-Range, 416 past the end, whole file otherwise", async () => {
  const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  await put(store, "ranges.bin", body);
  const range = async (spec) => {
    const r = await fetch(`${store.url}/files/ranges.bin`, { headers: { range: spec } });
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
    const r = await range(spec);
    assert.equal(r.status, 416, spec);
    assert.equal(r.contentRange, "bytes */1000", spec);
  }
  for (const spec of ["bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=x-"]) {
    const r = await range(spec);
    assert.equal(r.status, 200, spec);
    assert.equal(r.bytes.length, 1000, spec);
  }
});

/** A raw HTTP/1.1 request (no client-side path normalisation); resolves to the status. */
function rawRequest(store, head, body = Buffer.alloc(0), { cutAfter } = {}) {
  const { hostname, port } = new URL(store.url);
  return new Promise((ok, fail) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      if (cutAfter !== undefined) {
        socket.write(body.subarray(0, cutAfter), () => setTimeout(() => (socket.destroy(), ok(null)), 100));
      } else socket.write(body);
    });
    let answer = "";
    socket.on("data", (d) => {
      answer += d;
      const status = answer.match(/^HTTP\/1\.1 (\d{3})/);
      if (status) (ok(Number(status[1])), socket.destroy());
    });
    socket.on("error", (e) => (cutAfter === undefined ? fail(e) : ok(null)));
  });
}

test("names that could reach outside the store are refused, and nothing is written", async () => {
  const fresh = await startStore();
  const before = filesUnder(fresh.dir);
  for (const name of ["..", "%2e%2e", "..%2fescape.csv", "%2e%2e%2f%2e%2e%2fescape.csv", "a%2fb.csv", "%2fetc%2fpasswd", "x%00y.csv", "x%0Ay.csv", ".hidden", "..%5c..%5cwin.csv", "C:evil.csv", "n".repeat(256)]) {
    const r = await put(fresh, name, "data");
    assert.ok([400, 404].includes(r.status), `${name}: ${r.status}`);
    const error = await r.json();
    assert.ok(["invalid_name", "no_route"].includes(error.error.code), `${name}: ${JSON.stringify(error)}`);
  }
  // Paths a client would normally tidy up, sent as they are.
  for (const path of ["/files/../escape.csv", "/files/..%2Fescape.csv", "/files/%2E%2E/escape.csv", "//etc/passwd", "/files//etc/passwd"]) {
    const status = await rawRequest(fresh, `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\n`, Buffer.from("data"));
    assert.ok([400, 404].includes(status), `${path}: ${status}`);
  }
  assert.deepEqual(filesUnder(fresh.dir), before, "no file was written");
  assert.equal((await (await fetch(`${fresh.url}/files`)).json()).total, 0);
});

test("an oversized upload is refused and leaves nothing, with or without a declared length", async () => {
  const small = await startStore(["--max-bytes", "1000000"]);
  const declared = await put(small, "big.csv", randomBytes(2_000_000));
  assert.equal(declared.status, 413);
  assert.equal((await declared.json()).error.code, "too_large");
  // Streamed without a length: refused once the cap is passed.
  const chunks = Array.from({ length: 40 }, () => randomBytes(100_000));
  const stream = new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.pop()) : c.close()) });
  const streamed = await put(small, "big.csv", stream, { duplex: "half" }).catch((e) => e);
  if (!(streamed instanceof Error)) assert.equal(streamed.status, 413);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(filesUnder(join(small.data)).filter((f) => !f.startsWith("uploads")), []);
  assert.deepEqual(filesUnder(join(small.data, "uploads")), []);
  assert.equal((await (await fetch(`${small.url}/files`)).json()).total, 0);
  // The same through a form.
  const form = new FormData();
  form.append("file", new Blob([randomBytes(2_000_000)]), "big-form.csv");
  const viaForm = await fetch(`${small.url}/files`, { method: "POST", body: form });
  assert.equal(viaForm.status, 413);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(filesUnder(join(small.data)).filter((f) => !f.startsWith("uploads")), []);
  assert.deepEqual(filesUnder(join(small.data, "uploads")), []);
  // A file under the cap still goes in.
  assert.equal((await put(small, "ok.csv", randomBytes(999_999))).status, 201);
});

test("a connection cut mid-upload leaves nothing", async () => {
  const fresh = await startStore();
  const body = randomBytes(20_000_000);
  await rawRequest(fresh, `PUT /files/cut.csv HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`, body, { cutAfter: 9_000_000 });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await fetch(`${fresh.url}/files/cut.csv`)).status, 404);
  assert.equal((await (await fetch(`${fresh.url}/files`)).json()).total, 0);
  assert.deepEqual(filesUnder(fresh.data), []);
});

test("20 parallel uploads, some to one name, all land whole", async () => {
  const bodies = Array.from({ length: 20 }, () => randomBytes(1_000_000 + Math.floor(Math.random() * 500_000)));
  const names = bodies.map((_, i) => (i < 15 ? `parallel-${i}.csv` : "same-name.csv"));
  const answers = await Promise.all(bodies.map((b, i) => put(store, names[i], b).then(async (r) => ({ status: r.status, json: await r.json() }))));
  answers.forEach((a, i) => {
    assert.equal(a.status, 201, JSON.stringify(a.json));
    assert.equal(a.json.sha256, sha256(bodies[i]));
  });
  const listed = (await (await fetch(`${store.url}/files?limit=1000`)).json()).files;
  for (let i = 0; i < 15; i++) assert.equal(listed.find((f) => f.name === names[i]).sha256, sha256(bodies[i]));
  // The name written five times holds one complete upload, and says which.
  const same = Buffer.from(await (await fetch(`${store.url}/files/same-name.csv`)).arrayBuffer());
  const winner = listed.find((f) => f.name === "same-name.csv");
  assert.equal(sha256(same), winner.sha256);
  assert.ok(bodies.slice(15).some((b) => sha256(b) === winner.sha256));
  // Paging.
  const page = await (await fetch(`${store.url}/files?offset=2&limit=3`)).json();
  assert.equal(page.files.length, 3);
  assert.deepEqual(page.files.map((f) => f.name), listed.slice(2, 5).map((f) => f.name));
});

test("a token, when configured, is required; CORS answers the app's origin only", async () => {
  const guarded = await startStore(["--token", "s3cret", "--cors-origin", "http://127.0.0.1:5173"]);
  const denied = await fetch(`${guarded.url}/files`);
  assert.equal(denied.status, 401);
  assert.equal((await denied.json()).error.code, "unauthorized");
  assert.equal((await fetch(`${guarded.url}/files`, { headers: { authorization: "Bearer s3cret" } })).status, 200);
  const preflight = (origin) =>
    fetch(`${guarded.url}/files/x.csv`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "authorization" } });
  assert.equal((await preflight("http://127.0.0.1:5173")).headers.get("access-control-allow-origin"), "http://127.0.0.1:5173");
  assert.equal((await preflight("http://evil.example")).headers.get("access-control-allow-origin"), null);
});

/** The server's resident memory now and at its peak, in MB (Linux). */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

test("a 1 GB upload and download stream through with the server's memory flat", { timeout: 600_000 }, async () => {
  const fresh = await startStore();
  const idle = memory(fresh.pid);
  const chunk = randomBytes(1 << 20);
  const total = 1024; // MiB
  const hash = createHash("sha256");
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent === total) return controller.close();
      // Vary each chunk so the file is not one repeated block.
      const piece = Buffer.from(chunk);
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
  const afterUpload = memory(fresh.pid);

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
  const afterDownload = memory(fresh.pid);
  console.log(
    `1 GiB: upload ${uploadSeconds.toFixed(1)} s, download ${downloadSeconds.toFixed(1)} s; server memory idle ${idle.rss.toFixed(0)} MB, ` +
      `peak ${afterDownload.peak.toFixed(0)} MB (after upload ${afterUpload.rss.toFixed(0)} MB, after download ${afterDownload.rss.toFixed(0)} MB)`,
  );
  // Parts in flight are 8 MiB each, two at a time: the peak stays far below the file.
  assert.ok(afterDownload.peak < 120, `peak resident memory ${afterDownload.peak.toFixed(0)} MB`);
});
