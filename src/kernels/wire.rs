//! Record batches as bytes, for the partial results that cross between the
//! wasm instances of a sharded dataset (`api::sharded`): a JSON header (the
//! schema with its metadata, each field's type as arrow's own text, and the
//! layout of every array: length, offset, null bitmap and buffer sizes,
//! children) followed by the arrays' buffers, copied as they are.
//!
//! Why not Arrow IPC, the standard for this: its reader is 190 KB of the
//! gzipped wasm (measured on this crate, 2026-11-29: 1,070,550 bytes without
//! `arrow_ipc::reader::StreamReader`, 1,260,219 with it), a fifth of the 1 MB
//! budget, for bytes that only ever go from one instance of this same build to
//! another. This codec reuses what the build already links: `ArrayData`'s
//! validation when decoding, `DataType`'s `Display` and `FromStr`, and
//! serde_json. Exports and the JS API still speak Arrow IPC (its writer).
//!
//! What must change together: nothing outside; the format is private to one
//! build (both ends run the same wasm). `tests` round-trips every type the
//! partial results hold (and sliced arrays, dictionaries, lists, nulls).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{make_array, Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};

use crate::error::{QuiverError, Result};

#[derive(Serialize, Deserialize)]
struct Header {
    rows: usize,
    metadata: HashMap<String, String>,
    fields: Vec<FieldHeader>,
    arrays: Vec<Node>,
}

#[derive(Serialize, Deserialize)]
struct FieldHeader {
    name: String,
    data_type: String,
    nullable: bool,
    metadata: HashMap<String, String>,
}

/// One array's layout; its buffers follow in the body, in depth-first order
/// (the null bitmap first, then the buffers, then the children's).
#[derive(Serialize, Deserialize)]
struct Node {
    data_type: String,
    len: usize,
    offset: usize,
    /// The null bitmap: (bit offset, byte length).
    nulls: Option<(usize, usize)>,
    buffers: Vec<usize>,
    children: Vec<Node>,
}

/// `batch` as bytes: the header's length (u32, little-endian), the header,
/// the buffers.
pub fn encode(batch: &RecordBatch) -> Result<Vec<u8>> {
    let schema = batch.schema();
    let mut body = Vec::new();
    let arrays = batch.columns().iter().map(|a| node(&a.to_data(), &mut body)).collect();
    let header = Header {
        rows: batch.num_rows(),
        metadata: schema.metadata().iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        fields: schema
            .fields()
            .iter()
            .map(|f| FieldHeader {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                nullable: f.is_nullable(),
                metadata: f.metadata().iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            })
            .collect(),
        arrays,
    };
    let header = serde_json::to_vec(&header).map_err(|e| QuiverError::InvalidQuery(format!("a partial result's header: {e}")))?;
    let mut out = Vec::with_capacity(4 + header.len() + body.len());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&body);
    Ok(out)
}

fn node(data: &ArrayData, body: &mut Vec<u8>) -> Node {
    let nulls = data.nulls().map(|n| {
        let bytes = n.buffer().as_slice();
        body.extend_from_slice(bytes);
        (n.offset(), bytes.len())
    });
    let buffers = data
        .buffers()
        .iter()
        .map(|b| {
            body.extend_from_slice(b.as_slice());
            b.len()
        })
        .collect();
    let children = data.child_data().iter().map(|c| node(c, body)).collect();
    Node { data_type: data.data_type().to_string(), len: data.len(), offset: data.offset(), nulls, buffers, children }
}

/// The batch [`encode`] wrote; any other bytes are an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<RecordBatch> {
    let broken = |what: &str| QuiverError::InvalidQuery(format!("a shard's partial result is not readable ({what})"));
    let (length, rest) = bytes.split_first_chunk::<4>().ok_or_else(|| broken("too short"))?;
    let length = u32::from_le_bytes(*length) as usize;
    if rest.len() < length {
        return Err(broken("a cut header"));
    }
    let (header, mut body) = rest.split_at(length);
    let header: Header = serde_json::from_slice(header).map_err(|e| broken(&e.to_string()))?;
    if header.fields.len() != header.arrays.len() {
        return Err(broken("fields and arrays differ"));
    }
    let fields = header
        .fields
        .iter()
        .map(|f| Ok(Field::new(&f.name, data_type(&f.data_type)?, f.nullable).with_metadata(f.metadata.clone())))
        .collect::<Result<Vec<_>>>()?;
    let columns = header.arrays.iter().map(|n| array(n, &mut body)).collect::<Result<Vec<ArrayRef>>>()?;
    let schema = Arc::new(Schema::new_with_metadata(fields, header.metadata));
    let options = RecordBatchOptions::new().with_row_count(Some(header.rows));
    Ok(RecordBatch::try_new_with_options(schema, columns, &options)?)
}

fn data_type(text: &str) -> Result<DataType> {
    text.parse().map_err(|e| QuiverError::InvalidQuery(format!("a shard's partial result has an unknown type {text:?}: {e}")))
}

fn take<'a>(body: &mut &'a [u8], len: usize) -> Result<&'a [u8]> {
    if body.len() < len {
        return Err(QuiverError::InvalidQuery("a shard's partial result is not readable (a cut body)".into()));
    }
    let (head, rest) = body.split_at(len);
    *body = rest;
    Ok(head)
}

fn array(node: &Node, body: &mut &[u8]) -> Result<ArrayRef> {
    Ok(make_array(array_data(node, body)?))
}

fn array_data(node: &Node, body: &mut &[u8]) -> Result<ArrayData> {
    let nulls = match node.nulls {
        Some((bit_offset, bytes)) => {
            let buffer = Buffer::from(take(body, bytes)?);
            // The bitmap covers the array's own rows (its offset is applied).
            if bit_offset + node.len > bytes * 8 {
                return Err(QuiverError::InvalidQuery("a shard's partial result is not readable (a short null bitmap)".into()));
            }
            Some(NullBuffer::new(BooleanBuffer::new(buffer, bit_offset, node.len)))
        }
        None => None,
    };
    let buffers = node.buffers.iter().map(|&len| Ok(Buffer::from(take(body, len)?))).collect::<Result<Vec<_>>>()?;
    let children = node.children.iter().map(|c| array_data(c, body)).collect::<Result<Vec<_>>>()?;
    // `build` validates offsets, lengths and dictionary keys: bytes from
    // elsewhere cannot make an array that reads out of bounds.
    Ok(ArrayData::builder(data_type(&node.data_type)?)
        .len(node.len)
        .offset(node.offset)
        .nulls(nulls)
        .buffers(buffers)
        .child_data(children)
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{ListBuilder, StringDictionaryBuilder, UInt64Builder};
    use arrow_array::types::Int8Type;
    use arrow_array::{BooleanArray, Date32Array, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray, UInt64Array};

    fn batch() -> RecordBatch {
        let mut dict = StringDictionaryBuilder::<Int8Type>::new();
        for v in [Some("North"), None, Some(""), Some("Öst"), Some("North")] {
            dict.append_option(v);
        }
        let mut list = ListBuilder::new(UInt64Builder::new());
        list.values().append_value(1);
        list.values().append_value(2);
        list.append(true);
        list.append(false);
        list.append(true);
        list.values().append_value(7);
        list.append(true);
        list.append(true);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![Some(i64::MIN), None, Some(0), Some(-1), Some(i64::MAX)])),
            Arc::new(Float64Array::from(vec![Some(f64::NAN), Some(-0.0), None, Some(f64::INFINITY), Some(1.5)])),
            Arc::new(StringArray::from(vec![Some("a,b"), Some(""), None, Some("中文"), Some("\"q\"")])),
            Arc::new(dict.finish()),
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false), Some(true), None])),
            Arc::new(Date32Array::from(vec![Some(-1), Some(0), None, Some(19_000), Some(2_932_896)])),
            Arc::new(TimestampMicrosecondArray::from(vec![Some(0), None, Some(-5), Some(1), Some(2)]).with_timezone("UTC")),
            Arc::new(list.finish()),
            Arc::new(UInt64Array::from(vec![0, 1, 2, 3, u64::MAX])),
        ];
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true).with_metadata(HashMap::from([("quiver.state".into(), format!("{i} float"))])))
            .collect();
        let schema = Schema::new_with_metadata(fields, HashMap::from([("quiver.rows".to_string(), "12".to_string())]));
        RecordBatch::try_new(Arc::new(schema), columns).unwrap()
    }

    #[test]
    fn every_type_a_partial_result_holds_round_trips() {
        let batch = batch();
        assert_eq!(decode(&encode(&batch).unwrap()).unwrap(), batch);
        // Sliced arrays (offsets into shared buffers) and empty batches.
        for (offset, len) in [(1, 3), (4, 1), (0, 0), (5, 0)] {
            let slice = batch.slice(offset, len);
            assert_eq!(decode(&encode(&slice).unwrap()).unwrap(), slice, "{offset}+{len}");
        }
        // A batch without columns keeps its row count.
        let empty = RecordBatch::try_new_with_options(Arc::new(Schema::empty()), vec![], &RecordBatchOptions::new().with_row_count(Some(3))).unwrap();
        assert_eq!(decode(&encode(&empty).unwrap()).unwrap().num_rows(), 3);
    }

    #[test]
    fn other_bytes_are_an_error_not_a_panic() {
        let bytes = encode(&batch()).unwrap();
        for cut in [0, 3, 4, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode(b"not arrow at all").is_err());
        // A header that lies about lengths: validation refuses it.
        let text = String::from_utf8_lossy(&bytes[4..4 + u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize]).into_owned();
        let lying = text.replacen("\"len\":5", "\"len\":500", 1);
        let mut forged = (lying.len() as u32).to_le_bytes().to_vec();
        forged.extend_from_slice(lying.as_bytes());
        forged.extend_from_slice(&bytes[4 + text.len()..]);
        assert!(decode(&forged).is_err());
    }
}
