// Comparing the engines' answers (bench/compare.mjs and bench/walker.mjs):
// every engine must give the same answer to every step, up to float rounding
// (sums of a million products can differ in the last bits with the order of
// addition). A mismatch names the engines on each side and the first
// difference, so a run can fail on it. Tested by bench/compare/answers.test.mjs.

/** Relative tolerance for floats (and integers written as floats). */
export const TOLERANCE = 1e-9;

function sameNumber(a, b) {
  if (a === b) return true;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The first difference between two answers (JSON-like values), as a path and
 * both values, or null when they are the same.
 */
export function firstDifference(a, b, path = "") {
  if (typeof a === "number" && typeof b === "number") return sameNumber(a, b) ? null : { path, a, b };
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return a === b ? null : { path, a, b };
  }
  if (Array.isArray(a) !== Array.isArray(b)) return { path, a: "array?", b: "array?" };
  if (Array.isArray(a)) {
    if (a.length !== b.length) return { path: `${path}.length`, a: a.length, b: b.length };
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    if (!(k in a) || !(k in b)) return { path: `${path}.${k}`, a: k in a ? a[k] : "(missing)", b: k in b ? b[k] : "(missing)" };
    const d = firstDifference(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

const short = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/**
 * Compares `answers` ({engine: {step: answer}}) step by step. Engines that
 * agree form a class; a step with more than one class is a mismatch:
 * `{ step, classes: [[engine…], …], difference: "…" }` (the difference
 * between the first engine of the first two classes).
 */
export function compareAnswers(answers) {
  const engines = Object.keys(answers);
  const steps = [...new Set(engines.flatMap((e) => Object.keys(answers[e] ?? {})))];
  const mismatches = [];
  for (const step of steps) {
    const present = engines.filter((e) => answers[e] && step in answers[e]);
    const classes = [];
    for (const engine of present) {
      const home = classes.find((c) => !firstDifference(answers[c[0]][step], answers[engine][step]));
      if (home) home.push(engine);
      else classes.push([engine]);
    }
    if (classes.length > 1) {
      const [x, y] = [classes[0][0], classes[1][0]];
      const d = firstDifference(answers[x][step], answers[y][step]);
      mismatches.push({ step, classes, difference: `at ${d.path || "(answer)"}: ${x} ${short(d.a)}, ${y} ${short(d.b)}` });
    }
  }
  return mismatches;
}
