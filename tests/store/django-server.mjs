// The Django app (python/django-quiver-files, app `quiver_files`) as a
// server of the file store's HTTP contract suite: a launcher with the
// interface servers.mjs documents ({ name, scale, start(options) → Server }),
// registered in its `known` list (django on local files, django-s3 on S3
// through moto).
//
// Each start() makes a data directory (SQLite database, files/; removed by
// stop() and when the test process ends), runs the
// migrations, and serves the app's test project
// (python/django-quiver-files/tests/contract_project) with gunicorn — one
// worker process, 16 threads (gthread: an upload in flight costs about 1 MB) — on a free loopback port. The
// options map onto settings (see the project's settings.py). Options that
// belong to the HTTP server in front of a Python app rather than to the app
// (headerTimeout, writeTimeout, maxConnections, fileLimit: slow clients are
// a front proxy's job in a WSGI deployment; uploadMemory: each upload holds
// one 64 KiB chunk; uploadExpiry, sweepInterval: options of resumable
// uploads) make start() throw, naming them. `unsupported` lists them and
// "tus" (the app does not implement resumable uploads), and the suite skips
// the tests that need one for this server, printing why (servers.mjs, `lacks`).
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, filesUnder, motoBucket, s3Keys, s3PendingUploads } from "./support.mjs";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const PYTHON = join(ROOT, ".venv/bin/python");
const GUNICORN = join(ROOT, ".venv/bin/gunicorn");
const PROJECT = join(ROOT, "python/django-quiver-files/tests/contract_project");

const running = new Set();
// Each server's data directory (SQLite, files) goes when it stops, and
// whatever is left when the test process ends (failed tests included).
const directories = new Set();
process.on("exit", () => {
  running.forEach((child) => kill(child, "SIGKILL"));
  directories.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

/** Signals the server's whole process group (gunicorn's master and workers). */
function kill(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

/** Resident memory (now, peak) in MB of `pids`, summed (Linux). */
function memoryOf(pids) {
  let rss = 0;
  let peak = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))[1]);
      rss += kb("VmRSS") / 1024;
      peak += kb("VmHWM") / 1024;
    } catch {}
  }
  return { rss, peak };
}

/** The children of `pid` (gunicorn's workers). */
function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Options this server cannot honour (see the note at the top). */
export const DJANGO_UNSUPPORTED = ["headerTimeout", "writeTimeout", "maxConnections", "fileLimit", "uploadMemory", "uploadExpiry", "sweepInterval", "tus"];

function environment(dir, options, storage) {
  const env = {
    ...process.env,
    PYTHONPATH: PROJECT,
    DJANGO_SETTINGS_MODULE: "settings",
    QUIVER_DIR: dir,
    QUIVER_SWEEP_INTERVAL: "5",
    // Threaded CPython on glibc: few malloc arenas, and large buffers always
    // mmapped (so freed at once), keep resident memory flat (README, "The Django app").
    MALLOC_ARENA_MAX: "2",
    MALLOC_MMAP_THRESHOLD_: String(1 << 20),
    ...storage.env,
  };
  if (options.maxBytes !== undefined) env.QUIVER_MAX_BYTES = String(options.maxBytes);
  if (options.token !== undefined) env.QUIVER_TOKEN = options.token;
  if (options.corsOrigins !== undefined) env.QUIVER_CORS_ORIGINS = JSON.stringify(options.corsOrigins);
  if (options.allowedHosts !== undefined) env.QUIVER_ALLOWED_HOSTS = JSON.stringify(options.allowedHosts);
  if (options.bodyTimeout !== undefined) env.QUIVER_BODY_TIMEOUT = String(options.bodyTimeout);
  return env;
}

/** `python manage.py …` in the test project. */
function manage(env, ...args) {
  return execFileSync(PYTHON, [join(PROJECT, "manage.py"), ...args], { env, cwd: PROJECT, encoding: "utf8" });
}

/** Rows of the app's tables, through Python's sqlite3 (the launcher's window on staged uploads). */
function query(dir, sql) {
  const out = execFileSync(PYTHON, ["-c", "import sqlite3,sys,json; c=sqlite3.connect(sys.argv[1], timeout=30); print(json.dumps([list(r) for r in c.execute(sys.argv[2])]))", join(dir, "db.sqlite3"), sql], {
    encoding: "utf8",
  });
  return JSON.parse(out);
}

/** Spawns gunicorn on `port`; resolves once it answers HTTP. */
async function spawnGunicorn(port, env) {
  const child = spawn(
    GUNICORN,
    ["wsgi:application", "--bind", `127.0.0.1:${port}`, "--worker-class", "gthread", "--workers", "1", "--threads", "16", "--graceful-timeout", "5", "--keep-alive", "5", "--backlog", "2048", "--log-level", "warning"],
    { cwd: PROJECT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  running.add(child);
  let log = "";
  const record = (chunk) => {
    log += chunk;
    if (process.env.STORE_LOG) process.stderr.write(chunk);
  };
  child.stdout.on("data", record);
  child.stderr.on("data", record);
  const exited = new Promise((ok) => child.on("exit", () => (running.delete(child), ok())));
  let failed = null;
  child.on("exit", (code) => (failed ??= new Error(`gunicorn exited with ${code} before answering:\n${log}`)));
  for (let i = 0; ; i++) {
    if (failed) throw failed;
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      break;
    } catch (e) {
      if (i > 600) throw new Error(`the Django app did not answer on ${port}: ${e}\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { child, exited, log: () => log };
}

/** A launcher of the Django app on `storage` ({ name, scale, env?, inspect(dir) }). */
function launcher({ name, scale, storage }) {
  return {
    name,
    scale,
    unsupported: DJANGO_UNSUPPORTED,
    async start(options = {}) {
      const refused = Object.keys(options).filter((k) => options[k] !== undefined && DJANGO_UNSUPPORTED.includes(k));
      if (refused.length) throw new Error(`the Django app does not honour ${refused.join(", ")} (see tests/store/django-server.mjs)`);
      const dir = mkdtempSync(join(tmpdir(), "quiver-django-"));
      directories.add(dir);
      mkdirSync(join(dir, "files"));
      const where = await storage.prepare();
      const env = environment(dir, options, where);
      manage(env, "migrate", "--noinput", "-v", "0");
      if (options.token !== undefined) {
        manage(env, "shell", "-c", `from django.contrib.auth.models import User; from rest_framework.authtoken.models import Token; u = User.objects.create_user("contract"); Token.objects.create(user=u, key=${JSON.stringify(options.token)})`);
      }
      const port = await freePort();
      let proc = await spawnGunicorn(port, env);
      const inspect = storage.inspect(dir, where);
      return {
        url: `http://127.0.0.1:${port}`,
        options,
        dir,
        get pid() {
          return proc.child.pid;
        },
        log: () => proc.log(),
        async stop() {
          kill(proc.child, "SIGTERM");
          await proc.exited;
          rmSync(dir, { recursive: true, force: true });
          directories.delete(dir);
        },
        async kill() {
          kill(proc.child, "SIGKILL");
          await proc.exited;
        },
        async restart() {
          proc = await spawnGunicorn(port, env);
        },
        // The master and its workers: every process of the server.
        memory: () => memoryOf([proc.child.pid, ...childrenOf(proc.child.pid)]),
        async staged() {
          const rows = query(dir, "select purpose, blob from quiver_files_staged").map(([purpose, blob]) => `${purpose} record ${blob}`);
          const pointed = new Set(query(dir, "select blob from quiver_files_storedfile").map(([b]) => b));
          const unpointed = (await inspect.blobs()).filter((b) => !pointed.has(b)).map((b) => `unpointed blob ${b}`);
          return [...rows, ...unpointed, ...(await inspect.pending())];
        },
        stored: () => inspect.stored(),
      };
    },
  };
}

/** FileSystemStorage in the data directory. */
const fileSystem = {
  prepare: async () => ({ env: {} }),
  inspect: (dir) => ({
    blobs: async () => filesUnder(join(dir, "files")),
    pending: async () => [],
    stored: async () => filesUnder(join(dir, "files")),
  }),
};

export const django = launcher({ name: "django", scale: { large: 1 << 30 }, storage: fileSystem });

// ─── S3 (django-storages) through moto (support.mjs) ─────────────────────────
const PREFIX = "team/files-here";

const s3Storage = {
  async prepare() {
    const { endpoint, bucket } = await motoBucket("quiver-django");
    return {
      endpoint,
      bucket,
      env: { QUIVER_S3: `${bucket}/${PREFIX}`, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1", AWS_ENDPOINT: endpoint },
    };
  },
  inspect: (dir, { endpoint, bucket }) => ({
    blobs: async () => (await s3Keys(endpoint, bucket, `${PREFIX}/`)).map((k) => k.slice(PREFIX.length + 1)),
    pending: () => s3PendingUploads(endpoint, bucket),
    stored: () => s3Keys(endpoint, bucket),
  }),
};

export const djangoS3 = launcher({ name: "django-s3", scale: { large: 200 << 20 }, storage: s3Storage });

/** Stops every Django server (and moto) this module started. */
export function stopAllDjango() {
  running.forEach((child) => kill(child, "SIGTERM"));
}
