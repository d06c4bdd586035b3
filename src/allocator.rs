//! The shipped wasm's memory allocator: power-of-two size classes, one free list each, carved
//! from pages that `memory.grow` hands out.
//!
//! Rust's default for wasm (dlmalloc) costs about 3 KB gzip of the package, a sixth of it. A
//! refresher allocates a few small strings and vectors, the same ones over and over, so a
//! simpler scheme serves as well: a freed block goes back on its class's list and is reused by
//! the next allocation of that class. No coalescing, and up to half a block is slack — bounded
//! by the peak of live memory per class, which is tiny here.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

pub const PAGE: usize = 65_536;
/// 16 bytes: the smallest block, big enough for the free-list link it holds while free.
const MIN_BITS: u32 = 4;
const CLASSES: usize = (usize::BITS - MIN_BITS) as usize;

/// Where fresh memory comes from.
pub trait Pages {
    /// Adds `count` pages; returns the address of the first, or `None` when memory is exhausted.
    /// Addresses are never 0.
    fn grow(&self, count: usize) -> Option<usize>;
}

pub struct SizeClasses<P> {
    pages: P,
    state: UnsafeCell<State>,
}

struct State {
    /// Head of each class's free list (0 = empty); a free block's first word links to the next.
    free: [usize; CLASSES],
    /// The unused rest of the last pages grown.
    next: usize,
    end: usize,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature has a single thread; the host tests
// use one allocator per test thread.
unsafe impl<P: Sync> Sync for SizeClasses<P> {}

impl<P> SizeClasses<P> {
    pub const fn new(pages: P) -> Self {
        Self {
            pages,
            state: UnsafeCell::new(State {
                free: [0; CLASSES],
                next: 0,
                end: 0,
            }),
        }
    }
}

/// The class index and block size serving `layout`: the next power of two of its size and
/// alignment, at least 16 bytes.
fn class_of(layout: Layout) -> Option<(usize, usize)> {
    let size = layout
        .size()
        .max(layout.align())
        .max(1 << MIN_BITS)
        .checked_next_power_of_two()?;
    Some(((size.trailing_zeros() - MIN_BITS) as usize, size))
}

impl<P: Pages> SizeClasses<P> {
    /// A block of `size` bytes aligned to `size` (or to a page, for blocks bigger than one).
    fn carve(&self, state: &mut State, size: usize) -> Option<usize> {
        let align = size.min(PAGE);
        let fits = |start: usize| {
            start
                .checked_add(size)
                .filter(|end| *end <= state.end)
                .is_some()
        };
        let mut start = state.next.checked_add(align - 1)? & !(align - 1);
        if !fits(start) {
            // The rest of the old pages (less than one block) is given up.
            let count = size.div_ceil(PAGE);
            let base = self.pages.grow(count)?;
            state.next = base;
            state.end = base.checked_add(count * PAGE)?;
            start = base;
        }
        state.next = start + size;
        Some(start)
    }
}

unsafe impl<P: Pages> GlobalAlloc for SizeClasses<P> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((class, size)) = class_of(layout) else {
            return ptr::null_mut();
        };
        // SAFETY: single-threaded, and nothing here re-enters the allocator.
        let state = unsafe { &mut *self.state.get() };
        let head = state.free[class];
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word links to the next.
            state.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        self.carve(state, size)
            .map_or(ptr::null_mut(), |at| at as *mut u8)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some((class, _)) = class_of(layout) else {
            return;
        };
        // SAFETY: as in `alloc`; `block` came from `alloc` with this layout, so it is at least 16
        // bytes and aligned for a usize.
        unsafe {
            let state = &mut *self.state.get();
            *(block as *mut usize) = state.free[class];
            state.free[class] = block as usize;
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return ptr::null_mut();
        };
        // Growing or shrinking within the block's class needs no move: the common case for a
        // Vec or String that doubles.
        if class_of(layout) == class_of(new_layout) {
            return block;
        }
        // SAFETY: the caller guarantees `block`/`layout` came from this allocator.
        unsafe {
            let moved = self.alloc(new_layout);
            if !moved.is_null() {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
            moved
        }
    }
}

/// The wasm linear memory.
#[cfg(target_arch = "wasm32")]
pub struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Pages for WasmMemory {
    fn grow(&self, count: usize) -> Option<usize> {
        let before = core::arch::wasm32::memory_grow(0, count);
        (before != usize::MAX).then(|| before * PAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::BTreeMap;

    /// Pages from a buffer, with a gap between grows to prove non-contiguous growth works.
    struct Buffer {
        base: usize,
        pages: usize,
        used: Cell<usize>,
        gap: usize,
    }

    impl Buffer {
        fn new(pages: usize, gap: usize) -> Self {
            let bytes = vec![0u8; (pages + 1) * PAGE].leak();
            let base = (bytes.as_ptr() as usize).div_ceil(PAGE) * PAGE;
            Self {
                base,
                pages,
                used: Cell::new(0),
                gap,
            }
        }
    }

    impl Pages for Buffer {
        fn grow(&self, count: usize) -> Option<usize> {
            let first = self.used.get();
            if first + count > self.pages {
                return None;
            }
            self.used.set((first + count + self.gap).min(self.pages));
            Some(self.base + first * PAGE)
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn classes() {
        assert_eq!(class_of(layout(0, 1)), Some((0, 16)));
        assert_eq!(class_of(layout(16, 1)), Some((0, 16)));
        assert_eq!(class_of(layout(17, 1)), Some((1, 32)));
        assert_eq!(class_of(layout(3, 64)), Some((2, 64)));
        assert_eq!(class_of(layout(PAGE + 1, 8)), Some((13, 2 * PAGE)));
    }

    #[test]
    fn freed_blocks_are_reused() {
        let a = SizeClasses::new(Buffer::new(4, 0));
        unsafe {
            let x = a.alloc(layout(24, 8));
            a.dealloc(x, layout(24, 8));
            assert_eq!(a.alloc(layout(30, 4)), x, "same class, same block");
            assert_ne!(a.alloc(layout(30, 4)), x);
        }
    }

    #[test]
    fn exhaustion_is_null_not_a_crash() {
        let a = SizeClasses::new(Buffer::new(2, 0));
        unsafe {
            assert!(!a.alloc(layout(PAGE, 8)).is_null());
            assert!(!a.alloc(layout(PAGE, 8)).is_null());
            assert!(a.alloc(layout(PAGE, 8)).is_null());
            assert!(a.alloc(layout(isize::MAX as usize / 2, 8)).is_null());
        }
    }

    /// A long random mix of alloc, free and realloc: every block aligned, no two live blocks
    /// overlap, and contents survive until freed or moved.
    #[test]
    fn random_workload_keeps_blocks_apart_and_contents_intact() {
        for gap in [0, 1] {
            let a = SizeClasses::new(Buffer::new(1024, gap));
            let mut rng = 0x2545_f491_4f6c_dd1du64;
            let mut next = move || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng
            };
            let mut live: BTreeMap<usize, (Layout, u8)> = BTreeMap::new();
            for step in 0..50_000u32 {
                let roll = next() % 10;
                if (roll < 5 && live.len() < 300) || live.is_empty() {
                    let size = match next() % 20 {
                        0 => (next() % 200_000) as usize,
                        1..=4 => (next() % 4096) as usize,
                        _ => (next() % 100) as usize,
                    };
                    let l = layout(size, 1 << (next() % 7));
                    let p = unsafe { a.alloc(l) } as usize;
                    assert_ne!(p, 0, "step {step}: out of memory");
                    assert_eq!(p % l.align(), 0);
                    if let Some((&q, &(ql, _))) = live.range(..=p).next_back() {
                        assert!(
                            q + ql.size().max(1) <= p,
                            "step {step}: overlaps the block before"
                        );
                    }
                    if let Some((&q, _)) = live.range(p + 1..).next() {
                        assert!(p + size <= q, "step {step}: overlaps the block after");
                    }
                    let fill = step as u8;
                    unsafe { ptr::write_bytes(p as *mut u8, fill, size) };
                    live.insert(p, (l, fill));
                } else {
                    let at = *live
                        .keys()
                        .nth((next() % live.len() as u64) as usize)
                        .unwrap();
                    let (l, fill) = live.remove(&at).unwrap();
                    let bytes = unsafe { std::slice::from_raw_parts(at as *const u8, l.size()) };
                    assert!(
                        bytes.iter().all(|b| *b == fill),
                        "step {step}: contents changed"
                    );
                    if roll < 8 {
                        unsafe { a.dealloc(at as *mut u8, l) };
                    } else {
                        let new_size = (next() % 8192) as usize;
                        let q = unsafe { a.realloc(at as *mut u8, l, new_size) } as usize;
                        assert_ne!(q, 0);
                        let kept = l.size().min(new_size);
                        let moved = unsafe { std::slice::from_raw_parts(q as *const u8, kept) };
                        assert!(
                            moved.iter().all(|b| *b == fill),
                            "step {step}: realloc lost data"
                        );
                        let nl = layout(new_size, l.align());
                        unsafe { ptr::write_bytes(q as *mut u8, fill, new_size) };
                        live.insert(q, (nl, fill));
                    }
                }
            }
        }
    }
}
