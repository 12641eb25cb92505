// One line after a load saying how the file was read (encoding, delimiter,
// the columns' dialects: "EUC-KR (CP949, Korean) · ; · decimal comma ·
// day-first dates"), with controls to change the encoding, the delimiter,
// the number format of a number column or the order of day and month in a
// date column, and read the file again (issue 14). Must change with the
// ingest options `dateOrders` and `numberFormats` (src/ingest/options.rs).
import type { DatasetInfo } from "@quiver/client";

export interface ReadOptions {
  encoding?: string;
  delimiter?: string;
  dateOrders?: Record<string, "dayFirst" | "monthFirst">;
  numberFormats?: Record<string, NumberFormat>;
  /** Only these columns (set by the column picker after a file too large for memory). */
  columns?: string[];
  /** A uniform sample of the rows (set by the same picker). */
  sampleFraction?: number;
}

type NumberFormat = "plain" | "decimalComma" | "thousandsComma";

/** `record` with `name` set to `value`, or without it (`""`); `undefined` when empty. */
function withEntry<T extends string>(record: Record<string, T> | undefined, name: string, value: T | ""): Record<string, T> | undefined {
  const { [name]: _, ...others } = record ?? {};
  const next = value ? { ...others, [name]: value } : others;
  return Object.keys(next).length ? (next as Record<string, T>) : undefined;
}

const ENCODINGS: [string, string][] = [
  ["", "detect"],
  ["utf-8", "UTF-8"],
  ["cp949", "CP949 / EUC-KR (Korean)"],
  ["shift_jis", "Shift_JIS (Japanese)"],
  ["gb18030", "GB18030 (Chinese)"],
  ["big5", "Big5 (Chinese, traditional)"],
  ["windows-1252", "Windows-1252 (Western)"],
  ["windows-1251", "Windows-1251 (Cyrillic)"],
  ["utf-16le", "UTF-16 LE"],
  ["utf-16be", "UTF-16 BE"],
];

const DELIMITERS: [string, string][] = [
  ["", "detect"],
  [",", ", comma"],
  [";", "; semicolon"],
  ["\t", "tab"],
  ["|", "| pipe"],
];

const delimiterName = (d: string | undefined) => (d === "\t" ? "tab" : d ?? "?");

export function ReadAs({ info, options, onChange, disabled }: { info: DatasetInfo; options: ReadOptions; onChange: (o: ReadOptions) => void; disabled: boolean }) {
  const dialects = [...new Set(info.schema.flatMap((c) => (c.dialect ? [c.dialect.replace(/ \(ambiguous.*$/, "")] : [])))];
  const ambiguous = info.schema.filter((c) => c.dialect?.includes("ambiguous")).map((c) => c.name);
  // Columns whose dates are not ISO, or were picked: their order can be set.
  const dateColumns = info.schema.filter((c) => /dates/.test(c.dialect ?? "") || options.dateOrders?.[c.name]).map((c) => c.name);
  // Columns read in a number format, number columns of a `;` file (where
  // `1,234` is a decimal comma), or picked: their format can be set.
  const numberColumns = info.schema
    .filter((c) => /comma/.test(c.dialect ?? "") || options.numberFormats?.[c.name] || (info.delimiter === ";" && (c.kind === "integer" || c.kind === "float")))
    .map((c) => c.name);
  const parts = [`${info.encoding ?? "?"}${info.encodingGuessed ? " (guessed)" : ""}`, delimiterName(info.delimiter), ...dialects];
  return (
    <div className="read-as" data-testid="read-as">
      <span data-testid="read-as-text">Read as {parts.join(" · ")}</span>
      {ambiguous.length > 0 && <span className="read-as-note"> (dates in {ambiguous.join(", ")} could be either order)</span>}
      <label>
        encoding{" "}
        <select
          data-testid="read-as-encoding"
          value={options.encoding ?? ""}
          disabled={disabled}
          onChange={(e) => onChange({ ...options, encoding: e.target.value || undefined })}
        >
          {ENCODINGS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        delimiter{" "}
        <select
          data-testid="read-as-delimiter"
          value={options.delimiter ?? ""}
          disabled={disabled}
          onChange={(e) => onChange({ ...options, delimiter: e.target.value || undefined })}
        >
          {DELIMITERS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {dateColumns.map((name) => (
        <label key={name}>
          {name}{" "}
          <select
            data-testid={`read-as-dates-${name}`}
            value={options.dateOrders?.[name] ?? ""}
            disabled={disabled}
            onChange={(e) => onChange({ ...options, dateOrders: withEntry(options.dateOrders, name, e.target.value as "" | "dayFirst" | "monthFirst") })}
          >
            <option value="">dates: detect</option>
            <option value="dayFirst">day first (31/12)</option>
            <option value="monthFirst">month first (12/31)</option>
          </select>
        </label>
      ))}
      {numberColumns.map((name) => (
        <label key={`n-${name}`}>
          {name}{" "}
          <select
            data-testid={`read-as-numbers-${name}`}
            value={options.numberFormats?.[name] ?? ""}
            disabled={disabled}
            onChange={(e) => onChange({ ...options, numberFormats: withEntry(options.numberFormats, name, e.target.value as "" | NumberFormat) })}
          >
            <option value="">numbers: detect</option>
            <option value="decimalComma">decimal comma (1.234,5)</option>
            <option value="thousandsComma">thousands comma (1,234.5)</option>
            <option value="plain">plain (1234.5)</option>
          </select>
        </label>
      ))}
    </div>
  );
}
