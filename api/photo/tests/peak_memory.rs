//! [`cunxiang_photo::plan`]'s `peak_bytes` is what the API charges against its memory budget,
//! so it must not be less than what [`cunxiang_photo::process`] really allocates. Measured with
//! a counting allocator; one test in this binary, so no other test's allocations interfere.

mod support;

use cunxiang_photo::fixtures::png_rgba16;
use cunxiang_photo::{Limits, plan, process};
use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn the_planned_peak_covers_what_processing_allocates() {
    let (w, h) = (2400, 1800);
    let rgb = support::photo(w, h, 5);
    let rgba: Vec<u8> = rgb
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 200])
        .collect();
    let inputs = [
        ("16-bit RGBA PNG", png_rgba16(w, h)),
        ("8-bit RGB PNG", support::png(&rgb, w, h, false, None)),
        ("8-bit RGBA PNG", support::png(&rgba, w, h, true, None)),
        ("JPEG", support::jpeg(&rgb, w, h, &[])),
        ("WebP", support::webp(&rgb, w, h, None)),
    ];
    let limits = Limits::default();
    for (name, bytes) in inputs {
        let planned = plan(&bytes, &limits).unwrap();
        GLOBAL.reset_peak_memory();
        let out = process(&bytes, &limits).unwrap();
        let peak = GLOBAL.get_peak_memory() as u64 + bytes.len() as u64;
        drop(out);
        assert!(
            peak <= planned.peak_bytes,
            "{name}: allocated {peak} bytes at the peak, planned {}",
            planned.peak_bytes
        );
        // An estimate far above the truth would waste the budget.
        assert!(
            planned.peak_bytes <= 3 * peak,
            "{name}: planned {} for a peak of {peak}",
            planned.peak_bytes
        );
    }
}
