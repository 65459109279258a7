//! The order slab: every resting order lives in one 32-byte slot of a `Vec`, found by the slot
//! index in its [`OrderId`]. Freed slots go on a free list and are reused; a generation counter
//! per slot keeps old ids from naming new orders.
//!
//! Every store on the add and cancel paths is counted: on the `deep` stream a cancel's writes to
//! its neighbours miss the cache, stores leave the core in order, and each further store then
//! waits its turn (measured: four extra stores per add cost 3–6 ns per operation on `deep`).
//! So a freed slot keeps its stale state byte (its generation alone retires old ids), a reused
//! slot keeps its generation unwritten, and the slab keeps no count of its orders.

use super::ladder::NIL;
use super::types::{MAX_LIVE_ORDERS, OrderId, SLOT_BITS, SelfTradePrevention, Side};

/// Slot states packed in one byte. A freed slot keeps the state it had.
pub(crate) const BUY: u8 = 1;
pub(crate) const SELL: u8 = 2;
/// A slot holding an incoming order that has not (yet) rested.
pub(crate) const TRANSIENT: u8 = 3;

/// One order (32 bytes: see the size test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub qty: u64,
    /// Next slot in the level's FIFO, or the next free slot.
    pub next: u32,
    pub prev: u32,
    pub owner: u32,
    pub generation: u32,
    /// Ladder index of the order's price.
    pub tick: u32,
    pub state: u8,
    pub stp: u8,
}

impl Slot {
    /// Whether this slot holds the resting order `id` names: the id's generation (a freed slot's
    /// has moved on), and a side (not an incoming order's transient state).
    #[inline]
    fn holds(&self, id: OrderId) -> bool {
        self.generation == id.generation() && (self.state == BUY || self.state == SELL)
    }

    /// Frees the slot in place, ahead of `next_free` on a free list: its generation moves on,
    /// so that the old id goes stale. The caller makes the slot the list's head.
    #[inline(always)]
    #[allow(clippy::inline_always)]
    pub fn retire(&mut self, next_free: u32) {
        self.generation = self.generation.wrapping_add(1);
        self.next = next_free;
    }
}

pub(crate) fn side_code(side: Side) -> u8 {
    match side {
        Side::Buy => BUY,
        Side::Sell => SELL,
    }
}

/// The side of a resting slot's state ([`BUY`] or [`SELL`]).
#[inline]
pub(crate) fn side_of(state: u8) -> Side {
    if state == BUY { Side::Buy } else { Side::Sell }
}

pub(crate) fn stp_code(stp: SelfTradePrevention) -> u8 {
    match stp {
        SelfTradePrevention::CancelTaker => 0,
        SelfTradePrevention::CancelMaker => 1,
        SelfTradePrevention::CancelBoth => 2,
    }
}

pub(crate) fn stp_from_code(code: u8) -> SelfTradePrevention {
    match code {
        1 => SelfTradePrevention::CancelMaker,
        2 => SelfTradePrevention::CancelBoth,
        _ => SelfTradePrevention::CancelTaker,
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Slab {
    pub slots: Vec<Slot>,
    free_head: u32,
    /// The book's tag in an id's tag bits. Ids carry it; a look-up XORs it away, so that an id
    /// of another book keeps tag bits set and its index lands past the end of the slab (which
    /// never grows to [`MAX_LIVE_ORDERS`] slots): the tag check costs one XOR and no branch.
    tag_bits: u32,
}

impl Slab {
    /// An empty slab whose ids carry `tag` (below [`BOOK_TAGS`]).
    pub fn new(tag: u8) -> Self {
        Slab {
            slots: Vec::new(),
            free_head: NIL,
            tag_bits: u32::from(tag) << SLOT_BITS,
        }
    }

    /// The id of the order in `slot` at `generation`, with this slab's tag.
    #[inline]
    pub fn id(&self, slot: u32, generation: u32) -> OrderId {
        OrderId::new(slot | self.tag_bits, generation)
    }

    /// The slot index an id names in this slab: out of range for another book's id.
    #[inline]
    fn index(&self, id: OrderId) -> usize {
        (id.low() ^ self.tag_bits) as usize
    }

    /// Makes room for `additional` more slots.
    pub fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
    }

    /// Takes a free slot (or grows the slab) for an order not (yet) in a level, and returns
    /// its id; `None` if the slab is full.
    #[inline]
    pub fn alloc(&mut self, qty: u64, owner: u32, state: u8, stp: u8) -> Option<OrderId> {
        self.alloc_linked(qty, owner, state, stp, NIL, NIL)
    }

    /// Takes a free slot (or grows the slab) for an order resting at ladder index `tick`
    /// behind `prev`, and returns its id; `None` if the slab is full ([`MAX_LIVE_ORDERS`]).
    #[inline]
    pub fn alloc_linked(
        &mut self,
        qty: u64,
        owner: u32,
        state: u8,
        stp: u8,
        tick: u32,
        prev: u32,
    ) -> Option<OrderId> {
        // `NIL` (`u32::MAX`) lies past the end of the slab, which ids limit to 32-bit indices
        // (and memory to far fewer: 2^32 slots would take 128 GiB), so one bounds check also
        // tests for an empty free list.
        let head = self.free_head;
        if let Some(slot) = self.slots.get_mut(head as usize) {
            self.free_head = slot.next;
            // Field by field, so that the generation is not written back unchanged.
            slot.qty = qty;
            slot.next = NIL;
            slot.prev = prev;
            slot.owner = owner;
            slot.tick = tick;
            slot.state = state;
            slot.stp = stp;
            return Some(OrderId::new(head | self.tag_bits, slot.generation));
        }
        // Growth stays inline: as a call, its return address and saved registers were stores
        // too, and `deep` (where most adds grow the slab) ran 2–5 ns per operation slower.
        let i = self.slots.len() as u32;
        // The cap keeps every index inside an id's slot bits (the only compare growth adds).
        if i as usize >= MAX_LIVE_ORDERS {
            return None;
        }
        self.slots.push(Slot {
            qty,
            next: NIL,
            prev,
            owner,
            generation: 0,
            tick,
            state,
            stp,
        });
        Some(OrderId::new(i | self.tag_bits, 0))
    }

    /// Returns a slot to the free list; its generation moves on so the old id goes stale.
    #[inline]
    pub fn free(&mut self, slot: u32) {
        self.slots[slot as usize].retire(self.free_head);
        self.free_head = slot;
    }

    /// The slot an id names, if the id is current and the slot holds a resting order.
    #[inline]
    pub fn resting(&self, id: OrderId) -> Option<&Slot> {
        self.slots.get(self.index(id)).filter(|s| s.holds(id))
    }

    /// Frees the slot an id names if it holds a resting order, returning what it held: one
    /// look-up for a cancel's check and free together.
    #[inline]
    pub fn take_resting(&mut self, id: OrderId) -> Option<Slot> {
        let index = self.index(id);
        let s = self.slots.get_mut(index)?;
        if !s.holds(id) {
            return None;
        }
        let held = *s;
        s.retire(self.free_head);
        self.free_head = index as u32;
        Some(held)
    }

    /// The first free slot, or `NIL`.
    #[inline]
    pub fn free_head(&self) -> u32 {
        self.free_head
    }

    /// Makes `slot` the first free slot: for a caller that freed a run of slots itself with
    /// [`Slot::retire`], chaining them through `next`.
    #[inline]
    pub fn set_free_head(&mut self, slot: u32) {
        self.free_head = slot;
    }

    /// Slots allocated and not freed, counted by walking the free list: O(free slots), as the
    /// slab keeps no count.
    pub fn live(&self) -> usize {
        let mut free = 0;
        let mut cur = self.free_head;
        while let Some(s) = self.slots.get(cur as usize) {
            free += 1;
            cur = s.next;
        }
        self.slots.len() - free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 32);
    }

    #[test]
    fn taking_a_resting_order_frees_its_slot_once() {
        let mut slab = Slab::new(0);
        let a = slab.alloc(5, 1, BUY, 0).unwrap();
        let before = slab.clone();
        assert!(slab.take_resting(OrderId::new(a.slot(), 7)).is_none());
        assert_eq!(slab.slots, before.slots, "a stale id changes nothing");
        assert_eq!(slab.take_resting(a).map(|s| (s.qty, s.owner)), Some((5, 1)));
        assert_eq!(slab.live(), 0);
        assert!(slab.take_resting(a).is_none(), "the id is stale once taken");
        assert_eq!(
            slab.alloc(6, 2, SELL, 0).unwrap().slot(),
            a.slot(),
            "the slot is reused"
        );
    }

    #[test]
    fn reused_slots_get_fresh_ids() {
        let mut slab = Slab::new(0);
        let a = slab.alloc(5, 1, BUY, 0).unwrap();
        slab.free(a.slot());
        let b = slab.alloc(7, 2, SELL, 0).unwrap();
        assert_eq!(a.slot(), b.slot());
        assert_ne!(a, b);
        assert!(slab.resting(a).is_none());
        assert_eq!(slab.resting(b).map(|s| s.qty), Some(7));
    }

    #[test]
    fn another_tags_id_names_nothing() {
        let (mut x, mut y) = (Slab::new(1), Slab::new(2));
        let a = x.alloc(5, 1, SELL, 0).unwrap();
        let b = y.alloc(6, 2, SELL, 0).unwrap();
        assert_eq!((a.slot(), a.generation()), (b.slot(), b.generation()));
        assert!(x.resting(b).is_none());
        assert!(x.take_resting(b).is_none());
        assert_eq!(x.resting(a).map(|s| s.qty), Some(5));
    }
}
