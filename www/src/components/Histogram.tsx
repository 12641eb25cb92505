// A column's distribution as small bars (numbers, times) or ranked values.
import type { ColumnProfile } from "@quiver/client";
import { count } from "../format";

export function Histogram({ profile }: { profile: ColumnProfile }) {
  const h = profile.histogram;
  if (h.type === "numeric" || h.type === "temporal") {
    const counts = h.bins.map((b) => b.count);
    const max = Math.max(1, ...counts);
    const width = 220;
    const bar = width / Math.max(1, counts.length);
    const label = (i: number) =>
      h.type === "numeric"
        ? `${formatNumber(h.bins[i].start)} – ${formatNumber(h.bins[i].end)}: ${count(h.bins[i].count)}`
        : `${h.bins[i].start} (${h.unit}): ${count(h.bins[i].count)}`;
    return (
      <svg className="histogram" width={width} height={36} role="img" aria-label={`distribution of ${profile.name}`}>
        {counts.map((c, i) => (
          <rect key={i} x={i * bar + 0.5} y={36 - (c / max) * 34} width={Math.max(1, bar - 1)} height={(c / max) * 34}>
            <title>{label(i)}</title>
          </rect>
        ))}
      </svg>
    );
  }
  if (h.type === "categorical") {
    const max = Math.max(1, ...h.values.map((v) => v.count));
    return (
      <ul className="top-values">
        {h.values.slice(0, 5).map((v, i) => (
          <li key={i} title={`${String(v.value)}: ${count(v.count)}`}>
            <span className="bar" style={{ width: `${(v.count / max) * 100}%` }} />
            <span className="label">{v.value === "" ? '""' : String(v.value)}</span>
            <span className="n">{count(v.count)}</span>
          </li>
        ))}
      </ul>
    );
  }
  return null;
}

function formatNumber(n: number): string {
  return Math.abs(n) >= 1000 || Number.isInteger(n) ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3);
}
