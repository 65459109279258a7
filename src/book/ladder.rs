//! One side of the book: a dense array of price levels over the day's band, each an intrusive
//! FIFO of slab slots, with an occupancy bitmap to find the next non-empty level in a few word
//! scans and a cached best index.

/// "No slot" in the intrusive links.
pub(crate) const NIL: u32 = u32::MAX;

/// One price level: the ends of its FIFO and its open quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Level {
    pub head: u32,
    pub tail: u32,
    pub total: u64,
}

impl Level {
    const EMPTY: Level = Level {
        head: NIL,
        tail: NIL,
        total: 0,
    };
}

/// Levels indexed by tick offset from the band's lower limit.
#[derive(Debug, Clone)]
pub(crate) struct Ladder {
    pub levels: Vec<Level>,
    bits: Vec<u64>,
    /// Best occupied index (highest for bids, lowest for asks), or `NIL`.
    best: u32,
    bids: bool,
}

impl Ladder {
    pub fn new(ticks: usize, bids: bool) -> Self {
        Ladder {
            levels: vec![Level::EMPTY; ticks],
            bits: vec![0; ticks.div_ceil(64)],
            best: NIL,
            bids,
        }
    }

    /// Best occupied index, if any.
    #[inline]
    pub fn best(&self) -> Option<u32> {
        (self.best != NIL).then_some(self.best)
    }

    /// Best occupied index, or `NIL` when the side is empty.
    #[inline]
    pub fn best_or_nil(&self) -> u32 {
        self.best
    }

    /// Whether `a` is a better price than `b` on this side.
    #[inline]
    fn better(&self, a: u32, b: u32) -> bool {
        if self.bids { a > b } else { a < b }
    }

    /// Marks `idx` occupied.
    #[inline]
    pub fn occupy(&mut self, idx: u32) {
        self.bits[(idx >> 6) as usize] |= 1u64 << (idx & 63);
        if self.best == NIL || self.better(idx, self.best) {
            self.best = idx;
        }
    }

    /// Marks `idx` empty and, if it was the best, finds the next best.
    #[inline]
    pub fn vacate(&mut self, idx: u32) {
        self.bits[(idx >> 6) as usize] &= !(1u64 << (idx & 63));
        if idx == self.best {
            self.best = self.next_from(idx).unwrap_or(NIL);
        }
    }

    /// Whether `idx` holds any order.
    #[inline]
    pub fn is_occupied(&self, idx: u32) -> bool {
        self.bits[(idx >> 6) as usize] & (1u64 << (idx & 63)) != 0
    }

    /// The next occupied index strictly worse than `idx` on this side.
    #[inline]
    pub fn next_from(&self, idx: u32) -> Option<u32> {
        if self.bids {
            self.prev_set_below(idx)
        } else {
            self.next_set_above(idx)
        }
    }

    fn next_set_above(&self, idx: u32) -> Option<u32> {
        let start = idx as usize + 1;
        let mut word = start >> 6;
        if word >= self.bits.len() {
            return None;
        }
        let mut w = self.bits[word] & (u64::MAX.checked_shl((start & 63) as u32).unwrap_or(0));
        loop {
            if w != 0 {
                return Some(((word << 6) + w.trailing_zeros() as usize) as u32);
            }
            word += 1;
            if word >= self.bits.len() {
                return None;
            }
            w = self.bits[word];
        }
    }

    fn prev_set_below(&self, idx: u32) -> Option<u32> {
        if idx == 0 {
            return None;
        }
        let end = idx as usize - 1;
        let mut word = end >> 6;
        let keep = (end & 63) as u32;
        let mask = if keep == 63 {
            u64::MAX
        } else {
            (1u64 << (keep + 1)) - 1
        };
        let mut w = self.bits[word] & mask;
        loop {
            if w != 0 {
                return Some(((word << 6) + 63 - w.leading_zeros() as usize) as u32);
            }
            if word == 0 {
                return None;
            }
            word -= 1;
            w = self.bits[word];
        }
    }

    /// Occupied indices from the best outward.
    pub fn iter_from_best(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(self.best(), move |&i| self.next_from(i))
    }

    /// Whether the bitmap agrees with the levels (for invariant checks).
    pub fn bitmap_matches_levels(&self) -> bool {
        self.levels
            .iter()
            .enumerate()
            .all(|(i, l)| self.is_occupied(i as u32) == (l.head != NIL))
            && self.best == self.iter_levels_scan().unwrap_or(NIL)
    }

    fn iter_levels_scan(&self) -> Option<u32> {
        let mut occupied = self
            .levels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.head != NIL)
            .map(|(i, _)| i as u32);
        if self.bids {
            occupied.next_back()
        } else {
            occupied.next()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_find_neighbours_across_words() {
        for bids in [true, false] {
            let mut l = Ladder::new(300, bids);
            for i in [0, 63, 64, 130, 299] {
                l.occupy(i);
            }
            let order: Vec<u32> = l.iter_from_best().collect();
            if bids {
                assert_eq!(order, vec![299, 130, 64, 63, 0]);
            } else {
                assert_eq!(order, vec![0, 63, 64, 130, 299]);
            }
            l.vacate(if bids { 299 } else { 0 });
            assert_eq!(l.best(), Some(if bids { 130 } else { 63 }));
        }
    }
}
