//! The worker's global allocator: mimalloc, called the way its C API is fastest.
//!
//! Records are allocated on a task's thread and freed on librdkafka's, where glibc's
//! allocator contends on arena locks (about 25 % of worker CPU in profiles). The `mimalloc`
//! crate's `MiMalloc` sends every request through `mi_malloc_aligned`, whose generic path
//! costs about three times a plain `mi_malloc` in mimalloc 3. Every Rust layout whose
//! alignment is at most mimalloc's guaranteed 16 bytes (and not above its size) is served
//! by the plain entry points; other layouts keep the aligned ones.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every `mi_malloc` block of at least that size has (`MI_MAX_ALIGN_SIZE`).
const PLAIN_ALIGN: usize = 16;

/// mimalloc as the global allocator, with the plain fast path for ordinary layouts.
pub struct Mimalloc;

impl Mimalloc {
    #[inline]
    fn plain(layout: &Layout) -> bool {
        layout.align() <= PLAIN_ALIGN && layout.align() <= layout.size()
    }
}

// SAFETY: each method forwards to the mimalloc call with the same contract; blocks from the
// plain and the aligned entry points are both freed by `mi_free`, and `mi_realloc` keeps the
// alignment `mi_malloc` guarantees for the layouts `plain` admits.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Self::plain(&layout) {
            mi::mi_malloc(layout.size()) as *mut u8
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Self::plain(&layout) {
            mi::mi_zalloc(layout.size()) as *mut u8
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN && layout.align() <= new_size {
            mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_their_alignment_through_alloc_and_realloc() {
        let a = Mimalloc;
        for (size, align) in [
            (1, 1),
            (8, 8),
            (16, 16),
            (48, 16),
            (24, 8),
            (64, 64),
            (8, 16),
        ] {
            let layout = Layout::from_size_align(size, align).unwrap();
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "{size}/{align}");
                p.write_bytes(0xab, size);
                let q = a.realloc(p, layout, size * 5);
                assert_eq!(q as usize % align, 0, "realloc {size}/{align}");
                assert_eq!(*q, 0xab);
                a.dealloc(q, Layout::from_size_align(size * 5, align).unwrap());
                let z = a.alloc_zeroed(layout);
                assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                a.dealloc(z, layout);
            }
        }
    }
}
