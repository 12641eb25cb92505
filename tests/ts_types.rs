//! The TypeScript types the wasm package declares (`src/wasm/mod.rs`, the
//! `typescript_custom_section`) against the Rust types they describe: every
//! interface has exactly the fields its Rust struct reads or writes, under
//! the same names, and a field TypeScript calls required is always there.
//! The TypeScript is written by hand (issue 12 asks for it to be derived;
//! not done yet), so this is what keeps `js/` from drifting from the engine:
//! adding a field to a spec or an option without declaring it fails here.
//!
//! Field names of a struct come from its `Deserialize` (the names serde
//! accepts, after `rename_all`), read by a deserializer that only records
//! them; of an output struct, from real values serialised.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use serde::de::{self, Deserialize, Visitor};
use serde_json::Value;

/// The TypeScript block, as the wasm package declares it.
fn declarations() -> String {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/wasm/mod.rs")).unwrap();
    let start = source.find("const TYPES: &'static str = r#\"").expect("the TypeScript section");
    let end = source[start..].find("\"#;").unwrap();
    source[start..start + end].to_string()
}

/// The fields of `export interface name { … }`: each name and whether it is
/// optional (`name?:`). Comments are skipped; nested object types are one field.
fn interface(name: &str) -> Vec<(String, bool)> {
    let text = declarations();
    let head = format!("export interface {name} {{");
    let start = text.find(&head).unwrap_or_else(|| panic!("no interface {name}")) + head.len();
    let mut depth = 1;
    let mut body = String::new();
    let mut chars = text[start..].chars().peekable();
    let mut in_comment = false;
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                in_comment = false;
            }
            continue;
        }
        if c == '/' && chars.peek() == Some(&'*') {
            in_comment = true;
            continue;
        }
        match c {
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            break;
        }
        // Fields at the top level only: nested braces become one token.
        body.push(if depth == 1 { c } else { ' ' });
    }
    body.split([';', '\n'])
        .filter_map(|line| {
            let line = line.trim();
            let colon = line.find(':')?;
            let field = line[..colon].trim();
            let (field, optional) = match field.strip_suffix('?') {
                Some(f) => (f, true),
                None => (field, false),
            };
            (!field.is_empty() && field.chars().all(|c| c.is_alphanumeric() || c == '_')).then(|| (field.to_string(), optional))
        })
        .collect()
}

fn names(fields: &[(String, bool)]) -> BTreeSet<String> {
    fields.iter().map(|(f, _)| f.clone()).collect()
}

/// The field names a struct's `Deserialize` accepts.
fn accepted_fields<'de, T: Deserialize<'de>>() -> BTreeSet<String> {
    struct Capture(Vec<&'static str>);
    #[derive(Debug)]
    struct Done;
    impl std::fmt::Display for Done {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("done")
        }
    }
    impl std::error::Error for Done {}
    impl de::Error for Done {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Done
        }
    }
    impl<'de> de::Deserializer<'de> for &mut Capture {
        type Error = Done;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Done> {
            Err(Done)
        }
        fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], _: V) -> Result<V::Value, Done> {
            self.0 = fields.to_vec();
            Err(Done)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut capture = Capture(Vec::new());
    let _ = T::deserialize(&mut capture);
    assert!(!capture.0.is_empty(), "{} is not a struct with fields", std::any::type_name::<T>());
    capture.0.iter().map(|f| f.to_string()).collect()
}

/// The interface declares exactly the fields the struct accepts.
fn same_fields<'de, T: Deserialize<'de>>(ts: &str) {
    let declared = names(&interface(ts));
    let accepted = accepted_fields::<T>();
    assert_eq!(declared, accepted, "TypeScript {ts} (left) against Rust {} (right)", std::any::type_name::<T>());
}

/// Every key of `value` is declared, and every required field is present.
fn declared_output(ts: &str, value: &Value) {
    let fields = interface(ts);
    let keys: BTreeSet<String> = value.as_object().unwrap().keys().cloned().collect();
    let declared = names(&fields);
    assert!(keys.is_subset(&declared), "{ts}: {:?} not declared", keys.difference(&declared).collect::<Vec<_>>());
    let required: BTreeSet<String> = fields.iter().filter(|(_, optional)| !optional).map(|(f, _)| f.clone()).collect();
    assert!(required.is_subset(&keys), "{ts}: {:?} declared required but missing", required.difference(&keys).collect::<Vec<_>>());
}

#[test]
fn specs_and_options_declare_exactly_the_fields_the_engine_reads() {
    use quiver::api::spec;
    same_fields::<quiver::IngestOptions>("IngestOptions");
    same_fields::<spec::PageSpec>("PageSpec");
    same_fields::<spec::AggregateSpec>("AggregateSpec");
    same_fields::<spec::Aggregate>("Aggregate");
    same_fields::<spec::SortKey>("SortKey");
    same_fields::<spec::ProfileSpec>("ProfileSpec");
    same_fields::<spec::ExportSpec>("ExportSpec");
    same_fields::<spec::PipelineSpec>("PipelineSpec");
    same_fields::<quiver::api::sharded_pages::WindowSpec>("WindowSpec");
    same_fields::<quiver::ingest::range::Layout>("Layout");
    same_fields::<quiver::ingest::range::RangeReport>("RangeReport");
    same_fields::<quiver::ingest::infer::Dialect>("Dialect");
    same_fields::<quiver::ingest::range::ColumnSummary>("ColumnSummary");
    same_fields::<quiver::ingest::warnings::WarningLog>("WarningLog");
}

#[test]
fn answers_declare_every_field_they_carry() {
    let mut ingest = quiver::Ingest::new(quiver::IngestOptions::default()).unwrap();
    ingest.push(b"n;p;d\n1;1,5;2024-01-02\n2;x;\n3\n").unwrap();
    let table = ingest.finish().unwrap();
    for column in table.column_infos() {
        declared_output("ColumnInfo", &serde_json::to_value(&column).unwrap());
    }
    let warnings = ingest.warnings();
    assert!(!warnings.is_empty());
    for warning in &warnings {
        declared_output("IngestWarning", &serde_json::to_value(warning).unwrap());
    }
    let progress = quiver::lifecycle::Progress { bytes_read: 10, total_bytes: Some(20), rows: 2 };
    declared_output("LoadProgress", &serde_json::to_value(progress).unwrap());
    let engine = quiver::QueryEngine::new(&table).unwrap();
    let profiles = engine.profile(&quiver::api::spec::from_json("profile", "{}").unwrap()).unwrap();
    for profile in &profiles {
        declared_output("ColumnProfile", &serde_json::to_value(profile).unwrap());
    }
}
