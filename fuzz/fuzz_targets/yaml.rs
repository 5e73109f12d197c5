//! The YAML layer on any bytes (see `onus::fuzzing::check_yaml`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onus::fuzzing::check_yaml(data));
