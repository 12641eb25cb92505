//! Building one column's Arrow arrays batch by batch. The column's kind is
//! inferred from the values as they stream in; when a batch holds a value the
//! kind cannot read, the kind widens along the lattice of [`super::infer`] and
//! the column's earlier arrays are converted, so nothing is re-read.
//!
//! Storage is chosen for memory: integers in the narrowest of 8/16/32/64 bits
//! that holds every value so far, text dictionary-encoded (one dictionary per
//! column, keys as narrow as its size allows) until it turns out to be mostly
//! distinct values, then plain Utf8. Every array of a column always has the
//! column's current storage type; a change converts the earlier ones.

use std::sync::Arc;

use std::borrow::Cow;

use arrow_array::builder::{BinaryBuilder, BooleanBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType};
use arrow_array::{
    new_null_array, Array, ArrayRef, ArrowPrimitiveType, BooleanArray, DictionaryArray, NullArray, PrimitiveArray,
    StringArray,
};
use arrow_buffer::{BooleanBuffer, BooleanBufferBuilder, Buffer, NullBuffer, NullBufferBuilder, OffsetBuffer};
use arrow_schema::{DataType, TimeUnit};

use super::dictionary::GlobalDictionary;
use super::infer::{self, DateOrder, Dialect, NumberFormat, MAX_EXACT_FLOAT_INT};
use super::options::ColumnKind;
use super::records::RawBatch;
use super::region::Region;
use super::warnings::Tally;
use super::widen;
use super::written::{self, WrittenTexts};
use crate::kernels::zones::{ZoneBuilder, ZoneMap};
use crate::error::{QuiverError, Result};

/// Text columns stay dictionary-encoded while that takes less memory than
/// plain strings would for the values still to come. Decided only after this
/// many values, once the share of new values in a batch means something.
const DICTIONARY_CHECK_AFTER_VALUES: usize = 1 << 18;
/// Bytes a dictionary entry costs besides its text (offset and hash slot).
const DICTIONARY_ENTRY_OVERHEAD: usize = 12;
const DICTIONARY_MAX_ENTRIES: usize = 1 << 22;
const DICTIONARY_MAX_BYTES: usize = 256 << 20;

/// A column's values in one place: appended batch by batch into regions
/// sized from the expected number of rows ([`super::region`]), and read as
/// one Arrow array that views them without copying (validity and booleans,
/// a bit per row, are copied). Every visit of the column's values goes
/// through here and is counted, so that a test can check that a load does a
/// bounded amount of work per batch (a loop over all earlier batches in
/// every batch made loading with small batches quadratic: issue 11).
#[derive(Default)]
struct ColumnStore {
    values: Stored,
    /// Rows stored.
    len: usize,
    /// Validity, once a null was stored after a value (`None`: all valid,
    /// or all null while `values` is `Empty`).
    validity: Option<BooleanBufferBuilder>,
    /// The rows the column is expected to end with (0: unknown), so that
    /// its regions are allocated once.
    expected_rows: usize,
    visits: u64,
    /// The zone map of integer, date and timestamp values (and dictionary
    /// keys, which nobody asks for), fed with each piece as it is stored,
    /// while it is in cache: the engine's first range test then finds it
    /// built ([`crate::kernels::zones`]).
    zones: Option<ZoneBuilder>,
}

#[derive(Default)]
enum Stored {
    /// No value stored yet: `len` nulls.
    #[default]
    Empty,
    Boolean(BooleanBufferBuilder),
    Int8(Region<i8>),
    Int16(Region<i16>),
    Int32(Region<i32>),
    Int64(Region<i64>),
    Float64(Region<f64>),
    Date32(Region<i32>),
    Timestamp(Region<i64>, Option<Arc<str>>),
    Utf8 { offsets: Region<i32>, bytes: Region<u8> },
}

impl ColumnStore {
    /// The rows to size a region for: what is expected, with a margin.
    fn wanted(&self) -> usize {
        self.expected_rows + self.expected_rows / 16
    }

    /// Bytes of the values stored (the table's size, not the regions').
    fn bytes(&self) -> usize {
        let validity = self.validity.as_ref().map_or(0, |v| v.len().div_ceil(8));
        validity
            + match &self.values {
                Stored::Empty => 0,
                Stored::Boolean(b) => b.len().div_ceil(8),
                Stored::Int8(r) => r.len(),
                Stored::Int16(r) => r.len() * 2,
                Stored::Int32(r) | Stored::Date32(r) => r.len() * 4,
                Stored::Int64(r) | Stored::Timestamp(r, _) => r.len() * 8,
                Stored::Float64(r) => r.len() * 8,
                Stored::Utf8 { offsets, bytes } => offsets.len() * 4 + bytes.len(),
            }
    }

    /// Appends `chunk` (all null, or of the column's storage type).
    fn push(&mut self, chunk: ArrayRef) -> Result<()> {
        self.visits += 1;
        let n = chunk.len();
        if chunk.data_type() == &DataType::Null {
            self.push_nulls(n);
            return Ok(());
        }
        if let Stored::Empty = self.values {
            self.start(chunk.data_type());
        }
        let wanted = self.wanted();
        macro_rules! extend {
            ($region:expr, $t:ty) => {{
                let region = $region;
                region.reserve(n, wanted);
                region.extend_from_slice(chunk.as_primitive::<$t>().values());
            }};
            ($region:expr, $t:ty, zoned) => {{
                let values = chunk.as_primitive::<$t>().values();
                extend!($region, $t);
                if let Some(zones) = &mut self.zones {
                    zones.extend(values);
                }
            }};
        }
        match (&mut self.values, chunk.data_type()) {
            (Stored::Boolean(b), DataType::Boolean) => b.append_buffer(chunk.as_boolean().values()),
            (Stored::Int8(r), DataType::Int8) => extend!(r, Int8Type, zoned),
            (Stored::Int16(r), DataType::Int16) => extend!(r, Int16Type, zoned),
            (Stored::Int32(r), DataType::Int32) => extend!(r, Int32Type, zoned),
            (Stored::Int64(r), DataType::Int64) => extend!(r, Int64Type, zoned),
            (Stored::Float64(r), DataType::Float64) => extend!(r, Float64Type),
            (Stored::Date32(r), DataType::Date32) => extend!(r, Date32Type, zoned),
            (Stored::Timestamp(r, _), DataType::Timestamp(_, _)) => extend!(r, TimestampMicrosecondType, zoned),
            (Stored::Utf8 { offsets, bytes }, DataType::Utf8) => {
                let text = chunk.as_string::<i32>();
                let (first, last) = (text.value_offsets()[0], text.value_offsets()[n]);
                let base = *offsets.as_slice().last().expect("offsets start with 0") as i64 - first as i64;
                offsets.reserve(n, wanted + 1);
                for &offset in &text.value_offsets()[1..] {
                    let shifted = i32::try_from(offset as i64 + base)
                        .map_err(|_| QuiverError::InvalidQuery("a text column over 2 GB in one shard".into()))?;
                    offsets.extend_from_slice(&[shifted]);
                }
                let added = (last - first) as usize;
                let per_row = (bytes.len() + added) / (self.len + n).max(1);
                bytes.reserve(added, per_row * wanted + per_row * wanted / 16);
                bytes.extend_from_slice(&text.value_data()[first as usize..last as usize]);
            }
            (_, other) => unreachable!("a {other} chunk in a column stored otherwise"),
        }
        match chunk.nulls() {
            Some(nulls) if nulls.null_count() > 0 => self.validity_builder().append_buffer(nulls.inner()),
            _ => {
                if let Some(v) = &mut self.validity {
                    v.append_n(n, true);
                }
            }
        }
        self.len += n;
        Ok(())
    }

    /// Storage for values of `data_type`, with the nulls before them.
    fn start(&mut self, data_type: &DataType) {
        let capacity = self.wanted().max(self.len);
        let before = self.len;
        self.zones = match data_type {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 | DataType::Date32 | DataType::Timestamp(_, _) => {
                Some(ZoneBuilder::default())
            }
            _ => None,
        };
        self.values = match data_type {
            DataType::Boolean => Stored::Boolean(BooleanBufferBuilder::new(capacity)),
            DataType::Int8 => Stored::Int8(Region::with_capacity(capacity)),
            DataType::Int16 => Stored::Int16(Region::with_capacity(capacity)),
            DataType::Int32 => Stored::Int32(Region::with_capacity(capacity)),
            DataType::Int64 => Stored::Int64(Region::with_capacity(capacity)),
            DataType::Float64 => Stored::Float64(Region::with_capacity(capacity)),
            DataType::Date32 => Stored::Date32(Region::with_capacity(capacity)),
            DataType::Timestamp(_, zone) => Stored::Timestamp(Region::with_capacity(capacity), zone.clone()),
            DataType::Utf8 => {
                let mut offsets = Region::with_capacity(capacity + 1);
                offsets.extend_from_slice(&[0]);
                Stored::Utf8 { offsets, bytes: Region::with_capacity(capacity * 8) }
            }
            other => unreachable!("columns are not stored as {other}"),
        };
        // The nulls stored so far get placeholder values.
        self.push_placeholders(before);
        if before > 0 {
            let mut validity = BooleanBufferBuilder::new(capacity.max(64));
            validity.append_n(before, false);
            self.validity = Some(validity);
        }
    }

    fn push_nulls(&mut self, n: usize) {
        if let Stored::Empty = self.values {
            self.len += n;
            return;
        }
        self.push_placeholders(n);
        self.validity_builder().append_n(n, false);
        self.len += n;
    }

    /// `n` values that nulls stand on (zeros, empty strings).
    fn push_placeholders(&mut self, n: usize) {
        if let Some(zones) = &mut self.zones {
            zones.extend_repeat(0, n);
        }
        match &mut self.values {
            Stored::Empty => {}
            Stored::Boolean(b) => b.append_n(n, false),
            Stored::Int8(r) => r.extend_repeat(0, n),
            Stored::Int16(r) => r.extend_repeat(0, n),
            Stored::Int32(r) | Stored::Date32(r) => r.extend_repeat(0, n),
            Stored::Int64(r) | Stored::Timestamp(r, _) => r.extend_repeat(0, n),
            Stored::Float64(r) => r.extend_repeat(0.0, n),
            Stored::Utf8 { offsets, .. } => {
                let last = *offsets.as_slice().last().expect("offsets start with 0");
                offsets.extend_repeat(last, n);
            }
        }
    }

    /// The validity so far (all valid until now when it did not exist).
    fn validity_builder(&mut self) -> &mut BooleanBufferBuilder {
        let len = self.len;
        let all_null = matches!(self.values, Stored::Empty);
        self.validity.get_or_insert_with(|| {
            let mut v = BooleanBufferBuilder::new(len.max(64));
            v.append_n(len, !all_null);
            v
        })
    }

    /// Every value as one array (all null while nothing was stored).
    fn array(&mut self) -> ArrayRef {
        self.visits += 1;
        let nulls = match (&self.values, &self.validity) {
            (Stored::Empty, _) => return Arc::new(NullArray::new(self.len)),
            (_, Some(v)) => Some(NullBuffer::new(BooleanBuffer::new(Buffer::from_slice_ref(v.as_slice()), 0, self.len))),
            (_, None) => None,
        };
        match &self.values {
            Stored::Empty => unreachable!("returned above"),
            Stored::Boolean(b) => {
                Arc::new(BooleanArray::new(BooleanBuffer::new(Buffer::from_slice_ref(b.as_slice()), 0, self.len), nulls))
            }
            Stored::Int8(r) => Arc::new(PrimitiveArray::<Int8Type>::new(r.view(), nulls)),
            Stored::Int16(r) => Arc::new(PrimitiveArray::<Int16Type>::new(r.view(), nulls)),
            Stored::Int32(r) => Arc::new(PrimitiveArray::<Int32Type>::new(r.view(), nulls)),
            Stored::Int64(r) => Arc::new(PrimitiveArray::<Int64Type>::new(r.view(), nulls)),
            Stored::Float64(r) => Arc::new(PrimitiveArray::<Float64Type>::new(r.view(), nulls)),
            Stored::Date32(r) => Arc::new(PrimitiveArray::<Date32Type>::new(r.view(), nulls)),
            Stored::Timestamp(r, zone) => {
                Arc::new(PrimitiveArray::<TimestampMicrosecondType>::new(r.view(), nulls).with_timezone_opt(zone.clone()))
            }
            Stored::Utf8 { offsets, bytes } => {
                let offsets = OffsetBuffer::new(offsets.view());
                // SAFETY: offsets and bytes were appended from valid UTF-8
                // arrays (offsets rebased), so they describe valid strings.
                Arc::new(unsafe { StringArray::new_unchecked(offsets, bytes.view().into_inner(), nulls) })
            }
        }
    }

    /// Replaces every value with `f(all values)` (a wider kind or integer,
    /// other dictionary keys, plain text): the old storage goes before the
    /// new one is filled, so a late widening of a large column holds it
    /// about twice, not three times.
    fn replace_all(&mut self, f: impl FnOnce(ArrayRef) -> Result<ArrayRef>) -> Result<()> {
        if let Stored::Empty = self.values {
            return Ok(());
        }
        let all = self.array();
        let len = self.len;
        *self = ColumnStore { expected_rows: self.expected_rows, visits: self.visits, ..ColumnStore::default() };
        let converted = f(all)?;
        debug_assert_eq!(converted.len(), len);
        self.push(converted)
    }
}

/// Field values that mean "no value", compared exactly.
pub struct NullTokens {
    empty_is_null: bool,
    tokens: Vec<Vec<u8>>,
    /// The first bytes of the tokens: a field starting otherwise (a number,
    /// most text) is not compared with each token.
    first_bytes: [bool; 256],
}

impl NullTokens {
    pub fn new(tokens: &[String]) -> Self {
        let mut first_bytes = [false; 256];
        tokens.iter().filter_map(|t| t.as_bytes().first()).for_each(|&b| first_bytes[b as usize] = true);
        NullTokens {
            empty_is_null: tokens.iter().any(|t| t.is_empty()),
            tokens: tokens.iter().filter(|t| !t.is_empty()).map(|t| t.as_bytes().to_vec()).collect(),
            first_bytes,
        }
    }

    #[inline]
    pub fn is_null(&self, field: &[u8]) -> bool {
        if field.is_empty() {
            return self.empty_is_null;
        }
        if !self.first_bytes[field[0] as usize] {
            return false;
        }
        self.tokens.iter().any(|t| t.as_slice() == field)
    }
}

/// One column's fields within a raw batch (all its rows, or the rows from
/// `start` to `end`).
#[derive(Clone, Copy)]
pub struct ColumnSlice<'a> {
    batch: &'a RawBatch,
    column: usize,
    /// The whole batch is valid UTF-8 (so no field needs checking).
    utf8: bool,
    start: usize,
    end: usize,
}

impl<'a> ColumnSlice<'a> {
    pub fn new(batch: &'a RawBatch, column: usize, utf8: bool) -> Self {
        ColumnSlice { batch, column, utf8, start: 0, end: batch.rows() }
    }

    fn rows(&self) -> usize {
        self.end - self.start
    }

    #[inline]
    fn field(&self, row: usize) -> &'a [u8] {
        self.batch.field(self.start + row, self.column)
    }

    fn line(&self, row: usize) -> u64 {
        self.batch.line(self.start + row)
    }

    /// The first `rows` rows.
    fn head(&self, rows: usize) -> Self {
        ColumnSlice { end: self.start + rows, ..*self }
    }

    /// The rows after the first `rows`.
    fn tail(&self, rows: usize) -> Self {
        ColumnSlice { start: self.start + rows, ..*self }
    }
}

/// What a batch reports back besides its array.
#[derive(Default)]
pub struct ColumnIssues {
    /// Values that do not fit a type the caller forced (made null).
    pub unparsed: Tally,
    /// Values with bytes that are not UTF-8 (replaced by U+FFFD).
    pub invalid_utf8: Tally,
}

/// Why encoding a batch with the current kind stopped.
enum Stop {
    /// A value of this kind, in this row of the slice, does not fit: widen
    /// and encode again.
    Widen(ColumnKind, usize),
    /// A number written in another format (`1,5`): the column takes it
    /// (its values so far were integers, which read the same) and the
    /// batch is encoded again.
    Format(NumberFormat, ColumnKind),
    /// A date in another order (`31/12/2024`): the column takes it (its
    /// values so far read the same, or were undecided and are swapped).
    Dates(DateOrder, bool, ColumnKind),
    Fail(QuiverError),
}

impl From<QuiverError> for Stop {
    fn from(e: QuiverError) -> Self {
        Stop::Fail(e)
    }
}

enum TextEncoding {
    Dictionary(GlobalDictionary),
    Plain,
}

/// A batch encoded with one kind, before it is brought to the column storage.
struct Encoded {
    array: ArrayRef,
    int_range: Option<(i64, i64)>,
    zoned: bool,
    values: usize,
}

pub struct ColumnBuilder {
    name: String,
    /// Kind forced by the caller: values that do not fit become null.
    forced: Option<ColumnKind>,
    /// Kind so far; `None` while every value has been null.
    kind: Option<ColumnKind>,
    store: ColumnStore,
    int_range: Option<(i64, i64)>,
    zoned: bool,
    text: TextEncoding,
    /// Non-null values stored while the column is text.
    text_values: usize,
    /// Dictionary size after the previous batch (to see how fast it grows).
    dictionary_len_before: usize,
    /// The storage type of the stored values (`storage_type()` as of the last batch).
    stored_type: DataType,
    /// How the column writes numbers; decided once, by the first value that
    /// is a number only in another format (or by the caller).
    format: NumberFormat,
    /// The caller chose `format`: no value changes it.
    format_decided: bool,
    /// `1,234` is a decimal comma rather than thousands (`;` files).
    comma_first: bool,
    /// How the column writes dates; decided by the first date not in ISO's
    /// order, and for good by the first with a part above 12.
    date_order: DateOrder,
    date_decided: bool,
    /// ISO dates were stored while the order was undecided: they cannot be
    /// swapped with the others.
    iso_dates_seen: bool,
    /// The written text of stored values that a widening to text would
    /// write otherwise (see [`written`]).
    written: WrittenTexts,
    /// Not loaded (the `columns` option left it out): its fields are
    /// ignored and the table does not show it.
    skipped: bool,
}

/// The Arrow field metadata key holding a column's dialect.
pub const DIALECT_KEY: &str = "quiver.dialect";

impl ColumnBuilder {
    pub fn new(name: String, forced: Option<ColumnKind>) -> Self {
        ColumnBuilder {
            name,
            forced,
            kind: None,
            store: ColumnStore::default(),
            int_range: None,
            zoned: false,
            text: TextEncoding::Dictionary(GlobalDictionary::new()),
            text_values: 0,
            dictionary_len_before: 0,
            stored_type: DataType::Null,
            format: NumberFormat::Plain,
            format_decided: false,
            comma_first: false,
            date_order: DateOrder::Iso,
            date_decided: false,
            iso_dates_seen: false,
            written: WrittenTexts::default(),
            skipped: false,
        }
    }

    /// A column of a file delimited by `delimiter` whose numbers are
    /// written in `format` as far as known (a range of a sharded load gets
    /// its format from the file's start).
    pub fn with_dialect(mut self, delimiter: u8, dialect: Dialect) -> Self {
        self.comma_first = delimiter == b';';
        self.format = dialect.number;
        self.date_order = dialect.dates;
        self.date_decided = dialect.dates_decided;
        self
    }

    /// Dates in `order`, decided (the caller's choice): no guess, no swap.
    pub fn with_date_order(mut self, order: Option<DateOrder>) -> Self {
        if let Some(order) = order {
            self.date_order = order;
            self.date_decided = true;
        }
        self
    }

    /// A column the load ignores (`skipped`), or loads.
    pub fn skipped(mut self, skipped: bool) -> Self {
        self.skipped = skipped;
        self
    }

    pub fn is_skipped(&self) -> bool {
        self.skipped
    }

    /// Numbers in `format`, decided (the caller's choice): no guess.
    pub fn with_number_format(mut self, format: Option<NumberFormat>) -> Self {
        if let Some(format) = format {
            self.format = format;
            self.format_decided = true;
        }
        self
    }

    /// The column's dialect (numbers and dates) as far as decided.
    pub fn dialect(&self) -> Dialect {
        Dialect { number: self.format, dates: self.date_order, dates_decided: self.date_decided }
    }

    /// The column's number format, when it is a number column in one other
    /// than plain.
    pub fn number_format(&self) -> NumberFormat {
        match self.kind {
            Some(ColumnKind::Integer | ColumnKind::Float) => self.format,
            _ => NumberFormat::Plain,
        }
    }

    /// The Arrow field of the column as the table shows it: its name, type
    /// and dialect (in the metadata).
    pub fn field(&self, data_type: DataType) -> arrow_schema::Field {
        let field = arrow_schema::Field::new(self.name(), data_type, true);
        match self.kind.and_then(|kind| self.dialect().describe(kind)) {
            Some(dialect) => field.with_metadata(std::collections::BTreeMap::from([(DIALECT_KEY.to_string(), dialect)])),
            None => field,
        }
    }

    /// The kind of a trimmed value in the column's number format.
    fn classify(&self, field: &[u8]) -> ColumnKind {
        classify_in(self.format, self.date_order, field)
    }

    /// After a batch of an undecided date order: a value with a part above
    /// 12 decides it; an ISO date stops any later swap.
    fn note_dates(&mut self, slice: &ColumnSlice<'_>, nulls: &NullTokens) {
        if self.date_order == DateOrder::Iso || self.date_decided || !matches!(self.kind, Some(ColumnKind::Date | ColumnKind::Timestamp)) {
            return;
        }
        for row in 0..slice.rows() {
            let field = slice.field(row);
            if nulls.is_null(field) {
                continue;
            }
            let field = infer::trim(field);
            if infer::deciding_order(field).is_some() {
                self.date_decided = true;
                return;
            }
            self.iso_dates_seen |= field.get(4) == Some(&b'-');
        }
    }

    /// Arrays visited so far. Each batch must cost a constant number of visits
    /// (a conversion of every earlier value happens a bounded number of times
    /// per column: the kind widens at most twice, the integer width three
    /// times, the dictionary key width twice, the dictionary is dropped once);
    /// a test counts this to keep loading linear in the number of batches.
    pub fn arrays_visited(&self) -> u64 {
        self.store.visits
    }

    /// The rows the column is expected to end with (from the file's size):
    /// its storage is allocated for that many at once.
    pub fn expect_rows(&mut self, rows: usize) {
        self.store.expected_rows = rows;
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> Option<ColumnKind> {
        self.kind
    }

    /// Encodes this column of `batch` as one more array.
    pub fn append(
        &mut self,
        slice: ColumnSlice<'_>,
        nulls: &NullTokens,
        strict: bool,
        issues: &mut ColumnIssues,
    ) -> Result<()> {
        if self.skipped {
            return Ok(());
        }
        let mut slice = slice;
        let mut kind = self.forced.or(self.kind);
        let encoded = loop {
            let Some(k) = kind else {
                match (0..slice.rows()).map(|r| slice.field(r)).find(|f| !nulls.is_null(f)) {
                    None => {
                        self.store.push(Arc::new(NullArray::new(slice.rows())))?;
                        return Ok(());
                    }
                    Some(first) => {
                        let first = infer::trim(first);
                        let mut found = self.classify(first);
                        if found == ColumnKind::String && self.format == NumberFormat::Plain && !self.format_decided && self.forced.is_none() {
                            if let Some((format, number)) = infer::number_format_of(first, self.comma_first) {
                                self.format = format;
                                found = number;
                            }
                        }
                        if found == ColumnKind::String && self.date_order == DateOrder::Iso && self.forced.is_none() {
                            if let Some((order, decided, date)) = infer::date_order_of(first, self.comma_first) {
                                self.date_order = order;
                                self.date_decided = decided;
                                found = date;
                            }
                        }
                        kind = Some(found);
                        continue;
                    }
                }
            };
            let mut batch_issues = ColumnIssues::default();
            let mark = self.written.mark();
            let result = self.encode(k, &slice, nulls, strict, &mut batch_issues);
            if result.is_err() {
                self.written.rewind(mark);
            }
            match result {
                Ok(encoded) => {
                    issues.unparsed.merge(batch_issues.unparsed);
                    issues.invalid_utf8.merge(batch_issues.invalid_utf8);
                    break (k, encoded);
                }
                Err(Stop::Fail(e)) => return Err(e),
                Err(Stop::Format(format, found)) => {
                    self.format = format;
                    kind = Some(infer::join(k, found));
                }
                Err(Stop::Dates(order, decided, found)) => {
                    if self.date_order != DateOrder::Iso && self.date_order != order {
                        // Undecided until now: every value stored has its
                        // day and month at most 12, and reads swapped.
                        self.store.replace_all(|all| widen::swap_day_month(&all))?;
                    }
                    self.date_order = order;
                    self.date_decided = decided;
                    kind = Some(infer::join(k, found));
                }
                Err(Stop::Widen(found, row)) => {
                    let mut wider = infer::join(k, found);
                    // Integers a float cannot hold exactly make the column text;
                    // so does any misfit that would not widen (always progress).
                    if wider == k || (wider == ColumnKind::Float && self.int_range.is_some_and(beyond_exact_float)) {
                        wider = ColumnKind::String;
                    }
                    if wider == ColumnKind::String && row > 0 {
                        // The rows before the misfit are values of `k`, stored
                        // as such like the rows of earlier batches (their
                        // written text kept), so that the column's text does
                        // not depend on where the batches end.
                        let head = slice.head(row);
                        let mut head_issues = ColumnIssues::default();
                        match self.encode(k, &head, nulls, strict, &mut head_issues) {
                            Ok(encoded) => {
                                issues.unparsed.merge(head_issues.unparsed);
                                issues.invalid_utf8.merge(head_issues.invalid_utf8);
                                self.adopt(k, encoded)?;
                                self.note_dates(&head, nulls);
                                slice = slice.tail(row);
                            }
                            Err(Stop::Fail(e)) => return Err(e),
                            Err(_) => unreachable!("the rows before the first misfit fit"),
                        }
                    }
                    kind = Some(wider);
                }
            }
        };
        self.adopt(encoded.0, encoded.1)?;
        self.note_dates(&slice, nulls);
        Ok(())
    }

    fn encode(
        &mut self,
        kind: ColumnKind,
        slice: &ColumnSlice<'_>,
        nulls: &NullTokens,
        strict: bool,
        issues: &mut ColumnIssues,
    ) -> Result<Encoded, Stop> {
        let forced = self.forced.is_some();
        let name = &self.name;
        let format = self.format;
        // The column may still take another number format: it is plain and
        // all it holds are integers (which read the same in every format).
        let may_switch = format == NumberFormat::Plain
            && !self.format_decided
            && matches!(kind, ColumnKind::Integer | ColumnKind::Float)
            && matches!(self.kind, None | Some(ColumnKind::Integer));
        let comma_first = self.comma_first;
        let order = self.date_order;
        // The column may still take a date order: none yet (its values so
        // far are ISO dates, which read the same), or one that no value
        // decided and no ISO date prevents swapping.
        let may_order = matches!(kind, ColumnKind::Date | ColumnKind::Timestamp)
            && matches!(self.kind, None | Some(ColumnKind::Date | ColumnKind::Timestamp))
            && (order == DateOrder::Iso || (!self.date_decided && !self.iso_dates_seen));
        // A value the kind cannot read: widen, or (forced kind) null it.
        let mut misfit = |row: usize, field: &[u8]| -> Result<(), Stop> {
            if !forced {
                let trimmed = infer::trim(field);
                let found = classify_in(format, order, trimmed);
                if found == ColumnKind::String && may_switch {
                    if let Some((format, number)) = infer::number_format_of(trimmed, comma_first) {
                        return Err(Stop::Format(format, number));
                    }
                }
                if found == ColumnKind::String && may_order {
                    if let Some((new, decided, date)) = infer::date_order_of(trimmed, comma_first) {
                        if new != order && (order == DateOrder::Iso || decided) {
                            return Err(Stop::Dates(new, decided, date));
                        }
                    }
                }
                return Err(Stop::Widen(found, row));
            }
            let line = slice.line(row);
            if strict {
                return Err(Stop::Fail(QuiverError::BadValue {
                    line,
                    column: name.clone(),
                    value: String::from_utf8_lossy(field).chars().take(80).collect(),
                    kind: kind.name(),
                }));
            }
            issues.unparsed.add(line);
            Ok(())
        };
        // The written text of values a widening to text would write
        // otherwise (rows counted in the column): a forced kind never widens.
        let first_row = self.store.len;
        let written = &mut self.written;
        macro_rules! keep {
            ($canonical:expr) => {
                |row: usize, field: &[u8], _| {
                    if !forced {
                        written.keep_unless(first_row + row, field, || $canonical(field));
                    }
                }
            };
        }
        let mut encoded = Encoded { array: Arc::new(NullArray::new(0)), int_range: None, zoned: false, values: 0 };
        encoded.array = match kind {
            ColumnKind::Boolean => {
                let mut builder = BooleanBuilder::with_capacity(slice.rows());
                for row in 0..slice.rows() {
                    let field = slice.field(row);
                    if nulls.is_null(field) {
                        builder.append_null();
                    } else if let Some(v) = infer::parse_bool(infer::trim(field)) {
                        keep!(|f: &[u8]| f == b"true" || f == b"false")(row, field, ());
                        builder.append_value(v);
                    } else {
                        misfit(row, field)?;
                        builder.append_null();
                    }
                }
                Arc::new(builder.finish())
            }
            ColumnKind::Integer => {
                let (mut min, mut max) = (i64::MAX, i64::MIN);
                let array = encode_primitive::<Int64Type>(
                    slice,
                    nulls,
                    |f| {
                        let v = infer::parse_int_in(f, format)?;
                        min = min.min(v);
                        max = max.max(v);
                        Some(v)
                    },
                    keep!(|f| written::integer_is_canonical(f, format)),
                    &mut misfit,
                )?;
                encoded.int_range = (min <= max).then_some((min, max));
                Arc::new(array)
            }
            ColumnKind::Float => Arc::new(encode_primitive::<Float64Type>(
                slice,
                nulls,
                |f| if infer::integral_beyond_exact_float(f) { None } else { infer::parse_float_in(f, format) },
                keep!(|f| written::float_is_canonical(f, format)),
                &mut misfit,
            )?),
            ColumnKind::Date => {
                Arc::new(encode_primitive::<Date32Type>(
                    slice,
                    nulls,
                    |f| infer::parse_date_in(f, order),
                    keep!(written::date_is_canonical),
                    &mut misfit,
                )?)
            }
            ColumnKind::Timestamp => {
                let mut zoned = false;
                let array = encode_primitive::<TimestampMicrosecondType>(
                    slice,
                    nulls,
                    |f| {
                        let ts = infer::parse_timestamp_in(f, order)?;
                        zoned |= ts.zoned;
                        Some(ts.micros)
                    },
                    keep!(written::zoned_timestamp_is_canonical),
                    &mut misfit,
                )?;
                encoded.zoned = zoned;
                Arc::new(array)
            }
            ColumnKind::String => {
                let texts = (0..slice.rows()).map(|row| {
                    let field = slice.field(row);
                    if nulls.is_null(field) {
                        None
                    } else if slice.utf8 || std::str::from_utf8(field).is_ok() {
                        Some(Cow::Borrowed(field))
                    } else {
                        issues.invalid_utf8.add(slice.line(row));
                        Some(Cow::Owned(String::from_utf8_lossy(field).into_owned().into_bytes()))
                    }
                });
                self.encode_text(texts, slice.rows())?
            }
        };
        encoded.values = encoded.array.len() - encoded.array.null_count();
        Ok(encoded)
    }

    /// Encodes texts (valid UTF-8 bytes) in the column's text encoding: keys
    /// into the dictionary, or plain strings.
    fn encode_text<T: AsRef<[u8]>>(&mut self, texts: impl Iterator<Item = Option<T>>, rows: usize) -> Result<ArrayRef> {
        match &mut self.text {
            TextEncoding::Dictionary(dictionary) => {
                let mut keys = Vec::with_capacity(rows);
                let mut validity = NullBufferBuilder::new(rows);
                for text in texts {
                    match text {
                        Some(t) => {
                            keys.push(dictionary.intern(t.as_ref()));
                            validity.append_non_null();
                        }
                        None => {
                            keys.push(0);
                            validity.append_null();
                        }
                    }
                }
                // Keys only: the dictionary's values are attached when the
                // table is read (`arrays`), not copied for every batch.
                Ok(Arc::new(PrimitiveArray::<Int32Type>::new(keys.into(), validity.finish())))
            }
            TextEncoding::Plain => {
                let mut builder = BinaryBuilder::with_capacity(rows, rows * 8);
                for text in texts {
                    builder.append_option(text);
                }
                // One UTF-8 check of the whole array (the fields were valid;
                // an error here would be a bug, but not a panic).
                Ok(Arc::new(StringArray::try_from_binary(builder.finish())?))
            }
        }
    }

    /// Appends `encoded` (of `kind`) to the column, converting the values
    /// stored before if the kind or the storage changed.
    fn adopt(&mut self, kind: ColumnKind, encoded: Encoded) -> Result<()> {
        if self.kind != Some(kind) {
            if let Some(old) = self.kind {
                self.convert_stored(old, kind)?;
            }
            self.kind = Some(kind);
        }
        if let Some((lo, hi)) = encoded.int_range {
            self.int_range = Some(match self.int_range {
                Some((a, b)) => (a.min(lo), b.max(hi)),
                None => (lo, hi),
            });
        }
        self.zoned |= encoded.zoned;
        if kind == ColumnKind::String {
            self.text_values += encoded.values;
        }
        let storage = self.storage_type();
        if storage != self.stored_type {
            // The storage changed (a wider kind or integer, longer dictionary
            // keys): the values stored are converted, a bounded number of
            // times in the column's life.
            self.store.replace_all(|all| widen::to_storage(&all, &storage))?;
            self.stored_type = storage.clone();
        }
        let array = if encoded.array.data_type() == &storage || encoded.array.data_type() == &DataType::Null {
            encoded.array
        } else {
            widen::to_storage(&encoded.array, &storage)?
        };
        self.store.push(array)?;
        if kind == ColumnKind::String {
            self.maybe_drop_dictionary(encoded.values)?;
        }
        Ok(())
    }

    /// Converts the values stored from `old` to the wider kind `new`.
    fn convert_stored(&mut self, old: ColumnKind, new: ColumnKind) -> Result<()> {
        let mut store = std::mem::take(&mut self.store);
        let mut written = std::mem::take(&mut self.written);
        let zoned = self.zoned;
        let result = store.replace_all(|all| {
            Ok(if new == ColumnKind::String {
                let rendered = written.apply(widen::render_text(&all, old, zoned));
                drop(all);
                self.text_values += rendered.len() - rendered.null_count();
                self.encode_text(rendered.iter().map(|t| t.map(str::as_bytes)), rendered.len())?
            } else {
                let target = match new {
                    ColumnKind::Float => DataType::Float64,
                    ColumnKind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
                    _ => unreachable!("{old:?} widens to {new:?}"),
                };
                widen::to_storage(&all, &target)?
            })
        });
        self.store = store;
        // Emptied by a widening to text; kept by any other.
        self.written = written;
        result?;
        // What the converted values are stored as; `adopt` brings them to the storage.
        self.stored_type = match new {
            ColumnKind::String => match self.text {
                TextEncoding::Dictionary(_) => DataType::Int32,
                TextEncoding::Plain => DataType::Utf8,
            },
            ColumnKind::Float => DataType::Float64,
            _ => DataType::Timestamp(TimeUnit::Microsecond, None),
        };
        Ok(())
    }

    /// Switches to plain strings once the dictionary stops paying for itself:
    /// a value costs a key (4 bytes at most) plus, when it is new, its text
    /// and an entry; plain, its text and an offset. So the dictionary pays
    /// while the share of new values stays below `len / (len + overhead)`.
    fn maybe_drop_dictionary(&mut self, batch_values: usize) -> Result<()> {
        let TextEncoding::Dictionary(dictionary) = &mut self.text else { return Ok(()) };
        let distinct = dictionary.len();
        let new_share = (distinct - self.dictionary_len_before) as f64 / batch_values.max(1) as f64;
        self.dictionary_len_before = distinct;
        let average_len = (dictionary.bytes() / distinct.max(1)) as f64;
        let break_even = average_len / (average_len + DICTIONARY_ENTRY_OVERHEAD as f64);
        let too_distinct = self.text_values >= DICTIONARY_CHECK_AFTER_VALUES && new_share > break_even;
        if !(too_distinct || distinct > DICTIONARY_MAX_ENTRIES || dictionary.bytes() > DICTIONARY_MAX_BYTES) {
            return Ok(());
        }
        let values = dictionary.values()?;
        self.store.replace_all(|keys| crate::arrays::take(values.as_ref(), keys.as_ref()))?;
        self.text = TextEncoding::Plain;
        self.stored_type = DataType::Utf8;
        Ok(())
    }

    /// The type every array of the column has.
    fn storage_type(&self) -> DataType {
        match self.kind {
            None => DataType::Null,
            Some(ColumnKind::Boolean) => DataType::Boolean,
            Some(ColumnKind::Integer) => match self.int_range {
                Some((lo, hi)) if lo >= i8::MIN as i64 && hi <= i8::MAX as i64 => DataType::Int8,
                Some((lo, hi)) if lo >= i16::MIN as i64 && hi <= i16::MAX as i64 => DataType::Int16,
                Some((lo, hi)) if lo >= i32::MIN as i64 && hi <= i32::MAX as i64 => DataType::Int32,
                Some(_) => DataType::Int64,
                None => DataType::Int8,
            },
            Some(ColumnKind::Float) => DataType::Float64,
            Some(ColumnKind::Date) => DataType::Date32,
            Some(ColumnKind::Timestamp) => {
                DataType::Timestamp(TimeUnit::Microsecond, self.zoned.then(|| "UTC".into()))
            }
            Some(ColumnKind::String) => match &self.text {
                TextEncoding::Plain => DataType::Utf8,
                // Chunks hold the keys; `arrays` attaches the values.
                TextEncoding::Dictionary(d) => {
                    if d.len() <= 1 << 7 {
                        DataType::Int8
                    } else if d.len() <= 1 << 15 {
                        DataType::Int16
                    } else {
                        DataType::Int32
                    }
                }
            },
        }
    }

    /// The column's values as one array, as the table shows it (viewing the
    /// stored values, not copying them): a column with no values at all is
    /// an all-null string column.
    pub fn array(&mut self) -> Result<(DataType, ArrayRef)> {
        let storage = self.storage_type();
        let stored = self.store.array();
        match (self.kind, &mut self.text) {
            (None, _) => Ok((DataType::Utf8, new_null_array(&DataType::Utf8, stored.len()))),
            (Some(ColumnKind::String), TextEncoding::Dictionary(dictionary)) => {
                // The keys stored with the dictionary's values; a longer
                // dictionary keeps earlier keys.
                let values = dictionary.values()?;
                let data_type = DataType::Dictionary(Box::new(storage), Box::new(DataType::Utf8));
                Ok((data_type, dictionary_of(&stored, &values)?))
            }
            (Some(_), _) => Ok((storage, stored)),
        }
    }

    /// The zone map of the values [`Self::array`] shows, for an integer,
    /// date or timestamp column (built as they were stored).
    pub fn zone_map(&self) -> Option<ZoneMap> {
        match self.kind {
            Some(ColumnKind::Integer | ColumnKind::Date | ColumnKind::Timestamp) => self.store.zones.as_ref().map(ZoneBuilder::map),
            _ => None,
        }
    }

    /// The column's type as the table shows it (see [`Self::arrays`]).
    pub fn data_type(&self) -> DataType {
        match (self.kind, &self.text) {
            (None, _) => DataType::Utf8,
            (Some(ColumnKind::String), TextEncoding::Dictionary(_)) => {
                DataType::Dictionary(Box::new(self.storage_type()), Box::new(DataType::Utf8))
            }
            _ => self.storage_type(),
        }
    }

    /// Lets go of the column's arrays and dictionary once a table holds them
    /// (the end of a load), so a compaction of that table frees each chunk as
    /// it goes. Only the name and kind stay meaningful afterwards.
    pub fn release(&mut self) {
        self.store = ColumnStore { visits: self.store.visits, ..ColumnStore::default() };
        if let TextEncoding::Dictionary(dictionary) = &mut self.text {
            *dictionary = GlobalDictionary::new();
        }
        // The column's type is final.
        self.written = WrittenTexts::default();
    }

    /// Bytes held by the column's arrays, its dictionary and the written
    /// text it keeps.
    pub fn memory_bytes(&self) -> usize {
        let dictionary = match &self.text {
            TextEncoding::Dictionary(d) if self.kind == Some(ColumnKind::String) => d.memory_bytes(),
            _ => 0,
        };
        self.store.bytes() + dictionary + self.written.memory_bytes()
    }
}

/// Keys (of any key width, or all null) with dictionary values.
fn dictionary_of(keys: &ArrayRef, values: &ArrayRef) -> Result<ArrayRef> {
    use arrow_array::types::{Int16Type, Int8Type};
    let keys = match keys.data_type() {
        DataType::Null => new_null_array(&DataType::Int8, keys.len()),
        _ => keys.clone(),
    };
    Ok(match keys.data_type() {
        DataType::Int8 => Arc::new(DictionaryArray::try_new(keys.as_primitive::<Int8Type>().clone(), values.clone())?),
        DataType::Int16 => Arc::new(DictionaryArray::try_new(keys.as_primitive::<Int16Type>().clone(), values.clone())?),
        _ => Arc::new(DictionaryArray::try_new(keys.as_primitive::<Int32Type>().clone(), values.clone())?),
    })
}

/// The kind of a trimmed value when numbers are written in `format` and
/// dates in `order`: a plain number that is none in `format` (`1.5` with
/// decimal commas) is text; dates and timestamps in `order` (and ISO
/// timestamps with AM/PM) are dates and timestamps.
fn classify_in(format: NumberFormat, order: DateOrder, field: &[u8]) -> ColumnKind {
    let kind = if format == NumberFormat::Plain {
        infer::classify(field)
    } else {
        match infer::number_kind_in(field, format) {
            Some(kind) => kind,
            None => match infer::classify(field) {
                ColumnKind::Integer | ColumnKind::Float => ColumnKind::String,
                other => other,
            },
        }
    };
    if kind != ColumnKind::String {
        return kind;
    }
    if infer::parse_date_in(field, order).is_some() {
        ColumnKind::Date
    } else if infer::parse_timestamp_in(field, order).is_some() {
        ColumnKind::Timestamp
    } else {
        kind
    }
}

fn beyond_exact_float((lo, hi): (i64, i64)) -> bool {
    lo < -MAX_EXACT_FLOAT_INT || hi > MAX_EXACT_FLOAT_INT
}

/// Parses every field with `parse`; nulls by token; `misfit` decides about
/// values `parse` rejects (stop, or keep going with a null).
/// `parse` reads a trimmed field; `read` sees each value read with its row
/// and field as written.
fn encode_primitive<T: ArrowPrimitiveType>(
    slice: &ColumnSlice<'_>,
    nulls: &NullTokens,
    mut parse: impl FnMut(&[u8]) -> Option<T::Native>,
    mut read: impl FnMut(usize, &[u8], T::Native),
    misfit: &mut impl FnMut(usize, &[u8]) -> Result<(), Stop>,
) -> Result<PrimitiveArray<T>, Stop> {
    let rows = slice.rows();
    let mut values = Vec::with_capacity(rows);
    let mut validity = NullBufferBuilder::new(rows);
    for row in 0..rows {
        let field = slice.field(row);
        if nulls.is_null(field) {
            values.push(T::Native::default());
            validity.append_null();
            continue;
        }
        match parse(infer::trim(field)) {
            Some(v) => {
                read(row, field, v);
                values.push(v);
                validity.append_non_null();
            }
            None => {
                misfit(row, field)?;
                values.push(T::Native::default());
                validity.append_null();
            }
        }
    }
    Ok(PrimitiveArray::new(values.into(), validity.finish()))
}
