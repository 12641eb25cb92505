// kill -9 in the middle of uploads: after a restart nothing staged remains
// (no staged bytes, no records, no pending S3 multipart uploads), nothing
// half-written is listed, and files stored before are intact. (A resumable
// upload survives the crash instead: tus.test.mjs.) Runs against every
// server in servers.mjs.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { servers, stopAll } from "./servers.mjs";
import { sha256, put, sleep, eventually } from "./harness.mjs";

after(stopAll);

/** Starts sending `head` + `body` to `server`, `sent` bytes of it, and keeps the socket open. */
function startSending(server, head, body, sent) {
  const { hostname, port } = new URL(server.url);
  return new Promise((ok) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      socket.write(body.subarray(0, sent), () => ok(socket));
    });
    socket.on("error", () => {});
  });
}

for (const launcher of servers) {
  describe(`store contract, kill -9 mid-upload [${launcher.name}]`, () => {
    test("killed during a plain upload and a form: after a restart nothing staged remains and old files are intact", { timeout: 120_000 }, async () => {
      const server = await launcher.start();
      try {
        const keep = randomBytes(7_000_000);
        assert.equal((await put(server, "kept.csv", keep)).status, 201);
        const before = await server.stored();
        // A plain upload 15 MB into 40, and a form whose first file is complete and second is half-way.
        const big = randomBytes(40_000_000);
        const put1 = await startSending(server, `PUT /files/killed.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${big.length}\r\n\r\n`, big, 15_000_000);
        const boundary = "----killed";
        const form = Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="form-first.csv"\r\n\r\n`),
          randomBytes(6_000_000),
          Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="form-second.csv"\r\n\r\n`),
          big,
        ]);
        const post = await startSending(
          server,
          `POST /files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Requested-With: t\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${form.length + 100}\r\n\r\n`,
          form,
          6_000_000 + 20_000_000,
        );
        // Wait until the server has staged something, then crash it.
        assert.ok(await eventually(async () => (await server.staged()).length >= 2, 10_000), "uploads were staged");
        await sleep(300);
        const stagedAtCrash = await server.staged();
        await server.kill();
        put1.destroy();
        post.destroy();
        await server.restart();
        const left = await eventually(async () => (await server.staged()).length === 0 && (await server.stored()).sort().join() === before.sort().join(), 10_000);
        assert.ok(left, `after the restart: ${JSON.stringify({ stagedAtCrash, staged: await server.staged(), stored: await server.stored(), before })}`);
        const names = (await (await fetch(`${server.url}/files`)).json()).files.map((f) => f.name);
        assert.deepEqual(names, ["kept.csv"]);
        assert.equal(sha256(Buffer.from(await (await fetch(`${server.url}/files/kept.csv`)).arrayBuffer())), sha256(keep));
        // And it works as before.
        assert.equal((await put(server, "after.csv", "x")).status, 201);
      } finally {
        await server.stop();
      }
    });

    test("killed many times at random moments of concurrent uploads: never a partial file, never leftovers", { timeout: 180_000 }, async () => {
      const server = await launcher.start();
      try {
        const bodies = Array.from({ length: 4 }, () => randomBytes(9_000_000));
        const good = new Set(bodies.map(sha256));
        for (let round = 0; round < 5; round++) {
          const uploads = bodies.map((b, i) => put(server, `round-${i % 2}.csv`, b).catch(() => null));
          await sleep(20 + Math.random() * 400);
          await server.kill();
          await Promise.all(uploads);
          await server.restart();
          assert.ok(await eventually(async () => (await server.staged()).length === 0, 10_000), `round ${round}: ${await server.staged()}`);
          for (const f of (await (await fetch(`${server.url}/files`)).json()).files) {
            assert.ok(good.has(f.sha256), `round ${round}: ${f.name} is listed with a checksum of no upload`);
            const got = Buffer.from(await (await fetch(`${server.url}/files/${f.name}`)).arrayBuffer());
            assert.equal(sha256(got), f.sha256, `round ${round}: ${f.name} holds what its listing says`);
          }
        }
      } finally {
        await server.stop();
      }
    });
  });
}
