#![no_main]

// The body is `kubectl_deny::fuzzing::api_page`, which `cargo test` also runs on fuzz/corpus/api_page.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_deny::fuzzing::api_page(data));
