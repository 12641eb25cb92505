// Measurement (not a test; run by hand, `node tests/store/measure-resume.mjs`):
// a 1 GiB resumable upload with tus-js-client, uncut, then cut at 50 % and
// resumed at once, then with the server killed (kill -9) at 50 % and
// restarted. Reports each total time and the time lost against the uncut
// upload, on each server of servers.mjs (STORE_SERVERS to choose), and
// writes the raw figures and their medians to tests/store/results/resume-<date>.json.
// (RUNS=n runs per server, default 3; SIZE=bytes, default 1 GiB.)
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as tus from "tus-js-client";
import { servers, stopAll } from "./servers.mjs";

const SIZE = Number(process.env.SIZE ?? 1 << 30);
const RUNS = Number(process.env.RUNS ?? 3);
const data = randomBytes(SIZE);
const results = [];

/** Uploads `data` (resuming `url` when given); stops at `stopAt` bytes if given. */
function upload(server, { url, stopAt, onStop } = {}) {
  return new Promise((ok, fail) => {
    let stopped = false;
    const u = new tus.Upload(data, {
      endpoint: `${server.url}/uploads`,
      uploadUrl: url,
      metadata: { filename: "measure.bin" },
      retryDelays: [0, 100, 200, 400, 800, 1000, 1000, 2000],
      onProgress: (sent) => {
        if (stopAt !== undefined && !stopped && sent >= stopAt) {
          stopped = true;
          onStop(u).then(() => ok({ url: u.url, sent }), fail);
        }
      },
      onSuccess: () => ok({ url: u.url, done: true }),
      onError: fail,
    });
    u.start();
  });
}

const offsetOf = async (url) => Number((await fetch(url, { method: "HEAD", headers: { "tus-resumable": "1.0.0" } })).headers.get("upload-offset"));

for (const launcher of servers) {
  const server = await launcher.start();
  for (let run = 0; run < RUNS; run++) {
    let t = performance.now();
    await upload(server);
    const uncut = (performance.now() - t) / 1000;

    // Cut at 50 % (the client aborts its request), resumed at once.
    t = performance.now();
    const cut = await upload(server, { stopAt: SIZE / 2, onStop: (u) => u.abort() });
    const kept = await offsetOf(cut.url);
    await upload(server, { url: cut.url });
    const cutTotal = (performance.now() - t) / 1000;

    // The server killed at 50 % and restarted; the client retries by itself.
    t = performance.now();
    let restart = 0;
    const killed = await upload(server, {
      stopAt: SIZE / 2,
      onStop: async (u) => {
        await u.abort();
        const r = performance.now();
        await server.kill();
        await server.restart();
        restart = (performance.now() - r) / 1000;
      },
    });
    const keptAfterKill = await offsetOf(killed.url);
    await upload(server, { url: killed.url });
    const killTotal = (performance.now() - t) / 1000;
    const row = {
      server: launcher.name,
      run,
      bytes: SIZE,
      uncutSeconds: +uncut.toFixed(2),
      cutAt50: { totalSeconds: +cutTotal.toFixed(2), lostSeconds: +(cutTotal - uncut).toFixed(2), sentBeforeCut: cut.sent, keptByServer: kept, resentBytes: cut.sent - kept },
      killAt50: {
        totalSeconds: +killTotal.toFixed(2),
        lostSeconds: +(killTotal - uncut).toFixed(2),
        restartSeconds: +restart.toFixed(2),
        sentBeforeKill: killed.sent,
        keptByServer: keptAfterKill,
        resentBytes: killed.sent - keptAfterKill,
      },
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
  await server.stop();
}
stopAll();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const summary = {};
for (const name of new Set(results.map((r) => r.server))) {
  const rows = results.filter((r) => r.server === name);
  summary[name] = {
    runs: rows.length,
    uncutSeconds: median(rows.map((r) => r.uncutSeconds)),
    cutLostSeconds: median(rows.map((r) => r.cutAt50.lostSeconds)),
    cutResentMiB: +(median(rows.map((r) => r.cutAt50.resentBytes)) / 2 ** 20).toFixed(2),
    killLostSeconds: median(rows.map((r) => r.killAt50.lostSeconds)),
    killResentMiB: +(median(rows.map((r) => r.killAt50.resentBytes)) / 2 ** 20).toFixed(2),
    restartSeconds: median(rows.map((r) => r.killAt50.restartSeconds)),
  };
}
console.log(JSON.stringify(summary, null, 2));
const file = new URL(`./results/resume-${new Date().toISOString().slice(0, 10)}.json`, import.meta.url);
const load = (await import("node:os")).loadavg()[0];
writeFileSync(file, JSON.stringify({ machine: `2-core machine shared with other builds (load average ${load.toFixed(1)} at the end), loopback`, summary, results }, null, 2) + "\n");
console.log(`written to ${file.pathname}`);
process.exit(0);
