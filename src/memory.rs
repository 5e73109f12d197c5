//! The process's memory policy: huge pages while a set is small, none once it is large.
//!
//! The binary's allocator asks for huge pages (see `main.rs`): a run on a set the keep budget
//! holds whole touches its memory once, and faulting it in 2 MB pages instead of 4 KB ones cut
//! a 2-thread run on the real corpus from 97.7 to 85.1 ms (docs/measurements.md, section 15).
//! Past the budget, the same pages would hold a few live bytes each: 16 copies of the corpus
//! peaked at 60-67 MB instead of 55-57. So once the budget drops a tree, the rest of the run
//! faults in small pages; and so does every run's second pass, whose memory is findings made
//! and freed a chunk at a time (the generated corpus peaked 8 MB higher with huge pages
//! there, and the real corpus 4 MB: docs/measurements.md, section 17).

/// No transparent huge pages for this process from now on (pages already huge stay so).
/// Linux only; elsewhere, and if the kernel refuses, nothing changes.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // Safety: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
