//! Row orders kept for paging: the rows of a (filter, sort) view in order,
//! computed once, so the next page of the same view costs only taking
//! `limit` rows. The executor ([`super::execute::Executor::view`]) builds
//! and caches them; the cache is bounded in bytes and evicts the least
//! recently used view first.

use std::sync::Arc;

use arrow_array::{RecordBatch, UInt32Array};

use crate::error::Result;

/// The rows of a view, in order. `None` means every row in file order.
pub struct View {
    pub rows: Option<UInt32Array>,
    pub total: usize,
    /// Whether `rows` orders the whole view, not only its first rows.
    pub complete: bool,
}

impl View {
    /// Whether rows `offset .. offset + limit` are in the ordered part.
    pub fn covers(&self, offset: usize, limit: usize) -> bool {
        self.complete || offset >= self.total || offset.saturating_add(limit) <= self.rows.as_ref().map_or(0, |r| r.len())
    }

    pub fn memory_bytes(&self) -> usize {
        self.rows.as_ref().map_or(0, |r| r.len() * 4)
    }

    /// Rows `offset .. offset + limit` of the view, as indices into the table.
    pub fn slice(&self, offset: usize, limit: usize) -> RowRange {
        let ordered = if self.complete { self.total } else { self.rows.as_ref().map_or(0, |r| r.len()) };
        let start = offset.min(ordered);
        let len = limit.min(ordered - start);
        match &self.rows {
            None => RowRange::Contiguous { start, len },
            Some(rows) => RowRange::Indices(rows.slice(start, len)),
        }
    }
}

/// Some rows of a table, as a range or as indices.
pub enum RowRange {
    Contiguous { start: usize, len: usize },
    Indices(UInt32Array),
}

impl RowRange {
    /// Those rows of `batch`, as a new batch (zero-copy for a range).
    pub fn take(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        Ok(match self {
            RowRange::Contiguous { start, len } => batch.slice(*start, *len),
            RowRange::Indices(indices) => crate::kernels::select::take_record_batch(batch, indices)?,
        })
    }
}

struct Entry {
    key: String,
    view: Arc<View>,
    last_used: u64,
}

/// Views by key, at most `capacity_bytes` of row indices in all (the most
/// recently built view is always kept, however large).
pub struct ViewCache {
    entries: Vec<Entry>,
    capacity_bytes: usize,
    clock: u64,
}

impl ViewCache {
    pub fn new(capacity_bytes: usize) -> Self {
        ViewCache { entries: Vec::new(), capacity_bytes, clock: 0 }
    }

    /// Caches `view` under `key` (replacing a partial one), and returns it.
    pub fn insert(&mut self, key: String, view: View) -> Arc<View> {
        self.entries.retain(|e| e.key != key);
        self.clock += 1;
        let view = Arc::new(view);
        self.entries.push(Entry { key, view: view.clone(), last_used: self.clock });
        self.evict();
        view
    }

    /// The cached view for `key`, or the one `build` makes (then cached).
    pub fn get_or_build(&mut self, key: String, build: impl FnOnce() -> Result<View>) -> Result<Arc<View>> {
        self.clock += 1;
        if let Some(entry) = self.entries.iter_mut().find(|e| e.key == key) {
            entry.last_used = self.clock;
            return Ok(entry.view.clone());
        }
        let view = Arc::new(build()?);
        self.entries.push(Entry { key, view: view.clone(), last_used: self.clock });
        self.evict();
        Ok(view)
    }

    fn evict(&mut self) {
        while self.memory_bytes() > self.capacity_bytes && self.entries.len() > 1 {
            let oldest = (0..self.entries.len()).min_by_key(|&i| self.entries[i].last_used).expect("not empty");
            self.entries.swap_remove(oldest);
        }
    }

    pub fn memory_bytes(&self) -> usize {
        self.entries.iter().map(|e| e.view.memory_bytes()).sum()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(rows: usize) -> View {
        View { rows: Some((0..rows as u32).collect()), total: rows, complete: true }
    }

    #[test]
    fn least_recently_used_views_go_first() {
        let mut cache = ViewCache::new(1000);
        let built = std::cell::Cell::new(0);
        let get = |cache: &mut ViewCache, key: &str| {
            cache
                .get_or_build(key.into(), || {
                    built.set(built.get() + 1);
                    Ok(view(100))
                })
                .unwrap()
        };
        get(&mut cache, "a");
        get(&mut cache, "b");
        get(&mut cache, "a");
        assert_eq!(built.get(), 2, "a was cached");
        get(&mut cache, "c");
        assert_eq!(cache.len(), 2, "400 bytes each, 1000 at most");
        get(&mut cache, "a");
        assert_eq!(built.get(), 3, "a stayed, b went");
        get(&mut cache, "b");
        assert_eq!(built.get(), 4);
        assert!(cache.memory_bytes() <= 1000);
    }
}
