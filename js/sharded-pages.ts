// Sorted pages of a dataset loaded in shards, by windows of each shard's
// sorted view and merge cursors: the client's half of
// src/api/sharded_pages.rs, whose `sharded_page` runs these same steps in
// one process and is checked against the one-table engine there
// (tests/sharded.rs). A page at `offset` starts from the furthest cursor
// kept for its view at or before `offset`; if it is behind, every shard
// sends its next sort keys and the merge says how many of each to skip;
// then every shard sends its next `limit` rows and the merge keeps
// `limit` of them. The next page starts where this one ended: each shard
// sends `limit` rows of its cached view, whatever the offset.
//
// What must change with it: src/api/sharded_pages.rs (WindowSpec,
// MergedWindowResult, the algorithm).
import type { MergedWindowResult, PageResult, PageSpec, WindowSpec } from "../pkg/quiver.js";

/** `global` rows of a view are behind; shard `i`'s next row is at its own rank `positions[i]`. */
export interface Cursor {
  global: number;
  positions: number[];
}

/** The cursors kept per view (its filter and sort), the oldest dropped first. */
export class PageCursors {
  static readonly PER_VIEW = 16;
  static readonly VIEWS = 64;
  #byView = new Map<string, Cursor[]>();

  start(view: string, offset: number, shards: number): Cursor {
    let best: Cursor = { global: 0, positions: new Array<number>(shards).fill(0) };
    for (const c of this.#byView.get(view) ?? []) {
      if (c.global <= offset && c.positions.length === shards && c.global > best.global) best = c;
    }
    return { global: best.global, positions: [...best.positions] };
  }

  keep(view: string, cursor: Cursor): void {
    let kept = this.#byView.get(view);
    if (!kept) {
      if (this.#byView.size === PageCursors.VIEWS) this.#byView.delete(this.#byView.keys().next().value!);
      this.#byView.set(view, (kept = []));
    }
    const same = (c: Cursor) => c.global === cursor.global && c.positions.every((p, i) => p === cursor.positions[i]);
    if (kept.some(same)) return;
    if (kept.length === PageCursors.PER_VIEW) kept.shift();
    kept.push(cursor);
  }
}

/** Whether a page goes by windows: it sorts, and its offset and limit are
 *  valid (otherwise the plain sharded page answers, or gives the engine's error). */
export function pagesByWindows(spec: PageSpec): boolean {
  const whole = (n: unknown) => n === undefined || (Number.isSafeInteger(n) && (n as number) >= 0);
  return (spec.sort?.length ?? 0) > 0 && whole(spec.offset) && whole(spec.limit);
}

/**
 * The page `spec` over `shards` shards (in file order): `window(i, w)`
 * asks shard `i` for a window (its bytes), `merge(w, windows)` merges the
 * windows of all shards in order.
 */
export async function shardedPage(
  spec: PageSpec,
  shards: number,
  cursors: PageCursors,
  window: (shard: number, spec: WindowSpec) => Promise<Uint8Array[]>,
  merge: (spec: WindowSpec, windows: Uint8Array[][]) => Promise<MergedWindowResult>,
): Promise<PageResult> {
  const offset = spec.offset ?? 0;
  const limit = spec.limit ?? 100;
  const view = JSON.stringify([spec.filter ?? null, spec.sort ?? []]);
  const cursor = cursors.start(view, offset, shards);
  const run = async (count: number, keysOnly: boolean) => {
    const windows = await Promise.all(
      cursor.positions.map((at, i) => window(i, { page: { ...spec, offset: at, limit: count }, keysOnly })),
    );
    return merge({ page: spec, keysOnly, take: count }, windows);
  };
  if (cursor.global < offset) {
    const skipped = await run(offset - cursor.global, true);
    cursor.positions = cursor.positions.map((p, i) => p + skipped.taken[i]);
    cursor.global = offset;
    cursors.keep(view, { ...cursor, positions: [...cursor.positions] });
  }
  const shown = await run(limit, false);
  cursors.keep(view, {
    global: offset + shown.rows.length,
    positions: cursor.positions.map((p, i) => p + shown.taken[i]),
  });
  return { rows: shown.rows, total: shown.total, offset };
}
