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
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{
    new_null_array, Array, ArrayRef, ArrowPrimitiveType, DictionaryArray, NullArray, PrimitiveArray, StringArray,
};
use arrow_buffer::NullBufferBuilder;
use arrow_schema::{DataType, TimeUnit};

use super::dictionary::GlobalDictionary;
use super::infer::{self, MAX_EXACT_FLOAT_INT};
use super::options::ColumnKind;
use super::records::RawBatch;
use super::warnings::Tally;
use super::widen;
use crate::error::{QuiverError, Result};

/// Text columns stay dictionary-encoded while that takes less memory than
/// plain strings would for the values still to come. Decided only after this
/// many values, once the share of new values in a batch means something.
const DICTIONARY_CHECK_AFTER_VALUES: usize = 1 << 18;
/// Bytes a dictionary entry costs besides its text (offset and hash slot).
const DICTIONARY_ENTRY_OVERHEAD: usize = 12;
const DICTIONARY_MAX_ENTRIES: usize = 1 << 22;
const DICTIONARY_MAX_BYTES: usize = 256 << 20;

/// Field values that mean "no value", compared exactly.
pub struct NullTokens {
    empty_is_null: bool,
    tokens: Vec<Vec<u8>>,
}

impl NullTokens {
    pub fn new(tokens: &[String]) -> Self {
        NullTokens {
            empty_is_null: tokens.iter().any(|t| t.is_empty()),
            tokens: tokens.iter().filter(|t| !t.is_empty()).map(|t| t.as_bytes().to_vec()).collect(),
        }
    }

    #[inline]
    pub fn is_null(&self, field: &[u8]) -> bool {
        if field.is_empty() {
            return self.empty_is_null;
        }
        self.tokens.iter().any(|t| t.as_slice() == field)
    }
}

/// One column's fields within a raw batch.
pub struct ColumnSlice<'a> {
    pub batch: &'a RawBatch,
    pub column: usize,
    /// The whole batch is valid UTF-8 (so no field needs checking).
    pub utf8: bool,
}

impl ColumnSlice<'_> {
    fn rows(&self) -> usize {
        self.batch.rows()
    }

    #[inline]
    fn field(&self, row: usize) -> &[u8] {
        self.batch.field(row, self.column)
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
    /// A value of this kind does not fit: widen and encode again.
    Widen(ColumnKind),
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
    chunks: Vec<ArrayRef>,
    int_range: Option<(i64, i64)>,
    zoned: bool,
    text: TextEncoding,
    /// Non-null values stored while the column is text.
    text_values: usize,
    /// Dictionary size after the previous batch (to see how fast it grows).
    dictionary_len_before: usize,
    /// The dictionary arrays last handed out, per chunk: re-pointed at a
    /// longer dictionary in O(1) rather than checked again.
    dictionary_views: Vec<Option<ArrayRef>>,
}

impl ColumnBuilder {
    pub fn new(name: String, forced: Option<ColumnKind>) -> Self {
        ColumnBuilder {
            name,
            forced,
            kind: None,
            chunks: Vec::new(),
            int_range: None,
            zoned: false,
            text: TextEncoding::Dictionary(GlobalDictionary::new()),
            text_values: 0,
            dictionary_len_before: 0,
            dictionary_views: Vec::new(),
        }
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
        let mut kind = self.forced.or(self.kind);
        let encoded = loop {
            let Some(k) = kind else {
                match (0..slice.rows()).map(|r| slice.field(r)).find(|f| !nulls.is_null(f)) {
                    None => {
                        self.chunks.push(Arc::new(NullArray::new(slice.rows())));
                        return Ok(());
                    }
                    Some(first) => {
                        kind = Some(infer::classify(infer::trim(first)));
                        continue;
                    }
                }
            };
            let mut batch_issues = ColumnIssues::default();
            match self.encode(k, &slice, nulls, strict, &mut batch_issues) {
                Ok(encoded) => {
                    issues.unparsed.merge(batch_issues.unparsed);
                    issues.invalid_utf8.merge(batch_issues.invalid_utf8);
                    break (k, encoded);
                }
                Err(Stop::Fail(e)) => return Err(e),
                Err(Stop::Widen(found)) => {
                    let mut wider = infer::join(k, found);
                    // Integers a float cannot hold exactly make the column text;
                    // so does any misfit that would not widen (always progress).
                    if wider == k || (wider == ColumnKind::Float && self.int_range.is_some_and(beyond_exact_float)) {
                        wider = ColumnKind::String;
                    }
                    kind = Some(wider);
                }
            }
        };
        self.adopt(encoded.0, encoded.1)
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
        // A value the kind cannot read: widen, or (forced kind) null it.
        let mut misfit = |row: usize, field: &[u8]| -> Result<(), Stop> {
            if !forced {
                return Err(Stop::Widen(infer::classify(infer::trim(field))));
            }
            let line = slice.batch.line(row);
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
        let mut encoded = Encoded { array: Arc::new(NullArray::new(0)), int_range: None, zoned: false, values: 0 };
        encoded.array = match kind {
            ColumnKind::Boolean => {
                let mut builder = BooleanBuilder::with_capacity(slice.rows());
                for row in 0..slice.rows() {
                    let field = slice.field(row);
                    if nulls.is_null(field) {
                        builder.append_null();
                    } else if let Some(v) = infer::parse_bool(infer::trim(field)) {
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
                        let v = infer::parse_int(f)?;
                        min = min.min(v);
                        max = max.max(v);
                        Some(v)
                    },
                    &mut misfit,
                )?;
                encoded.int_range = (min <= max).then_some((min, max));
                Arc::new(array)
            }
            ColumnKind::Float => Arc::new(encode_primitive::<Float64Type>(
                slice,
                nulls,
                |f| if infer::integral_beyond_exact_float(f) { None } else { infer::parse_float(f) },
                &mut misfit,
            )?),
            ColumnKind::Date => Arc::new(encode_primitive::<Date32Type>(slice, nulls, infer::parse_date, &mut misfit)?),
            ColumnKind::Timestamp => {
                let mut zoned = false;
                let array = encode_primitive::<TimestampMicrosecondType>(
                    slice,
                    nulls,
                    |f| {
                        let ts = infer::parse_timestamp(f)?;
                        zoned |= ts.zoned;
                        Some(ts.micros)
                    },
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
                        issues.invalid_utf8.add(slice.batch.line(row));
                        Some(Cow::Owned(String::from_utf8_lossy(field).into_owned().into_bytes()))
                    }
                });
                self.encode_text(texts, slice.rows())
            }
        };
        encoded.values = encoded.array.len() - encoded.array.null_count();
        Ok(encoded)
    }

    /// Encodes texts (valid UTF-8 bytes) in the column's text encoding: keys
    /// into the dictionary, or plain strings.
    fn encode_text<T: AsRef<[u8]>>(&mut self, texts: impl Iterator<Item = Option<T>>, rows: usize) -> ArrayRef {
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
                Arc::new(PrimitiveArray::<Int32Type>::new(keys.into(), validity.finish()))
            }
            TextEncoding::Plain => {
                let mut builder = BinaryBuilder::with_capacity(rows, rows * 8);
                for text in texts {
                    builder.append_option(text);
                }
                // One UTF-8 check of the whole array (the fields were valid).
                Arc::new(StringArray::try_from_binary(builder.finish()).expect("text fields are valid UTF-8"))
            }
        }
    }

    /// Makes `encoded` (of `kind`) the column's next array, converting the
    /// earlier arrays if the kind or the storage changed.
    fn adopt(&mut self, kind: ColumnKind, encoded: Encoded) -> Result<()> {
        if self.kind != Some(kind) {
            if let Some(old) = self.kind {
                self.convert_chunks(old, kind)?;
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
        self.chunks.push(encoded.array);
        if kind == ColumnKind::String {
            self.maybe_drop_dictionary(encoded.values)?;
        }
        let storage = self.storage_type();
        for chunk in &mut self.chunks {
            if chunk.data_type() != &storage {
                *chunk = widen::to_storage(chunk, &storage)?;
            }
        }
        Ok(())
    }

    /// Converts the earlier arrays from `old` to the wider kind `new`.
    fn convert_chunks(&mut self, old: ColumnKind, new: ColumnKind) -> Result<()> {
        let chunks = std::mem::take(&mut self.chunks);
        for chunk in chunks {
            let converted = if chunk.data_type() == &DataType::Null {
                chunk
            } else if new == ColumnKind::String {
                let rendered = widen::render_text(&chunk, old, self.zoned);
                self.text_values += rendered.len() - rendered.null_count();
                self.encode_text(rendered.iter().map(|t| t.map(str::as_bytes)), rendered.len())
            } else {
                let target = match new {
                    ColumnKind::Float => DataType::Float64,
                    ColumnKind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
                    _ => unreachable!("{old:?} widens to {new:?}"),
                };
                widen::to_storage(&chunk, &target)?
            };
            self.chunks.push(converted);
        }
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
        let values = dictionary.values();
        for chunk in &mut self.chunks {
            *chunk = match chunk.data_type() {
                DataType::Null => new_null_array(&DataType::Utf8, chunk.len()),
                _ => crate::arrays::take(values.as_ref(), chunk.as_ref())?,
            };
        }
        self.text = TextEncoding::Plain;
        self.dictionary_views.clear();
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

    /// The column's arrays, one per batch, as the table shows them: a column
    /// with no values at all is an all-null string column.
    pub fn arrays(&mut self) -> Result<(DataType, Vec<ArrayRef>)> {
        let storage = self.storage_type();
        match (self.kind, &mut self.text) {
            (None, _) => Ok((DataType::Utf8, self.chunks.iter().map(|c| new_null_array(&DataType::Utf8, c.len())).collect())),
            (Some(ColumnKind::String), TextEncoding::Dictionary(dictionary)) => {
                // One values array for every batch; a key means the same value
                // in all of them, and a longer dictionary keeps earlier keys.
                let values = dictionary.values();
                let data_type = DataType::Dictionary(Box::new(storage), Box::new(DataType::Utf8));
                self.dictionary_views.resize(self.chunks.len(), None);
                let mut arrays = Vec::with_capacity(self.chunks.len());
                for (keys, view) in self.chunks.iter().zip(self.dictionary_views.iter_mut()) {
                    let array = match view.as_ref().and_then(|v| v.as_any_dictionary_opt().map(|d| (v, d))) {
                        Some((v, d)) if v.data_type() == &data_type => {
                            if Arc::ptr_eq(d.values(), &values) { v.clone() } else { d.with_values(values.clone()) }
                        }
                        _ => dictionary_of(keys, &values)?,
                    };
                    *view = Some(array.clone());
                    arrays.push(array);
                }
                Ok((data_type, arrays))
            }
            (Some(_), _) => Ok((storage, self.chunks.clone())),
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

    /// Bytes held by the column's arrays and its dictionary.
    pub fn memory_bytes(&self) -> usize {
        let dictionary = match &self.text {
            TextEncoding::Dictionary(d) if self.kind == Some(ColumnKind::String) => d.memory_bytes(),
            _ => 0,
        };
        crate::table::memory_bytes(self.chunks.iter().cloned()) + dictionary
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

fn beyond_exact_float((lo, hi): (i64, i64)) -> bool {
    lo < -MAX_EXACT_FLOAT_INT || hi > MAX_EXACT_FLOAT_INT
}

/// Parses every field with `parse`; nulls by token; `misfit` decides about
/// values `parse` rejects (stop, or keep going with a null).
fn encode_primitive<T: ArrowPrimitiveType>(
    slice: &ColumnSlice<'_>,
    nulls: &NullTokens,
    mut parse: impl FnMut(&[u8]) -> Option<T::Native>,
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
