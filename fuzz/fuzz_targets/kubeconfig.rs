#![no_main]

// The body is `kubectl_deny::fuzzing::kubeconfig`, which `cargo test` also runs on fuzz/corpus/kubeconfig.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_deny::fuzzing::kubeconfig(data));
