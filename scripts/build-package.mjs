// Builds what the npm package (@quiver/client) ships, so that `npm pack`
// (which runs this as `prepack`) makes a tarball another app can install:
//
//   lib/js/*.js, *.d.ts   the client as ES modules with declarations (tsc),
//                         relative imports fully specified ("./client.js"),
//                         the worker found as new URL("./worker.js", import.meta.url)
//   lib/pkg/              the wasm-bindgen glue, its declarations and the wasm
//   dist/                 one browser bundle (webpack.config.js) for pages
//                         without a build step: quiver.js, its worker, the wasm
//
// Bundlers (Vite, webpack) see `new Worker(new URL("./worker.js",
// import.meta.url), { type: "module" })` in lib/js/client.js and
// `new URL("quiver_bg.wasm", import.meta.url)` in lib/pkg/quiver.js, and emit
// both files. What must change with this script: package.json's `exports` and
// `files`, and tests/package/ (which install the tarball into fresh apps).
// If js/client.ts stops creating its worker with that exact expression, the
// build fails here rather than shipping a worker URL that points at a .ts file.
//
//   node scripts/build-package.mjs            lib/ and dist/
//   node scripts/build-package.mjs --no-dist  lib/ only
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { init, parse } from "es-module-lexer";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const LIB = join(ROOT, "lib");
const bin = (name) => join(ROOT, "node_modules/.bin", name);
const run = (command, args) => execFileSync(command, args, { cwd: ROOT, stdio: "inherit" });

// The wasm package must exist (and be current): build-wasm.sh skips when it is.
run("bash", ["scripts/build-wasm.sh"]);

rmSync(LIB, { recursive: true, force: true });
run(bin("tsc"), ["-p", "js/tsconfig.package.json"]);

mkdirSync(join(LIB, "pkg"), { recursive: true });
for (const file of ["quiver.js", "quiver.d.ts", "quiver_bg.wasm"]) cpSync(join(ROOT, "pkg", file), join(LIB, "pkg", file));

const WORKER_URL = 'new URL("./worker.ts", import.meta.url)';
await init;

/** Adds ".js" to a relative specifier that has no extension; checks that it resolves. */
function fullySpecified(specifier, from) {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return specifier;
  const withExtension = /\.(m?js|wasm|json)$/.test(specifier) ? specifier : `${specifier}.js`;
  if (!existsSync(resolve(dirname(from), withExtension))) throw new Error(`${from}: import "${specifier}" resolves to nothing (${withExtension})`);
  return withExtension;
}

const jsDir = join(LIB, "js");
for (const file of readdirSync(jsDir)) {
  const path = join(jsDir, file);
  let code = readFileSync(path, "utf8");
  if (file.endsWith(".js")) {
    // Rewrite import/export specifiers from the lexer's positions, last first.
    const [imports] = parse(code);
    for (const { n: specifier, s, e } of [...imports].reverse()) {
      if (specifier === undefined) continue;
      code = code.slice(0, s) + fullySpecified(specifier, path) + code.slice(e);
    }
    if (file === "client.js") {
      const count = code.split(WORKER_URL).length - 1;
      if (count !== 1) throw new Error(`lib/js/client.js: expected ${WORKER_URL} once, found it ${count} times`);
      code = code.replace(WORKER_URL, 'new URL("./worker.js", import.meta.url)');
    }
  } else if (file.endsWith(".d.ts")) {
    // Declarations: `from "./x"` and `import("./x")`.
    code = code.replace(/(from\s+|import\()"(\.\.?\/[^"]+)"/g, (_, lead, specifier) => `${lead}"${fullySpecified(specifier, path.replace(/\.d\.ts$/, ".js"))}"`);
  }
  writeFileSync(path, code);
}


// Every relative import of the shipped modules now names a file that exists.
for (const dir of [jsDir, join(LIB, "pkg")]) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".js"))) {
    const [imports] = parse(readFileSync(join(dir, file), "utf8"));
    for (const { n } of imports) {
      if (n && (n.startsWith("./") || n.startsWith("../")) && !existsSync(resolve(dir, n))) throw new Error(`${dir}/${file}: "${n}" does not exist`);
    }
  }
}
const worker = readFileSync(join(jsDir, "client.js"), "utf8").match(/new URL\("(\.\/worker\.js)", import\.meta\.url\)/);
if (!worker || !existsSync(join(jsDir, worker[1]))) throw new Error("lib/js/client.js does not point at lib/js/worker.js");
if (!/new URL\('quiver_bg\.wasm', import\.meta\.url\)/.test(readFileSync(join(LIB, "pkg/quiver.js"), "utf8"))) {
  throw new Error("lib/pkg/quiver.js no longer finds its wasm with new URL('quiver_bg.wasm', import.meta.url)");
}

if (!process.argv.includes("--no-dist")) run(bin("webpack"), ["--config", "webpack.config.js", "--stats", "errors-warnings"]);
console.log(`[build-package] lib/${process.argv.includes("--no-dist") ? "" : " and dist/"} ready`);
