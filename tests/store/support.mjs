// What every launcher of the store contract suite needs, in one place (the
// Rust store's in servers.mjs, the Django app's in django-server.mjs): free
// loopback ports, the files under a directory, a process's memory, and one
// moto server (S3) per test process with the S3 listings the launchers read.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { createServer } from "node:net";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);

export const freePort = () =>
  new Promise((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });

/** Files under `dir`, recursively, relative to it. */
export function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

/** Resident memory of `pid` now and at its peak, in MB (Linux). */
export function processMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

// ─── S3 through moto ────────────────────────────────────────────────────────
let moto;
let buckets = 0;
process.on("exit", () => moto?.child.kill("SIGKILL"));

/** One moto server per test process, started on first use. */
export async function motoServer() {
  if (moto) return moto;
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(join(ROOT, ".venv/bin/moto_server"), ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  for (let i = 0; ; i++) {
    try {
      await fetch(endpoint);
      break;
    } catch (e) {
      if (i > 200) throw new Error(`moto did not start: ${e}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  moto = { endpoint, child };
  return moto;
}

/** A new bucket in moto, named `${label}-${pid}-${n}`: { endpoint, bucket }. */
export async function motoBucket(label) {
  const { endpoint } = await motoServer();
  const bucket = `${label}-${process.pid}-${++buckets}`;
  const created = await fetch(`${endpoint}/${bucket}`, { method: "PUT" });
  if (created.status !== 200) throw new Error(`moto: creating ${bucket} answered ${created.status}`);
  return { endpoint, bucket };
}

/** Stops moto (the next motoServer() starts another). */
export function stopMoto() {
  moto?.child.kill("SIGTERM");
  moto = undefined;
}

/** moto checks no signature, but answers an object's GET only to a request that carries one. */
export const MOTO_AUTH = { authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0" };

/** Keys in `bucket` under `prefix` (S3 ListObjectsV2, every page). */
export async function s3Keys(endpoint, bucket, prefix = "") {
  const keys = [];
  let token = "";
  for (;;) {
    const query = `list-type=2&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`;
    const xml = await (await fetch(`${endpoint}/${bucket}?${query}`)).text();
    keys.push(...[...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]));
    const next = xml.match(/<NextContinuationToken>([^<]+)<\/NextContinuationToken>/);
    if (!next) return keys;
    token = next[1];
  }
}

/** Multipart uploads in progress in `bucket` (ListMultipartUploads). */
export async function s3PendingUploads(endpoint, bucket) {
  const xml = await (await fetch(`${endpoint}/${bucket}?uploads`)).text();
  return [...xml.matchAll(/<Upload>[\s\S]*?<Key>([^<]+)<\/Key>[\s\S]*?<\/Upload>/g)].map((m) => `multipart upload of ${m[1]}`);
}
