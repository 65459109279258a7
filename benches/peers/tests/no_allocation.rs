//! The book allocates nothing per operation once sized: a counting global allocator (which needs
//! `unsafe`, so it lives here and not in the library, which forbids it) sees zero allocations
//! while the whole `steady` stream runs through a book built with capacity.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use carbonsim::book::{OrderBook, workload};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call unchanged to the system allocator; only counts allocations.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_stream_allocates_nothing_once_sized() {
    let w = workload::steady(42, 300_000);
    let mut book = OrderBook::with_capacity(workload::config(), 8_192).unwrap();
    let mut ids = Vec::with_capacity(w.adds);
    let mut events = Vec::with_capacity(1_024);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let filled = workload::run(&w, &mut book, &mut ids, &mut events);
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    assert!(filled > 0);
    assert_eq!(
        after - before,
        0,
        "allocations during {} operations",
        w.ops.len()
    );
    // The counter does count: one more allocation is seen.
    let probe: Vec<u64> = Vec::with_capacity(black_box(16));
    assert!(ALLOCATIONS.load(Ordering::Relaxed) > after);
    drop(black_box(probe));
}
