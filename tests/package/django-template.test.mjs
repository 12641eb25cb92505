// The npm package without a bundler: a fresh Django project installs the
// tarball, serves the package's browser bundle (dist/: quiver.js, its worker,
// the wasm) as static files, and a template imports it with a plain
// <script type="module">. In headless Chromium the page loads a file and
// shows an aggregate checked against the file.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, ROOT } from "../e2e/harness.mjs";
import { freshApp, knownCsv, offline, loadsAndAggregates } from "./harness.mjs";
import { freePort } from "./ports.mjs";

let server;
after(() => server && (process.kill(server.pid, "SIGTERM"), undefined));

test("a Django template imports the package's browser bundle with <script type=module> and loads a file", { timeout: 300_000 }, async () => {
  const dir = await freshApp("django-template", "django-template");
  const port = await freePort();
  server = spawn(join(ROOT, ".venv/bin/python"), ["manage.py", "runserver", `127.0.0.1:${port}`, "--noreload"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  server.stdout.on("data", (d) => (log += d));
  server.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {}
    if (i > 300) throw new Error(`Django did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The bundle's three files are served by Django's staticfiles, the wasm with its type.
  const wasm = readdirSync(join(dir, "node_modules/@quiver/client/dist")).find((f) => f.endsWith(".wasm"));
  const served = await fetch(`${url}static/quiver/${wasm}`);
  assert.equal(served.headers.get("content-type"), "application/wasm");
  await served.arrayBuffer();

  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const elsewhere = await offline(page);
    await page.goto(url);
    await loadsAndAggregates(page, knownCsv());
    assert.deepEqual(errors, []);
    assert.deepEqual(elsewhere, []);
    assert.ok(page.workers().some((w) => w.url().startsWith(`${url}static/quiver/`)), page.workers().map((w) => w.url()).join());
  } finally {
    await browser.close();
  }
});
