// Cross-site writes in the default set-up (loopback, no token): another web
// page open in the same browser must not be able to change stored files.
// Sent as raw requests (what a browser would put on the wire: a no-cors
// multipart POST, a rebinding Host) and from a real page in headless
// Chromium on another origin. Runs against every server in servers.mjs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { servers, stopAll } from "./servers.mjs";
import { sha256, put, rawRequest, assertJsonError } from "./harness.mjs";
import { serveStatic, launchBrowser } from "../e2e/harness.mjs";

after(stopAll);
const APP = "http://127.0.0.1:5173";

/** A multipart form body with one file, as a browser encodes it. */
function multipart(name, content, boundary = "----WebKitFormBoundaryq") {
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`),
  };
}

for (const launcher of servers) {
  describe(`store contract, cross-site writes [${launcher.name}]`, () => {
    let server, host;
    before(async () => {
      server = await launcher.start({ corsOrigins: [APP] });
      host = new URL(server.url).host;
      assert.equal((await put(server, "sales.csv", "region,amount\nnorth,1\n")).status, 201);
    });
    after(() => server?.stop());
    const original = () => sha256("region,amount\nnorth,1\n");
    const current = async () => sha256(Buffer.from(await (await fetch(`${server.url}/files/sales.csv`)).arrayBuffer()));

    test("a simple cross-site POST (no-cors fetch or HTML form) cannot overwrite a file", async () => {
      const cases = [
        ["a no-cors multipart POST from another site", { origin: "http://evil.example" }, multipart("sales.csv", "pwned"), "forbidden_origin"],
        ["from a sandboxed page (Origin: null)", { origin: "null" }, multipart("sales.csv", "pwned"), "forbidden_origin"],
        ["from a browser that sent no Origin", {}, multipart("sales.csv", "pwned"), "cross_site_write"],
        ["even from an allowed origin, without X-Requested-With", { origin: APP }, multipart("sales.csv", "pwned"), "cross_site_write"],
        ["as text/plain", {}, { type: "text/plain", body: Buffer.from("pwned") }, "cross_site_write"],
        ["as a url-encoded form", {}, { type: "application/x-www-form-urlencoded", body: Buffer.from("a=b") }, "cross_site_write"],
      ];
      for (const [label, headers, { type, body }, code] of cases) {
        const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
        const answer = await rawRequest(server, `POST /files HTTP/1.1\r\nHost: ${host}\r\n${extra}Content-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body);
        assert.equal(answer.status, 403, label);
        assert.equal(JSON.parse(answer.body).error.code, code, label);
      }
      assert.equal(await current(), original(), "sales.csv unchanged");
    });

    test("writes from an origin not allowed are refused (PUT, DELETE, tus), reads are left to CORS", async () => {
      for (const origin of ["http://evil.example", "null", "http://127.0.0.1:5174"]) {
        await assertJsonError(await put(server, "sales.csv", "pwned", { headers: { origin } }), 403, "forbidden_origin", `PUT from ${origin}`);
        await assertJsonError(await fetch(`${server.url}/files/sales.csv`, { method: "DELETE", headers: { origin } }), 403, "forbidden_origin", `DELETE from ${origin}`);
        await assertJsonError(
          await fetch(`${server.url}/uploads`, { method: "POST", headers: { origin, "tus-resumable": "1.0.0", "upload-length": "5", "upload-metadata": `filename ${Buffer.from("sales.csv").toString("base64")}` } }),
          403,
          "forbidden_origin",
          `tus from ${origin}`,
        );
      }
      assert.equal(await current(), original());
      // A read from another origin is answered, without CORS headers (the page cannot read it).
      const read = await fetch(`${server.url}/files/sales.csv`, { headers: { origin: "http://evil.example" } });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get("access-control-allow-origin"), null);
      await read.arrayBuffer();
      // The allowed origin writes.
      const allowed = await put(server, "from-app.csv", "ok", { headers: { origin: APP } });
      assert.equal(allowed.status, 201);
      assert.equal(allowed.headers.get("access-control-allow-origin"), APP);
    });

    test("DNS rebinding: any Host but the loopback names is refused, reads included", async () => {
      for (const name of ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example", "[::2]"]) {
        for (const [method, path, body] of [["GET", "/files", ""], ["GET", "/files/sales.csv", ""], ["PUT", "/files/sales.csv", "pwned"], ["DELETE", "/files/sales.csv", ""], ["OPTIONS", "/files/sales.csv", ""]]) {
          const answer = await rawRequest(server, `${method} ${path} HTTP/1.1\r\nHost: ${name}:${new URL(server.url).port}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
          assert.equal(answer.status, 403, `${method} ${path} with Host ${name}`);
          assert.equal(JSON.parse(answer.body).error.code, "forbidden_host");
        }
      }
      for (const name of ["127.0.0.1", "localhost", "LocalHost"]) {
        const answer = await rawRequest(server, `GET /files HTTP/1.1\r\nHost: ${name}:${new URL(server.url).port}\r\nConnection: close\r\n\r\n`);
        assert.equal(answer.status, 200, name);
      }
      assert.equal(await current(), original());
      const named = await launcher.start({ allowedHosts: ["files.example"] });
      try {
        const ok = await rawRequest(named, `GET /files HTTP/1.1\r\nHost: files.example\r\nConnection: close\r\n\r\n`);
        assert.equal(ok.status, 200, "a name given with --allowed-host");
        const refused = await rawRequest(named, `GET /files HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n`);
        assert.equal(refused.status, 403);
      } finally {
        await named.stop();
      }
    });

    test("a real page on another origin, in Chromium, cannot overwrite a file (no-cors fetch, form submit, XHR PUT)", { timeout: 120_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), "evil-page-"));
      writeFileSync(
        join(dir, "index.html"),
        `<!doctype html><form id="f" method="post" enctype="multipart/form-data" action="${server.url}/files" target="sink">
           <input type="file" name="file" id="file"></form><iframe name="sink"></iframe>
         <script>
           window.attack = async () => {
             const out = {};
             const form = new FormData();
             form.append("file", new Blob(["pwned by fetch"]), "sales.csv");
             try { await fetch("${server.url}/files", { method: "POST", mode: "no-cors", body: form }); out.fetch = "sent"; } catch (e) { out.fetch = String(e); }
             try { await fetch("${server.url}/files/sales.csv", { method: "PUT", body: "pwned by cors PUT" }); out.put = "sent"; } catch (e) { out.put = "blocked"; }
             try { await fetch("${server.url}/files/sales.csv", { method: "DELETE" }); out.del = "sent"; } catch (e) { out.del = "blocked"; }
             return out;
           };
         </script>`,
      );
      const evil = await serveStatic(dir);
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(`${evil.url}/index.html`);
        const out = await page.evaluate(() => window.attack());
        assert.equal(out.put, "blocked", "the preflight stops a cross-origin PUT");
        assert.equal(out.del, "blocked", "the preflight stops a cross-origin DELETE");
        // An HTML form posted to the store, as a user's click would.
        await page.setInputFiles("#file", { name: "sales.csv", mimeType: "text/csv", buffer: Buffer.from("pwned by form") });
        const posted = page.waitForResponse((r) => r.url() === `${server.url}/files`);
        await page.evaluate(() => document.getElementById("f").submit());
        assert.equal((await posted).status(), 403);
        assert.equal(await current(), original(), "sales.csv unchanged");
      } finally {
        await browser.close();
        await evil.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
