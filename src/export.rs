//! Tables out of the engine: Arrow IPC stream bytes, which apache-arrow JS
//! (`tableFromIPC`) and every other Arrow implementation read.

use arrow_array::RecordBatch;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;

use crate::error::Result;

/// `batches` (all of `schema`) as one Arrow IPC stream. A dictionary shared by
/// several batches is written once.
pub fn ipc_stream(schema: &Schema, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let mut writer = StreamWriter::try_new(Vec::new(), schema)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()?;
    Ok(writer.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Ingest, IngestOptions};
    use arrow_ipc::reader::StreamReader;

    #[test]
    fn round_trip_through_ipc() {
        let mut ingest = Ingest::new(IngestOptions { batch_rows: 2, ..Default::default() }).unwrap();
        ingest.push(b"city,n,when\nOslo,1,2024-01-01\nLima,2,\nOslo,3,2024-03-01\n").unwrap();
        let table = ingest.finish().unwrap();
        let bytes = ipc_stream(table.schema(), table.batches()).unwrap();
        let reader = StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
        assert_eq!(batches[0].schema(), *table.schema());
        assert_eq!(batches, table.batches());
    }
}
