// Loading: bytes, rows, speed, time left, and a cancel button.
import type { DatasetHandle } from "@quiver/client/react";
import { bytes, count, duration } from "../format";

export function LoadBar({ handle, name }: { handle: DatasetHandle; name: string }) {
  const { progress, status, info, startedAt } = handle;
  const now = performance.now();
  const elapsed = (now - startedAt) / 1000;
  const total = progress?.totalBytes ?? null;
  const read = progress?.bytesRead ?? 0;
  const fraction = status === "ready" ? 1 : total ? Math.min(1, read / total) : null;
  const speed = elapsed > 0 ? read / elapsed : 0;
  const left = total && speed > 0 ? (total - read) / speed : Infinity;
  const rows = status === "loading" ? (progress?.rows ?? 0) : (info?.numRows ?? progress?.rows ?? 0);
  return (
    <section className="load" data-testid="load">
      <div className="load-title">
        <strong>{name}</strong>
        <span className={`status ${status}`} data-testid="status">
          {status}
        </span>
      </div>
      <div className="bar" role="progressbar" aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}>
        <div className="fill" style={{ width: `${(fraction ?? 0) * 100}%` }} />
      </div>
      <div className="stats">
        <span>
          {bytes(read)}
          {total ? ` of ${bytes(total)}` : ""}
        </span>
        <span data-testid="row-count">{count(rows)} rows</span>
        {speed > 0 && <span data-testid="speed">{bytes(speed)}/s</span>}
        {status === "loading" && fraction !== null && <span data-testid="time-left">{duration(left)} left</span>}
        {status !== "loading" && info && <span>{bytes(info.memoryBytes)} in memory</span>}
        {status === "loading" && (
          <button className="button danger" onClick={handle.cancel}>
            Cancel
          </button>
        )}
      </div>
    </section>
  );
}
