// Helpers of the file store's tests. `startStore(args)` starts the Rust
// binary (built by scripts/test.sh with `cargo build --profile store -p
// quiver-store`) on a free loopback port with its own data directory — the
// browser tests use it; the contract tests go through `servers.mjs`.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { STORE_BINARY } from "./servers.mjs";

export { STORE_BINARY };
const running = [];
const directories = [];
process.on("exit", () => directories.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Resolves to { url, dir, data, pid, stop } once the store listens. */
export async function startStore(args = []) {
  const dir = mkdtempSync(join(tmpdir(), "quiver-store-"));
  directories.push(dir); // removed when the test process ends
  const data = join(dir, "data");
  const child = spawn(STORE_BINARY, ["--listen", "127.0.0.1:0", "--store", data, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (found) ok(found[1]);
    });
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`quiver-store exited with ${code}`)));
  });
  const store = { url, dir, data, pid: child.pid, stop: () => child.kill("SIGTERM") };
  running.push(store);
  return store;
}

export function stopStores() {
  running.splice(0).forEach((s) => s.stop());
}

export const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `fetch` of `path` on `server` (a PUT of `body` when given). */
export const put = (server, name, body, init = {}) => fetch(`${server.url}/files/${name}`, { method: "PUT", body, ...init });

/** A form POST as the Data Explorer or a script sends it (with X-Requested-With). */
export function postForm(server, form, headers = {}) {
  return fetch(`${server.url}/files`, { method: "POST", body: form, headers: { "x-requested-with": "test", ...headers } });
}

/** Asserts `response` is a JSON error with `code` (and returns its body). */
export async function assertJsonError(response, status, code, label = "") {
  assert.equal(response.status, status, `${label}: status`);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/, `${label}: content type`);
  const body = await response.json();
  assert.equal(typeof body?.error?.message, "string", `${label}: ${JSON.stringify(body)}`);
  assert.ok(body.error.message.length > 0, `${label}: empty message`);
  if (code) assert.equal(body.error.code, code, `${label}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * A raw HTTP/1.1 exchange over one socket (no client-side tidying of paths
 * or headers). Sends `head`, then `body` (cut after `cutAfter` bytes, and the
 * socket destroyed, when given); resolves to { status, headers, body } of
 * the answer, or null when the connection ended without one.
 */
export function rawRequest(server, head, body = Buffer.alloc(0), { cutAfter, timeout = 30_000 } = {}) {
  const { hostname, port } = new URL(server.url);
  return new Promise((ok) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      if (cutAfter !== undefined) {
        socket.write(body.subarray(0, cutAfter), () => setTimeout(() => (socket.destroy(), ok(null)), 100));
      } else if (body.length) socket.write(body);
    });
    let answer = Buffer.alloc(0);
    const done = () => {
      const text = answer.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return ok(null);
      const lines = text.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      ok({ status: Number(lines[0].split(" ")[1]), headers, body: answer.subarray(end + 4) });
    };
    socket.setTimeout(timeout, () => socket.destroy());
    socket.on("data", (d) => (answer = Buffer.concat([answer, d])));
    socket.on("close", done);
    socket.on("error", () => {});
  });
}

/** Polls `check` until it returns truthy (or `ms` pass); returns its last value. */
export async function eventually(check, ms = 10_000, every = 100) {
  const until = Date.now() + ms;
  let value;
  while (!(value = await check()) && Date.now() < until) await sleep(every);
  return value;
}

/** Samples `server`'s resident memory every 50 ms until stopped; { stop() → peak MB }. */
export function sampler(server) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, server.memory().rss);
    } catch {}
  }, 50);
  return { stop: () => (clearInterval(timer), peak) };
}

/** A streamed body of `mib` MiB, varied by `seed`, and the SHA-256 it will have. */
export function generated(block, mib, seed) {
  const hash = createHash("sha256");
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent === mib) return controller.close();
      const piece = Buffer.from(block);
      piece.writeUInt32LE(seed, 0);
      piece.writeUInt32LE(sent, 4);
      hash.update(piece);
      sent++;
      controller.enqueue(piece);
    },
  });
  return { stream, digest: () => hash.digest("hex") };
}
