//! A rule file from any bytes: loaded or refused with a location, and run without a panic
//! (see `onus::fuzzing::check_rule`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onus::fuzzing::check_rule(data));
