#![no_main]

// The body is `kubectl_deny::fuzzing::completion`, which `cargo test` also runs on fuzz/corpus/completion.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_deny::fuzzing::completion(data));
