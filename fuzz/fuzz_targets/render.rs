//! The kustomize renderer on any bytes: patches, the emitter and a build never panic, and
//! an emitted tree reads back as itself (see `onus::fuzzing::check_render`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onus::fuzzing::check_render(data));
