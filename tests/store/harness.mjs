// Starts the file store binary (server/, built by scripts/test.sh with
// `cargo build --profile store -p quiver-store`) on a free loopback port,
// with its own temporary data directory.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
export const STORE_BINARY = join(ROOT, "target/store/quiver-store");
const running = [];

/** Resolves to { url, dir, data, pid, stop } once the store listens. */
export async function startStore(args = []) {
  const dir = mkdtempSync(join(tmpdir(), "quiver-store-"));
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
