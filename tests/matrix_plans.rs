//! `matrix` on clusters with Calico and Cilium policies (issue 16 item 4): each layer decides whole
//! rows of the matrix through its plan (`pipeline::LayerPlan`), never cell by cell. On every Calico
//! and Cilium fixture and example of the repository, every cell of the matrix, pod by pod, must
//! equal the cell-by-cell evaluation (`Engine::decide`, what `why` answers), at each pod's declared
//! ports and at a fixed list of ports. The engine's own property tests (`engine::matrix`) do the
//! same on random clusters, and `tools/synth/tests/calico.rs` on generated ones.

use std::path::{Path, PathBuf};

use kubectl_deny::engine::matrix::PortChoice;
use kubectl_deny::engine::{Engine, Pod, Protocol};
use kubectl_deny::fuzzing::matrix_cells_equal_decide;
use kubectl_deny::source::file;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The YAML files under `dir`, recursively, in order.
fn yaml_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(yaml_under(&path));
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
    out
}

/// Every cell of the matrix of `files` equals `decide`; returns how many cells were compared.
fn cells_equal_decide(name: &str, files: &[PathBuf]) -> usize {
    let snapshot = file::load(files, "default", &mut std::io::empty()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let engine = Engine::new(&snapshot);
    let pods: Vec<&Pod> = snapshot.pods.iter().collect();
    let given = vec![(80, Protocol::Tcp), (53, Protocol::Udp), (8080, Protocol::Tcp), (443, Protocol::Tcp)];
    [PortChoice::Declared, PortChoice::Given(given)]
        .iter()
        .map(|choice| matrix_cells_equal_decide(&engine, &pods, choice, &format!("{name}:")))
        .sum()
}

#[test]
fn calico_matrix_plans_equal_the_cell_by_cell_evaluation() {
    let clusters: Vec<(&str, Vec<PathBuf>)> = vec![
        ("examples-calico", yaml_under(&root().join("examples-calico"))),
        ("calico_tiers", yaml_under(&root().join("tests/fixtures/cli/calico_tiers"))),
        ("calico_cluster_wide", yaml_under(&root().join("tests/fixtures/cli/calico_cluster_wide"))),
    ];
    for (name, files) in clusters {
        let snapshot = file::load(&files, "default", &mut std::io::empty()).unwrap();
        assert!(!snapshot.calico.is_empty(), "{name} has Calico policies");
        assert!(cells_equal_decide(name, &files) > 0, "{name}: no cell compared");
    }
}

#[test]
fn cilium_matrix_plans_equal_the_cell_by_cell_evaluation() {
    let mut clusters: Vec<(String, Vec<PathBuf>)> =
        vec![("examples-cilium".into(), yaml_under(&root().join("examples-cilium")))];
    let fixtures = root().join("tests/fixtures/cilium");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&fixtures).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        clusters.push((format!("cilium/{}", dir.file_name().unwrap().to_string_lossy()), yaml_under(&dir)));
    }
    assert!(clusters.len() > 20, "the Cilium fixtures are there");
    let mut compared = 0;
    for (name, files) in &clusters {
        let snapshot = file::load(files, "default", &mut std::io::empty()).unwrap();
        assert!(kubectl_deny::engine::cilium::in_use(&snapshot), "{name} is a Cilium cluster");
        compared += cells_equal_decide(name, files);
    }
    assert!(compared > 1000, "only {compared} cells compared");
}
