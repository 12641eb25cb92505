//! Native integration tests of CSV ingest: what a file becomes as a table,
//! whatever the chunking, and how bad input is reported.
#![cfg(not(target_arch = "wasm32"))]

use arrow_schema::DataType;
use proptest::prelude::*;
use quiver::ingest::{Ingest, IngestOptions, WarningKind};
use quiver::rows::Rows;
use quiver::{QuiverError, Table};
use serde_json::{json, Value};

fn options(json: &str) -> IngestOptions {
    IngestOptions::from_json(json).unwrap()
}

/// Loads `bytes` pushed in chunks of `chunk` bytes.
fn load_chunked(bytes: &[u8], options: IngestOptions, chunk: usize) -> Result<(Table, Ingest), QuiverError> {
    let mut ingest = Ingest::new(options)?;
    for piece in bytes.chunks(chunk.max(1)) {
        ingest.push(piece)?;
    }
    let table = ingest.finish()?;
    Ok((table, ingest))
}

fn load(text: &str) -> Table {
    load_with(text, "{}")
}

fn load_with(text: &str, json: &str) -> Table {
    load_chunked(text.as_bytes(), options(json), 7).unwrap().0
}

fn load_err(bytes: &[u8], json: &str) -> String {
    match load_chunked(bytes, options(json), 4096) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn rows(table: &Table) -> Value {
    serde_json::to_value(Rows::json_text(table.batches())).unwrap()
}

fn rows_of(batches: &[arrow_array::RecordBatch]) -> Value {
    serde_json::to_value(Rows::json_text(batches)).unwrap()
}

fn column(table: &Table, name: &str) -> Vec<Value> {
    rows(table).as_array().unwrap().iter().map(|row| row[name].clone()).collect()
}

fn kind(table: &Table, name: &str) -> &'static str {
    table.column_infos().into_iter().find(|c| c.name == name).unwrap().kind
}

fn data_type(table: &Table, name: &str) -> DataType {
    table.schema().field_with_name(name).unwrap().data_type().clone()
}

#[test]
fn every_kind_is_inferred() {
    let t = load(
        "id,price,ok,day,at,name,empty\n\
         1,2.5,true,2024-01-02,2024-01-02T03:04:05Z,ann,\n\
         2,,false,2024-02-03,2024-02-03 10:00:00.25+01:00,bob,\n\
         3,-1e3,TRUE,,,\"c, d\",NA\n",
    );
    assert_eq!(t.num_rows(), 3);
    let kinds: Vec<_> = t.column_infos().iter().map(|c| c.kind).collect();
    assert_eq!(kinds, ["integer", "float", "boolean", "date", "timestamp", "string", "string"]);
    assert_eq!(column(&t, "id"), [json!(1), json!(2), json!(3)]);
    assert_eq!(column(&t, "price"), [json!(2.5), Value::Null, json!(-1000.0)]);
    assert_eq!(column(&t, "ok"), [json!(true), json!(false), json!(true)]);
    assert_eq!(column(&t, "day"), [json!("2024-01-02"), json!("2024-02-03"), Value::Null]);
    assert_eq!(
        column(&t, "at"),
        [json!("2024-01-02T03:04:05Z"), json!("2024-02-03T09:00:00.250Z"), Value::Null]
    );
    assert_eq!(column(&t, "name"), [json!("ann"), json!("bob"), json!("c, d")]);
    assert_eq!(column(&t, "empty"), [Value::Null, Value::Null, Value::Null]);
    assert_eq!(data_type(&t, "id"), DataType::Int8);
    assert!(matches!(data_type(&t, "name"), DataType::Dictionary(_, _)));
}

/// `n` rows of `a` then rows of `b`, one column named `v`, small batches so
/// that the change happens after earlier batches were built.
fn switching(a: &[&str], b: &[&str]) -> Table {
    let mut text = String::from("v\n");
    for value in a.iter().chain(b) {
        text.push_str(value);
        text.push('\n');
    }
    load_with(&text, r#"{"batchRows": 2}"#)
}

#[test]
fn widening_keeps_every_earlier_value() {
    let t = switching(&["1", "2", "3"], &["4.5"]);
    assert_eq!(kind(&t, "v"), "float");
    assert_eq!(column(&t, "v"), [json!(1.0), json!(2.0), json!(3.0), json!(4.5)]);

    let t = switching(&["1", "-20", "300"], &["x"]);
    assert_eq!(kind(&t, "v"), "string");
    assert_eq!(column(&t, "v"), [json!("1"), json!("-20"), json!("300"), json!("x")]);

    let t = switching(&["2024-01-01", "2024-01-02"], &["2024-01-03T12:00:00"]);
    assert_eq!(kind(&t, "v"), "timestamp");
    assert_eq!(
        column(&t, "v"),
        [json!("2024-01-01T00:00:00"), json!("2024-01-02T00:00:00"), json!("2024-01-03T12:00:00")]
    );

    let t = switching(&["2024-01-01", "NA"], &["soon"]);
    assert_eq!(column(&t, "v"), [json!("2024-01-01"), Value::Null, json!("soon")]);

    let t = switching(&["1.5", "100", "2.25"], &["unknown"]); // ("n/a" is a null token by default)
    assert_eq!(column(&t, "v"), [json!("1.5"), json!("100"), json!("2.25"), json!("unknown")]);

    let t = switching(&["true", "false"], &["maybe"]);
    assert_eq!(column(&t, "v"), [json!("true"), json!("false"), json!("maybe")]);

    let t = switching(&["2024-01-01T00:00:00", "2024-01-01T00:00:01"], &["2024-01-01T00:00:02Z"]);
    assert_eq!(data_type(&t, "v"), DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, Some("UTC".into())));
    assert_eq!(column(&t, "v")[0], json!("2024-01-01T00:00:00Z"));

    let t = switching(&["NA", "NA", "NA", "NA"], &["7"]);
    assert_eq!(column(&t, "v"), [Value::Null, Value::Null, Value::Null, Value::Null, json!(7)]);
    assert_eq!(kind(&t, "v"), "integer");
}

/// A column that becomes text shows every value as the file wrote it,
/// whatever the batch size. Found by the `ingest` fuzz target (issue 11,
/// `fuzz/regressions/ingest/widened-dialect-text`): `3 169` read as a
/// number in a decimal-comma column, `0.15` later made it text, and rows of
/// one per batch showed `3169` where the whole file in one batch showed
/// `3 169` (so a CSV export read back as a float column).
#[test]
fn a_column_that_becomes_text_keeps_what_the_file_wrote_whatever_the_batch_size() {
    let cases: [(&str, &[&str]); 7] = [
        ("a;v\n1;3 169\n2;2\n3;0.15\n", &["3 169", "2", "0.15"]),
        ("v\n1.50\n2\n-0\n007\n1e5\nx\n", &["1.50", "2", "-0", "007", "1e5", "x"]),
        ("v\n 7\n8\nx\n", &[" 7", "8", "x"]),
        ("v\nTRUE\nfalse\nmaybe\n", &["TRUE", "false", "maybe"]),
        ("v\n31/12/2024\n2024-01-05\nsoon\n", &["31/12/2024", "2024-01-05", "soon"]),
        ("v\n2024-01-05 10:00\n2024-01-05T10:00:00.500Z\nsoon\n", &["2024-01-05 10:00", "2024-01-05T10:00:00.500Z", "soon"]),
        // A misfit in the middle of a batch, after a widening to float.
        ("v\n1\n2.50\n3\nx\n4.0\n", &["1", "2.50", "3", "x", "4.0"]),
    ];
    for (text, expected) in cases {
        for batch_rows in [1, 2, 3, 1024] {
            let t = load_chunked(text.as_bytes(), options(&format!(r#"{{"batchRows": {batch_rows}}}"#)), 5).unwrap().0;
            assert_eq!(kind(&t, "v"), "string", "{text:?}");
            let shown: Vec<Value> = expected.iter().map(|v| json!(v)).collect();
            assert_eq!(column(&t, "v"), shown, "{text:?} in batches of {batch_rows}");
        }
    }
}

/// Beyond the bound on the text kept per column (`written::MAX_VALUES`
/// values), earlier values are written in the canonical form; where that
/// starts is counted value by value, so it does not depend on the batch
/// size either.
#[test]
fn past_the_kept_text_values_are_canonical_whatever_the_batch_size() {
    use quiver::ingest::written::MAX_VALUES;
    let mut text = String::from("v\n");
    for i in 0..MAX_VALUES + 3 {
        text.push_str(&format!("{i}.50\n"));
    }
    text.push_str("x\n");
    let mut seen = None;
    for batch_rows in [1000, 65_536, 1 << 20] {
        let t = load_chunked(text.as_bytes(), options(&format!(r#"{{"batchRows": {batch_rows}}}"#)), 1 << 16).unwrap().0;
        let values = column(&t, "v");
        assert_eq!(values[0], json!("0.50"));
        assert_eq!(values[MAX_VALUES - 1], json!(format!("{}.50", MAX_VALUES - 1)));
        assert_eq!(values[MAX_VALUES], json!(format!("{}.5", MAX_VALUES)), "past the bound");
        assert_eq!(values[MAX_VALUES + 3], json!("x"));
        match &seen {
            None => seen = Some(values),
            Some(before) => assert_eq!(&values, before, "batches of {batch_rows}"),
        }
    }
}

#[test]
fn integers_are_stored_as_narrow_as_their_values_allow() {
    assert_eq!(data_type(&switching(&["1", "-128"], &["127"]), "v"), DataType::Int8);
    assert_eq!(data_type(&switching(&["1", "2"], &["1000"]), "v"), DataType::Int16);
    assert_eq!(data_type(&switching(&["1", "2"], &["-100000"]), "v"), DataType::Int32);
    let t = switching(&["1", "2"], &["9007199254740993"]);
    assert_eq!(data_type(&t, "v"), DataType::Int64);
    // Beyond 2^53 a JS number is inexact: the value comes as a string.
    assert_eq!(column(&t, "v"), [json!(1), json!(2), json!("9007199254740993")]);
}

#[test]
fn integers_a_float_cannot_hold_make_the_column_text() {
    let t = switching(&["9007199254740993", "1"], &["0.5"]);
    assert_eq!(column(&t, "v"), [json!("9007199254740993"), json!("1"), json!("0.5")]);
    let t = switching(&["0.5", "1"], &["12345678901234567890"]);
    assert_eq!(column(&t, "v"), [json!("0.5"), json!("1"), json!("12345678901234567890")]);
}

#[test]
fn codes_with_leading_zeros_stay_text() {
    let t = load("zip,phone\n02134,+4917012345\n10001,+4917012346\n");
    assert_eq!(column(&t, "zip"), [json!("02134"), json!("10001")]);
    assert_eq!(column(&t, "phone"), [json!("+4917012345"), json!("+4917012346")]);
}

#[test]
fn text_is_dictionary_encoded_until_mostly_distinct() {
    let mut text = String::from("city,id\n");
    for i in 0..300_000 {
        text.push_str(&format!("city{},user-{i}\n", i % 300));
    }
    let t = load_chunked(text.as_bytes(), IngestOptions::default(), 1 << 16).unwrap().0;
    assert_eq!(data_type(&t, "city"), DataType::Dictionary(Box::new(DataType::Int16), Box::new(DataType::Utf8)));
    assert_eq!(data_type(&t, "id"), DataType::Utf8);
    let last = t.slice(299_999, 1).unwrap();
    assert_eq!(rows_of(&last), json!([{"city": "city299", "id": "user-299999"}]));
    // One dictionary for the whole column, shared by every batch.
    let first = t.batches()[0].column(0).clone();
    let last = t.batches().last().unwrap().column(0).clone();
    use arrow_array::cast::AsArray;
    assert!(std::sync::Arc::ptr_eq(first.as_any_dictionary().values(), last.as_any_dictionary().values()));
}

#[test]
fn null_tokens_are_configurable() {
    let t = load("a,b\nNA,null\nN/A,NULL\n1,x\n");
    assert_eq!(column(&t, "a"), [Value::Null, Value::Null, json!(1)]);
    assert_eq!(column(&t, "b"), [Value::Null, Value::Null, json!("x")]);
    let t = load_with("a,b\nNA,-\n,x\n", r#"{"nullValues": ["-"]}"#);
    assert_eq!(column(&t, "a"), [json!("NA"), json!("")]);
    assert_eq!(column(&t, "b"), [Value::Null, json!("x")]);
}

#[test]
fn column_types_can_be_forced() {
    let t = load_with("zip,n\n12345,1\n67890,x\n", r#"{"columnTypes": {"zip": "string", "n": "integer"}}"#);
    assert_eq!(column(&t, "zip"), [json!("12345"), json!("67890")]);
    assert_eq!(column(&t, "n"), [json!(1), Value::Null]);
    let (_, ingest) =
        load_chunked(b"zip,n\n12345,1\n67890,x\n", options(r#"{"columnTypes": {"n": "integer"}}"#), 3).unwrap();
    let warnings = ingest.warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].kind, WarningKind::UnparsedValues);
    assert_eq!(warnings[0].lines, [3]);
    assert!(warnings[0].message.contains("Column \"n\""), "{}", warnings[0].message);

    let err = load_err(b"zip,n\n12345,1\n67890,x\n", r#"{"strict": true, "columnTypes": {"n": "integer"}}"#);
    assert_eq!(err, "Line 3, column \"n\": \"x\" is not a valid integer.");
    let err = load_err(b"a\n1\n", r#"{"columnTypes": {"b": "integer"}}"#);
    assert_eq!(err, "There is no column named \"b\".");
}

#[test]
fn headers_become_unique_names() {
    let t = load("a,,a,b\n1,2,3,4\n");
    let names: Vec<_> = t.column_infos().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["a", "column_2", "a_2", "b"]);
    let t = load_with("1,2\n3,4\n", r#"{"hasHeader": false}"#);
    assert_eq!(t.num_rows(), 2);
    assert_eq!(column(&t, "column_2"), [json!(2), json!(4)]);
}

#[test]
fn delimiters_are_detected_or_given() {
    for (text, delimiter) in [
        ("a;b\n1,5;2\n", ';'),
        ("a\tb\n1\t2\n", '\t'),
        ("a|b\n1|2\n", '|'),
        ("a,b\n1,2\n", ','),
    ] {
        let (t, ingest) = load_chunked(text.as_bytes(), IngestOptions::default(), 1).unwrap();
        assert_eq!(ingest.delimiter(), Some(delimiter), "{text:?}");
        assert_eq!(t.num_columns(), 2);
    }
    let t = load_with("a;b,c\n1;2,3\n", r#"{"delimiter": ","}"#);
    assert_eq!(column(&t, "a;b"), [json!("1;2")]);
}

#[test]
fn quoting_line_ends_and_bom() {
    let expected = json!([{"a": "x,y", "b": "say \"hi\""}, {"a": "two\nlines", "b": "z"}]);
    for text in [
        "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n",
        "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",z\r\n",
        "a,b\r\"x,y\",\"say \"\"hi\"\"\"\r\"two\nlines\",z",
        "\u{FEFF}a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n",
    ] {
        for chunk in [1, 2, 3, 5, 1000] {
            let (t, _) = load_chunked(text.as_bytes(), IngestOptions::default(), chunk).unwrap();
            assert_eq!(rows(&t), expected, "{text:?} in chunks of {chunk}");
        }
    }
    let t = load_with("a,b\n'x,y',2\n", r#"{"quote": "'"}"#);
    assert_eq!(column(&t, "a"), [json!("x,y")]);
}

#[test]
fn ragged_rows_are_padded_or_cut_with_a_warning() {
    let (t, ingest) = load_chunked(b"a,b,c\n1,2\n1,2,3,4\n5,6,7\n", IngestOptions::default(), 2).unwrap();
    assert_eq!(rows(&t), json!([
        {"a": 1, "b": 2, "c": null},
        {"a": 1, "b": 2, "c": 3},
        {"a": 5, "b": 6, "c": 7},
    ]));
    let warnings = ingest.warnings();
    assert_eq!(warnings.len(), 2);
    assert!(warnings.iter().all(|w| w.kind == WarningKind::RaggedRows));
    assert_eq!((warnings[0].lines.clone(), warnings[1].lines.clone()), (vec![2], vec![3]));
    let err = load_err(b"a,b,c\n1,2,3\n1,2\n", r#"{"strict": true}"#);
    assert!(err.starts_with("Line 3 has 2 fields, but the header has 3."), "{err}");
}

#[test]
fn an_unclosed_quote_is_a_warning_or_in_strict_mode_an_error() {
    let text = b"a,b\n1,2\n3,\"never closed\n4,5\n";
    let (t, ingest) = load_chunked(text, IngestOptions::default(), 3).unwrap();
    assert_eq!(t.num_rows(), 2);
    assert_eq!(column(&t, "b")[1], json!("never closed\n4,5\n"));
    assert_eq!(ingest.warnings()[0].kind, WarningKind::UnclosedQuote);
    assert_eq!(ingest.warnings()[0].lines, [3]);
    let err = load_err(text, r#"{"strict": true}"#);
    assert_eq!(err, "The quoted field that starts on line 3 is never closed: the file ends inside quotes.");
}

#[test]
fn invalid_utf8_is_replaced_and_counted() {
    // Read as UTF-8 (named; detection would read it as Windows-1252: below).
    let bytes = b"name\ncaf\xe9\nok\nna\xefve\n";
    let (t, ingest) = load_chunked(bytes, options(r#"{"encoding":"utf-8"}"#), 1).unwrap();
    assert_eq!(column(&t, "name"), [json!("caf\u{FFFD}"), json!("ok"), json!("na\u{FFFD}ve")]);
    let w = &ingest.warnings()[0];
    assert_eq!((w.kind, w.count, w.lines.clone()), (WarningKind::InvalidUtf8, 2, vec![2, 4]));
    let (t, ingest) = load_chunked(bytes, IngestOptions::default(), 1).unwrap();
    assert_eq!(column(&t, "name"), [json!("café"), json!("ok"), json!("naïve")]);
    assert_eq!(ingest.encoding().0.name(), "windows-1252");
}

#[test]
fn nul_bytes_are_kept_as_data() {
    let t = load("a,b\nx\0y,1\n");
    assert_eq!(column(&t, "a"), [json!("x\0y")]);
}

#[test]
fn empty_and_header_only_files() {
    for bytes in [&b""[..], b"\n\n", b"\xEF\xBB\xBF", b"  \r\n"] {
        assert_eq!(load_err(bytes, "{}"), "The file is empty: it has no header and no rows.", "{bytes:?}");
    }
    let t = load("a,b\n");
    assert_eq!(t.num_rows(), 0);
    assert_eq!(t.num_columns(), 2);
    assert_eq!(kind(&t, "a"), "string");
}

#[test]
fn a_single_ten_megabyte_field() {
    let big = "x".repeat(10 << 20);
    let text = format!("a,b\n\"{big}\",1\n");
    let (t, _) = load_chunked(text.as_bytes(), IngestOptions::default(), 1 << 16).unwrap();
    assert_eq!(t.num_rows(), 1);
    assert_eq!(column(&t, "a")[0].as_str().unwrap().len(), 10 << 20);
    assert_eq!(column(&t, "b"), [json!(1)]);
}

#[test]
fn ten_thousand_columns() {
    let header: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let row: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
    let text = format!("{}\n{}\n{}\n", header.join(","), row.join(","), row.join(","));
    let (t, _) = load_chunked(text.as_bytes(), IngestOptions::default(), 1 << 16).unwrap();
    assert_eq!((t.num_rows(), t.num_columns()), (2, 10_000));
    assert_eq!(column(&t, "c9999"), [json!(9999), json!(9999)]);
}

#[test]
fn binary_files_are_refused_with_a_reason() {
    let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01\x00\x00\x90\x04\x00\x00";
    let err = load_err(xlsx, "{}");
    assert!(err.starts_with("This is not a text CSV file: it is a ZIP archive"), "{err}");
    let noise: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    assert!(load_err(&noise, "{}").contains("binary control characters"));
}

#[test]
fn a_memory_limit_stops_the_load_with_the_size_needed() {
    let mut text = String::from("a,b\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},{}.5\n", i * 7));
    }
    let err = load_err(text.as_bytes(), r#"{"memoryLimitBytes": 100000}"#);
    assert!(err.starts_with("This file needs about "), "{err}");
    assert!(err.contains("more than the limit of 100 KB"), "{err}");
    // With the size known in advance the load stops early, from an estimate.
    let mut ingest = Ingest::new(options(r#"{"memoryLimitBytes": 1000000}"#)).unwrap();
    ingest.set_expected_bytes(text.len() as u64 * 100);
    let stopped = text.as_bytes().chunks(1 << 16).try_for_each(|c| ingest.push(c));
    assert!(matches!(stopped, Err(QuiverError::MemoryLimit { .. })));
    assert!(ingest.bytes_read() < text.len() as u64);
}

/// A file too large for memory loads through the columns a question needs
/// (`columns`): the others are parsed and dropped, so the table and its
/// memory are those of the chosen columns, in the file's order, in every
/// chunking and in byte ranges; the limit's message says so.
#[test]
fn only_the_chosen_columns_are_loaded() {
    let mut text = String::from("id,note,price,day\n");
    for i in 0..50_000 {
        text.push_str(&format!("{i},\"note {i}, long enough to cost memory\",{}.25,2024-01-{:02}\n", i % 100, i % 28 + 1));
    }
    text.push_str("50000,short\n"); // a ragged row is still counted
    let all = load_chunked(text.as_bytes(), options("{}"), 1 << 16).unwrap().0;
    let chosen = r#"{"columns": ["day", "id"], "memoryLimitBytes": 1500000}"#;
    let err = load_err(text.as_bytes(), r#"{"memoryLimitBytes": 1500000}"#);
    assert!(err.contains("Load only the columns you need"), "{err}");
    for chunk in [7, 4096, 1 << 20] {
        let (t, ingest) = load_chunked(text.as_bytes(), options(chosen), chunk).unwrap();
        assert_eq!(t.column_infos().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "day"], "the file's order");
        assert_eq!(t.num_rows(), all.num_rows());
        assert_eq!(column(&t, "id"), column(&all, "id"));
        assert_eq!(column(&t, "day"), column(&all, "day"));
        assert!(t.memory_bytes() * 4 < all.memory_bytes(), "{} of {}", t.memory_bytes(), all.memory_bytes());
        assert!(ingest.warnings().iter().any(|w| w.kind == WarningKind::RaggedRows));
    }
    let size = text.len() as u64;
    let ranges = quiver::ingest::range::load_in_ranges(text.as_bytes(), &options(r#"{"columns": ["day", "id"]}"#), &[0, size / 3, 2 * size / 3], 1 << 16).unwrap();
    let mut ids = Vec::new();
    for (table, _) in &ranges {
        assert_eq!(table.column_infos().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "day"]);
        ids.extend(column(table, "id"));
    }
    assert_eq!(ids, column(&all, "id"));
    // A name the file does not have, or none at all.
    assert_eq!(load_err(text.as_bytes(), r#"{"columns": ["id", "nope"]}"#), "There is no column named \"nope\".");
    assert!(IngestOptions::from_json(r#"{"columns": []}"#).unwrap_err().to_string().contains("at least one column"));
}

/// A uniform sample of the rows (`sampleFraction`): about that share of the
/// rows, spread over the whole file, and the same rows however the file is
/// cut into chunks, batches or byte ranges, with or without a header.
#[test]
fn a_sample_of_the_rows_is_the_same_however_the_file_is_cut() {
    let n = 50_000;
    let mut text = String::from("id,v\n");
    for i in 0..n {
        text.push_str(&format!("{i},\"{}\"\n", if i % 1000 == 7 { "two\nlines" } else { "x" }));
    }
    let sample = r#"{"sampleFraction": 0.1}"#;
    let whole = load_chunked(text.as_bytes(), options(sample), text.len()).unwrap().0;
    let ids: Vec<i64> = column(&whole, "id").iter().map(|v| v.as_i64().unwrap()).collect();
    assert!((4_500..5_500).contains(&ids.len()), "{} rows of {n}", ids.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in file order");
    let mean = ids.iter().sum::<i64>() as f64 / ids.len() as f64;
    assert!((mean - n as f64 / 2.0).abs() < 1_000.0, "spread over the file: mean id {mean}");
    assert!(ids.iter().any(|&i| i < 1_000) && ids.iter().any(|&i| i >= n - 1_000));
    for (chunk, batch) in [(7, 65_536), (4096, 1), (1 << 16, 333)] {
        let t = load_chunked(text.as_bytes(), options(&format!(r#"{{"sampleFraction": 0.1, "batchRows": {batch}}}"#)), chunk).unwrap().0;
        assert_eq!(column(&t, "id"), column(&whole, "id"), "chunks of {chunk}, batches of {batch}");
    }
    let size = text.len() as u64;
    let ranges = quiver::ingest::range::load_in_ranges(text.as_bytes(), &options(sample), &[0, size / 4, size / 2 + 3, 3 * size / 4], 1 << 14).unwrap();
    let ranged: Vec<Value> = ranges.iter().flat_map(|(t, _)| column(t, "id")).collect();
    assert_eq!(ranged, column(&whole, "id"), "in byte ranges");
    // Without a header the first record is a row like the others (the
    // sample is by where a record starts, so the same records are kept).
    let headless = load_chunked(text.as_bytes()["id,v\n".len()..].as_ref(), options(r#"{"sampleFraction": 0.1, "hasHeader": false}"#), 4096).unwrap().0;
    assert!((4_500..5_500).contains(&headless.num_rows()));
    // Everything, or a fraction that is not one.
    assert_eq!(load_chunked(text.as_bytes(), options(r#"{"sampleFraction": 1}"#), 4096).unwrap().0.num_rows(), n as usize);
    for bad in ["0", "1.5", "-0.1"] {
        let error = IngestOptions::from_json(&format!(r#"{{"sampleFraction": {bad}}}"#)).unwrap_err().to_string();
        assert!(error.contains("not a fraction of the rows"), "{error}");
    }
}

#[test]
fn rows_can_be_read_while_loading() {
    let mut text = String::from("n,s\n");
    for i in 0..30_000 {
        text.push_str(&format!("{i},s{}\n", i % 10));
    }
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    let bytes = text.as_bytes();
    ingest.push(&bytes[..bytes.len() / 2]).unwrap();
    let partial = ingest.snapshot().unwrap();
    assert!(partial.num_rows() >= 1024, "{}", partial.num_rows());
    assert_eq!(partial.num_columns(), 2);
    assert_eq!(column(&partial, "n")[0], json!(0));
    assert!(ingest.rows_parsed() >= partial.num_rows());
    ingest.push(&bytes[bytes.len() / 2..]).unwrap();
    assert_eq!(ingest.finish().unwrap().num_rows(), 30_000);
    assert!(matches!(ingest.push(b"more"), Err(QuiverError::AlreadyLoaded)));
}

#[test]
fn memory_is_reported_and_smaller_than_the_text() {
    let mut text = String::from("id,city,amount,day\n");
    for i in 0..100_000 {
        text.push_str(&format!("{},city{},{}.{:02},2024-01-{:02}\n", 1_000_000 + i, i % 50, i % 997, i % 100, 1 + i % 28));
    }
    let t = load_with(&text, "{}");
    let memory = t.memory_bytes();
    assert!(memory > 100_000 * (4 + 1 + 8 + 4), "{memory}");
    // 17 bytes a row (i32, i8 key, f64, date32) for 33 bytes of text.
    assert!(memory < text.len() * 55 / 100, "{memory} of {}", text.len());
}

/// A CSV value of any kind, written as a CSV field (quoted when needed).
fn field() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        (-1e6f64..1e6).prop_map(|v| v.to_string()),
        Just(String::new()),
        Just("NA".to_string()),
        prop_oneof![Just("true"), Just("false")].prop_map(String::from),
        (1970i32..2100, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (0u32..24, 0u32..60).prop_map(|(h, m)| format!("2024-05-06T{h:02}:{m:02}:00Z")),
        "[a-c ,\"\r\n;é]{0,6}",
    ];
    value.prop_map(|v| {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v
        }
    })
}

fn csv_text() -> impl Strategy<Value = (String, usize)> {
    (1usize..5).prop_flat_map(|columns| {
        let row = prop::collection::vec(field(), columns).prop_map(|fields| fields.join(","));
        let header = (0..columns).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
        (prop::collection::vec(row, 0..60), prop_oneof![Just("\n"), Just("\r\n")], 1usize..8).prop_map(
            move |(rows, end, batch)| {
                let mut text = header.clone();
                for row in rows {
                    text.push_str(end);
                    text.push_str(&row);
                }
                text.push_str(end);
                (text, batch)
            },
        )
    })
}

/// Loads `bytes` in chunks of `chunk` bytes with an empty chunk after each,
/// parsing after the first `sniff` bytes (so that small files are parsed
/// chunk by chunk, as files past 64 KB are).
fn load_sniffing(bytes: &[u8], batch: usize, sniff: usize, chunk: usize) -> (Table, Vec<quiver::ingest::Warning>) {
    let opts = options(&format!(r#"{{"batchRows": {batch}}}"#));
    let mut ingest = Ingest::with_sniff_bytes(opts, sniff).unwrap();
    for piece in bytes.chunks(chunk.max(1)) {
        ingest.push(piece).unwrap();
        ingest.push(b"").unwrap();
    }
    let table = ingest.finish().unwrap();
    (table, ingest.warnings())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The table is the same, batch for batch, however the bytes are cut
    /// (empty chunks included) and whenever parsing starts.
    #[test]
    fn any_chunking_gives_the_same_table((text, batch) in csv_text(), chunk in 1usize..40, sniff in 1usize..80) {
        let (whole, whole_warnings) = load_sniffing(text.as_bytes(), batch, sniff, text.len());
        let (chunked, chunked_warnings) = load_sniffing(text.as_bytes(), batch, sniff, chunk);
        prop_assert_eq!(whole.schema(), chunked.schema());
        prop_assert_eq!(whole.batches(), chunked.batches());
        prop_assert_eq!(whole_warnings, chunked_warnings);
    }
}

// ---- Issue 11: crashes and lost rows found from outside ----

/// Issue 11 (6): invalid bytes in two neighbouring fields can join into a
/// valid UTF-8 character ("\xC3" + "\xA9" = "é"); the check used to run on the
/// fields joined together, skip the per-field check, and arrow panicked.
#[test]
fn latin1_bytes_in_neighbouring_fields_are_replaced_not_a_panic() {
    for (bytes, a, b) in [
        (&b"name,price\nJOS\xC9,\xA35\n"[..], "JOS\u{FFFD}", "\u{FFFD}5"),
        (b"a,b\n\xC3,\xA9\n", "\u{FFFD}", "\u{FFFD}"),
        // A three-byte character (€) cut over two fields.
        (b"a,b\n\xE2\x82,\xAC\n", "\u{FFFD}", "\u{FFFD}"),
    ] {
        for chunk in [1, 3, bytes.len()] {
            // Read as UTF-8 (detection would take them for Windows-1252).
            let (t, ingest) = load_chunked(bytes, options(r#"{"encoding":"utf-8"}"#), chunk).unwrap();
            let names: Vec<String> = t.column_infos().into_iter().map(|c| c.name).collect();
            assert_eq!(rows(&t), json!([{ names[0].clone(): a, names[1].clone(): b }]), "{bytes:?}");
            let w = ingest.warnings();
            assert_eq!(w.len(), 1, "{w:?}");
            assert_eq!((w[0].kind, w[0].count, w[0].lines.clone()), (WarningKind::InvalidUtf8, 2, vec![2, 2]));
        }
    }
    // The same in a column that is plain Utf8 (past the dictionary), with a
    // header holding such bytes.
    let mut text = b"h\xC3,\xA9h\n".to_vec();
    for i in 0..300_000 {
        text.extend_from_slice(format!("u{i},v{i}\n").as_bytes());
    }
    text.extend_from_slice(b"\xC3,\xA9\n");
    let (t, ingest) = load_chunked(&text, options(r#"{"encoding":"utf-8"}"#), 1 << 16).unwrap();
    assert_eq!(data_type(&t, "h\u{FFFD}"), DataType::Utf8);
    let last = t.slice(t.num_rows() - 1, 1).unwrap();
    assert_eq!(rows_of(&last), json!([{"h\u{FFFD}": "\u{FFFD}", "\u{FFFD}h": "\u{FFFD}"}]));
    assert_eq!(ingest.warnings()[0].count, 2);
}

/// Issue 11 (8): an empty chunk in the middle of a record (after the first
/// 64 KB) was taken as the end of the file and split the record in two.
#[test]
fn an_empty_chunk_is_not_the_end_of_the_file() {
    let mut head = String::from("a,b\n");
    while head.len() < 70_000 {
        head.push_str("1,2\n");
    }
    let rows_before = (head.len() - 4) / 4;
    for pieces in [
        vec!["3,", "", "4\n"],
        vec!["3", "", ",", "", "4", "", "\n", ""],
        vec!["\"3", "", "\",\"4", "", "\"\r", "", "\n"],
        vec!["3,4\r", "", "\n5,6"],
    ] {
        let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
        ingest.push(head.as_bytes()).unwrap();
        ingest.push(b"").unwrap();
        for piece in &pieces {
            ingest.push(piece.as_bytes()).unwrap();
        }
        let t = ingest.finish().unwrap();
        let tail = rows_of(&t.slice(rows_before, 10).unwrap());
        let want = if pieces.last() == Some(&"\n5,6") { json!([{"a": 3, "b": 4}, {"a": 5, "b": 6}]) } else { json!([{"a": 3, "b": 4}]) };
        assert_eq!(tail, want, "{pieces:?}");
        assert!(ingest.warnings().is_empty(), "{:?}", ingest.warnings());
    }
}

/// Issue 11 (11): with one-row batches, every batch used to redo work over all
/// earlier batches (memory accounting, storage checks), so loading was
/// quadratic. Counted, not timed: the arrays visited per batch stay constant.
#[test]
fn small_batches_load_in_linear_work() {
    let mut text = String::from("id,city,price,day,note\n");
    for i in 0..20_000 {
        // Widens late (int → float, date → string) and grows the dictionary past 128 and 32,768.
        let price = if i == 15_000 { "0.5".to_string() } else { (i * 7).to_string() };
        let day = if i == 19_000 { "soon".to_string() } else { format!("2024-01-{:02}", 1 + i % 28) };
        text.push_str(&format!("{i},city{},{price},{day},n{}\n", i % 500, i % 40_000));
    }
    let mut visits = Vec::new();
    for batch_rows in [1usize, 65_536] {
        let mut ingest = Ingest::new(options(&format!(r#"{{"batchRows": {batch_rows}}}"#))).unwrap();
        let mut snapshots = 0;
        for (i, piece) in text.as_bytes().chunks(4096).enumerate() {
            ingest.push(piece).unwrap();
            if i % 64 == 0 {
                snapshots += ingest.snapshot().unwrap().num_rows();
            }
        }
        let table = ingest.finish().unwrap();
        assert_eq!(table.num_rows(), 20_000);
        assert!(snapshots > 0);
        visits.push(ingest.arrays_visited());
    }
    // 20,000 batches × 5 columns: a constant number of visits per array
    // (building, a few conversions, the snapshots taken, compaction), not one
    // per earlier batch (that would be ~10^9).
    // Measured: 2.8 (building, merging small batches, two integer
    // widenings, dictionary key widths, a float and a text widening late,
    // 3 snapshots, finishing); 4.6 before small batches were merged.
    let per_array = visits[0] as f64 / (20_000.0 * 5.0);
    assert!(per_array < 12.0, "{per_array} visits per array ({visits:?})");
}

/// Found while writing the `ingest` fuzz target: the delimiter was detected on
/// whatever the chunk that filled the first 64 KB held, so a 1 MB first chunk
/// showed the detection more records than 64 KB chunks and could change it.
#[test]
fn the_delimiter_does_not_depend_on_the_chunk_size() {
    let mut text = String::from("left;right\n");
    while text.len() < 64 * 1024 {
        text.push_str(&format!("{};b\n", "a".repeat(200)));
    }
    for _ in 0..700 {
        text.push_str("x,y\n");
    }
    let mut tables = Vec::new();
    for chunk in [1 << 20, 64 * 1024, 4096, 1000] {
        let (t, ingest) = load_chunked(text.as_bytes(), IngestOptions::default(), chunk).unwrap();
        assert_eq!(ingest.delimiter(), Some(';'), "chunks of {chunk}");
        tables.push(t);
    }
    assert!(tables.windows(2).all(|w| w[0].batches() == w[1].batches()));
}

/// Found by the `ingest` fuzz target (fuzz/regressions/ingest/
/// no-header-first-batch): without a header, the first record went into the
/// first batch without the batch being checked, so it held `batchRows + 1`
/// rows; a value read as a number there (`396.`) stayed text as written,
/// where with a header it is a number widened to text later (`396` then;
/// `396.` since a widening keeps what the file wrote).
#[test]
fn batches_are_cut_alike_with_and_without_a_header() {
    for batch_rows in [1, 2, 3] {
        let with_header = load_with("c1,c2\n396.,1\nS2,2\nx,3\n", &format!(r#"{{"batchRows": {batch_rows}}}"#));
        let without = load_with("396.,1\nS2,2\nx,3\n", &format!(r#"{{"batchRows": {batch_rows}, "hasHeader": false}}"#));
        assert_eq!(column(&without, "column_1"), column(&with_header, "c1"), "batchRows {batch_rows}");
    }
    let t = load_with("396.,1\nS2,2\n", r#"{"batchRows": 1, "hasHeader": false}"#);
    assert_eq!(column(&t, "column_1"), [json!("396."), json!("S2")]);
}

/// Checks that the table carries, for each of its columns, exactly the
/// zone map of its stored values (integer, date, timestamp) or none.
fn assert_zone_maps_describe_columns(table: &Table, context: &str) -> usize {
    let Some(batch) = table.batches().first() else { return 0 };
    let mut with_maps = 0;
    for (c, array) in batch.columns().iter().enumerate() {
        let name = table.schema().field(c).name();
        let carried: Vec<_> = table.zone_maps().iter().filter(|(a, _)| std::sync::Arc::ptr_eq(a, array)).collect();
        match quiver::kernels::zones::ZoneMap::of_array(array.as_ref()) {
            Some(want) => {
                assert_eq!(carried.len(), 1, "{context}: column {name} ({}) carries one zone map", array.data_type());
                assert_eq!(*carried[0].1, want, "{context}: column {name}");
                with_maps += 1;
            }
            None => assert!(carried.is_empty(), "{context}: column {name} ({}) carries no zone map", array.data_type()),
        }
    }
    assert_eq!(table.zone_maps().len(), with_maps, "{context}: no map of an array the table does not hold");
    with_maps
}

/// A load builds the zone map of each integer, date and timestamp column
/// as it stores the values (the engine's first range test finds it built):
/// the map equals the map of the column's final values whatever the batch
/// size, with nulls between values, an integer column widened late (Int16
/// to Int64), a column that becomes float and one that becomes text (no
/// map), in snapshots taken while loading, and after a load in byte ranges
/// whose types are unified.
#[test]
fn a_load_builds_the_zone_maps_of_its_columns_whatever_the_batches() {
    let n = 9_500;
    let mut text = String::from("id,day,at,n,city,code\n");
    for i in 0..n {
        let id = if i == 9_000 { 5_000_000_000i64 } else { (i * 37 % 1000) as i64 - 500 };
        let day = if i % 11 == 0 { String::new() } else { format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28) };
        let at = if i % 13 == 0 { String::new() } else { format!("2023-05-01T{:02}:{:02}:{:02}", i / 3600 % 24, i / 60 % 60, i % 60) };
        let num = if i >= 8_000 { format!("{}.5", i % 7) } else { (i % 7).to_string() };
        let code = if i == 7_777 { "x7".to_string() } else { (i % 90).to_string() };
        text.push_str(&format!("{id},{day},{at},{num},c{},{code}\n", i % 5));
    }
    for batch_rows in [7, 1000, 4096, 65_536] {
        let opts = options(&format!(r#"{{"batchRows": {batch_rows}}}"#));
        let mut ingest = Ingest::new(opts.clone()).unwrap();
        let bytes = text.as_bytes();
        let half = bytes.len() / 2;
        for piece in bytes[..half].chunks(3001) {
            ingest.push(piece).unwrap();
        }
        let snapshot = ingest.snapshot().unwrap();
        assert!(snapshot.num_rows() > 0 || batch_rows == 65_536);
        assert_zone_maps_describe_columns(&snapshot, &format!("snapshot, batches of {batch_rows}"));
        for piece in bytes[half..].chunks(3001) {
            ingest.push(piece).unwrap();
        }
        let table = ingest.finish().unwrap();
        assert_eq!(data_type(&table, "id"), DataType::Int64);
        assert_eq!(data_type(&table, "n"), DataType::Float64);
        assert_eq!(kind(&table, "code"), "string");
        let mapped = assert_zone_maps_describe_columns(&table, &format!("batches of {batch_rows}"));
        assert_eq!(mapped, 3, "id, day and at");
    }
    // In byte ranges: each range's table keeps the maps of the columns its
    // unification leaves as they were.
    for cuts in [vec![0, 100_000], vec![0, 50_000, 120_000, 170_000]] {
        let ranges = quiver::ingest::range::load_in_ranges(text.as_bytes(), &options(r#"{"batchRows": 1000}"#), &cuts, 4096).unwrap();
        for (i, (table, _)) in ranges.iter().enumerate() {
            assert_zone_maps_describe_columns(table, &format!("range {i} of {cuts:?}"));
        }
        let kept: usize = ranges.iter().map(|(t, _)| t.zone_maps().len()).sum();
        assert!(kept >= ranges.len() * 2, "day and at keep their maps in every range ({kept})");
    }
}
