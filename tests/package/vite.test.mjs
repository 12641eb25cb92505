// The npm package in fresh Vite apps: Vite 5 with React 19.2 and Graphic
// Walker 0.5.0 (the users' stack), and the latest Vite with the latest React
// and Graphic Walker 0.5.2. Each app installs the tarball, is built with
// `vite build` (its config says nothing about Quiver), served, and in
// headless Chromium loads a file through Quiver's worker and wasm, shows an
// aggregate, and draws a Graphic Walker chart whose numbers are checked
// against the file. Vite 5's dev server is tested too, with the one line the
// README asks for (`optimizeDeps.exclude`).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { serveStatic, launchBrowser } from "../e2e/harness.mjs";
import { freshApp, exec, installed, knownCsv, offline, loadsAndAggregates, drawsWalkerChart } from "./harness.mjs";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Loads the built or served app at `url` and runs the checks. */
async function check(url, { walker = true } = {}) {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await offline(page);
    await page.goto(url);
    const csv = knownCsv();
    await loadsAndAggregates(page, csv);
    if (walker) await drawsWalkerChart(page, csv);
    assert.deepEqual(errors, []);
    // The worker and the wasm came from the app's own files.
    const workers = page.workers().map((w) => w.url());
    assert.ok(workers.some((u) => u.startsWith(new URL(url).origin)), `workers: ${workers}`);
  } finally {
    await browser.close();
  }
}

/** Starts `vite` (the dev server) in `dir`; resolves to { url, stop }. */
function viteDev(dir, config) {
  const child = spawn(join(dir, "node_modules/.bin/vite"), ["--config", config, "--host", "127.0.0.1", "--port", "0"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const stop = () => new Promise((ok) => (child.exitCode !== null ? ok() : (child.once("exit", ok), child.kill("SIGTERM"))));
  return new Promise((ok, fail) => {
    let log = "";
    const onData = (d) => {
      log += d;
      const found = log.replace(/\x1b\[[0-9;]*m/g, "").match(/Local:\s+(http:\/\/127\.0\.0\.1:\d+)\//);
      if (found) ok({ url: found[1], stop });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => fail(new Error(`vite exited with ${code}:\n${log}`)));
  });
}

const APPS = [
  {
    name: "Vite 5, React 19.2, Graphic Walker 0.5.0",
    id: "vite5",
    // Graphic Walker 0.5.0 bundles react-dom/server 19.2.0 and throws (React
    // error #527) with any other React version: the app pins 19.2.0 exactly.
    dependencies: { react: "19.2.0", "react-dom": "19.2.0", "@kanaries/graphic-walker": "0.5.0", "styled-components": "^6.1.19" },
    devDependencies: { vite: "^5.4.0", "@vitejs/plugin-react": "^4.3.0" },
    expect: { vite: /^5\./, "@kanaries/graphic-walker": /^0\.5\.0$/, react: /^19\.2\.0$/ },
    dev: true,
  },
  {
    name: "the latest Vite, the latest React, Graphic Walker 0.5.2",
    id: "vite-latest",
    dependencies: { react: "latest", "react-dom": "latest", "@kanaries/graphic-walker": "0.5.2", "styled-components": "^6.1.19" },
    devDependencies: { vite: "latest", "@vitejs/plugin-react": "latest" },
    expect: { "@kanaries/graphic-walker": /^0\.5\.2$/ },
  },
];

for (const spec of APPS) {
  test(`a fresh app on ${spec.name}: installs the tarball, builds, loads a file, draws a chart`, { timeout: 900_000 }, async (t) => {
    const dir = await freshApp(spec.id, "vite-react", { dependencies: spec.dependencies, devDependencies: spec.devDependencies });
    for (const [name, version] of Object.entries(spec.expect)) assert.match(installed(dir, name), version, name);
    t.diagnostic(`vite ${installed(dir, "vite")}, react ${installed(dir, "react")}, graphic walker ${installed(dir, "@kanaries/graphic-walker")}`);
    await exec(join(dir, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], dir);
    const app = await serveStatic(join(dir, "dist"));
    cleanups.push(() => app.close());
    await check(`${app.url}/index.html`);

    if (spec.dev) {
      const server = await viteDev(dir, "vite.dev.config.js");
      cleanups.push(server.stop);
      await check(`${server.url}/`);
      await server.stop();
    }
  });
}
