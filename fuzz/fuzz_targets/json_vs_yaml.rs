#![no_main]

// The body is `kubectl_deny::fuzzing::json_vs_yaml`, which `cargo test` also runs on fuzz/corpus/json_vs_yaml.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_deny::fuzzing::json_vs_yaml(data));
