// The npm package in a fresh webpack 5 app with React 18 (the oldest React
// the package's peer range allows): installs the tarball, builds with a
// webpack config that says nothing about Quiver, serves the output, and in
// headless Chromium loads a file through the package's worker and wasm and
// shows an aggregate checked against the file.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { serveStatic, launchBrowser } from "../e2e/harness.mjs";
import { freshApp, exec, installed, knownCsv, offline, loadsAndAggregates } from "./harness.mjs";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test("a fresh webpack 5 app with React 18: installs the tarball, builds, loads a file", { timeout: 600_000 }, async (t) => {
  const dir = await freshApp("webpack", "webpack-react18", {
    dependencies: { react: "^18.3.0", "react-dom": "^18.3.0" },
    devDependencies: { webpack: "^5.90.0", "webpack-cli": "^6.0.0" },
  });
  assert.match(installed(dir, "webpack"), /^5\./);
  assert.match(installed(dir, "react"), /^18\./);
  t.diagnostic(`webpack ${installed(dir, "webpack")}, react ${installed(dir, "react")}`);
  await exec(join(dir, "node_modules/.bin/webpack"), ["--stats", "errors-warnings"], dir);
  cpSync(join(dir, "public/index.html"), join(dir, "dist/index.html"));
  const app = await serveStatic(join(dir, "dist"));
  cleanups.push(() => app.close());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const elsewhere = await offline(page);
  await page.goto(`${app.url}/index.html`);
  await loadsAndAggregates(page, knownCsv());
  assert.deepEqual(errors, []);
  assert.deepEqual(elsewhere, []);
  // webpack emitted the worker as a chunk of its own, next to the app.
  assert.ok(page.workers().some((w) => w.url().startsWith(app.url)), page.workers().map((w) => w.url()).join());
});
