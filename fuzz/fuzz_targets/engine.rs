#![no_main]

// The body is `kubectl_deny::fuzzing::engine`, which `cargo test` also runs on fuzz/corpus/engine.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_deny::fuzzing::engine(data));
