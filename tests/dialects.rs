//! The files analysts actually have (issue 14): Excel exports in legacy
//! encodings, European numbers and dates, Excel's conventions. Each file of
//! the corpus is built here from its text (encoded as Excel would write it)
//! with its expected schema and cells, and loaded whole, in chunks of every
//! small size (so chunk boundaries fall inside every multi-byte character)
//! and in byte ranges as a sharded load reads it.
#![cfg(not(target_arch = "wasm32"))]

use encoding_rs::{Encoding, EUC_KR, SHIFT_JIS, UTF_16BE, UTF_16LE, WINDOWS_1252};
use quiver::ingest::{range, Ingest, IngestOptions, Warning, WarningKind};
use quiver::rows::Rows;
use quiver::{QuiverError, Table};
use serde_json::{json, Value};

fn options(json: &str) -> IngestOptions {
    IngestOptions::from_json(json).unwrap()
}

/// `text` as a file in `encoding` (UTF-16 with its byte order mark, as
/// Excel's "Unicode text" is written).
fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
    if encoding == UTF_16LE {
        return [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    }
    if encoding == UTF_16BE {
        return [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
    }
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

struct Loaded {
    table: Table,
    warnings: Vec<Warning>,
    encoding: &'static str,
    guessed: bool,
    delimiter: char,
}

fn load_chunked(bytes: &[u8], options: &IngestOptions, chunk: usize, sniff: usize) -> Loaded {
    let mut ingest = Ingest::with_sniff_bytes(options.clone(), sniff).unwrap();
    for piece in bytes.chunks(chunk.max(1)) {
        ingest.push(piece).unwrap();
    }
    let table = ingest.finish().unwrap();
    let (encoding, guessed) = ingest.encoding();
    Loaded { table, warnings: ingest.warnings(), encoding: encoding.name(), guessed, delimiter: ingest.delimiter().unwrap() }
}

fn rows(table: &Table) -> Value {
    serde_json::to_value(Rows::json_text(table.batches())).unwrap()
}

fn kinds(table: &Table) -> Vec<(String, &'static str)> {
    table.column_infos().into_iter().map(|c| (c.name, c.kind)).collect()
}

/// Loads `bytes` whole, then pushed in every chunk size up to 9 bytes,
/// then with the first block examined (`sniff`) ending at every offset from
/// `min_sniff` on, so that the rest goes through the streaming decoder cut
/// inside every character, then in byte ranges: the same table every time.
/// (`min_sniff`: where a prelude of `sep=` and comment lines ends; a real
/// first block is 64 KB.)
fn load_every_way_from(bytes: &[u8], options: &IngestOptions, min_sniff: usize) -> Loaded {
    let whole = load_chunked(bytes, options, bytes.len(), 64 * 1024);
    let expected = rows(&whole.table);
    for chunk in 1..=9 {
        let pieces = load_chunked(bytes, options, chunk, 64 * 1024);
        assert_eq!(rows(&pieces.table), expected, "chunks of {chunk}");
        assert_eq!(kinds(&pieces.table), kinds(&whole.table));
    }
    // The encoding and delimiter as found from the whole block (a block of
    // a few bytes cannot show them), and at least a byte order mark.
    let named = IngestOptions { encoding: Some(whole.encoding.into()), delimiter: Some(whole.delimiter), ..options.clone() };
    for sniff in min_sniff.max(3)..=bytes.len() {
        for chunk in [1, 2, 3, 7] {
            let pieces = load_chunked(bytes, &named, chunk, sniff);
            assert_eq!(rows(&pieces.table), expected, "first block {sniff}, chunks of {chunk}");
        }
    }
    let size = bytes.len() as u64;
    for cuts in [vec![0, size / 3, 2 * size / 3], vec![0, size / 2 + 1]] {
        let pieces = range::load_in_ranges(bytes, options, &cuts, 5).unwrap();
        let mut all = Vec::new();
        for (table, _) in &pieces {
            assert_eq!(kinds(table), kinds(&whole.table), "ranges cut at {cuts:?}");
            all.extend(rows(table).as_array().unwrap().iter().cloned());
        }
        assert_eq!(Value::Array(all), expected, "ranges cut at {cuts:?}");
    }
    whole
}

fn load_every_way(bytes: &[u8], options: &IngestOptions) -> Loaded {
    load_every_way_from(bytes, options, 1)
}

fn has_warning(warnings: &[Warning], kind: WarningKind) -> bool {
    warnings.iter().any(|w| w.kind == kind)
}

const KOREAN: &str = "날짜,부서,금액\r\n2024-01-02,영업부,1500\r\n2024-01-03,인사부,2300\r\n2024-01-04,개발부,4100\r\n2024-01-05,\"총무부, 본사\",900\r\n";

#[test]
fn cp949_excel_export_is_detected_and_decoded() {
    let bytes = encode(KOREAN, EUC_KR);
    let loaded = load_every_way(&bytes, &IngestOptions::default());
    assert_eq!((loaded.encoding, loaded.guessed), ("EUC-KR", true));
    assert_eq!(kinds(&loaded.table), [("날짜".into(), "date"), ("부서".into(), "string"), ("금액".into(), "integer")]);
    assert_eq!(rows(&loaded.table)[3], json!({"날짜": "2024-01-05", "부서": "총무부, 본사", "금액": 900}));
    let guess = loaded.warnings.iter().find(|w| w.kind == WarningKind::EncodingGuessed).expect("a guess is a warning");
    assert!(guess.message.contains("EUC-KR (CP949, Korean)"), "{}", guess.message);
    // Named by the caller: no guess, no warning.
    let named = load_chunked(&bytes, &options(r#"{"encoding":"cp949"}"#), 3, 64 * 1024);
    assert_eq!((named.encoding, named.guessed), ("EUC-KR", false));
    assert!(!has_warning(&named.warnings, WarningKind::EncodingGuessed));
    assert_eq!(rows(&named.table), rows(&loaded.table));
}

#[test]
fn windows_1252_is_decoded() {
    let text = "name,price,note\nCafé,5,“quoted” naïve\nCrème brûlée,7,déjà vu\nSmörgåsbord,12,Größe\n";
    let loaded = load_every_way(&encode(text, WINDOWS_1252), &IngestOptions::default());
    assert_eq!(loaded.encoding, "windows-1252");
    assert_eq!(rows(&loaded.table)[0], json!({"name": "Café", "price": 5, "note": "“quoted” naïve"}));
    assert!(!has_warning(&loaded.warnings, WarningKind::InvalidUtf8));
}

#[test]
fn shift_jis_is_decoded() {
    let text = "日付,部署,金額\n2024-01-02,営業部,1500\n2024-01-03,人事部,2300\n2024-01-04,開発部,4100\n2024-01-05,東京都,900\n";
    let loaded = load_every_way(&encode(text, SHIFT_JIS), &IngestOptions::default());
    assert_eq!(loaded.encoding, "Shift_JIS");
    assert_eq!(rows(&loaded.table)[3]["部署"], json!("東京都"));
}

#[test]
fn excel_unicode_text_is_utf16_with_tabs() {
    let text = "이름\t도시\t점수\n김민수\t서울\t90\n😀 emoji\tBusan\t85\n";
    for encoding in [UTF_16LE, UTF_16BE] {
        let loaded = load_every_way(&encode(text, encoding), &IngestOptions::default());
        assert_eq!((loaded.encoding, loaded.guessed), (encoding.name(), false));
        assert_eq!(kinds(&loaded.table)[2], ("점수".into(), "integer"));
        assert_eq!(rows(&loaded.table)[1], json!({"이름": "😀 emoji", "도시": "Busan", "점수": 85}));
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }
    // Without a byte order mark: the NULs give it away (a guess).
    let bare: Vec<u8> = "a\tb\n1\t2\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let loaded = load_chunked(&bare, &IngestOptions::default(), 3, 64 * 1024);
    assert_eq!((loaded.encoding, loaded.guessed), ("UTF-16LE", true));
    assert_eq!(rows(&loaded.table), json!([{"a": 1, "b": 2}]));
}

#[test]
fn utf8_stays_utf8_and_is_not_guessed() {
    let loaded = load_every_way(KOREAN.as_bytes(), &IngestOptions::default());
    assert_eq!((loaded.encoding, loaded.guessed), ("UTF-8", false));
    assert!(loaded.warnings.is_empty());
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), KOREAN.as_bytes()].concat();
    let loaded = load_every_way(&with_bom, &IngestOptions::default());
    assert_eq!(kinds(&loaded.table)[0], ("날짜".into(), "date"));
}

#[test]
fn undecodable_bytes_are_counted_in_a_warning() {
    // 0xFF is no lead byte in CP949.
    let mut bytes = encode(KOREAN, EUC_KR);
    bytes.extend_from_slice(b"2024-01-06,\xFF\xFF,1\n");
    let loaded = load_chunked(&bytes, &options(r#"{"encoding":"cp949"}"#), 4, 64 * 1024);
    let w = loaded.warnings.iter().find(|w| w.kind == WarningKind::Undecodable).expect("warned");
    assert_eq!(w.count, 2);
    assert_eq!(rows(&loaded.table)[4]["부서"], json!("\u{FFFD}\u{FFFD}"));
}

#[test]
fn an_unknown_encoding_is_an_option_error() {
    let err = IngestOptions::from_json(r#"{"encoding":"ebcdic-klingon"}"#).unwrap_err().to_string();
    assert!(err.contains("ebcdic-klingon"), "{err}");
}

// ---- Excel's conventions ----

#[test]
fn a_sep_line_names_the_delimiter_and_is_dropped() {
    let text = "sep=;\r\nname;amount\r\nAnn;1\r\nBob;2\r\nCy;3;extra\r\n";
    let loaded = load_every_way_from(text.as_bytes(), &IngestOptions::default(), text.find("Ann").unwrap());
    assert_eq!(kinds(&loaded.table), [("name".into(), "string"), ("amount".into(), "integer")]);
    assert_eq!(rows(&loaded.table)[1], json!({"name": "Bob", "amount": 2}));
    // Lines are the file's: the ragged row is on line 5.
    let ragged = loaded.warnings.iter().find(|w| w.kind == WarningKind::RaggedRows).unwrap();
    assert_eq!(ragged.lines, [5]);
    // In CP949, with a byte order mark-less guess.
    let bytes = encode("sep=,\n이름,금액\n김,1\n", EUC_KR);
    let loaded = load_every_way_from(&bytes, &IngestOptions::default(), bytes.len() - 5);
    assert_eq!(kinds(&loaded.table)[1], ("금액".into(), "integer"));
}

#[test]
fn excel_null_tokens_are_nulls_by_default() {
    let text = "a,b,c\n1,#N/A,x\nNone,2.5,nan\n3,#DIV/0!,<NA>\n4,NaN,y\n";
    let loaded = load_every_way(text.as_bytes(), &IngestOptions::default());
    assert_eq!(kinds(&loaded.table), [("a".into(), "integer"), ("b".into(), "float"), ("c".into(), "string")]);
    assert_eq!(rows(&loaded.table)[0], json!({"a": 1, "b": null, "c": "x"}));
    assert_eq!(rows(&loaded.table)[1], json!({"a": null, "b": 2.5, "c": null}));
    // NaN stays the float NaN; given null tokens replace the defaults.
    assert_eq!(rows(&loaded.table)[3]["b"], json!("NaN"));
    let loaded = load_chunked(text.as_bytes(), &options(r#"{"nullValues":[""]}"#), 4, 64 * 1024);
    assert_eq!(kinds(&loaded.table)[0], ("a".into(), "string"));
}

#[test]
fn comment_lines_before_the_header_are_skipped_and_said() {
    let text = "# Exported from SAP, 2024-01-02\n# Report: sales\nregion,amount\nNorth,10\nSouth,20,1\n";
    let loaded = load_every_way_from(text.as_bytes(), &IngestOptions::default(), text.find("North").unwrap());
    assert_eq!(kinds(&loaded.table), [("region".into(), "string"), ("amount".into(), "integer")]);
    assert_eq!(loaded.table.num_rows(), 2);
    let comments = loaded.warnings.iter().find(|w| w.kind == WarningKind::CommentLines).unwrap();
    assert_eq!((comments.count, comments.lines.clone()), (2, vec![1, 2]));
    assert_eq!(comments.message, "Lines 1–2 start with # before the header: skipped as comments.");
    let ragged = loaded.warnings.iter().find(|w| w.kind == WarningKind::RaggedRows).unwrap();
    assert_eq!(ragged.lines, [5]);
    // A header whose first name starts with '#' is a header.
    let loaded = load_every_way(b"#,name\n1,a\n2,b\n", &IngestOptions::default());
    assert_eq!(kinds(&loaded.table), [("#".into(), "integer"), ("name".into(), "string")]);
}

#[test]
fn a_header_repeated_mid_file_is_dropped_and_named() {
    let part = "id,name\n1,a\n2,b\n";
    let text = format!("{part}{part}{part}");
    let loaded = load_every_way(text.as_bytes(), &IngestOptions::default());
    assert_eq!(kinds(&loaded.table), [("id".into(), "integer"), ("name".into(), "string")]);
    assert_eq!(loaded.table.num_rows(), 6);
    let w = loaded.warnings.iter().find(|w| w.kind == WarningKind::RepeatedHeader).unwrap();
    assert_eq!((w.count, w.lines.clone()), (2, vec![4, 7]));
    assert_eq!(w.message, "The header appears again (line 4, 7), as in files joined together: those rows were dropped.");
    // Kept on request (the id column is then text).
    let kept = load_chunked(text.as_bytes(), &options(r#"{"keepRepeatedHeaders":true}"#), 5, 64 * 1024);
    assert_eq!(kept.table.num_rows(), 8);
    assert_eq!(kinds(&kept.table)[0], ("id".into(), "string"));
    // Across ranges: every range knows the header.
    let big: String = (0..200).map(|i| if i % 50 == 49 { "id,name\n".to_string() } else { format!("{i},n{i}\n") }).collect();
    let text = format!("id,name\n{big}");
    let size = text.len() as u64;
    let pieces = range::load_in_ranges(text.as_bytes(), &IngestOptions::default(), &[0, size / 3, 2 * size / 3], 64).unwrap();
    let total: usize = pieces.iter().map(|(t, _)| t.num_rows()).sum();
    assert_eq!(total, 196);
    assert!(pieces.iter().all(|(t, _)| kinds(t)[0].1 == "integer"));
}

// ---- Number dialects ----

fn dialect(table: &Table, name: &str) -> Option<String> {
    table.column_infos().into_iter().find(|c| c.name == name).unwrap().dialect
}

#[test]
fn decimal_commas_with_dot_thousands() {
    let text = "name;price;qty\nA;1,5;1.000\nB;1.000,75;2\nC;-2,25;3\nD;;4\nE;3;5\n";
    // "1.000" in qty is a thousand because the first block shows decimal
    // commas elsewhere: the first block must hold the file here.
    let loaded = load_every_way_from(text.as_bytes(), &IngestOptions::default(), text.len());
    assert_eq!(kinds(&loaded.table), [("name".into(), "string"), ("price".into(), "float"), ("qty".into(), "integer")]);
    let prices: Vec<Value> = rows(&loaded.table).as_array().unwrap().iter().map(|r| r["price"].clone()).collect();
    assert_eq!(prices, [json!(1.5), json!(1000.75), json!(-2.25), Value::Null, json!(3.0)]);
    // "1.000" in a column of decimal commas is a thousand.
    assert_eq!(rows(&loaded.table)[0]["qty"], json!(1000));
    assert_eq!(dialect(&loaded.table, "price").as_deref(), Some("decimal comma"));
    assert_eq!(dialect(&loaded.table, "qty").as_deref(), Some("decimal comma"));
    assert_eq!(dialect(&loaded.table, "name"), None);
}

#[test]
fn a_column_takes_its_format_from_the_whole_stream() {
    // Plain integers for two batches, then a decimal comma: the integers
    // read the same, the column becomes float with decimal commas.
    let mut text = String::from("id;v\n");
    for i in 0..3000 {
        text.push_str(&format!("{i};{i}\n"));
    }
    text.push_str("3000;2,5\n");
    let loaded = load_chunked(text.as_bytes(), &options(r#"{"batchRows":1000}"#), 4096, 64);
    assert_eq!(kinds(&loaded.table)[1], ("v".into(), "float"));
    assert_eq!(rows(&loaded.table)[3000]["v"], json!(2.5));
    assert_eq!(rows(&loaded.table)[2999]["v"], json!(2999.0));
    assert_eq!(dialect(&loaded.table, "v").as_deref(), Some("decimal comma"));
    // Plain decimals, then a decimal comma: written two ways, the column is text.
    let text = format!("id;v\n{}9;2,5\n", (0..3000).map(|i| format!("{i};{i}.5\n")).collect::<String>());
    let loaded = load_chunked(text.as_bytes(), &options(r#"{"batchRows":1000}"#), 4096, 64);
    assert_eq!(kinds(&loaded.table)[1], ("v".into(), "string"));
    assert_eq!(rows(&loaded.table)[3000]["v"], json!("2,5"));
}

#[test]
fn quoted_thousands_in_a_comma_file() {
    let text = "item,amount,ratio\nA,\"1,234\",\"1,234.5\"\nB,\"12,345,678\",0.5\nC,17,2\n";
    let loaded = load_every_way(text.as_bytes(), &IngestOptions::default());
    assert_eq!(kinds(&loaded.table), [("item".into(), "string"), ("amount".into(), "integer"), ("ratio".into(), "float")]);
    let amounts: Vec<Value> = rows(&loaded.table).as_array().unwrap().iter().map(|r| r["amount"].clone()).collect();
    assert_eq!(amounts, [json!(1234), json!(12_345_678), json!(17)]);
    assert_eq!(rows(&loaded.table)[0]["ratio"], json!(1234.5));
    assert_eq!(dialect(&loaded.table, "amount").as_deref(), Some("thousands comma"));
    // Grouped neither way (Indian lakhs): text. (Not through ranges: a
    // range holding only "1,234" reads a number, which the text column then
    // shows as "1234": a known limit.)
    let loaded = load_chunked(b"a,b\n\"12,34,567\",1\n\"1,234\",2\n", &IngestOptions::default(), 3, 64 * 1024);
    assert_eq!(kinds(&loaded.table)[0], ("a".into(), "string"));
    assert_eq!(rows(&loaded.table)[1]["a"], json!("1,234"));
}

#[test]
fn ranges_agree_on_the_format() {
    // The decimal comma shows only past the first third of the file: the
    // ranges before it hold plain integers, which read the same.
    let mut text = String::from("k;v\n");
    for i in 0..300 {
        text.push_str(&format!("{i};{}\n", if i >= 250 { format!("{i},5") } else { i.to_string() }));
    }
    let size = text.len() as u64;
    let pieces = range::load_in_ranges(text.as_bytes(), &IngestOptions::default(), &[0, size / 3, 2 * size / 3], 64).unwrap();
    for (table, _) in &pieces {
        assert_eq!(kinds(table)[1], ("v".into(), "float"));
        assert_eq!(dialect(table, "v").as_deref(), Some("decimal comma"));
    }
    let last = rows(&pieces[2].0);
    assert_eq!(last.as_array().unwrap().last().unwrap()["v"], json!(299.5));
    // Plain decimals in one range, decimal commas in another: text everywhere.
    let mut text = String::from("k;v\n");
    for i in 0..300 {
        text.push_str(&format!("{i};{}\n", if i >= 250 { format!("{i},5") } else { format!("{i}.5") }));
    }
    let size = text.len() as u64;
    let pieces = range::load_in_ranges(text.as_bytes(), &IngestOptions::default(), &[0, size / 3, 2 * size / 3], 64).unwrap();
    for (table, _) in &pieces {
        assert_eq!(kinds(table)[1], ("v".into(), "string"));
        assert_eq!(dialect(table, "v"), None);
    }
}

// ---- Date dialects ----

fn column(table: &Table, name: &str) -> Vec<Value> {
    rows(table).as_array().unwrap().iter().map(|r| r[name].clone()).collect()
}

#[test]
fn month_first_and_day_first_dates_are_decided_by_the_values() {
    let us = "d,n\n12/31/2024,1\n1/2/2024,2\n02/03/2024,3\n";
    let loaded = load_every_way(us.as_bytes(), &IngestOptions::default());
    assert_eq!(kinds(&loaded.table)[0], ("d".into(), "date"));
    assert_eq!(column(&loaded.table, "d"), [json!("2024-12-31"), json!("2024-01-02"), json!("2024-02-03")]);
    assert_eq!(dialect(&loaded.table, "d").as_deref(), Some("month-first dates"));
    let eu = "d;n\n13/02/2024;1\n1/2/2024;2\n";
    let loaded = load_every_way(eu.as_bytes(), &IngestOptions::default());
    assert_eq!(column(&loaded.table, "d"), [json!("2024-02-13"), json!("2024-02-01")]);
    assert_eq!(dialect(&loaded.table, "d").as_deref(), Some("day-first dates"));
    let dotted = "d;n\n31.12.2024;1\n01.02.2024;2\n";
    let loaded = load_every_way(dotted.as_bytes(), &IngestOptions::default());
    assert_eq!(column(&loaded.table, "d"), [json!("2024-12-31"), json!("2024-02-01")]);
}

#[test]
fn an_ambiguous_column_says_which_order_was_picked() {
    // Every day and month at most 12: month first in a comma file…
    let loaded = load_every_way(b"d,n\n01/02/2024,1\n03/04/2024,2\n", &IngestOptions::default());
    assert_eq!(column(&loaded.table, "d"), [json!("2024-01-02"), json!("2024-03-04")]);
    assert_eq!(dialect(&loaded.table, "d").as_deref(), Some("month-first dates (ambiguous: picked, no day above 12)"));
    // …day first in a semicolon file.
    let loaded = load_every_way(b"d;n\n01/02/2024;1\n03/04/2024;2\n", &IngestOptions::default());
    assert_eq!(column(&loaded.table, "d"), [json!("2024-02-01"), json!("2024-04-03")]);
    assert!(dialect(&loaded.table, "d").unwrap().starts_with("day-first dates (ambiguous"));
}

#[test]
fn a_user_picks_the_date_order_of_a_column() {
    // The ambiguous comma file of the test above, read day first on request:
    // decided, so no "(ambiguous …)", in every chunking and in ranges.
    let picked = options(r#"{"dateOrders":{"d":"dayFirst"}}"#);
    let loaded = load_every_way(b"d,n\n01/02/2024,1\n03/04/2024,2\n", &picked);
    assert_eq!(column(&loaded.table, "d"), [json!("2024-02-01"), json!("2024-04-03")]);
    assert_eq!(dialect(&loaded.table, "d").as_deref(), Some("day-first dates"));
    // Month first in a semicolon file (where the guess is day first).
    let loaded = load_every_way(b"d;n\n01/02/2024;1\n03/04/2024;2\n", &options(r#"{"dateOrders":{"d":"monthFirst"}}"#));
    assert_eq!(column(&loaded.table, "d"), [json!("2024-01-02"), json!("2024-03-04")]);
    assert_eq!(dialect(&loaded.table, "d").as_deref(), Some("month-first dates"));
    // A date that does not read in the picked order makes the column text;
    // other columns are not touched.
    let loaded = load_chunked(b"d,e\n01/02/2024,01/02/2024\n13/01/2024,13/01/2024\n", &options(r#"{"dateOrders":{"d":"monthFirst"}}"#), 5, 64 * 1024);
    assert_eq!(kinds(&loaded.table), [("d".into(), "string"), ("e".into(), "date")]);
    // A column that is not in the file, or an order that is not one.
    let error = Ingest::new(options(r#"{"dateOrders":{"x":"dayFirst"}}"#)).and_then(|mut i| i.push(b"d\n01/02/2024\n").and_then(|_| i.finish()));
    assert!(matches!(error, Err(QuiverError::UnknownColumn(ref c)) if c == "x"), "{error:?}");
    let error = IngestOptions::from_json(r#"{"dateOrders":{"d":"iso"}}"#).unwrap_err();
    assert!(error.to_string().contains("dayFirst"), "{error}");
}

#[test]
fn a_user_picks_the_number_format_of_a_column() {
    // `1,234` in a `;` file reads as a decimal comma (1.234); the user says
    // the column writes thousands: 1234 and 5678.5, decided, in every
    // chunking and in ranges.
    let file = b"p;q\n1,234;1,5\n5,678.5;2,5\n";
    let guessed = load_every_way(b"p;q\n1,234;1,5\n", &options("{}"));
    assert_eq!(column(&guessed.table, "p"), [json!(1.234)]);
    let picked = load_every_way(file, &options(r#"{"numberFormats":{"p":"thousandsComma"}}"#));
    assert_eq!(column(&picked.table, "p"), [json!(1234.0), json!(5678.5)]);
    assert_eq!(dialect(&picked.table, "p").as_deref(), Some("thousands comma"));
    // The other column is read as before.
    assert_eq!(column(&picked.table, "q"), [json!(1.5), json!(2.5)]);
    assert_eq!(dialect(&picked.table, "q").as_deref(), Some("decimal comma"));
    // Plain: no value switches the column to another format, so `1,5`
    // (a number only in another format) makes it text, as written.
    let plain = load_every_way(b"p,n\n7,1\n\"1,5\",2\n", &options(r#"{"numberFormats":{"p":"plain"}}"#));
    assert_eq!(kinds(&plain.table)[0], ("p".into(), "string"));
    assert_eq!(column(&plain.table, "p"), [json!("7"), json!("1,5")]);
    let guessed = load_every_way(b"p,n\n7,1\n\"1,5\",2\n", &options("{}"));
    assert_eq!(column(&guessed.table, "p"), [json!(7.0), json!(1.5)], "without the option the column switches");
    // Decimal comma in a `,` file (where `1,234` would be thousands).
    let comma = load_every_way(b"p,n\n\"1,234\",1\n", &options(r#"{"numberFormats":{"p":"decimalComma"}}"#));
    assert_eq!(column(&comma.table, "p"), [json!(1.234)]);
    // A column that is not in the file, or a format that is not one.
    let error = Ingest::new(options(r#"{"numberFormats":{"x":"plain"}}"#)).and_then(|mut i| i.push(b"p\n1\n").and_then(|_| i.finish()));
    assert!(matches!(error, Err(QuiverError::UnknownColumn(ref c)) if c == "x"), "{error:?}");
    let error = IngestOptions::from_json(r#"{"numberFormats":{"p":"european"}}"#).unwrap_err();
    assert!(error.to_string().contains("decimalComma"), "{error}");
}

#[test]
fn a_late_deciding_date_swaps_the_undecided_ones() {
    // Two batches of ambiguous dates read month first, then 13/01/2024:
    // day first after all, the earlier dates swap.
    let mut text = String::from("d,n\n");
    for i in 0..2000 {
        text.push_str(&format!("{:02}/{:02}/2024,{i}\n", i % 12 + 1, i % 9 + 1));
    }
    text.push_str("13/01/2024,2000\n");
    let loaded = load_chunked(text.as_bytes(), &options(r#"{"batchRows":500}"#), 4096, 64);
    assert_eq!(kinds(&loaded.table)[0], ("d".into(), "date"));
    let d = column(&loaded.table, "d");
    assert_eq!(d[0], json!("2024-01-01"));
    assert_eq!(d[1], json!("2024-02-02"));
    assert_eq!(d[10], json!("2024-02-11"), "11/02/2024 is the 11th of February");
    assert_eq!(d[2000], json!("2024-01-13"));
    assert_eq!(dialect(&loaded.table, "d").as_deref(), Some("day-first dates"));
    // Through ranges: the ranges that only picked swap to the decided order.
    let size = text.len() as u64;
    let pieces = range::load_in_ranges(text.as_bytes(), &IngestOptions::default(), &[0, size / 3, 2 * size / 3], 4096).unwrap();
    let all: Vec<Value> = pieces.iter().flat_map(|(t, _)| column(t, "d")).collect();
    assert_eq!(all, d);
    // Once decided, a value in the other order makes the column text.
    let loaded = load_chunked(b"d\n13/01/2024\n01/13/2024\n", &IngestOptions::default(), 3, 64 * 1024);
    assert_eq!(kinds(&loaded.table)[0], ("d".into(), "string"));
}

#[test]
fn times_with_am_pm_are_timestamps() {
    let text = "when,v\n12/31/2024 3:04 PM,1\n1/2/2024 12:00 AM,2\n1/2/2024 11:59:30 am,3\n";
    let loaded = load_every_way(text.as_bytes(), &IngestOptions::default());
    assert_eq!(kinds(&loaded.table)[0], ("when".into(), "timestamp"));
    assert_eq!(column(&loaded.table, "when"), [json!("2024-12-31T15:04:00"), json!("2024-01-02T00:00:00"), json!("2024-01-02T11:59:30")]);
    let iso = "when\n2024-01-02 3:04 PM\n2024-01-02 10:00:00\n";
    let loaded = load_every_way(iso.as_bytes(), &IngestOptions::default());
    assert_eq!(column(&loaded.table, "when"), [json!("2024-01-02T15:04:00"), json!("2024-01-02T10:00:00")]);
}

// ---- Everything at once ----

#[test]
fn cp949_semicolons_decimal_commas_and_day_first_dates() {
    let text = "sep=;\r\n날짜;부서;금액;비율\r\n13.02.2024;영업부;1.234,50;#N/A\r\n01.03.2024;인사부;2.000;0,25\r\n05.03.2024;개발부;-17,5;1\r\n";
    let bytes = encode(text, EUC_KR);
    let loaded = load_every_way_from(&bytes, &IngestOptions::default(), bytes.len());
    assert_eq!((loaded.encoding, loaded.guessed), ("EUC-KR", true));
    assert_eq!(
        kinds(&loaded.table),
        [("날짜".into(), "date"), ("부서".into(), "string"), ("금액".into(), "float"), ("비율".into(), "float")]
    );
    assert_eq!(
        rows(&loaded.table),
        json!([
            {"날짜": "2024-02-13", "부서": "영업부", "금액": 1234.5, "비율": null},
            {"날짜": "2024-03-01", "부서": "인사부", "금액": 2000.0, "비율": 0.25},
            {"날짜": "2024-03-05", "부서": "개발부", "금액": -17.5, "비율": 1.0},
        ])
    );
    assert_eq!(dialect(&loaded.table, "날짜").as_deref(), Some("day-first dates"));
    assert_eq!(dialect(&loaded.table, "금액").as_deref(), Some("decimal comma"));
}

// ---- The corpus on disk (tests/data/dialects, also loaded in the browser
// by tests/e2e/dialects.test.mjs) ----

#[test]
fn the_corpus_reads_as_expected() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dialects");
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    for (name, want) in expected.as_object().unwrap() {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        // The whole file is the first block here (as a 64 KB block holds it).
        let loaded = load_every_way_from(&bytes, &IngestOptions::default(), bytes.len());
        assert_eq!(json!(loaded.encoding), want["encoding"], "{name}");
        assert_eq!(json!(loaded.guessed), want["guessed"], "{name}");
        let schema: Vec<Value> =
            loaded.table.column_infos().into_iter().map(|c| json!([c.name, c.kind, c.dialect])).collect();
        assert_eq!(Value::Array(schema), want["schema"], "{name}");
        assert_eq!(rows(&loaded.table), want["rows"], "{name}");
        let kinds: Vec<Value> = loaded.warnings.iter().map(|w| serde_json::to_value(w.kind).unwrap()).collect();
        assert_eq!(Value::Array(kinds), want["warnings"], "{name}: {:?}", loaded.warnings);
    }
}
