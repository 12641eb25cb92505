//! Append-only memory for a column being loaded: one allocation per buffer,
//! sized from the expected number of rows, that values are appended to and
//! that Arrow arrays can view (zero-copy) at any time.
//!
//! Why not one Arrow array per batch, concatenated at the end: in wasm the
//! heap never shrinks, and a column's per-batch arrays are scattered between
//! the other columns' ones, so the holes they leave cannot hold the column's
//! concatenation — a loaded table ended up taking twice its size of wasm
//! memory (measured: 3.9 GB of wasm memory for a 1.9 GB table at 5 GB of
//! CSV). And every snapshot a query took while loading was another whole
//! copy. Here a column lives in one region from the start; a snapshot is a
//! view of the region's filled part.
//!
//! Safety: a region's bytes below `len` are never written again once
//! written (views cover only those); appends write above `len`, which no
//! view covers; views hold an `Arc` of the allocation, which outlives them.
//! Growing past the capacity copies into a new region; views of the old one
//! keep it alive until they are dropped.
//!
//! What must change together: `ColumnStore` (column.rs), the only user.

use std::alloc::{alloc, dealloc, Layout};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

use arrow_buffer::{ArrowNativeType, Buffer, ScalarBuffer};

/// Every region is aligned like Arrow's own buffers.
const ALIGN: usize = 64;

/// One allocation, freed when the region and every view of it are gone.
struct Allocation {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the memory is owned by this value alone; shared access is
// read-only below the region's `len` (see the module's safety note).
unsafe impl Send for Allocation {}
unsafe impl Sync for Allocation {}
impl std::panic::RefUnwindSafe for Allocation {}

impl Drop for Allocation {
    fn drop(&mut self) {
        // SAFETY: allocated in `Allocation::new` with this layout.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

impl Allocation {
    fn new(bytes: usize) -> Arc<Allocation> {
        let layout = Layout::from_size_align(bytes.max(ALIGN), ALIGN).expect("a valid layout");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc(layout) };
        let Some(ptr) = NonNull::new(ptr) else { std::alloc::handle_alloc_error(layout) };
        Arc::new(Allocation { ptr, layout })
    }
}

/// An append-only buffer of `T` values.
pub struct Region<T: ArrowNativeType> {
    allocation: Arc<Allocation>,
    len: usize,
    capacity: usize,
    _values: PhantomData<T>,
}

impl<T: ArrowNativeType> Region<T> {
    /// Room for `capacity` values.
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Region { allocation: Allocation::new(capacity * size_of::<T>()), len: 0, capacity, _values: PhantomData }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the region holds (its whole capacity).
    pub fn capacity_bytes(&self) -> usize {
        self.capacity * size_of::<T>()
    }

    /// Makes room for `additional` more values; when it has to grow, to at
    /// least `wanted` values in all (the caller's estimate of the final
    /// length), and at least by a quarter.
    pub fn reserve(&mut self, additional: usize, wanted: usize) {
        let needed = self.len + additional;
        if needed <= self.capacity {
            return;
        }
        let capacity = needed.max(wanted).max(self.capacity + self.capacity / 4);
        let allocation = Allocation::new(capacity * size_of::<T>());
        // SAFETY: both allocations hold at least `len` values; they are distinct.
        unsafe {
            std::ptr::copy_nonoverlapping(self.allocation.ptr.as_ptr(), allocation.ptr.as_ptr(), self.len * size_of::<T>());
        }
        self.allocation = allocation;
        self.capacity = capacity;
    }

    /// Appends `values` (call `reserve` first to choose how it grows).
    pub fn extend_from_slice(&mut self, values: &[T]) {
        self.reserve(values.len(), 0);
        // SAFETY: room was made above; the destination is above `len`, which
        // no view covers.
        unsafe {
            let end = (self.allocation.ptr.as_ptr() as *mut T).add(self.len);
            std::ptr::copy_nonoverlapping(values.as_ptr(), end, values.len());
        }
        self.len += values.len();
    }

    /// Appends `count` copies of `value`.
    pub fn extend_repeat(&mut self, value: T, count: usize) {
        self.reserve(count, 0);
        // SAFETY: as in `extend_from_slice`.
        unsafe {
            let end = (self.allocation.ptr.as_ptr() as *mut T).add(self.len);
            for i in 0..count {
                end.add(i).write(value);
            }
        }
        self.len += count;
    }

    /// The values so far, without copying them.
    pub fn view(&self) -> ScalarBuffer<T> {
        let bytes = self.len * size_of::<T>();
        // SAFETY: the first `bytes` bytes are initialised and never written
        // again; the view keeps the allocation alive.
        let buffer = unsafe { Buffer::from_custom_allocation(self.allocation.ptr, bytes, self.allocation.clone()) };
        ScalarBuffer::new(buffer, 0, self.len)
    }

    /// The values so far, as a slice.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` values are initialised.
        unsafe { std::slice::from_raw_parts(self.allocation.ptr.as_ptr() as *const T, self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_stay_valid_while_the_region_grows_and_after_it_is_gone() {
        let mut region: Region<i64> = Region::with_capacity(2);
        region.extend_from_slice(&[1, 2]);
        let early = region.view();
        // Past the capacity: a new allocation; the early view keeps the old one.
        region.extend_from_slice(&[3, 4, 5]);
        region.extend_repeat(9, 3);
        let late = region.view();
        drop(region);
        assert_eq!(&early[..], &[1, 2]);
        assert_eq!(&late[..], &[1, 2, 3, 4, 5, 9, 9, 9]);
    }

    #[test]
    fn a_reserved_region_does_not_move() {
        let mut region: Region<u8> = Region::with_capacity(4);
        region.reserve(10, 1000);
        let before = region.view().inner().as_ptr();
        for _ in 0..100 {
            region.extend_from_slice(b"abcdefghij");
        }
        assert_eq!(region.view().inner().as_ptr(), before);
        assert_eq!(region.capacity_bytes(), 1000);
        assert_eq!(region.as_slice().len(), 1000);
    }
}
