#!/usr/bin/env node
// Deterministic generator of the mixed-type "sales" CSV used by the tests,
// the demo's sample file and the benchmarks. Same arguments, same bytes.
//
//   node bench/gen-sales.mjs --size 100MB --out bench-data/sales-100MB.csv
//   node bench/gen-sales.mjs --rows 20000 --out www/public/samples/sales.csv
//
// Columns (about 105 bytes a row, so 100 MB is about 1 million rows):
//   order_id     integer, increasing
//   ordered_at   ISO timestamp with Z (a third with milliseconds)
//   ship_date    date, 5% blank
//   region       string, 8 values
//   store        string, 500 values
//   product      string, 2,000 values, some with commas (quoted)
//   customer     string, ~200,000 values (high cardinality)
//   quantity     integer 1..20
//   unit_price   float, 2 decimals
//   discount     float, ~30% blank
//   returned     boolean
//   note         string, mostly blank; quoted text with commas, doubled
//                quotes and (rarely) embedded newlines
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export const COLUMNS = [
  "order_id", "ordered_at", "ship_date", "region", "store", "product", "customer",
  "quantity", "unit_price", "discount", "returned", "note",
];

/** mulberry32: a small, fast, seedable PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = ["North", "South", "East", "West", "Central", "Nordics", "Iberia", "Benelux"];
const ADJECTIVES = ["Red", "Blue", "Small", "Large", "Organic", "Classic", "Smart", "Eco", "Deluxe", "Mini"];
const NOUNS = ["Kettle", "Lamp", "Chair", "Backpack", "Headphones", "Notebook", "Bottle", "Jacket", "Desk", "Mug",
  "Camera", "Blender", "Pillow", "Sneakers", "Watch", "Umbrella", "Speaker", "Scarf", "Router", "Tent"];
const NOTES = [
  'Gift wrap, please',
  'Customer said "urgent"',
  'Left at door; signed by neighbour',
  'Damaged box, contents "fine"',
  'Call before delivery, after 5pm',
];

function pad2(n) {
  return n < 10 ? "0" + n : "" + n;
}

function quote(text) {
  return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

/** Yields CSV text in blocks of about 1 MB until `rows` rows or `bytes` bytes. */
export function* salesCsv({ rows = Infinity, bytes = Infinity, seed = 42 } = {}) {
  const random = rng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const products = Array.from({ length: 2000 }, (_, i) => {
    const name = `${ADJECTIVES[i % 10]} ${NOUNS[Math.floor(i / 10) % 20]} ${Math.floor(i / 200) + 1}`;
    return quote(i % 7 === 0 ? `${name}, set of 2` : name);
  });
  const start = Date.UTC(2023, 0, 1);
  let block = COLUMNS.join(",") + "\n";
  let written = 0;
  for (let i = 0; i < rows && written + block.length < bytes; i++) {
    const at = start + Math.floor(i * 30_000 + random() * 30_000);
    const d = new Date(at);
    const day = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
    const ms = i % 3 === 0 ? "." + String(d.getUTCMilliseconds()).padStart(3, "0") : "";
    const ship = random() < 0.05 ? "" : new Date(at + (1 + Math.floor(random() * 6)) * 86_400_000).toISOString().slice(0, 10);
    const quantity = 1 + Math.floor(random() * random() * 20);
    const price = (1 + random() * 499).toFixed(2);
    const discount = random() < 0.3 ? "" : (random() * 0.3).toFixed(2);
    const roll = random();
    const note = roll < 0.9 ? "" : roll < 0.9995 ? quote(pick(NOTES)) : quote("Two lines:\nsee attached");
    block +=
      `${10_000_000 + i},${day}T${time}${ms}Z,${ship},${pick(REGIONS)},Store ${Math.floor(random() * 500) + 1},` +
      `${pick(products)},Customer ${Math.floor(random() * 200_000)},${quantity},${price},${discount},` +
      `${random() < 0.04 ? "true" : "false"},${note}\n`;
    if (block.length >= 1 << 20) {
      written += block.length;
      yield block;
      block = "";
    }
  }
  if (block) yield block;
}

/** "100MB" → 100000000; "1GB" → 1e9. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 }[(m[2] || "B").toUpperCase()];
  return Math.round(Number(m[1]) * unit);
}

async function main() {
  const args = Object.fromEntries(
    process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
  );
  if (!args.out || !(args.size || args.rows)) {
    console.error("usage: gen-sales.mjs (--size 100MB | --rows N) --out FILE [--seed 42]");
    process.exit(2);
  }
  mkdirSync(dirname(args.out), { recursive: true });
  const out = createWriteStream(args.out);
  const options = { seed: Number(args.seed ?? 42) };
  if (args.size) options.bytes = parseSize(args.size);
  if (args.rows) options.rows = Number(args.rows);
  for (const block of salesCsv(options)) {
    if (!out.write(block)) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise((resolve) => out.end(resolve));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
