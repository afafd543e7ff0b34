//! The cluster state after the starter kit: a copy of the snapshot with the policies `init` would
//! install in each namespace, decided by the same code `init` runs (`init::Planner`, that is
//! `kit::plan::against_existing` over the kit `kit::build` makes): a policy in place already, a
//! kit name someone else uses, an allow left out so as not to widen one, and a deny held back are
//! all what `init` would do. Never a second description of the kit.
//!
//! `init --baseline` (a cluster-wide deny in the Baseline tier, issue 12) plugs in here as a
//! second `Change` once it exists.

use crate::engine::Snapshot;
use crate::error::Error;
use crate::kit::Kit;
use crate::kit::build::Options;
use crate::kit::detect::Detection;
use crate::kit::plan::{Existing, Step};

use super::init::Planner;

/// What a namespace would get.
#[derive(Debug, Clone)]
pub struct Installed {
    pub namespace: String,
    /// Each kit policy's name and what `init` would do with it.
    pub steps: Vec<(String, Step)>,
}

/// `snapshot` with the kit installed into `namespaces` as `init` would install it, and what it
/// would do in each.
pub fn with_kit(
    snapshot: &Snapshot,
    detection: &Detection,
    options: &Options,
    kit: &Kit,
    namespaces: &[String],
    widen: bool,
) -> Result<(Snapshot, Vec<Installed>), Error> {
    let planner = Planner::new(snapshot.clone(), detection, options, kit, widen)?;
    let mut after = snapshot.clone();
    let mut installed = Vec::new();
    for ns in namespaces {
        let steps = planner.steps(ns, &existing(snapshot, ns));
        let mut named = Vec::new();
        for ((model, kit_policy), step) in planner.models.iter().zip(&kit.policies).zip(steps) {
            if step == Step::Apply {
                let mut policy = model.clone();
                policy.namespace = ns.clone();
                after.policies.retain(|p| !(p.namespace == policy.namespace && p.name == policy.name));
                after.policies.push(policy);
            }
            named.push((kit_policy.name.to_string(), step));
        }
        installed.push(Installed { namespace: ns.clone(), steps: named });
    }
    Ok((after, installed))
}

/// The policies of namespace `ns` as the planner weighs them, from manifests: none marked as the
/// kit's own, so none is ever replaced.
pub fn existing(snapshot: &Snapshot, ns: &str) -> Vec<Existing> {
    snapshot
        .policies
        .iter()
        .filter(|p| p.namespace == ns)
        .map(|p| Existing { policy: p.clone(), ours: false, labelled: false })
        .collect()
}
