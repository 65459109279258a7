//! What the registry's state costs in memory, counted from its collections: each vector's
//! capacity times its element size, each hash table's buckets (capacity × 8/7, rounded up to a
//! power of two) times its entry size plus a control byte, ordered maps at twice their entries
//! (B-tree nodes are at least half full), and what holdings, serial queues, batches and names
//! hold on the heap. It is an estimate of the live heap without the allocator's own overhead;
//! `tests/gec_scale.rs` sets it beside the process's resident memory.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::mem::size_of;

use super::Registry;

/// The registry's size: what it holds and the bytes that costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Footprint {
    /// Registered subjects (for GECs: one per generator and production month).
    pub subjects: usize,
    /// Holdings (account × subject).
    pub holdings: usize,
    /// Serial ranges held in holdings.
    pub serial_ranges: usize,
    /// Journal events kept.
    pub journal_events: usize,
    /// Estimated heap bytes of the whole state.
    pub bytes: usize,
}

/// A vector's heap: its capacity's elements.
pub(crate) fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

/// A hash table's heap: its buckets' entries and control bytes.
pub(crate) fn map_bytes<K, V, S: BuildHasher>(m: &HashMap<K, V, S>) -> usize {
    if m.capacity() == 0 {
        return 0;
    }
    let buckets = (m.capacity() * 8 / 7).next_power_of_two();
    buckets * (size_of::<(K, V)>() + 1)
}

impl Registry {
    /// The registry's size and estimated heap bytes (see the module doc for how it counts).
    #[must_use]
    pub fn footprint(&self) -> Footprint {
        let names: usize = self.accounts.iter().map(|a| a.name.capacity()).sum();
        let serials: usize = self.holdings.iter().map(|h| h.serials.heap_bytes()).sum();
        let retired: usize = self
            .retired
            .values()
            .map(|v| v.capacity() * size_of::<super::SerialRange>())
            .sum();
        let bytes = vec_bytes(&self.accounts)
            + names
            + vec_bytes(&self.cash)
            + vec_bytes(&self.subjects)
            + map_bytes(&self.subject_index)
            + vec_bytes(&self.holdings)
            + serials
            + map_bytes(&self.holding_index)
            + vec_bytes(&self.by_account)
            + self.by_account.iter().map(vec_bytes).sum::<usize>()
            + vec_bytes(&self.pending_holdings)
            + vec_bytes(&self.pending_cash)
            + map_bytes(&self.retired)
            + retired
            + self.ccer.heap_bytes()
            + self.gec.heap_bytes()
            + self.journal.heap_bytes();
        Footprint {
            subjects: self.subjects.len(),
            holdings: self.holdings.len(),
            serial_ranges: self.holdings.iter().map(|h| h.serials.len()).sum(),
            journal_events: self.journal.len(),
            bytes,
        }
    }
}
