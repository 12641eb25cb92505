// The grid's per-column filter boxes: short text a person types, read as a
// Quiver filter for that column's kind.
import type { ColumnKind, Filter } from "@quiver/client";

/**
 * - `null` / `!null`: missing / present values;
 * - text columns: `=abc` exact, otherwise "contains" (ignoring case);
 * - other columns: `>5`, `>=5`, `<5`, `<=5`, `=5`, `!=5`, `5..10` (inclusive,
 *   either end may be empty), or a bare value meaning `=`.
 * Returns `null` for an empty box, or an error message.
 */
export function parseFilter(column: string, kind: ColumnKind, text: string): Filter | null | { error: string } {
  const t = text.trim();
  if (!t) return null;
  if (t === "null") return { op: "isNull", column };
  if (t === "!null") return { op: "isNotNull", column };
  if (kind === "string") {
    return t.startsWith("=") ? { op: "=", column, value: t.slice(1) } : { op: "contains", column, value: t, caseInsensitive: true };
  }
  const value = (raw: string): string | number | boolean => {
    const v = raw.trim();
    if (kind === "boolean") return v === "true";
    if (kind === "integer" || kind === "float") return Number(v);
    return v;
  };
  const bad = (raw: string) => (kind === "integer" || kind === "float") && raw.trim() !== "" && Number.isNaN(Number(raw));
  const range = /^(.*)\.\.(.*)$/.exec(t);
  if (range) {
    if (bad(range[1]) || bad(range[2])) return { error: `"${t}" is not a range of numbers` };
    return {
      op: "between",
      column,
      ...(range[1].trim() ? { min: value(range[1]) } : {}),
      ...(range[2].trim() ? { max: value(range[2]) } : {}),
    } as Filter;
  }
  const match = /^(>=|<=|!=|>|<|=)?(.*)$/.exec(t)!;
  const op = (match[1] ?? "=") as ">=" | "<=" | "!=" | ">" | "<" | "=";
  if (bad(match[2])) return { error: `"${match[2].trim()}" is not a number` };
  return { op, column, value: value(match[2]) };
}
