// Runs the example (examples/django-react) as a user would: the frontend
// installed from the package's tarball and built with Vite 5, Django with
// SQLite (migrations, test users) served by gunicorn, and `vite preview`
// in front (it serves the built app and proxies /api to Django, so the page
// and the API share an origin). Used by the end-to-end tests and by the
// comparison benchmark (bench-django/).
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import * as http from "node:http";
import { ROOT } from "../e2e/harness.mjs";
import { tarball, exec } from "../package/harness.mjs";

export const EXAMPLE = join(ROOT, "examples/django-react");
const FRONTEND = join(EXAMPLE, "frontend");
const BACKEND = join(EXAMPLE, "backend");
const PYTHON = join(ROOT, ".venv/bin/python");

export const USERS = { analyst: "quiver-analyst-pw", other: "quiver-other-pw" };

const running = new Set();
process.on("exit", () => running.forEach((child) => signal(child, "SIGKILL")));

function signal(child, name) {
  try {
    process.kill(-child.pid, name);
  } catch {}
}

export const freePort = () =>
  new Promise((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).filter((f) => f !== "node_modules" && f !== "dist").map((f) => newest(join(path, f))));
}

/**
 * The frontend built from the current tarball: `npm install` (the tarball
 * and the registry, no lock file: an example pins its direct dependencies)
 * when the tarball changed, `vite build` when anything changed.
 */
export async function buildFrontend() {
  const pack = tarball();
  const stamp = join(FRONTEND, "node_modules/.quiver-tarball");
  const packed = `${pack} ${statSync(pack).mtimeMs}`;
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== packed) {
    await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock", "--loglevel=error"], FRONTEND);
    // The tarball's name does not change with its contents: make npm take it again.
    await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock", "--loglevel=error", "--force", `@quiver/client@file:${pack}`, "--no-save"], FRONTEND);
    writeFileSync(stamp, packed);
  }
  const dist = join(FRONTEND, "dist/index.html");
  if (!existsSync(dist) || Math.max(newest(join(FRONTEND, "src")), newest(join(FRONTEND, "vite.config.js")), statSync(stamp).mtimeMs) > statSync(dist).mtimeMs) {
    await exec(join(FRONTEND, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], FRONTEND);
  }
}

function spawnLogged(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.add(child);
  child.log = "";
  const record = (d) => {
    child.log += d;
    if (process.env.EXAMPLE_LOG) process.stderr.write(d);
  };
  child.stdout.on("data", record);
  child.stderr.on("data", record);
  child.exited = new Promise((ok) => child.on("exit", () => (running.delete(child), ok())));
  return child;
}

async function waitFor(url, child, what) {
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${child.log}`);
    try {
      await fetch(url);
      return;
    } catch (e) {
      if (i > 1200) throw new Error(`${what} did not answer at ${url}: ${e}\n${child.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Python's memory of the backend's processes (gunicorn master and workers), MB. */
export function processTreeMemory(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      pids.push(...readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {}
  }
  let rss = 0;
  let peak = 0;
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      const kb = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))[1]);
      rss += kb("VmRSS") / 1024;
      peak += kb("VmHWM") / 1024;
    } catch {}
  }
  return { rss, peak };
}

// Data directories (database, stored files) go on stop(), and any left when
// the test process ends (a failed test).
const dataDirs = new Set();
process.on("exit", () => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * Starts the example: Django (gunicorn, `threads` threads) on a fresh data
 * directory with the two test users, and `vite preview` in front. Resolves
 * to { url, django, dataDir, manage(code), memory(), stop() }.
 */
export async function startExample({ maxBytes = 2 * 2 ** 30, threads = 8, env: extra = {}, addressSpaceGB } = {}) {
  await buildFrontend();
  const dataDir = mkdtempSync(join(tmpdir(), "quiver-example-"));
  dataDirs.add(dataDir);
  const env = { ...process.env, EXPLORER_DATA: dataDir, EXPLORER_MAX_BYTES: String(maxBytes), EXPLORER_DEBUG: "0", MALLOC_ARENA_MAX: "2", ...extra };
  const manage = (...args) => execFileSync(PYTHON, ["manage.py", ...args], { cwd: BACKEND, env, encoding: "utf8" });
  manage("migrate", "--noinput", "-v", "0");
  const users = Object.entries(USERS).map(([u, p]) => `User.objects.create_user(${JSON.stringify(u)}, password=${JSON.stringify(p)})`).join("; ");
  manage("shell", "-c", `from django.contrib.auth.models import User; ${users}`);
  const djangoPort = await freePort();
  const gunicorn = [join(ROOT, ".venv/bin/gunicorn"), "explorer.wsgi:application", "--bind", `127.0.0.1:${djangoPort}`, "--worker-class", "gthread", "--workers", "1", "--threads", String(threads), "--graceful-timeout", "5", "--timeout", "600", "--log-level", "warning"];
  // addressSpaceGB: `ulimit -v` for the server (a run meant to fail fails there, not the machine).
  const django = addressSpaceGB
    ? spawnLogged("sh", ["-c", `ulimit -v ${Math.round(addressSpaceGB * 2 ** 20)} && exec "$@"`, "sh", ...gunicorn], { cwd: BACKEND, env })
    : spawnLogged(gunicorn[0], gunicorn.slice(1), { cwd: BACKEND, env });
  const djangoUrl = `http://127.0.0.1:${djangoPort}`;
  await waitFor(`${djangoUrl}/api/auth/csrf`, django, "Django");
  const port = await freePort();
  const preview = spawnLogged(join(FRONTEND, "node_modules/.bin/vite"), ["preview", "--strictPort"], { cwd: FRONTEND, env: { ...process.env, PORT: String(port), DJANGO_URL: djangoUrl } });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, preview, "vite preview");
  return {
    url,
    djangoUrl,
    dataDir,
    django,
    /** Runs Python in the backend's Django (manage.py shell -c). */
    shell: (code) => manage("shell", "-c", code),
    memory: () => processTreeMemory(django.pid),
    /** Files in storage (the FileSystemStorage directory). */
    storedBlobs: () => {
      const dir = join(dataDir, "files");
      return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
    },
    async stop() {
      for (const child of [preview, django]) {
        signal(child, "SIGTERM");
        await child.exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
      dataDirs.delete(dataDir);
    },
  };
}

/** Logs `page` in as `user` through the example's login form. */
export async function logIn(page, url, user = "analyst") {
  await page.goto(url);
  // The browser's cookie jar may hold a session already (pages share it).
  await page.locator('input[name="username"], [data-testid="user"]').first().waitFor();
  if (await page.getByTestId("user").isVisible()) {
    if ((await page.getByTestId("user").textContent()) === user) return;
    await page.getByText("Log out").click();
  }
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', USERS[user]);
  await page.click('button[type="submit"]');
  await page.getByTestId("user").waitFor();
}

/**
 * Records what Graphic Walker's computation received from Quiver's worker,
 * without touching the app: the comlink messages of `walker` calls and
 * their JSON answers, on window.__walkerAnswers.
 */
export async function tapWalker(page) {
  await page.addInitScript(() => {
    window.__walkerAnswers = [];
    const pending = new Map();
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      if (message && message.type === "APPLY" && message.path?.[0] === "walker") {
        pending.set(message.id, JSON.parse(message.argumentList[0].value));
        if (!this.__tapped) {
          this.__tapped = true;
          this.addEventListener("message", (event) => {
            const answer = event.data;
            if (answer && pending.has(answer.id)) {
              window.__walkerAnswers.push({ payload: pending.get(answer.id), rows: typeof answer.value === "string" ? JSON.parse(answer.value) : null });
              pending.delete(answer.id);
            }
          });
        }
      }
      return post.call(this, message, ...rest);
    };
  });
}

/**
 * An HTTP proxy in front of `target` (the page and Quiver's worker alike go
 * through it, which Chromium's network emulation and events do not reach):
 * `onRequestChunk(chunk)` sees request bodies; `respond(req, answer, res)`
 * sends a response's body (default: piped as it comes). Resolves to
 * { url, close }.
 */
export async function proxy(target, { onRequestChunk = () => {}, respond = (_req, answer, res) => answer.pipe(res) } = {}) {
  const { hostname, port } = new URL(target);
  const server = http.createServer((req, res) => {
    const upstream = http.request({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      respond(req, answer, res);
    });
    upstream.on("error", () => res.destroy());
    req.on("data", onRequestChunk);
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => (server.closeAllConnections(), new Promise((r) => server.close(r))) };
}

/** Drags Graphic Walker's field `field` onto its shelf `shelf`, as a person does. */
export async function dragField(page, field, shelf) {
  const walker = page.getByTestId("walker");
  await walker.getByText(field, { exact: true }).first().waitFor({ timeout: 60_000 });
  const from = await walker.getByText(field, { exact: true }).first().boundingBox();
  const to = await walker.getByText(shelf, { exact: true }).first().boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2 + 10, { steps: 5 });
  // The axes' drop zones are to the right of their labels; the other
  // shelves' (Color, Size …) are the "Drop Field Here" boxes under them.
  const axis = /-Axis$/.test(shelf);
  const [x, y] = axis ? [to.x + to.width + 200, to.y + to.height / 2] : [to.x + to.width / 2 + 20, to.y + to.height + 25];
  await page.mouse.move(x, y, { steps: 20 });
  await page.waitForTimeout(200);
  await page.mouse.up();
}

/** A generated sales CSV of about `mb` MB (bench/gen-sales.mjs), cached in the temp directory. */
export async function salesOfSize(mb) {
  const path = join(tmpdir(), `quiver-sales-${mb}MB.csv`);
  if (!existsSync(path)) execFileSync("node", [join(ROOT, "bench/gen-sales.mjs"), "--size", `${mb}MB`, "--out", path], { stdio: "ignore" });
  return path;
}

/** pandas' answer (an independent reader) for `sql`-like group sums of the file: { region: sum(column) }, and rows. */
export function pandasSums(path, by, column) {
  const out = execFileSync(
    PYTHON,
    ["-c", "import pandas as pd, sys, json; df = pd.read_csv(sys.argv[1]); s = df.groupby(sys.argv[2])[sys.argv[3]].sum(); print(json.dumps({'rows': len(df), 'sums': {str(k): float(v) for k, v in s.items()}}))", path, by, column],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  return JSON.parse(out);
}
