//! The `#[wasm_bindgen]` surface: converts between JS values and the core's
//! types and nothing more. Errors become JS `Error`s with a `code` property
//! (see [`crate::QuiverError::code`]); cancellation becomes an `AbortError`.

mod dataset;
mod export;
mod source;

pub use dataset::Dataset;

use wasm_bindgen::prelude::*;

use crate::error::QuiverError;

#[wasm_bindgen(start)]
fn start() {
    // A panic is a bug; make it readable in the console rather than a bare
    // "unreachable executed".
    console_error_panic_hook::set_once();
}

/// The JS `Error` for a core error: the sentence as message, the kind as
/// `code` (a cancel is a `DOMException` named `AbortError`, as `fetch`'s).
/// The one way a core error crosses into JS: bindings write `?`.
impl From<QuiverError> for JsValue {
    fn from(error: QuiverError) -> JsValue {
        if let QuiverError::Cancelled { .. } = error {
            if let Ok(abort) = web_sys::DomException::new_with_message_and_name(&error.to_string(), "AbortError") {
                return abort.into();
            }
        }
        let js = js_sys::Error::new(&error.to_string());
        let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code().into());
        js.into()
    }
}

/// A JS `Error` for problems outside the core (network, stream).
pub(crate) fn source_error(message: String) -> JsValue {
    QuiverError::Source(message).into()
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options for reading a CSV file. Every field is optional. */
export interface IngestOptions {
  /** One ASCII character; detected among `,` `;` tab `|` when absent. */
  delimiter?: string;
  /** Quote character (default `"`); `null` turns quoting off. */
  quote?: string | null;
  /** Whether the first record holds the column names (default true). */
  hasHeader?: boolean;
  /** Values read as null (default: `""`, `NA`, `N/A`, `n/a`, `null`, `NULL`, `nan`, `None`, `<NA>`,
   *  and Excel's `#N/A`, `#N/A N/A`, `#NA`, `#NULL!`, `#DIV/0!`, `#VALUE!`, `#REF!`, `#NUM!`). */
  nullValues?: string[];
  /** Make ragged rows, unclosed quotes and unreadable forced values errors. */
  strict?: boolean;
  /** Force the type of some columns, by name. */
  columnTypes?: Record<string, ColumnKind>;
  /** Rows per Arrow record batch (default 65536). */
  batchRows?: number;
  /** The file's encoding (`"cp949"`, `"shift_jis"`, `"windows-1252"`,
   *  `"utf-16le"` …); detected when absent (byte order mark, UTF-8, else a guess). */
  encoding?: string;
  /** Keep rows that repeat the header mid-file (default: dropped, with a warning). */
  keepRepeatedHeaders?: boolean;
  /** The order of day and month in some columns' dates, by name, taken as
   *  decided instead of read from the values (a column whose days are all 12
   *  or less is otherwise a guess, which its `dialect` says). */
  dateOrders?: Record<string, "dayFirst" | "monthFirst">;
  /** How some columns write their numbers, by name (`1.234,5`: decimal comma;
   *  `1,234.5`: thousands comma), taken as decided instead of read from the
   *  values (`1,234` is otherwise read by the delimiter: a decimal comma in
   *  `;` files, thousands in `,` files). */
  numberFormats?: Record<string, "plain" | "decimalComma" | "thousandsComma">;
  /** Load only these columns (default: all). The others are parsed and
   *  dropped, so a file too large for memory opens with the columns a
   *  question needs; the table keeps the file's column order. */
  columns?: string[];
  /** Load a uniform sample of the rows: each record kept with this
   *  probability (0 < p ≤ 1), decided by where it starts in the file, so the
   *  same file gives the same sample however it is cut. Default: every row. */
  sampleFraction?: number;
  /** Stop with an error when the table would need more memory than this
   *  (default 3 GB: a wasm instance has at most 4 GB). */
  memoryLimitBytes?: number;
}

export type ColumnKind = "boolean" | "integer" | "float" | "date" | "timestamp" | "string";

/** A column of the table. */
export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  /** The Arrow storage type, e.g. `Int16` or `Dictionary(Int8, Utf8)`. */
  arrowType: string;
  nullable: boolean;
  /** How the file wrote the values when not the plain way: `"decimal comma"`
   *  (`1.000,75`), `"thousands comma"` (`1,234.5`). */
  dialect?: string;
}

/**
 * A row: column name → value. Integers are numbers (strings beyond ±2^53),
 * floats numbers, booleans booleans, dates `"YYYY-MM-DD"`, timestamps ISO 8601
 * strings (`Z`-suffixed when the file gave zones), nulls `null`.
 */
export type Row = Record<string, number | string | boolean | null>;

/** Something that did not stop the load, with the first lines concerned. */
export interface IngestWarning {
  kind: "raggedRows" | "unclosedQuote" | "invalidUtf8" | "unparsedValues";
  message: string;
  count: number;
  lines: number[];
  column?: string;
}

export interface LoadProgress {
  bytesRead: number;
  /** File size or Content-Length; `null` when unknown. */
  totalBytes: number | null;
  /** Rows parsed so far. */
  rows: number;
}

/** How a load reports progress and is cancelled. */
export interface LoadControl {
  /** Called after chunks (at most every 50 ms) and once at the end. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborting rejects the load with an `AbortError`; rows loaded so far stay readable. */
  signal?: AbortSignal;
}

export type DatasetState = "empty" | "loading" | "ready" | "cancelled" | "failed";

/** How every byte range of a sharded load reads the file (see `layoutOf`). */
export interface Layout {
  delimiter: number; quote: number | null; names: string[]; encoding: string; encodingGuessed: boolean;
  prelude: { bytes: number; lines: number; sep: number | null; comments: number };
  header: string[] | null;
  /** Each column's number format and date order as the first block shows them. */
  dialects: Dialect[];
}

/** How a column writes numbers and dates (`datesDecided`: a value decided the order). */
export interface Dialect { number: "plain" | "decimalComma" | "thousandsComma"; dates: "iso" | "monthFirst" | "dayFirst"; datesDecided: boolean }

/** What a byte range's load found about its edges. */
export interface RangeReport {
  start: number;
  end: number;
  /** Where its first record starts (`null`: none starts in it). */
  firstRecord: number | null;
  /** Where the first record it did not take starts (`null`: the file ended). */
  nextRecord: number | null;
  /** Line breaks from its first record to `nextRecord`. */
  lines: number;
}

/** What to do with a range once the ranges before it are known. */
export type Resolution =
  | { action: "keep"; lineOffset: number }
  | { action: "empty" }
  | { action: "reread"; from: number }
  | { action: "wait" };

/** What a range's table says about one column's type. */
export interface ColumnSummary { kind: ColumnKind | null; intWidth: number; zoned: boolean; beyondExactFloat: boolean; dialect?: Dialect }

/** The warnings noted while loading a range, before they are sentences. */
export interface WarningLog {
  shortRows: { count: number; lines: number[] };
  longRows: { count: number; lines: number[] };
  unclosedQuoteLine: number | null;
  invalidUtf8: { count: number; lines: number[] };
  unparsed: [number, string, { count: number; lines: number[] }][];
  /** The encoding the file was read in, when it was a guess. */
  guessedEncoding?: string | null;
  /** Characters that could not be decoded (replaced by U+FFFD). */
  undecodable?: number;
  /** `#` comment lines skipped before the header: first and last line. */
  commentLines?: [number, number] | null;
  /** Records equal to the header after the header, and whether they were kept. */
  repeatedHeader?: { count: number; lines: number[] };
  repeatedHeaderKept?: boolean;
}

/** A JSON value a filter compares with: numbers for number columns, text for
 *  text, ISO 8601 text or epoch milliseconds for dates and timestamps. */
export type FilterValue = number | string | boolean | null;

/**
 * A row filter. Comparisons with null are not matches (SQL); `in` matches nulls
 * when `null` is listed; `notIn` keeps nulls unless `null` is listed.
 */
export type Filter =
  | { op: "and" | "or"; filters: Filter[] }
  | { op: "not"; filter: Filter }
  | { op: "=" | "!=" | "<" | "<=" | ">" | ">="; column: string; value: FilterValue }
  | { op: "between"; column: string; min?: FilterValue; max?: FilterValue }
  | { op: "in" | "notIn"; column: string; values: FilterValue[] }
  | { op: "isNull" | "isNotNull"; column: string }
  | { op: "contains" | "startsWith" | "endsWith"; column: string; value: string; caseInsensitive?: boolean }
  | { op: "regex"; column: string; pattern: string; caseInsensitive?: boolean };

/** Stable; numbers numerically, text by code point, nulls last by default. */
export interface SortKey {
  column: string;
  descending?: boolean;
  nulls?: "first" | "last";
  caseInsensitive?: boolean;
}

export interface PageSpec {
  filter?: Filter;
  sort?: SortKey[];
  offset?: number;
  /** Default 100. */
  limit?: number;
  /** Default: every column. */
  columns?: string[];
}

export interface PageResult { rows: Row[]; total: number; offset: number }
export interface IpcPageResult { ipc: Uint8Array; total: number; offset: number }

/** A window of one shard's sorted view (`api::sharded_pages`): the shard's
 *  rows at its ranks `page.offset .. + page.limit`; for the merge, how many
 *  rows of all windows to keep. */
export interface WindowSpec { page: PageSpec; keysOnly?: boolean; take?: number }
/** Merged windows: the rows kept, the view's total over all shards, and how
 *  many rows of each shard's window were kept (in shard order). */
export interface MergedWindowResult { rows: Row[]; total: number; taken: number[] }

export type TimeUnit = "year" | "quarter" | "month" | "week" | "day" | "hour" | "minute";

/** A group key: a column name, a time bucket of a date/timestamp column, or
 *  numeric bins (the key is the bin's lower bound; `<as>_end` holds the upper). */
export type GroupKey =
  | string
  | { column: string; bucket: TimeUnit; as?: string }
  | { column: string; bins: { count: number } | { step: number }; as?: string };

export type AggregateOp =
  | "count" | "countDistinct" | "sum" | "mean" | "min" | "max" | "median" | "quantile"
  | "variancePop" | "varianceSamp" | "stddevPop" | "stddevSamp" | "first" | "last";

/** Output name: `as`, else `count` for count(*), else `<op>_<column>`. */
export interface Aggregate { op: AggregateOp; column?: string; q?: number; as?: string }

export interface AggregateSpec {
  filter?: Filter;
  groupBy?: GroupKey[];
  aggregates: Aggregate[];
  /** A filter on the output rows, by output name. */
  having?: Filter;
  sort?: SortKey[];
  offset?: number;
  limit?: number;
}

export interface AggregateResult { rows: Row[]; columns: ColumnInfo[]; totalGroups: number }
export interface IpcAggregateResult { ipc: Uint8Array; totalGroups: number }

/** Steps applied one after another, each on the previous step's result. */
export type Step =
  | { filter: Filter }
  | { aggregate: AggregateSpec }
  | { select: string[] }
  | { derive: { as: string; expr: Expr } }
  | { sort: SortKey[] }
  | { slice: { offset?: number; limit?: number } };

export interface PipelineSpec { steps: Step[] }

/** An expression over columns: numbers are floats, dates/timestamps epoch ms. */
export type Expr =
  | { column: string }
  | { value: number | string | boolean | null }
  | { op: string; args: Expr[] }
  | { case: { when: Expr; then: Expr }[]; else?: Expr };
export interface QueryResult { rows: Row[]; columns: ColumnInfo[] }

export interface ProfileSpec { columns?: string[]; filter?: Filter; topK?: number; bins?: number }

export interface ValueCount { value: FilterValue; count: number }

export type Histogram =
  | { type: "numeric"; bins: { start: number; end: number; count: number }[] }
  | { type: "temporal"; unit: TimeUnit; bins: { start: string; count: number }[] }
  | { type: "categorical"; values: ValueCount[] }
  | { type: "empty" };

export interface ColumnProfile {
  name: string;
  kind: ColumnKind;
  count: number;
  nullCount: number;
  /** Exact. */
  distinctCount: number;
  min: FilterValue;
  max: FilterValue;
  mean: number | null;
  /** Sample standard deviation. */
  stddev: number | null;
  top: ValueCount[];
  histogram: Histogram;
}

export interface ExportSpec {
  format: "csv" | "arrow";
  filter?: Filter;
  sort?: SortKey[];
  columns?: string[];
  /** Rows per chunk (default 65536). */
  chunkRows?: number;
}
"#;

/// Loads a small generated file (about 2 MB, every column kind) and runs
/// each kind of query on it, then throws it away (see `crate::warm_up`): call
/// it once when the app is idle so the user's first file and queries run
/// optimised code. Throws (with a `code`) if any of its queries fails.
#[wasm_bindgen(js_name = warmUp)]
pub fn warm_up() -> Result<(), JsValue> {
    crate::warm_up::run()?;
    Ok(())
}
