//! Heap allocation counters for `bench/vm_profile.js --memory` (feature `alloc-stats`, never in
//! the shipped module): the global allocator is the system one wrapped with counters, which the
//! JavaScript reads through two exports. Only `make bench-memory` builds it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Allocations, reallocations, frees, bytes requested (allocations and the new sizes of
/// reallocations), live bytes, peak live bytes since the last reset.
static COUNTS: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];
const ALLOCS: usize = 0;
const REALLOCS: usize = 1;
const FREES: usize = 2;
const BYTES: usize = 3;
const LIVE: usize = 4;
const PEAK: usize = 5;

fn add(i: usize, n: u64) {
    if let Some(c) = COUNTS.get(i) {
        c.fetch_add(n, Relaxed);
    }
}

fn get(i: usize) -> u64 {
    COUNTS.get(i).map_or(0, |c| c.load(Relaxed))
}

fn grow_live(n: u64) {
    add(LIVE, n);
    let live = get(LIVE);
    if let Some(peak) = COUNTS.get(PEAK) {
        peak.fetch_max(live, Relaxed);
    }
}

fn shrink_live(n: u64) {
    if let Some(live) = COUNTS.get(LIVE) {
        let v = live.load(Relaxed);
        live.store(v.saturating_sub(n), Relaxed);
    }
}

fn size(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The system allocator, counted.
struct Counted;

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(ALLOCS, 1);
        add(BYTES, size(layout.size()));
        grow_live(size(layout.size()));
        // SAFETY: the caller's contract is `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(ALLOCS, 1);
        add(BYTES, size(layout.size()));
        grow_live(size(layout.size()));
        // SAFETY: the caller's contract is `System::alloc_zeroed`'s.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(FREES, 1);
        shrink_live(size(layout.size()));
        // SAFETY: the caller's contract is `System::dealloc`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(REALLOCS, 1);
        add(BYTES, size(new_size));
        shrink_live(size(layout.size()));
        grow_live(size(new_size));
        // SAFETY: the caller's contract is `System::realloc`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counted = Counted;

/// Counter `i` (see [`COUNTS`]), as a float (JavaScript reads it as a number).
#[no_mangle]
pub extern "C" fn ocf_alloc_stat(i: u32) -> f64 {
    get(usize::try_from(i).unwrap_or(usize::MAX)) as f64
}

/// Starts a new peak: the peak becomes the live bytes.
#[no_mangle]
pub extern "C" fn ocf_alloc_stat_reset_peak() {
    if let Some(peak) = COUNTS.get(PEAK) {
        peak.store(get(LIVE), Relaxed);
    }
}
