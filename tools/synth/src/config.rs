//! What to generate: the sizes and seed a run asks for, the named presets, and the limits that
//! keep a request meaningful. Owns no randomness and no output.

use std::fmt;

/// The seed used when none is given, so that `synth --preset large` means one exact cluster.
pub const DEFAULT_SEED: u64 = 1;

/// The namespaces every generated cluster has before any app namespace.
pub const SYSTEM_NAMESPACES: [&str; 6] =
    ["default", "kube-system", "kube-public", "kube-node-lease", "ingress-nginx", "monitoring"];

/// Upper bounds that keep generated addresses inside their ranges (pod CIDRs from 10.128.0.0/9,
/// Service IPs from 10.96.0.0/12, node addresses from 192.168.0.0/16).
pub const MAX_PODS: usize = 500_000;
pub const MAX_NAMESPACES: usize = 100_000;
pub const MAX_POLICIES: usize = 1_000_000;
pub const MAX_CALICO_POLICIES: usize = 10_000;
pub const MAX_CILIUM_POLICIES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Total namespaces, the six system namespaces included.
    pub namespaces: usize,
    /// Total pods, system pods included.
    pub pods: usize,
    /// Total NetworkPolicies wanted; the result is exact unless the app namespaces run out of
    /// policies that make sense for their workloads.
    pub policies: usize,
    pub seed: u64,
    /// Emit `metadata.managedFields` as a live API server would.
    pub managed_fields: bool,
    /// Calico policies (`projectcalico.org/v3` NetworkPolicy and GlobalNetworkPolicy) to mix in;
    /// none unless asked for (see `calico`).
    pub calico_policies: usize,
    /// Cilium policies (`cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy)
    /// to mix in; none unless asked for (see `cilium`).
    pub cilium_policies: usize,
    /// Only Namespaces, Pods and NetworkPolicies, each with only the fields kubectl-deny reads,
    /// in compact JSON, one object a line
    /// (what `kubectl get ns,pods,netpol -A -o json` trimmed by a jq filter looks like): many
    /// small objects, where the cost per object rather than per byte shows.
    pub lean: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Small,
    Medium,
    Large,
    Xlarge,
    Huge,
    /// 100,000 pods and 16,000 policies, lean (see `Config::lean`).
    Lean,
    /// Small enough for network-config-analyzer, which evaluates every pair of pods.
    Nca,
}

impl Preset {
    pub const ALL: [Preset; 7] =
        [Preset::Small, Preset::Medium, Preset::Large, Preset::Xlarge, Preset::Huge, Preset::Lean, Preset::Nca];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Small => "small",
            Preset::Medium => "medium",
            Preset::Large => "large",
            Preset::Xlarge => "xlarge",
            Preset::Huge => "huge",
            Preset::Lean => "lean",
            Preset::Nca => "nca",
        }
    }

    pub fn parse(s: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == s)
    }

    /// `(namespaces, pods, policies)`.
    pub fn shape(self) -> (usize, usize, usize) {
        match self {
            Preset::Small => (16, 100, 60),
            Preset::Medium => (30, 1_000, 250),
            Preset::Large => (120, 5_000, 1_000),
            Preset::Xlarge => (500, 20_000, 5_000),
            Preset::Huge => (5_000, 100_000, 20_000),
            Preset::Lean => (5_000, 100_000, 16_000),
            Preset::Nca => (30, 400, 200),
        }
    }

    pub fn config(self, seed: u64, managed_fields: bool) -> Config {
        let (namespaces, pods, policies) = self.shape();
        Config {
            namespaces,
            pods,
            policies,
            seed,
            managed_fields,
            calico_policies: 0,
            cilium_policies: 0,
            lean: self == Preset::Lean,
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request the generator cannot honour, with the flag to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    TooFewNamespaces { asked: usize },
    TooFewPods { asked: usize, system: usize },
    TooMany { flag: &'static str, asked: usize, max: usize },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::TooFewNamespaces { asked } => write!(
                f,
                "--namespaces {asked} is too few: the total includes the {} system namespaces ({}), \
                 so use --namespaces {} or more",
                SYSTEM_NAMESPACES.len(),
                SYSTEM_NAMESPACES.join(", "),
                SYSTEM_NAMESPACES.len() + 1
            ),
            ConfigError::TooFewPods { asked, system } => write!(
                f,
                "--pods {asked} is too few: the total includes the {system} system pods this cluster \
                 needs (CoreDNS, ingress-nginx, Prometheus, control plane, a CNI and kube-proxy pod \
                 per node), so use --pods {system} or more"
            ),
            ConfigError::TooMany { flag, asked, max } => {
                write!(f, "{flag} {asked} is more than this generator supports; use {flag} {max} or fewer")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Checks the bounds that do not depend on the cluster's shape.
    pub fn check_bounds(&self) -> Result<(), ConfigError> {
        if self.namespaces <= SYSTEM_NAMESPACES.len() {
            return Err(ConfigError::TooFewNamespaces { asked: self.namespaces });
        }
        for (flag, asked, max) in [
            ("--namespaces", self.namespaces, MAX_NAMESPACES),
            ("--pods", self.pods, MAX_PODS),
            ("--policies", self.policies, MAX_POLICIES),
            ("--calico-policies", self.calico_policies, MAX_CALICO_POLICIES),
            ("--cilium-policies", self.cilium_policies, MAX_CILIUM_POLICIES),
        ] {
            if asked > max {
                return Err(ConfigError::TooMany { flag, asked, max });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_round_trips_through_its_name() {
        for p in Preset::ALL {
            assert_eq!(Preset::parse(p.name()), Some(p));
        }
        assert_eq!(Preset::parse("gigantic"), None);
    }

    #[test]
    fn presets_are_within_bounds() {
        for p in Preset::ALL {
            assert_eq!(p.config(DEFAULT_SEED, false).check_bounds(), Ok(()), "{p}");
        }
    }

    #[test]
    fn namespaces_must_leave_room_for_an_app_namespace() {
        let mut c = Preset::Small.config(1, false);
        c.namespaces = 6;
        let err = c.check_bounds().unwrap_err();
        assert_eq!(err, ConfigError::TooFewNamespaces { asked: 6 });
        assert!(err.to_string().contains("use --namespaces 7 or more"), "{err}");
    }
}
