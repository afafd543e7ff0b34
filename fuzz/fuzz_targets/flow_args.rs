#![no_main]

// The body is `kubectl_deny::fuzzing::flow_args`, which `cargo test` also runs on fuzz/corpus/flow_args.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_deny::fuzzing::flow_args(data));
