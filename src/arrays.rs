//! The row-moving kernels under the path the ingest and the table import
//! them from; they live in [`crate::kernels::select`] (with the measurement
//! that chose them over arrow-select's).

pub use crate::kernels::select::{concat, concat_batches, decode_dictionary, filter_record_batch, take, take_record_batch};
