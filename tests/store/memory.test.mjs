// The server's memory under many uploads: 100 running at once, and 60 that
// each send 8 MiB and then stall. Memory must stay flat (bounded buffers per
// upload and a global cap on what uploads hold), stalled uploads are timed
// out and what they staged removed, and memory comes back down after.
// Measured from /proc/PID/status (VmRSS, VmHWM). Runs against every server
// in servers.mjs; prints the figures the README quotes.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { servers, stopAll } from "./servers.mjs";
import { put, sleep, eventually, sampler, generated } from "./harness.mjs";

after(stopAll);

const MIB = { local: 16, s3: 6 }; // per upload; on S3 more than one 5 MiB part

for (const launcher of servers) {
  describe(`store contract, memory under load [${launcher.name}]`, () => {
    test("100 uploads at once: every one lands whole and the server's memory stays flat", { timeout: 300_000 }, async () => {
      const server = await launcher.start();
      try {
        const idle = server.memory().rss;
        const mib = MIB[launcher.name] ?? 6;
        const block = randomBytes(1 << 20);
        const watch = sampler(server);
        const started = performance.now();
        const uploads = Array.from({ length: 100 }, (_, i) => {
          const body = generated(block, mib, i);
          return put(server, `load-${i}.csv`, body.stream, { duplex: "half" }).then(async (r) => ({ status: r.status, stored: await r.json(), expected: body.digest() }));
        });
        const results = await Promise.all(uploads);
        const seconds = (performance.now() - started) / 1000;
        const peak = watch.stop();
        assert.deepEqual(results.map((r) => r.status), Array(100).fill(201));
        for (const r of results) assert.equal(r.stored.sha256, r.expected);
        console.log(`[${launcher.name}] 100 concurrent uploads of ${mib} MiB (${100 * mib} MiB) in ${seconds.toFixed(1)} s: server memory idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`);
        // What the uploads add to the idle server (a Python server idles near 80 MB, the Rust one near 8).
        assert.ok(peak - idle < 64 + 40, `peak ${peak.toFixed(0)} MB, idle ${idle.toFixed(0)} MB (upload buffers are capped at 64 MiB)`);
      } finally {
        await server.stop();
      }
    });

    test("60 uploads that send 8 MiB and stall: memory stays flat, they are timed out, their parts aborted, memory comes back", { timeout: 300_000 }, async () => {
      const server = await launcher.start({ bodyTimeout: 3 });
      const sockets = [];
      try {
        const idle = server.memory().rss;
        const before = await server.stored();
        const { hostname, port } = new URL(server.url);
        const eight = randomBytes(8 << 20);
        const watch = sampler(server);
        const closed = [];
        await Promise.all(
          Array.from({ length: 60 }, (_, i) => new Promise((ok) => {
            const socket = connect(Number(port), hostname, () => {
              socket.write(`PUT /files/stall-${i}.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${64 << 20}\r\n\r\n`);
              socket.write(eight, () => ok());
            });
            socket.on("error", () => ok());
            socket.on("close", () => closed.push(i));
            socket.on("data", () => {});
            sockets.push(socket);
          })),
        );
        await sleep(1_000);
        const stalled = server.memory().rss;
        const peakWhileStalled = watch.stop();
        const staged = (await server.staged()).length;
        // The body timeout stops every one of them, and what they staged goes.
        const cleaned = await eventually(async () => closed.length === 60 && (await server.staged()).length === 0, 120_000, 250);
        assert.ok(cleaned, `${closed.length}/60 closed; staged left: ${(await server.staged()).length}`);
        assert.deepEqual((await server.stored()).sort(), before.sort(), "nothing of them was stored");
        await sleep(500);
        const afterwards = server.memory().rss;
        console.log(
          `[${launcher.name}] 60 uploads stalled after 8 MiB: server memory idle ${idle.toFixed(0)} MB, ${stalled.toFixed(0)} MB while stalled ` +
            `(peak ${peakWhileStalled.toFixed(0)} MB, ${staged} staged objects), ${afterwards.toFixed(0)} MB after they were timed out and removed`,
        );
        assert.ok(peakWhileStalled - idle < 64 + 40, `peak ${peakWhileStalled.toFixed(0)} MB while stalled, idle ${idle.toFixed(0)} MB (upload buffers are capped at 64 MiB)`);
        assert.ok(afterwards < idle + 30, `${afterwards.toFixed(0)} MB after (idle: ${idle.toFixed(0)} MB)`);
      } finally {
        sockets.forEach((s) => s.destroy());
        await server.stop();
      }
    });
  });
}
