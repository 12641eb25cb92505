//! The memory uploads may hold, all together (`--upload-memory`).
//!
//! Every byte an upload keeps in memory — a chunk on its way to disk, or an
//! S3 part being filled — is reserved here first, after it arrived (so an
//! upload that sends nothing holds nothing). An upload waiting for room
//! stops reading its connection, and TCP slows its client down. An upload
//! holding a reservation depends only on its own client and the body
//! timeout, so waits always end: there is no cycle of uploads waiting for
//! each other's memory.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Clone)]
pub struct Budget {
    room: Arc<Semaphore>,
    total: u64,
}

impl Budget {
    pub fn new(total: u64) -> Budget {
        let total = total.clamp(1, u32::MAX as u64);
        Budget { room: Arc::new(Semaphore::new(total as usize)), total }
    }

    /// Waits until `bytes` (at most the whole budget) are free, and holds them
    /// until the permit is dropped.
    pub async fn reserve(&self, bytes: u64) -> OwnedSemaphorePermit {
        let bytes = bytes.clamp(1, self.total) as u32;
        self.room.clone().acquire_many_owned(bytes).await.expect("the budget is never closed")
    }

    pub fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn waits_for_room_and_never_more_than_the_total() {
        let budget = Budget::new(100);
        let a = budget.reserve(60).await;
        let b = budget.reserve(40).await;
        // No room left: a third reservation waits until one is released.
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve(30).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        drop(a);
        let c = tokio::time::timeout(Duration::from_secs(1), waiting).await.unwrap().unwrap();
        // A reservation larger than the budget is clamped to it (and so still possible).
        drop((b, c));
        let all = budget.reserve(1_000).await;
        drop(all);
    }
}
