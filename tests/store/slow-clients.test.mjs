// Slow clients: connections that send half a request and wait, connections
// that send nothing, uploads that stop mid-body, downloads nobody reads —
// and more connections than the store serves. Each is cut off after its
// timeout; past the connection limit the store answers 503 (JSON) at once
// instead of letting a normal request time out. Runs against every server
// in servers.mjs.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { randomBytes } from "node:crypto";
import { servers, stopAll, lacks } from "./servers.mjs";
import { put, sleep, rawRequest, assertJsonError, eventually } from "./harness.mjs";

after(stopAll);

/**
 * Opens `count` connections to `server`, each sending `first` (maybe
 * nothing) and then waiting. Resolves once all are connected, to
 * { sockets, closedAt: ms after opening for each closed one, answers: first
 * bytes received per socket, closeAll }.
 */
async function holdConnections(server, count, first = "") {
  const { hostname, port } = new URL(server.url);
  const started = performance.now();
  const state = { sockets: [], closedAt: [], answers: new Map() };
  // In batches of 100, so the client's own burst does not overflow the accept queue.
  for (let from = 0; from < count; from += 100) await Promise.all(
    Array.from({ length: Math.min(100, count - from) }, (_, k) => {
      const i = from + k;
      return new Promise((ok) => {
        const socket = connect({ host: hostname, port: Number(port) }, () => {
          if (first) socket.write(first);
          ok();
        });
        socket.on("data", (d) => state.answers.set(i, (state.answers.get(i) ?? "") + d.toString("latin1")));
        socket.on("close", () => state.closedAt.push(performance.now() - started));
        socket.on("error", () => ok());
        state.sockets.push(socket);
      });
    }),
  );
  state.closeAll = () => state.sockets.forEach((s) => s.destroy());
  return state;
}

/** A normal request on a fresh connection: its status and how long the answer took, in ms. */
async function timedRequest(server) {
  const started = performance.now();
  const answer = await rawRequest(server, "GET /files HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", undefined, { timeout: 20_000 });
  return { status: answer?.status ?? null, ms: performance.now() - started, body: answer?.body.toString(), retryAfter: answer?.headers["retry-after"] };
}

for (const launcher of servers) {
  describe(`store contract, slow clients [${launcher.name}]`, () => {
    test("500 half-sent request heads are closed after the header timeout, and normal requests go on meanwhile", { skip: lacks(launcher, "headerTimeout") }, async () => {
      const server = await launcher.start({ headerTimeout: 1 });
      try {
        const slow = await holdConnections(server, 500, "GET /files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
        const during = await timedRequest(server);
        assert.equal(during.status, 200, JSON.stringify(during));
        const allClosed = await eventually(() => slow.closedAt.length === 500, 8_000);
        assert.ok(allClosed, `${slow.closedAt.length} of 500 closed`);
        const last = Math.max(...slow.closedAt);
        console.log(`[${launcher.name}] 500 half-sent heads: all closed by ${(last / 1000).toFixed(1)} s (header timeout 1 s)`);
        assert.ok(last < 5_000, `closed after ${last} ms`);
        slow.closeAll();
      } finally {
        await server.stop();
      }
    });

    test("idle connections — new, and kept alive between requests — are closed after the header timeout", { skip: lacks(launcher, "headerTimeout") }, async () => {
      const server = await launcher.start({ headerTimeout: 1 });
      try {
        const idle = await holdConnections(server, 200);
        const kept = await holdConnections(server, 1, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assert.ok(await eventually(() => idle.closedAt.length === 200 && kept.closedAt.length === 1, 6_000), `${idle.closedAt.length}/200 idle, ${kept.closedAt.length}/1 kept-alive closed`);
        assert.match(kept.answers.get(0), /^HTTP\/1\.1 200/, "the kept-alive connection was answered first");
      } finally {
        await server.stop();
      }
    });

    test("past the connection limit a request gets 503 JSON at once; service returns when slow clients time out", { skip: lacks(launcher, "headerTimeout", "maxConnections") }, async () => {
      const server = await launcher.start({ headerTimeout: 2, maxConnections: 100 });
      try {
        const slow = await holdConnections(server, 150, "GET /files HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        await sleep(200);
        // Exactly the limit is held; the rest were refused with a 503.
        const refused = [...slow.answers.values()].filter((a) => a.startsWith("HTTP/1.1 503")).length;
        const over = await timedRequest(server);
        console.log(`[${launcher.name}] connection limit 100: ${150 - refused} slow connections held, ${refused} refused with 503; a normal request answered ${over.status} in ${over.ms.toFixed(0)} ms`);
        assert.equal(refused, 50);
        assert.equal(over.status, 503);
        assert.ok(over.ms < 1_000, `the 503 took ${over.ms} ms`);
        assert.equal(over.retryAfter, "1");
        const error = JSON.parse(over.body);
        assert.equal(typeof error.error.message, "string");
        assert.equal(error.error.code, "too_many_connections");
        // The slow ones time out; then normal service.
        const back = await eventually(async () => (await timedRequest(server)).status === 200, 8_000, 250);
        assert.ok(back, "service came back after the header timeout");
        slow.closeAll();
      } finally {
        await server.stop();
      }
    });

    test("at ulimit -n 1024, 1,100 idle connections: a normal request gets 503 at once, and 200 after the header timeout", { timeout: 60_000, skip: lacks(launcher, "headerTimeout", "fileLimit") }, async () => {
      const server = await launcher.start({ headerTimeout: 4, fileLimit: 1024 });
      let idle;
      try {
        idle = await holdConnections(server, 1100);
        await sleep(300);
        const held = idle.sockets.filter((socket, i) => !socket.destroyed && !idle.answers.has(i)).length;
        const refused = [...idle.answers.values()].filter((a) => a.startsWith("HTTP/1.1 503")).length;
        const over = await timedRequest(server);
        console.log(`[${launcher.name}] ulimit -n 1024, 1,100 idle connections: ${held} held by the store, ${refused} answered 503 (the rest closed); a normal request answered ${over.status} in ${over.ms.toFixed(0)} ms`);
        assert.equal(over.status, 503, JSON.stringify(over));
        assert.ok(over.ms < 1_000);
        assert.ok(held < 1024 - 64, `${held} connections held: the store must keep descriptors for its own work`);
        assert.ok(await eventually(async () => (await timedRequest(server)).status === 200, 10_000, 250), "served again after the timeout");
        idle.closeAll();
        // And it still works afterwards.
        assert.equal((await put(server, "after.csv", "x")).status, 201);
      } finally {
        idle?.closeAll();
        await server.stop();
      }
    });

    test("a download nobody reads is cut off after the write timeout, freeing its connection", { skip: lacks(launcher, "writeTimeout", "maxConnections") }, async () => {
      const server = await launcher.start({ writeTimeout: 1, maxConnections: 4 });
      try {
        const size = 40_000_000;
        assert.equal((await put(server, "big.bin", randomBytes(size), { headers: { connection: "close" } })).status, 201);
        // Four clients ask for the file and never read: they hold every connection.
        const { hostname, port } = new URL(server.url);
        const readers = await Promise.all(
          Array.from({ length: 4 }, () => new Promise((ok) => {
            const socket = connect({ host: hostname, port: Number(port) }, () => {
              socket.write("GET /files/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
              socket.pause();
              ok(socket);
            });
          })),
        );
        // After the write timeout the store has let them all go: four requests at once are served.
        const fourServed = async () => (await Promise.all([1, 2, 3, 4].map(() => timedRequest(server)))).every((r) => r.status === 200);
        assert.ok(await eventually(fourServed, 8_000, 250), "connections freed");
        // And what the readers get, once they do read, is cut short (no whole file).
        const received = await Promise.all(
          readers.map((socket) => new Promise((ok) => {
            let bytes = 0;
            socket.on("data", (d) => (bytes += d.length));
            socket.on("close", () => ok(bytes));
            socket.resume();
          })),
        );
        assert.ok(received.every((bytes) => bytes < size), `received ${received.join(", ")} bytes of ${size}`);
      } finally {
        await server.stop();
      }
    });

    test("an upload that stops mid-body is stopped after the body timeout (408) and leaves nothing", async () => {
      const server = await launcher.start({ bodyTimeout: 1 });
      try {
        const before = await server.stored();
        const body = randomBytes(7_000_000);
        const stalled = await holdConnections(server, 1, `PUT /files/stalled.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 20000000\r\n\r\n`);
        stalled.sockets[0].write(body);
        assert.ok(await eventually(() => stalled.closedAt.length === 1, 8_000), "closed after the body timeout");
        const answer = stalled.answers.get(0) ?? "";
        assert.match(answer, /^HTTP\/1\.1 408/);
        assert.match(answer, /"code":\s*"upload_stalled"/);
        assert.ok(await eventually(async () => (await server.staged()).length === 0, 5_000), `left: ${await server.staged()}`);
        assert.deepEqual(await server.stored(), before);
        // Its name was never created.
        await assertJsonError(await fetch(`${server.url}/files/stalled.csv`), 404, "not_found");
      } finally {
        await server.stop();
      }
    });
  });
}
