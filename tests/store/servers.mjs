// The servers the file store's HTTP contract suite runs against.
//
// Every `*.test.mjs` in this directory (except the browser test) iterates
// over `servers` and runs each of its tests once per server, so every
// implementation of the contract in the README ("The file store") keeps the
// same promises. Today: the Rust store (server/, `quiver-store`) on local
// disk and on S3 (moto, an S3-compatible server that scripts/setup.sh
// installs into .venv), and the Django app (python/django-quiver-files,
// django-server.mjs) on local files and on S3 through moto.
//
// ─── Registering another server ─────────────────────────────────────────────
// Add an entry to `known` below: { name, start, scale, unsupported? }.
//
//   name   a short label, printed in each test's name ("django").
//   scale  { large }: bytes for the big round-trip test (the Rust store on
//          disk does 1 GiB; a slower backend may do less, never under 100 MB).
//   unsupported  [option names, or "tus"] the server does not offer; the
//          tests that need one are skipped for it, with the reason printed
//          (`lacks` below), and start() throws if given one.
//   start(options) → Promise<Server>, options (all optional; a server must
//          honour each one it is given, or throw, never ignore it):
//     maxBytes        largest upload (413 past it)
//     token           every request needs `Authorization: Bearer <token>`
//     corsOrigins     [origins] allowed by CORS and for writes
//     headerTimeout   s: request line + headers must arrive within; idle kept-alive connections close after it
//     bodyTimeout     s: an upload silent this long is stopped (plain: aborted; resumable: keeps what arrived)
//     writeTimeout    s: a client reading nothing of an answer this long is cut off
//     maxConnections  connections served at once; one more gets 503 JSON at once
//     uploadMemory    bytes of upload buffers, all uploads together
//     uploadExpiry    s: an untouched resumable upload is removed after it
//     sweepInterval   s: how often abandoned/expired uploads are looked for
//     fileLimit       the process's open-file limit (`ulimit -n`)
//   Server = {
//     url            "http://127.0.0.1:PORT" (loopback: Host checks apply)
//     stop()         graceful stop, resolves when the process exited
//     kill()         SIGKILL (a crash), resolves when it exited
//     restart()      start again on the same address and storage after stop/kill
//     staged()       → [strings]: whatever uploads in progress occupy in storage
//                    (staged bytes, records, pending S3 multipart uploads); [] when none.
//                    A finished resumable upload's small record, kept so HEAD still
//                    answers it until it expires, is not "in progress".
//     stored()       → [strings]: every object/file in storage (to check nothing was written)
//     memory()       → { rss, peak } in MB, of every process serving requests
//   }
// Run a subset with STORE_SERVERS=local,s3 (names as below, comma-separated).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { django, djangoS3, stopAllDjango } from "./django-server.mjs";
import { freePort, filesUnder, processMemory, motoBucket, stopMoto, MOTO_AUTH, s3Keys, s3PendingUploads } from "./support.mjs";

export { freePort, filesUnder, processMemory, MOTO_AUTH, s3Keys, s3PendingUploads };

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
// STORE_BINARY=path runs the suite against another build (an older one, to see a test fail).
export const STORE_BINARY = process.env.STORE_BINARY ?? join(ROOT, "target/store/quiver-store");

const running = new Set();
// Each server's data directory goes when the test process ends (the suite
// writes gigabytes; /tmp must not fill up run after run).
const directories = new Set();
process.on("exit", () => {
  running.forEach((child) => child.kill("SIGKILL"));
  directories.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

/** Whether a Rust store's upload record (JSON text) is of a finished resumable upload. */
function finished(text) {
  try {
    return Boolean(JSON.parse(text).done);
  } catch {
    return false; // being written, or not a record
  }
}

function rustArgs(options) {
  const args = [];
  const add = (flag, value) => value !== undefined && args.push(flag, String(value));
  add("--max-bytes", options.maxBytes);
  add("--token", options.token);
  for (const origin of options.corsOrigins ?? []) args.push("--cors-origin", origin);
  for (const host of options.allowedHosts ?? []) args.push("--allowed-host", host);
  add("--header-timeout", options.headerTimeout);
  add("--body-timeout", options.bodyTimeout);
  add("--write-timeout", options.writeTimeout);
  add("--max-connections", options.maxConnections);
  add("--upload-memory", options.uploadMemory);
  add("--upload-expiry", options.uploadExpiry);
  add("--sweep-interval", options.sweepInterval);
  return args;
}

/** Spawns the Rust binary; resolves once it prints its listening line. */
function spawnRust(listen, store, options, env = {}) {
  const args = ["--listen", listen, "--store", store, ...rustArgs(options)];
  // `ulimit -n` applies to the store only (sh sets it, then execs the binary).
  const child = options.fileLimit
    ? spawn("sh", ["-c", `ulimit -n ${Number(options.fileLimit)} && exec "$0" "$@"`, STORE_BINARY, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } })
    : spawn(STORE_BINARY, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  running.add(child);
  const exited = new Promise((ok) => child.on("exit", () => (running.delete(child), ok())));
  let log = "";
  const url = new Promise((ok, fail) => {
    child.stdout.on("data", (chunk) => {
      log += chunk;
      if (process.env.STORE_LOG) process.stderr.write(chunk);
      const found = log.match(/listening on (http:\/\/[\d.:]+)/);
      if (found) ok(found[1]);
    });
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`quiver-store exited with ${code} before listening:\n${log}`)));
  });
  return { child, url, exited, log: () => log };
}

/** The Rust store on `storage` (a directory, or an s3:// URL with its environment). */
async function startRust(storage, options, inspect) {
  let proc = spawnRust("127.0.0.1:0", storage.url, options, storage.env);
  const url = await proc.url;
  const listen = new URL(url).host;
  const server = {
    url,
    options,
    get pid() {
      return proc.child.pid;
    },
    log: () => proc.log(),
    async stop() {
      proc.child.kill("SIGTERM");
      await proc.exited;
    },
    async kill() {
      proc.child.kill("SIGKILL");
      await proc.exited;
    },
    async restart() {
      proc = spawnRust(listen, storage.url, options, storage.env);
      await proc.url;
    },
    memory: () => processMemory(proc.child.pid),
    ...inspect,
  };
  return server;
}

const localDisk = {
  name: "local",
  scale: { large: 1 << 30 },
  async start(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), "quiver-store-"));
    directories.add(dir);
    const data = join(dir, "data");
    const server = await startRust({ url: data }, options, {
      data,
      staged: async () =>
        filesUnder(join(data, "uploads")).filter((f) => !(f.endsWith(".json") && finished(readFileSync(join(data, "uploads", f), "utf8")))),
      stored: async () => filesUnder(data),
    });
    const stop = server.stop;
    server.stop = async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      directories.delete(dir);
    };
    return server;
  },
};

// ─── S3 through moto (support.mjs) ──────────────────────────────────────────
const s3 = {
  name: "s3",
  scale: { large: 200 << 20 },
  async start(options = {}) {
    const { endpoint, bucket } = await motoBucket("quiver");
    const prefix = "team/files-here";
    const env = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1", AWS_ENDPOINT: endpoint, AWS_ALLOW_HTTP: "true" };
    return startRust({ url: `s3://${bucket}/${prefix}`, env }, options, {
      endpoint,
      bucket,
      prefix,
      staged: async () => {
        const keys = [];
        for (const key of await s3Keys(endpoint, bucket, `${prefix}/uploads/`)) {
          if (key.endsWith(".json") && finished(await (await fetch(`${endpoint}/${bucket}/${key}`, { headers: MOTO_AUTH })).text())) continue;
          keys.push(key);
        }
        return [...keys, ...(await s3PendingUploads(endpoint, bucket))];
      },
      stored: async () => s3Keys(endpoint, bucket),
    });
  },
};

const wanted = process.env.STORE_SERVERS?.split(",").map((s) => s.trim());
const known = [localDisk, s3, django, djangoS3];
/** The servers every contract test runs against (see the note at the top). */
export const servers = known.filter((s) => !wanted || wanted.includes(s.name));
if (servers.length === 0) throw new Error(`STORE_SERVERS=${process.env.STORE_SERVERS} names no server (known: ${known.map((s) => s.name).join(", ")})`);

/**
 * Why a test cannot run against `launcher`, or false when it can: the
 * features it needs (option names of start(), or "tus") that the launcher
 * lists in `unsupported`. Tests pass it as node:test's `skip`, so the run
 * prints each skipped test with this reason.
 */
export function lacks(launcher, ...features) {
  const missing = features.filter((f) => launcher.unsupported?.includes(f));
  return missing.length > 0 && `${launcher.name} does not offer ${missing.join(", ")} (see its launcher's unsupported list)`;
}

/** Stops every server started through a launcher in this process. */
export function stopAll() {
  running.forEach((child) => child.kill("SIGTERM"));
  stopAllDjango();
  stopMoto();
}
