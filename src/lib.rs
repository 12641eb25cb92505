//! Quiver: an in-browser data engine. CSV files stream in chunks into Apache
//! Arrow arrays in WebAssembly memory, where they are paged and aggregated
//! locally.
//!
//! The core (everything but [`wasm`]) knows nothing of the browser and is
//! tested with plain `cargo test`:
//! - [`ingest`]: bytes → Arrow (csv-core parsing, type inference, columns);
//! - [`table`]: the loaded table, its memory and its slices;
//! - [`rows`]: rows as JSON-safe values for JS;
//! - [`export`]: Arrow IPC bytes;
//! - [`format`]: the text forms of dates, timestamps and floats.
//!
//! [`wasm`] is the thin `#[wasm_bindgen]` layer: JS values in, core types
//! through, `Error`s out.

pub mod api;
pub mod arrays;
pub mod calendar;
pub mod engine;
pub mod error;
pub mod export;
pub mod format;
pub mod ingest;
pub mod kernels;
pub mod lifecycle;
pub mod plan;
pub mod query;
pub mod rows;
pub mod table;
pub mod walker;
pub mod warm_up;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use engine::QueryEngine;
pub use error::{QuiverError, Result};
pub use ingest::{ColumnKind, Ingest, IngestOptions};
pub use table::Table;
