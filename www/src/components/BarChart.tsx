// A horizontal bar chart of one measure by one label: the group-by result.
export interface Bar {
  label: string;
  value: number;
}

export function BarChart({ bars, measure }: { bars: Bar[]; measure: string }) {
  const shown = bars.slice(0, 40);
  const max = Math.max(0, ...shown.map((b) => b.value));
  const min = Math.min(0, ...shown.map((b) => b.value));
  const span = max - min || 1;
  const row = 20;
  const labelWidth = 170;
  const width = 640;
  const plot = width - labelWidth - 80;
  const x = (v: number) => labelWidth + ((v - min) / span) * plot;
  return (
    <svg className="bar-chart" width={width} height={shown.length * row + 24} role="img" aria-label={`${measure} by group`}>
      <text x={labelWidth} y={14} className="axis">
        {measure}
      </text>
      {shown.map((b, i) => (
        <g key={i} transform={`translate(0, ${20 + i * row})`}>
          <text x={labelWidth - 6} y={row * 0.7} textAnchor="end" className="label">
            {b.label.length > 26 ? b.label.slice(0, 25) + "…" : b.label}
          </text>
          <rect x={Math.min(x(0), x(b.value))} y={3} width={Math.abs(x(b.value) - x(0))} height={row - 6} />
          <text x={Math.max(x(0), x(b.value)) + 4} y={row * 0.7} className="value">
            {b.value.toLocaleString("en-US", { maximumFractionDigits: 2 })}
          </text>
        </g>
      ))}
      {bars.length > shown.length && (
        <text x={labelWidth} y={20 + shown.length * row + 2} className="axis">
          …and {bars.length - shown.length} more groups
        </text>
      )}
    </svg>
  );
}
