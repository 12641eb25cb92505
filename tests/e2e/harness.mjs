// Shared by the end-to-end tests and the benchmarks: a static file server for
// the repository, and headless Chromium (Debian's) driven by playwright-core.
import { createServer } from "node:http";
import { createReadStream, statSync, mkdtempSync, rmSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";

export const ROOT = resolve(new URL("../..", import.meta.url).pathname);

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".csv": "text/csv; charset=utf-8",
  ".json": "application/json",
  ".css": "text/css",
};

/** Serves `root` on 127.0.0.1 (a free port); resolves to { url, close }. */
export function serveStatic(root = ROOT) {
  const server = createServer((request, response) => {
    let path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    let stat;
    try {
      stat = file.startsWith(root) ? statSync(file) : null;
    } catch {
      stat = null;
    }
    if (!stat || !stat.isFile()) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    response.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": stat.size,
      "cache-control": "no-store",
      "access-control-allow-origin": "*",
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      ok({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => (server.closeAllConnections(), server.close(done))) });
    }),
  );
}

/**
 * Serves one file slowly (about `bytesPerSecond`), with Content-Length and
 * CORS, like a far-away file server: loads from it take long enough to be
 * watched and cancelled.
 */
export function serveSlowly(file, bytesPerSecond = 4_000_000) {
  const server = createServer((request, response) => {
    const size = statSync(file).size;
    response.writeHead(200, {
      "content-type": "text/csv",
      "content-length": size,
      "access-control-allow-origin": "*",
    });
    const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
    const pause = Math.round((64 * 1024 * 1000) / bytesPerSecond);
    stream.on("data", (chunk) => {
      stream.pause();
      response.write(chunk);
      setTimeout(() => stream.resume(), pause);
    });
    stream.on("end", () => response.end());
    request.on("close", () => stream.destroy());
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      ok({
        url: `http://127.0.0.1:${port}/data.csv`,
        close: () => new Promise((done) => (server.closeAllConnections(), server.close(done))),
      });
    }),
  );
}

/** Flags for Debian's Chromium as root in a sandbox without network. */
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

/** Where tests put screenshots and other artifacts (git-ignored). */
export const ARTIFACTS = join(ROOT, "test-results");

/** A generated sales CSV of `rows` rows in a temporary directory (cached per run). */
export async function salesFile(rows) {
  const { salesCsv } = await import("../../bench/gen-sales.mjs");
  const { writeFileSync, existsSync } = await import("node:fs");
  const path = join(tmpdir(), `quiver-sales-${rows}.csv`);
  if (!existsSync(path)) writeFileSync(path, [...salesCsv({ rows })].join(""));
  return path;
}

const profiles = new Set();
process.on("exit", () => profiles.forEach(removeProfile));

/** Removes a browser profile (Chromium's helpers may still be writing to it for a moment). */
function removeProfile(profile) {
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    profiles.delete(profile);
  } catch (e) {
    console.warn(`could not remove the browser profile ${profile}: ${e.message}`);
  }
}

/** A fresh headless Chromium with its own profile directory. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "quiver-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  // Its processes carry this directory on their command lines: how memory
  // sampling finds the browser's process tree.
  context.profileDir = profile;
  // The profile goes with the browser (and at exit, if a test never closed it).
  profiles.add(profile);
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    removeProfile(profile);
  };
  return context;
}

/**
 * The client bundle's plain test page (tests/e2e/pages/plain.html, served
 * from the repository) in a fresh browser, with `files` picked in its file
 * input once the page is ready: { repo, browser, page, close() }.
 */
export async function plainPage(files) {
  const repo = await serveStatic(ROOT);
  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${repo.url}/tests/e2e/pages/plain.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.setInputFiles("#file", files);
  return { repo, browser, page, close: async () => (await browser.close(), await repo.close()) };
}

