//! `--calico-policies` and `--cilium-policies` make the benchmark inputs of `matrix` through the
//! Calico and Cilium layers (scripts/bench.sh sizes `calico` and `cilium`): kubectl-deny reads
//! every generated policy, and on those generated clusters every cell of the matrix, pod by pod,
//! equals the cell-by-cell evaluation (`Engine::decide`, what `why` answers), so the layers'
//! matrix plans are checked on realistic clusters as well as on the fixtures.

use kubectl_deny::engine::matrix::PortChoice;
use kubectl_deny::engine::{Engine, Pod, Protocol};
use kubectl_deny::fuzzing::matrix_cells_equal_decide;
use kubectl_deny::source::file;
use kubectl_deny_synth::{Config, Format, Preset, generate};

fn load(config: &Config) -> kubectl_deny::engine::Snapshot {
    let mut out = Vec::new();
    generate(config, Format::Json, &mut out).expect("generates");
    file::load_str(std::str::from_utf8(&out).unwrap(), "synth.json", "default").expect("kubectl-deny reads it")
}

fn assert_cells_equal_decide(snapshot: &kubectl_deny::engine::Snapshot) {
    let engine = Engine::new(snapshot);
    let pods: Vec<&Pod> = snapshot.pods.iter().collect();
    let given = vec![(8080, Protocol::Tcp), (5432, Protocol::Tcp), (53, Protocol::Udp)];
    for choice in [PortChoice::Given(given), PortChoice::Declared] {
        matrix_cells_equal_decide(&engine, &pods, &choice, "generated cluster:");
    }
}

#[test]
fn generated_cilium_policies_are_read_and_the_matrix_equals_decide() {
    let config = Config { cilium_policies: 24, ..Preset::Small.config(5, false) };
    let snapshot = load(&config);
    assert_eq!(snapshot.cilium_policies.len(), 24, "every generated Cilium policy is read");
    let clusterwide = snapshot.cilium_policies.iter().filter(|p| p.namespace.is_none()).count();
    assert!(clusterwide > 0 && clusterwide < 24, "both kinds: {clusterwide} clusterwide");
    assert!(kubectl_deny::engine::cilium::in_use(&snapshot));
    assert_cells_equal_decide(&snapshot);
}

#[test]
fn generated_calico_policies_give_a_matrix_equal_to_decide() {
    let config = Config { calico_policies: 28, ..Preset::Small.config(5, false) };
    let snapshot = load(&config);
    assert!(!snapshot.calico.is_empty());
    assert_cells_equal_decide(&snapshot);
}

#[test]
fn too_many_cilium_policies_is_refused_with_the_flag_to_change() {
    let config = Config { cilium_policies: 10_001, ..Preset::Small.config(5, false) };
    let err = kubectl_deny_synth::plan(&config).unwrap_err();
    assert!(err.to_string().contains("--cilium-policies 10000 or fewer"), "{err}");
}
