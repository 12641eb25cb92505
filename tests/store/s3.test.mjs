// The file store on S3: the same binary with `--store s3://bucket/prefix`,
// against moto (an S3-compatible server, installed into .venv by
// scripts/setup.sh), over loopback. Uploads larger than a part exercise
// multipart uploads; the rename into place is S3's copy + delete.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer, connect } from "node:net";
import { join, resolve } from "node:path";
import { startStore, stopStores } from "./harness.mjs";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
let moto, s3, store;

const freePort = () =>
  new Promise((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });

/** Keys in the bucket under `prefix` (S3 ListObjectsV2). */
async function keys(prefix) {
  const xml = await (await fetch(`${s3}/quiver-test?list-type=2&prefix=${encodeURIComponent(prefix)}`)).text();
  return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
}

before(async () => {
  const port = await freePort();
  s3 = `http://127.0.0.1:${port}`;
  moto = spawn(join(ROOT, ".venv/bin/moto_server"), ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(s3);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.equal((await fetch(`${s3}/quiver-test`, { method: "PUT" })).status, 200);
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ENDPOINT = s3;
  process.env.AWS_ALLOW_HTTP = "true";
  store = await startStore(["--store", "s3://quiver-test/team/files-here"]);
});

after(() => {
  stopStores();
  moto?.kill();
});

test("on S3: round trip with checksum, listing, a range, delete", async () => {
  const body = randomBytes(20_000_000); // three 8 MiB parts
  const created = await fetch(`${store.url}/files/big%20one.csv`, { method: "PUT", body });
  assert.equal(created.status, 201);
  const stored = await created.json();
  assert.equal(stored.sha256, sha256(body));
  // Stored under the prefix, with its metadata, and no upload left behind.
  const all = await keys("team/files-here/");
  assert.ok(all.some((k) => k.startsWith("team/files-here/files/big")), all.join(", "));
  assert.ok(all.some((k) => k.startsWith("team/files-here/meta/big")), all.join(", "));
  assert.deepEqual(all.filter((k) => k.includes("/uploads/")), []);

  const listed = await (await fetch(`${store.url}/files`)).json();
  assert.deepEqual(listed.files, [stored]);
  const whole = Buffer.from(await (await fetch(`${store.url}/files/big%20one.csv`)).arrayBuffer());
  assert.equal(sha256(whole), stored.sha256);
  const part = await fetch(`${store.url}/files/big%20one.csv`, { headers: { range: "bytes=19999990-" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), "bytes 19999990-19999999/20000000");
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(19_999_990));

  assert.equal((await fetch(`${store.url}/files/big%20one.csv`, { method: "DELETE" })).status, 204);
  assert.deepEqual(await keys("team/files-here/"), []);
});

test("on S3: an interrupted upload leaves nothing in the bucket", async () => {
  const { hostname, port } = new URL(store.url);
  const body = randomBytes(20_000_000);
  await new Promise((ok) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`PUT /files/cut.csv HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body.subarray(0, 12_000_000), () => setTimeout(() => (socket.destroy(), ok()), 200));
    });
    socket.on("error", ok);
  });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await keys("team/files-here/"), []);
  // Multipart uploads in progress would not be listed as keys: none may remain either.
  const pending = await (await fetch(`${s3}/quiver-test?uploads`)).text();
  assert.doesNotMatch(pending, /<Upload>/);
});
