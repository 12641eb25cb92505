// The npm package as users get it: `npm pack` makes the tarball, each test
// installs it into a fresh app of its own (a temporary directory, its own
// package.json, `npm install` from the tarball and the npm registry only),
// builds that app with its bundler, serves the result and loads a file in
// headless Chromium. What must change with it: package.json's `exports`,
// `files` and `peerDependencies`, and scripts/build-package.mjs.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { ROOT } from "../e2e/harness.mjs";

const PACKED = join(ROOT, "target/package");
const VERSION = JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json'))"], { cwd: ROOT })).version;

/** Newest modification time under `path` (a file or a directory). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/**
 * The tarball `npm pack` makes of this repository (its `prepack` builds
 * lib/ and dist/). Packed once and reused while it is newer than what goes
 * into it (js/, pkg/, package.json, the build script).
 */
export function tarball() {
  const file = join(PACKED, `quiver-client-${VERSION}.tgz`);
  const inputs = ["js", "pkg/quiver_bg.wasm", "pkg/quiver.js", "package.json", "scripts/build-package.mjs", "webpack.config.js"];
  if (!existsSync(file) || Math.max(...inputs.map((p) => newest(join(ROOT, p)))) > statSync(file).mtimeMs) {
    mkdirSync(PACKED, { recursive: true });
    execFileSync("npm", ["pack", "--pack-destination", PACKED], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  }
  return file;
}

/** Runs `command` in `cwd`; rejects with its output when it fails. */
export function exec(command, args, cwd, env = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok(output) : fail(new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${code}:\n${output.slice(-4000)}`))));
  });
}

// Fresh apps (each a few hundred MB with node_modules) are removed when the
// test process ends, passed or failed — by an `rm -rf` left running on its
// own: removing them in the test process held the step up by 3.5 minutes.
const apps = [];
process.on("exit", () => {
  if (apps.length) spawn("rm", ["-rf", "--", ...apps], { detached: true, stdio: "ignore" }).unref();
});

/**
 * A fresh app: the files of tests/package/apps/`template`, a package.json
 * with `dependencies` (the tarball as "@quiver/client") and
 * `devDependencies`, and `npm install` (the registry and npm's cache; no
 * lock file, as a new app starts). Resolves to the app's directory.
 */
export async function freshApp(name, template, { dependencies = {}, devDependencies = {}, scripts = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `quiver-app-${name}-`));
  apps.push(dir);
  cpSync(join(ROOT, "tests/package/apps", template), dir, { recursive: true });
  const pkg = { name: `fresh-${name}`, private: true, type: "module", scripts, dependencies: { "@quiver/client": `file:${tarball()}`, ...dependencies }, devDependencies };
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2));
  await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], dir);
  return dir;
}

/** The version npm installed of `name` in the app at `dir`. */
export function installed(dir, name) {
  return JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version;
}

const REGIONS = ["North", "South", "East", "West", "Île-de-France"];

/**
 * A CSV of 20,000 rows the tests know the answers for: region (5 values,
 * one non-ASCII), amount (a float, every 7th empty), day (a date). Resolves
 * to { path, rows, byRegion: [{ region, n, total }] sorted by region }.
 */
export function knownCsv() {
  const path = join(tmpdir(), "quiver-package-test.csv");
  const lines = ["region,amount,day"];
  const groups = new Map();
  for (let i = 0; i < 20_000; i++) {
    const region = REGIONS[[0, 0, 0, 1, 1, 2, 3, 4, 4, 4, 4][(i * 31 + (i >> 4)) % 11]];
    const amount = i % 7 === 3 ? null : ((i * 37) % 1000) / 4 - 50;
    const day = `2024-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`;
    lines.push(`${region},${amount ?? ""},${day}`);
    const g = groups.get(region) ?? { region, n: 0, total: 0 };
    g.n++;
    g.total += amount ?? 0;
    groups.set(region, g);
  }
  writeFileSync(path, lines.join("\n") + "\n");
  const byRegion = [...groups.values()].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
  return { path, rows: 20_000, byRegion };
}

/** Only this machine: requests elsewhere (a CDN) are refused and recorded. */
export async function offline(page) {
  const elsewhere = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("http://127.0.0.1:") || url.startsWith("blob:") || url.startsWith("data:")) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  return elsewhere;
}

/**
 * On a page of one of the apps: picks the known CSV, waits until Quiver has
 * loaded it, and checks the aggregate the page shows against the file.
 */
export async function loadsAndAggregates(page, csv) {
  await page.setInputFiles('[data-testid="file"]', csv.path);
  await page.waitForSelector(`[data-testid="status"]:text("ready ${csv.rows} rows")`, { timeout: 120_000 }).catch(async (e) => {
    throw new Error(`${e.message}\nstatus: ${await page.textContent('[data-testid="status"]').catch(() => "?")}`);
  });
  await page.waitForSelector('[data-testid="result"]', { timeout: 60_000 });
  const shown = JSON.parse(await page.textContent('[data-testid="result"]'));
  assert.deepEqual(shown.map((r) => r.region), csv.byRegion.map((g) => g.region));
  for (const [i, g] of csv.byRegion.entries()) {
    assert.equal(shown[i].n, g.n, `count of ${g.region}`);
    assert.ok(Math.abs(shown[i].total - g.total) < 1e-6, `sum of ${g.region}: ${shown[i].total} vs ${g.total}`);
  }
}

/** Drags Graphic Walker's field `field` onto its shelf `shelf` ("X-Axis"), as a person does with the mouse. */
async function dragField(page, field, shelf) {
  const walker = page.getByTestId("walker");
  const from = await walker.getByText(field, { exact: true }).first().boundingBox();
  const to = await walker.getByText(shelf, { exact: true }).first().boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2 + 10, { steps: 5 });
  await page.mouse.move(to.x + to.width + 200, to.y + to.height / 2, { steps: 20 });
  await page.waitForTimeout(200);
  await page.mouse.up();
}

/**
 * Graphic Walker (rendered by the page with Quiver's fields and
 * computation): drags region to the X axis and amount to the Y axis (a bar
 * chart of the sum of amount per region), checks the sums Quiver answered
 * against the file, and that the chart is drawn.
 */
export async function drawsWalkerChart(page, csv) {
  const walker = page.getByTestId("walker");
  await walker.getByText("region", { exact: true }).first().waitFor({ timeout: 60_000 });
  await dragField(page, "region", "X-Axis");
  await dragField(page, "amount", "Y-Axis");
  const answer = await page.waitForFunction(
    () => window.walkerLog.find((e) => JSON.stringify(e.payload).includes('"groupBy":["region"]') && JSON.stringify(e.payload).includes('"field":"amount"')),
    null,
    { timeout: 60_000 },
  );
  const { rows } = await answer.jsonValue();
  const sumKey = Object.keys(rows[0]).find((k) => k !== "region");
  assert.equal(rows.length, csv.byRegion.length);
  for (const g of csv.byRegion) {
    const got = rows.find((r) => r.region === g.region)?.[sumKey];
    assert.ok(Math.abs(got - g.total) < 1e-6, `Graphic Walker's sum of amount for ${g.region}: ${got} vs ${g.total}`);
  }
  await page.waitForFunction(() => {
    const host = document.querySelector('[data-testid="walker"]');
    const find = (root) => [...root.querySelectorAll("*")].some((el) => el.matches("canvas, svg.marks") || (el.shadowRoot && find(el.shadowRoot)));
    return find(host);
  });
}
