//! One dictionary of distinct strings per text column, shared by all of the
//! column's batches, so that a key means the same string in every batch (and
//! group-by can work on keys alone).

use std::hash::BuildHasher;
use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use hashbrown::{DefaultHashBuilder, HashTable};

use crate::error::Result;

#[derive(Default)]
pub struct GlobalDictionary {
    /// Indexes into `offsets`, hashed by the string they stand for.
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    offsets: Vec<i32>,
    bytes: Vec<u8>,
    /// The values as an Arrow array; rebuilt only after new strings arrive.
    snapshot: Option<ArrayRef>,
}

impl GlobalDictionary {
    pub fn new() -> Self {
        GlobalDictionary { offsets: vec![0], ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes held: the strings, their offsets and the hash table.
    pub fn memory_bytes(&self) -> usize {
        self.bytes.capacity() + 4 * self.offsets.capacity() + 4 * self.table.capacity()
    }

    /// The key of `value`, adding it if new. `value` must be valid UTF-8
    /// (the caller has checked it; [`Self::values`] relies on it).
    pub fn intern(&mut self, value: &[u8]) -> i32 {
        let GlobalDictionary { table, hasher, offsets, bytes, snapshot } = self;
        let text_of = |index: u32| &bytes[offsets[index as usize] as usize..offsets[index as usize + 1] as usize];
        let hash = hasher.hash_one(value);
        if let Some(&index) = table.find(hash, |&index| text_of(index) == value) {
            return index as i32;
        }
        let index = (offsets.len() - 1) as u32;
        bytes.extend_from_slice(value);
        offsets.push(bytes.len() as i32);
        let rehash = |&index: &u32| {
            let (start, end) = (offsets[index as usize] as usize, offsets[index as usize + 1] as usize);
            hasher.hash_one(&bytes[start..end])
        };
        table.insert_unique(hash, index, rehash);
        *snapshot = None;
        index as i32
    }

    /// All values so far, key order, as a Utf8 array.
    pub fn values(&mut self) -> Result<ArrayRef> {
        if let Some(snapshot) = &self.snapshot {
            return Ok(snapshot.clone());
        }
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets.clone()));
        let values = Buffer::from_slice_ref(&self.bytes);
        // Only valid UTF-8 is interned; `try_new` checks it again (over the
        // distinct values only): a bug there is an error, not a panic.
        let array: ArrayRef = Arc::new(StringArray::try_new(offsets, values, None)?);
        self.snapshot = Some(array.clone());
        Ok(array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn keys_are_stable_and_values_in_key_order() {
        let mut d = GlobalDictionary::new();
        assert_eq!(d.intern(b"b"), 0);
        assert_eq!(d.intern(b"a"), 1);
        assert_eq!(d.intern(b"b"), 0);
        assert_eq!(d.intern(b""), 2);
        let values = d.values().unwrap();
        let values = values.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(values.iter().collect::<Vec<_>>(), [Some("b"), Some("a"), Some("")]);
        assert_eq!(d.len(), 3);
    }

    #[test]
    fn many_values_survive_rehashing() {
        let mut d = GlobalDictionary::new();
        for i in 0..10_000 {
            assert_eq!(d.intern(format!("v{i}").as_bytes()), i);
        }
        for i in (0..10_000).rev() {
            assert_eq!(d.intern(format!("v{i}").as_bytes()), i);
        }
        assert_eq!(d.values().unwrap().len(), 10_000);
    }
}
