#![no_main]

// The body is `kubectl_deny::fuzzing::reader`, which `cargo test` also runs on fuzz/corpus/reader.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_deny::fuzzing::reader(data));
