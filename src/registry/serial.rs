//! Serial numbers as ranges: 10^8 certificates cost one range per issuance batch, not one object
//! per certificate.
//!
//! A [`SerialQueue`] holds an account's ranges of one subject sorted by first serial; units leave
//! it FIFO by serial (lowest first). Each range remembers how many times its certificates have
//! been transferred, which is what the GEC one-time transfer rule checks.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// A contiguous block of serial numbers `start .. start + len`, with a transfer count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SerialRange {
    /// The first serial.
    pub start: u64,
    /// The number of serials (certificates).
    pub len: u32,
    /// How many times these certificates have changed hands by trade or transfer.
    pub transfers: u32,
}

impl SerialRange {
    /// One past the last serial.
    #[must_use]
    pub const fn end(&self) -> u64 {
        self.start + self.len as u64
    }

    /// Cut the first `k` serials (`k < len`) off this range and return them.
    fn split_front(&mut self, k: u32) -> SerialRange {
        let front = SerialRange {
            start: self.start,
            len: k,
            transfers: self.transfers,
        };
        self.start += u64::from(k);
        self.len -= k;
        front
    }

    /// Whether the two ranges share a serial.
    #[must_use]
    pub const fn overlaps(&self, other_start: u64, other_end: u64) -> bool {
        self.start < other_end && other_start < self.end()
    }
}

/// Whether `b` continues `a` with the same transfer count and the sum fits a range.
fn mergeable(a: &SerialRange, b: &SerialRange) -> bool {
    a.end() == b.start && a.transfers == b.transfers && a.len.checked_add(b.len).is_some()
}

/// An account's serial ranges in one subject, sorted by `start`, disjoint.
///
/// A single range (the common case: one issuance batch held by its issuer) is stored inline
/// without a heap allocation; more ranges live in a deque.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialQueue {
    repr: Repr,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
enum Repr {
    #[default]
    Empty,
    One(SerialRange),
    // Boxed so that a queue is 24 bytes: most holdings never hold a second range, and the
    // extra indirection is paid only by those that do.
    #[allow(clippy::box_collection)]
    Many(Box<VecDeque<SerialRange>>),
}

impl SerialQueue {
    /// Run `f` on the ranges as a deque, then store them back in the smallest form.
    fn with_deque<R>(&mut self, f: impl FnOnce(&mut VecDeque<SerialRange>) -> R) -> R {
        let mut ranges = match std::mem::take(&mut self.repr) {
            Repr::Empty => VecDeque::new(),
            Repr::One(r) => VecDeque::from([r]),
            Repr::Many(d) => *d,
        };
        let out = f(&mut ranges);
        self.repr = match ranges.len() {
            0 => Repr::Empty,
            1 => Repr::One(ranges[0]),
            _ => Repr::Many(Box::new(ranges)),
        };
        out
    }

    /// The ranges in serial order.
    pub fn iter(&self) -> impl Iterator<Item = &SerialRange> {
        let (a, b): (&[SerialRange], &[SerialRange]) = match &self.repr {
            Repr::Empty => (&[], &[]),
            Repr::One(r) => (std::slice::from_ref(r), &[]),
            Repr::Many(d) => d.as_slices(),
        };
        a.iter().chain(b.iter())
    }

    /// Heap bytes held beyond the queue itself (a second range moves them to the heap).
    pub(crate) fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Empty | Repr::One(_) => 0,
            Repr::Many(d) => {
                std::mem::size_of::<VecDeque<SerialRange>>()
                    + d.capacity() * std::mem::size_of::<SerialRange>()
            }
        }
    }

    /// The number of ranges.
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Empty => 0,
            Repr::One(_) => 1,
            Repr::Many(d) => d.len(),
        }
    }

    /// Whether the queue holds no serials.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total certificates, and those never transferred (`transfers == 0`).
    #[must_use]
    pub fn counts(&self) -> (u64, u64) {
        self.iter().fold((0, 0), |(all, fresh), r| {
            let l = u64::from(r.len);
            (all + l, fresh + if r.transfers == 0 { l } else { 0 })
        })
    }

    /// Insert a range keeping order, merging with a neighbour when contiguous and equally
    /// transferred.
    pub fn insert(&mut self, r: SerialRange) {
        if r.len == 0 {
            return;
        }
        if matches!(self.repr, Repr::Empty) {
            self.repr = Repr::One(r);
            return;
        }
        self.with_deque(|ranges| Self::insert_into(ranges, r));
    }

    fn insert_into(ranges: &mut VecDeque<SerialRange>, r: SerialRange) {
        let pos = ranges.partition_point(|x| x.start < r.start);
        if pos > 0 {
            let prev = &mut ranges[pos - 1];
            if mergeable(prev, &r) {
                prev.len += r.len;
                let merged = *prev;
                // The new range may bridge the gap to the next one.
                if let Some(next) = ranges.get(pos).copied() {
                    if mergeable(&merged, &next) {
                        ranges[pos - 1].len += next.len;
                        ranges.remove(pos);
                    }
                }
                return;
            }
        }
        if let Some(next) = ranges.get_mut(pos) {
            if mergeable(&r, next) {
                next.start = r.start;
                next.len += r.len;
                return;
            }
        }
        ranges.insert(pos, r);
    }

    /// Take `n` certificates FIFO by serial, only from ranges `eligible` accepts, calling `sink`
    /// with each piece taken. The caller checks beforehand that enough eligible serials exist.
    pub fn take(
        &mut self,
        mut count: u64,
        eligible: impl Fn(&SerialRange) -> bool,
        mut sink: impl FnMut(SerialRange),
    ) {
        // A single inline range is served in place, without building a deque.
        if let Repr::One(r) = &mut self.repr {
            if count > 0 && eligible(r) {
                if u64::from(r.len) <= count {
                    sink(*r);
                    self.repr = Repr::Empty;
                } else {
                    sink(r.split_front(count as u32));
                }
            }
            return;
        }
        self.with_deque(|ranges| {
            let mut i = 0;
            while count > 0 && i < ranges.len() {
                let r = ranges[i];
                if !eligible(&r) {
                    i += 1;
                    continue;
                }
                let l = u64::from(r.len);
                if l <= count {
                    sink(r);
                    count -= l;
                    ranges.remove(i);
                } else {
                    sink(ranges[i].split_front(count as u32));
                    count = 0;
                }
            }
        });
    }

    /// Whether `start..end` lies wholly inside held ranges.
    #[must_use]
    pub fn contains(&self, start: u64, end: u64) -> bool {
        let mut cursor = start;
        for r in self.iter() {
            if r.end() <= cursor {
                continue;
            }
            if r.start > cursor {
                return false;
            }
            cursor = r.end();
            if cursor >= end {
                return true;
            }
        }
        cursor >= end
    }

    /// Remove exactly `start..end` (which [`SerialQueue::contains`] has confirmed), calling `sink`
    /// with each removed piece.
    pub fn remove_span(&mut self, start: u64, end: u64, mut sink: impl FnMut(SerialRange)) {
        self.with_deque(|ranges| {
            let mut kept: Vec<SerialRange> = Vec::new();
            let mut out = VecDeque::with_capacity(ranges.len() + 1);
            for r in ranges.drain(..) {
                if !r.overlaps(start, end) {
                    out.push_back(r);
                    continue;
                }
                let lo = r.start.max(start);
                let hi = r.end().min(end);
                if r.start < lo {
                    out.push_back(SerialRange {
                        start: r.start,
                        len: (lo - r.start) as u32,
                        transfers: r.transfers,
                    });
                }
                sink(SerialRange {
                    start: lo,
                    len: (hi - lo) as u32,
                    transfers: r.transfers,
                });
                if hi < r.end() {
                    kept.push(SerialRange {
                        start: hi,
                        len: (r.end() - hi) as u32,
                        transfers: r.transfers,
                    });
                }
                out.extend(kept.drain(..));
            }
            *ranges = out;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, len: u32) -> SerialRange {
        SerialRange {
            start,
            len,
            transfers: 0,
        }
    }

    #[test]
    fn insert_merges_contiguous_ranges_and_keeps_order() {
        let mut q = SerialQueue::default();
        q.insert(r(10, 5));
        q.insert(r(0, 5));
        q.insert(r(5, 5));
        assert_eq!(q.len(), 1);
        assert_eq!(q.counts(), (15, 15));
        q.insert(r(100, 1));
        assert_eq!(q.iter().map(|x| x.start).collect::<Vec<_>>(), vec![0, 100]);
    }

    #[test]
    fn take_is_fifo_by_serial_and_splits_ranges() {
        let mut q = SerialQueue::default();
        q.insert(r(50, 10));
        q.insert(r(0, 10));
        let mut got = Vec::new();
        q.take(12, |_| true, |x| got.push(x));
        assert_eq!(got, vec![r(0, 10), r(50, 2)]);
        assert_eq!(q.iter().copied().collect::<Vec<_>>(), vec![r(52, 8)]);
    }

    #[test]
    fn take_skips_ineligible_ranges() {
        let mut q = SerialQueue::default();
        q.insert(SerialRange {
            start: 0,
            len: 5,
            transfers: 1,
        });
        q.insert(r(5, 5));
        let mut got = Vec::new();
        q.take(3, |x| x.transfers == 0, |x| got.push(x));
        assert_eq!(got, vec![r(5, 3)]);
        assert_eq!(q.counts(), (7, 2));
    }

    #[test]
    fn contains_and_remove_span_cut_exactly() {
        let mut q = SerialQueue::default();
        q.insert(r(0, 10));
        q.insert(r(20, 10));
        assert!(q.contains(2, 8));
        assert!(!q.contains(8, 22));
        let mut got = Vec::new();
        q.remove_span(3, 6, |x| got.push(x));
        assert_eq!(got, vec![r(3, 3)]);
        assert_eq!(
            q.iter().copied().collect::<Vec<_>>(),
            vec![r(0, 3), r(6, 4), r(20, 10)]
        );
    }
}
