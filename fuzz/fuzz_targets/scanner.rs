//! The fast YAML scanner against granit-parser on any bytes (see
//! `onus::fuzzing::check_scanner`): same tree node by node, or "not mine".
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onus::fuzzing::check_scanner(data));
