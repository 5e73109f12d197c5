//! The whole pipeline on a few files cut from one input (see `onus::fuzzing::check_pipeline`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onus::fuzzing::check_pipeline(data));
