//! The ClusterNetworkPolicy (`policy.networking.k8s.io/v1alpha2`) conformance tests, one module per
//! upstream `suite.ConformanceTest` (its `ShortName` in snake_case), one test per `t.Run` (its
//! title in snake_case). Each module says which upstream file and commit it was read from. Probes
//! are upstream's `PokeServer` calls in upstream's order; a step's change (a rule swap, a new
//! action or priority, a deleted NetworkPolicy) is upstream's patch, kept for the steps after it as
//! upstream's state keeps it.
//!
//! Not ported, and why:
//! - `admin-network-policy-same-priority.go` (commit ca0e3073, base `admin_tier/same-priority-{1,2}.yaml`):
//!   an older `CNPAdminTierSamePriority` under the same ShortName, superseded by
//!   `admin-network-policy-standard-same-priority.go`, which is ported; two tests of one name cannot
//!   both be current upstream.
//! - Nothing else: every step of the v1alpha2 tests read can be stated from manifests. The steps
//!   needing a live value (pod IPs for `networks`, node IPs for `nodes`, the hairpin Service's
//!   ClusterIP) take it from the world, where it is fixed.
//!
//! Versions read: tests at 30ea168a (experimental egress/ingress rules), 24918313 (admin ingress
//! TCP; baseline egress and ingress TCP, which add the "Should not affect ..." steps), ae899497
//! (admin egress UDP and SCTP, ingress UDP, named port), 25f6bf05 (gress, integration, baseline
//! egress SCTP, ingress UDP), 4d38b37f (admin egress TCP), e98949c4 (isolation), 2643c7d1 (pod
//! selector), b9f7a830 / e1576bf6 (port ranges), 295a4ff8 (priority, admin inline CIDR), efe784ef /
//! 3004fc78 (same priority), d1a2cd7a (hairpin). Where only the v1alpha1-era file of a test was
//! stored (admin ingress SCTP 4d4a53a6, baseline egress UDP and ingress SCTP 2d21d068, baseline
//! inline CIDR 47a85071), its steps are the CNP test's: upstream converted them by renaming.
//! Base manifests at 30ea168a / 562e6e86 where stored, else the newest stored.

use crate::fixtures::{self, Dir, EGRESS_SCTP, EGRESS_TCP, EGRESS_UDP, INGRESS_SCTP, INGRESS_TCP, INGRESS_UDP};
use crate::harness::{State, Verdict, after, allowed, blocked, host_cidr, probes, via_service};
use crate::policy::{Action, Api, Port, Tier};
use crate::world::Proto::{Sctp, Tcp, Udp};
use crate::world::{
    CEDRIC_0 as C0, CEDRIC_1 as C1, CENTAUR_1, DRACO_0 as D0, DRACO_1 as D1, HARRY_0 as H0, HARRY_1 as H1,
    LUNA_0 as L0, LUNA_1 as L1, World, hnp,
};

/// Upstream's inline-CIDR patch: Allow to luna-lovegood-0 and cedric-diggory-0, each a /32, inserted before the other
/// egress rules of `name`.
fn insert_allow_to_pod_ips(state: &mut State, name: &str) {
    let world = World::hogwarts();
    let ip = |p| world.pod(p).map(|p| p.ip).expect("a pod of the world");
    let rule = fixtures::allow_egress_to_specific_pod_ips(vec![host_cidr(ip(L0)), host_cidr(ip(C0))]);
    state.policy(name).egress.insert(0, rule);
}

conformance_suites! {
    api: Api::V1alpha2;

    /// `CNPAdminTierEgressTCP`: `egress-tcp` (Admin, 6) on gryffindor: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Pass
    /// ravenclaw, 3 Deny slytherin TCP 80, 4 Pass slytherin TCP 80, 5 Accept hufflepuff TCP 8080, 6 Deny hufflepuff.
    /// Read at 4d38b37f; base at 30ea168a.
    mod cnp_admin_tier_egress_tcp = "CNPAdminTierEgressTCP"
        in "conformance/tests/admin-network-policy-standard-egress-tcp-rules.go" {
        base: fixtures::protocol_state(&EGRESS_TCP, Tier::Admin);
        should_support_an_allow_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(H0, L0, 80, Tcp), allowed(H1, L0, 8080, Tcp)]);
        should_support_an_allow_egress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support an 'allow-egress' policy for TCP protocol at the specified port" =>
            probes(vec![allowed(H0, C1, 8080, Tcp), blocked(H1, C1, 80, Tcp)]);
        should_support_an_deny_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-egress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("egress-tcp").swap_egress(0, 1),
                vec![blocked(H0, L1, 80, Tcp), blocked(H1, L1, 8080, Tcp)]);
        should_support_a_deny_egress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'deny-egress' policy for TCP protocol at the specified port" =>
            probes(vec![blocked(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp)]);
        should_support_an_pass_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'pass-egress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("egress-tcp").swap_egress(0, 2),
                vec![allowed(H0, L0, 80, Tcp), allowed(H1, L0, 8080, Tcp)]);
        should_support_a_pass_egress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'pass-egress' policy for TCP protocol at the specified port" =>
            after(|s| s.policy("egress-tcp").swap_egress(3, 4),
                vec![allowed(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp)]);
    }

    /// `CNPAdminTierEgressUDP`: `egress-udp` (Admin, 7) on hufflepuff: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Pass
    /// ravenclaw, 3 Deny slytherin UDP 5353, 4 Pass slytherin UDP 5353, 5 Accept gryffindor UDP 53, 6 Deny gryffindor.
    /// Read at ae899497; base at 30ea168a.
    mod cnp_admin_tier_egress_udp = "CNPAdminTierEgressUDP"
        in "conformance/tests/admin-network-policy-standard-egress-udp-rules.go" {
        base: fixtures::protocol_state(&EGRESS_UDP, Tier::Admin);
        should_support_an_allow_egress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-egress' policy for UDP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(C0, L0, 53, Udp), allowed(C1, L0, 5353, Udp)]);
        should_support_an_allow_egress_policy_for_udp_protocol_at_the_specified_port:
            "Should support an 'allow-egress' policy for UDP protocol at the specified port" =>
            probes(vec![allowed(C0, H1, 53, Udp), blocked(C1, H1, 5353, Udp)]);
        should_support_an_deny_egress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-egress' policy for UDP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("egress-udp").swap_egress(0, 1),
                vec![blocked(C0, L1, 53, Udp), blocked(C1, L1, 5353, Udp)]);
        should_support_a_deny_egress_policy_for_udp_protocol_at_the_specified_port:
            "Should support a 'deny-egress' policy for UDP protocol at the specified port" =>
            probes(vec![blocked(C0, D0, 5353, Udp), allowed(C1, D0, 53, Udp)]);
        should_support_an_pass_egress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'pass-egress' policy for UDP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("egress-udp").swap_egress(0, 2),
                vec![allowed(C0, L1, 5353, Udp), allowed(C1, L1, 53, Udp)]);
        should_support_a_pass_egress_policy_for_udp_protocol_at_the_specified_port:
            "Should support a 'pass-egress' policy for UDP protocol at the specified port" =>
            after(|s| s.policy("egress-udp").swap_egress(3, 4),
                vec![allowed(C0, D0, 5353, Udp), allowed(C1, D0, 53, Udp)]);
    }

    /// `CNPAdminTierEgressSCTP`: `egress-sctp` (Admin, 8) on ravenclaw: 0 Accept gryffindor, 1 Deny gryffindor, 2 Pass
    /// gryffindor, 3 Deny slytherin SCTP 9003, 4 Pass slytherin SCTP 9003, 5 Accept hufflepuff SCTP 9003, 6 Deny
    /// hufflepuff. Read at ae899497; base at 562e6e86.
    mod cnp_admin_tier_egress_sctp = "CNPAdminTierEgressSCTP"
        in "conformance/tests/admin-network-policy-standard-egress-sctp-rules.go" {
        base: fixtures::protocol_state(&EGRESS_SCTP, Tier::Admin);
        should_support_an_allow_egress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-egress' policy for SCTP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, H0, 9003, Sctp), allowed(L1, H0, 9005, Sctp)]);
        should_support_an_allow_egress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support an 'allow-egress' policy for SCTP protocol at the specified port" =>
            probes(vec![allowed(L0, C1, 9003, Sctp), blocked(L1, C1, 9005, Sctp)]);
        should_support_an_deny_egress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-egress' policy for SCTP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("egress-sctp").swap_egress(0, 1),
                vec![blocked(L0, H1, 9003, Sctp), blocked(L1, H1, 9005, Sctp)]);
        should_support_a_deny_egress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support a 'deny-egress' policy for SCTP protocol at the specified port" =>
            probes(vec![blocked(L0, D0, 9003, Sctp), allowed(L1, D0, 9005, Sctp)]);
        should_support_an_pass_egress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'pass-egress' policy for SCTP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("egress-sctp").swap_egress(0, 2),
                vec![allowed(L0, H1, 9003, Sctp), allowed(L1, H1, 9005, Sctp)]);
        should_support_a_pass_egress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support a 'pass-egress' policy for SCTP protocol at the specified port" =>
            after(|s| s.policy("egress-sctp").swap_egress(3, 4),
                vec![allowed(L0, D0, 9003, Sctp), allowed(L1, D0, 9005, Sctp)]);
    }

    /// `CNPAdminTierIngressTCP`: `ingress-tcp` (Admin, 3) on gryffindor: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Pass
    /// ravenclaw, 3 Deny slytherin TCP 80, 4 Pass slytherin TCP 80, 5 Accept hufflepuff TCP 80, 6 Deny hufflepuff. Read
    /// at 24918313; base at 4d38b37f.
    mod cnp_admin_tier_ingress_tcp = "CNPAdminTierIngressTCP"
        in "conformance/tests/admin-network-policy-standard-ingress-tcp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_TCP, Tier::Admin);
        should_support_an_allow_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, H0, 80, Tcp), allowed(L1, H0, 8080, Tcp)]);
        should_support_an_allow_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for TCP protocol at the specified port" =>
            probes(vec![allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp)]);
        should_not_affect_egress_traffic_when_only_ingress_rules_are_specified:
            "Should not affect egress traffic when only ingress rules are specified" =>
            probes(vec![allowed(H0, L0, 80, Tcp), allowed(H1, D0, 80, Tcp)]);
        should_support_an_deny_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("ingress-tcp").swap_ingress(0, 1),
                vec![blocked(L0, H1, 80, Tcp), blocked(L1, H1, 8080, Tcp)]);
        should_support_a_deny_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'deny-ingress' policy for TCP protocol at the specified port" =>
            probes(vec![blocked(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp)]);
        should_support_an_pass_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'pass-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("ingress-tcp").swap_ingress(0, 2),
                vec![allowed(L0, H0, 80, Tcp), allowed(L1, H0, 8080, Tcp)]);
        should_support_a_pass_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'pass-ingress' policy for TCP protocol at the specified port" =>
            after(|s| s.policy("ingress-tcp").swap_ingress(3, 4),
                vec![allowed(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp)]);
    }

    /// `CNPAdminTierIngressUDP`: `ingress-udp` (Admin, 4) on hufflepuff: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Pass
    /// ravenclaw, 3 Deny slytherin UDP 5353, 4 Pass slytherin UDP 5353, 5 Accept gryffindor UDP 53, 6 Deny gryffindor.
    /// Read at ae899497; base at 30ea168a.
    mod cnp_admin_tier_ingress_udp = "CNPAdminTierIngressUDP"
        in "conformance/tests/admin-network-policy-standard-ingress-udp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_UDP, Tier::Admin);
        should_support_an_allow_ingress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for UDP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, C0, 53, Udp), allowed(L1, C0, 5353, Udp)]);
        should_support_an_allow_ingress_policy_for_udp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for UDP protocol at the specified port" =>
            probes(vec![allowed(H0, C1, 53, Udp), blocked(H1, C1, 5353, Udp)]);
        should_support_an_deny_ingress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-ingress' policy for UDP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("ingress-udp").swap_ingress(0, 1),
                vec![blocked(L0, C1, 53, Udp), blocked(L1, C1, 5353, Udp)]);
        should_support_a_deny_ingress_policy_for_udp_protocol_at_the_specified_port:
            "Should support a 'deny-ingress' policy for UDP protocol at the specified port" =>
            probes(vec![blocked(D0, C0, 5353, Udp), allowed(D1, C0, 53, Udp)]);
        should_support_an_pass_ingress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'pass-ingress' policy for UDP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("ingress-udp").swap_ingress(0, 2),
                vec![allowed(L0, C1, 5353, Udp), allowed(L1, C1, 53, Udp)]);
        should_support_a_pass_ingress_policy_for_udp_protocol_at_the_specified_port:
            "Should support a 'pass-ingress' policy for UDP protocol at the specified port" =>
            after(|s| s.policy("ingress-udp").swap_ingress(3, 4),
                vec![allowed(D0, C0, 5353, Udp), allowed(D1, C0, 53, Udp)]);
    }

    /// `CNPAdminTierIngressSCTP`: `ingress-sctp` (Admin, 5) on ravenclaw: 0 Accept gryffindor, 1 Deny gryffindor,
    /// 2 Pass gryffindor, 3 Deny slytherin SCTP 9003, 4 Pass slytherin SCTP 9003, 5 Accept hufflepuff SCTP 9003, 6 Deny
    /// hufflepuff. Steps read at 4d4a53a6 (the v1alpha1-era file; the CNP one was not stored); base at 30ea168a.
    mod cnp_admin_tier_ingress_sctp = "CNPAdminTierIngressSCTP"
        in "conformance/tests/admin-network-policy-standard-ingress-sctp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_SCTP, Tier::Admin);
        should_support_an_allow_ingress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for SCTP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(H0, L0, 9003, Sctp), allowed(H1, L0, 9005, Sctp)]);
        should_support_an_allow_ingress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for SCTP protocol at the specified port" =>
            probes(vec![allowed(C0, L1, 9003, Sctp), blocked(C1, L1, 9005, Sctp)]);
        should_support_an_deny_ingress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-ingress' policy for SCTP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("ingress-sctp").swap_ingress(0, 1),
                vec![blocked(H0, L1, 9003, Sctp), blocked(H1, L1, 9005, Sctp)]);
        should_support_a_deny_ingress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support a 'deny-ingress' policy for SCTP protocol at the specified port" =>
            probes(vec![blocked(D0, L0, 9003, Sctp), allowed(D1, L0, 9005, Sctp)]);
        should_support_an_pass_ingress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'pass-ingress' policy for SCTP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("ingress-sctp").swap_ingress(0, 2),
                vec![allowed(H0, L1, 9003, Sctp), allowed(H1, L1, 9005, Sctp)]);
        should_support_a_pass_ingress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support a 'pass-ingress' policy for SCTP protocol at the specified port" =>
            after(|s| s.policy("ingress-sctp").swap_ingress(3, 4),
                vec![allowed(D0, L0, 9003, Sctp), allowed(D1, L0, 9005, Sctp)]);
    }

    /// `CNPAdminTierIngressNamedPort`: `ingress-udp` with rule 5 (Accept gryffindor) rewritten to the named port `dns`,
    /// which the hufflepuff pods define as UDP 53. Read at 30ea168a
    /// (`admin-network-policy-experimental-ingress-rules.go`; earlier in the ingress UDP file).
    mod cnp_admin_tier_ingress_named_port = "CNPAdminTierIngressNamedPort"
        in "conformance/tests/admin-network-policy-experimental-ingress-rules.go" {
        base: fixtures::protocol_state(&INGRESS_UDP, Tier::Admin);
        should_support_an_allow_ingress_policy_for_named_port:
            "Should support an 'allow-ingress' policy for named port" =>
            after(|s| s.policy("ingress-udp").ingress[5].ports = Some(vec![Port::Named("dns")]),
                vec![allowed(H0, C1, 53, Udp), blocked(H1, C1, 5353, Udp)]);
    }

    /// `CNPAdminTierEgressNamedPort`: `egress-tcp` with rule 5 (Accept hufflepuff at TCP 8080) rewritten to the named
    /// port `web`, which the hufflepuff pods define as TCP 80. Read at 30ea168a.
    mod cnp_admin_tier_egress_named_port = "CNPAdminTierEgressNamedPort"
        in "conformance/tests/admin-network-policy-experimental-egress-rules.go" {
        base: fixtures::protocol_state(&EGRESS_TCP, Tier::Admin);
        should_support_an_allow_egress_policy_for_named_port:
            "Should support an 'allow-egress' policy for named port" =>
            after(|s| s.policy("egress-tcp").egress[5].ports = Some(vec![Port::Named("web")]),
                vec![allowed(H0, C1, 80, Tcp), blocked(H1, C1, 8080, Tcp)]);
    }

    /// `CNPAdminTierEgressNodePeers`: `node-and-cidr-as-peers-example` (Admin, 75) on gryffindor pods: 0 Accept nodes
    /// (`kubernetes.io/os: linux`) at host-network port 0 TCP, 1 Pass nodes at port 2 UDP, 2 Deny slytherin pods, every
    /// node and every address. The server is the host-network pod centaur-1, reached at its pod IP, which is its node's
    /// IP. Read at 30ea168a; base at 3910463a (templated ports).
    mod cnp_admin_tier_egress_node_peers = "CNPAdminTierEgressNodePeers"
        in "conformance/tests/admin-network-policy-experimental-egress-rules.go" {
        base: fixtures::admin_node_peers();
        should_support_an_allow_egress_rule_policy_for_egress_node_peer:
            "Should support an 'allow-egress' rule policy for egress-node-peer" =>
            probes(vec![allowed(H1, CENTAUR_1, hnp(0), Tcp)]);
        should_support_a_pass_egress_rule_policy_for_egress_node_peer:
            "Should support a 'pass-egress' rule policy for egress-node-peer" =>
            probes(vec![allowed(H1, CENTAUR_1, hnp(2), Udp)]);
        should_support_a_deny_egress_rule_policy_for_egress_node_peer:
            "Should support a 'deny-egress' rule policy for egress-node-peer" =>
            probes(vec![
                blocked(H1, CENTAUR_1, hnp(1), Tcp), blocked(H1, CENTAUR_1, hnp(4), Udp),
                blocked(H1, CENTAUR_1, hnp(6), Sctp),
            ]);
    }

    /// `CNPAdminTierGress`: `gress-rules` (Admin, 15) on gryffindor, both directions, each port rule on TCP, UDP and
    /// SCTP at once. Read at 25f6bf05; base at 30ea168a.
    mod cnp_admin_tier_gress = "CNPAdminTierGress" in "conformance/tests/admin-network-policy-standard-gress-rules.go" {
        base: fixtures::gress_rules(Tier::Admin);
        should_support_an_allow_gress_policy_across_different_protocols:
            "Should support an 'allow-gress' policy across different protocols" =>
            probes(vec![
                allowed(H0, L0, 80, Tcp), allowed(H1, L0, 53, Udp), allowed(H0, L0, 9003, Sctp),
                allowed(L0, H0, 80, Tcp), allowed(L1, H0, 53, Udp), allowed(L1, H0, 9003, Sctp),
            ]);
        should_support_an_allow_gress_policy_across_different_protocols_at_the_specified_ports:
            "Should support an 'allow-gress' policy across different protocols at the specified ports" =>
            probes(vec![
                allowed(H0, C1, 8080, Tcp), blocked(H1, C1, 80, Tcp), allowed(H0, C1, 5353, Udp),
                blocked(H1, C1, 53, Udp), allowed(H0, C1, 9003, Sctp), blocked(H1, C1, 9005, Sctp),
                allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp), allowed(C0, H1, 5353, Udp),
                blocked(C1, H1, 53, Udp), allowed(C0, H1, 9003, Sctp), blocked(C1, H1, 9005, Sctp),
            ]);
        should_support_an_deny_gress_policy_across_different_protocols:
            "Should support an 'deny-gress' policy across different protocols" =>
            after(|s| { let p = s.policy("gress-rules"); p.swap_egress(0, 1); p.swap_ingress(0, 1); }, vec![
                blocked(H0, L1, 80, Tcp), blocked(H1, L1, 53, Udp), blocked(H0, L1, 9003, Sctp),
                blocked(L0, H1, 80, Tcp), blocked(L1, H1, 53, Udp), blocked(L1, H1, 9003, Sctp),
            ]);
        should_support_a_deny_gress_policy_across_different_protocols_at_the_specified_ports:
            "Should support a 'deny-gress' policy across different protocols at the specified ports" =>
            probes(vec![
                blocked(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp), blocked(H0, D0, 53, Udp),
                allowed(H1, D0, 5353, Udp), blocked(H0, D0, 9003, Sctp), allowed(H1, D0, 9005, Sctp),
                blocked(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp), blocked(D0, H0, 53, Udp),
                allowed(D1, H0, 5353, Udp), blocked(D0, H0, 9003, Sctp), allowed(D1, H0, 9005, Sctp),
            ]);
        should_support_an_pass_gress_policy_across_different_protocols:
            "Should support an 'pass-gress' policy across different protocols" =>
            after(|s| { let p = s.policy("gress-rules"); p.swap_egress(0, 2); p.swap_ingress(0, 2); }, vec![
                allowed(H0, L0, 80, Tcp), allowed(H0, L0, 5353, Udp), allowed(H0, L0, 9003, Sctp),
                allowed(L0, H0, 80, Tcp), allowed(L1, H0, 53, Udp), allowed(L1, H0, 9003, Sctp),
            ]);
        should_support_a_pass_gress_policy_across_different_protocols_at_the_specified_ports:
            "Should support a 'pass-gress' policy across different protocols at the specified ports" =>
            after(|s| { let p = s.policy("gress-rules"); p.swap_egress(3, 4); p.swap_ingress(3, 4); }, vec![
                allowed(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp), allowed(H0, D0, 53, Udp),
                allowed(H1, D0, 5353, Udp), allowed(H0, D0, 9003, Sctp), allowed(H1, D0, 9005, Sctp),
                allowed(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp), allowed(D0, H0, 53, Udp),
                allowed(D1, H0, 5353, Udp), allowed(D0, H0, 9003, Sctp), allowed(D1, H0, 9005, Sctp),
            ]);
    }

    /// `CNPAdminTierEgressInlineCIDRPeers`: `inline-cidr-as-peers-example` (Admin, 85) on gryffindor pods: 0 Accept
    /// slytherin pods, 1 Deny `0.0.0.0/0` and `::/0`; the second step inserts an Accept of luna-lovegood-0's and
    /// cedric-diggory-0's IPs (each /32) before them. Read at 295a4ff8; base at 30ea168a.
    mod cnp_admin_tier_egress_inline_cidr_peers = "CNPAdminTierEgressInlineCIDRPeers"
        in "conformance/tests/admin-network-policy-standard-egress-inline-cidr-rules.go" {
        base: fixtures::inline_cidr(Tier::Admin);
        should_support_a_deny_egress_rule_policy_for_egress_cidr_peer:
            "Should support a 'deny-egress' rule policy for egress-cidr-peer" =>
            probes(vec![
                blocked(H1, L0, 80, Tcp), blocked(H1, L0, 53, Udp), blocked(H1, L0, 9003, Sctp),
                blocked(H1, C0, 80, Tcp), blocked(H1, C0, 53, Udp), blocked(H1, C0, 9003, Sctp),
                allowed(H1, D0, 80, Tcp), allowed(H1, D0, 53, Udp), allowed(H1, D0, 9003, Sctp),
            ]);
        should_support_an_allow_egress_rule_policy_for_egress_cidr_peer:
            "Should support an 'allow-egress' rule policy for egress-cidr-peer" =>
            after(|s| insert_allow_to_pod_ips(s, "inline-cidr-as-peers-example"), vec![
                allowed(H1, L0, 80, Tcp), allowed(H1, L0, 53, Udp), allowed(H1, L0, 9003, Sctp),
                allowed(H1, C0, 80, Tcp), allowed(H1, C0, 53, Udp), allowed(H1, C0, 9003, Sctp),
                blocked(H1, L1, 80, Tcp), blocked(H1, L1, 53, Udp), blocked(H1, L1, 9003, Sctp),
                blocked(H1, C1, 80, Tcp), blocked(H1, C1, 53, Udp), blocked(H1, C1, 9003, Sctp),
            ]);
    }

    /// `CNPAdminTierIngressRulesEgressUnaffected`: `admin-ingress-isolation` (Admin, 20) denies ingress from slytherin
    /// to gryffindor and has no egress rules. Read at e98949c4.
    mod cnp_admin_tier_ingress_rules_egress_unaffected = "CNPAdminTierIngressRulesEgressUnaffected"
        in "conformance/tests/admin-network-policy-standard-ingress-egress-isolation.go" {
        base: fixtures::isolation(Tier::Admin, Dir::Ingress);
        should_enforce_the_ingress_rule_deny_ingress_from_slytherin_to_gryffindor:
            "Should enforce the ingress rule: deny ingress from slytherin to gryffindor" =>
            probes(vec![blocked(D0, H0, 80, Tcp)]);
        should_not_affect_egress_gryffindor_can_still_egress_to_ravenclaw:
            "Should not affect egress: gryffindor can still egress to ravenclaw" =>
            probes(vec![allowed(H0, L0, 80, Tcp)]);
        should_not_affect_egress_gryffindor_can_still_egress_to_hufflepuff:
            "Should not affect egress: gryffindor can still egress to hufflepuff" =>
            probes(vec![allowed(H0, C0, 80, Tcp)]);
    }

    /// `CNPAdminTierEgressRulesIngressUnaffected`: `admin-egress-isolation` (Admin, 20) denies egress from gryffindor
    /// to slytherin and has no ingress rules. Read at e98949c4.
    mod cnp_admin_tier_egress_rules_ingress_unaffected = "CNPAdminTierEgressRulesIngressUnaffected"
        in "conformance/tests/admin-network-policy-standard-ingress-egress-isolation.go" {
        base: fixtures::isolation(Tier::Admin, Dir::Egress);
        should_enforce_the_egress_rule_deny_egress_from_gryffindor_to_slytherin:
            "Should enforce the egress rule: deny egress from gryffindor to slytherin" =>
            probes(vec![blocked(H0, D0, 80, Tcp)]);
        should_not_affect_ingress_ravenclaw_can_still_reach_gryffindor:
            "Should not affect ingress: ravenclaw can still reach gryffindor" =>
            probes(vec![allowed(L0, H0, 80, Tcp)]);
        should_not_affect_ingress_hufflepuff_can_still_reach_gryffindor:
            "Should not affect ingress: hufflepuff can still reach gryffindor" =>
            probes(vec![allowed(C0, H0, 80, Tcp)]);
    }

    /// `CNPAdminTierIntegration`: Admin `pass-example` denies slytherin both ways; a NetworkPolicy in gryffindor allows
    /// slytherin both ways; the Baseline `default` denies slytherin both ways. The steps turn the Admin denies into
    /// Pass (the NetworkPolicy then decides), then delete the NetworkPolicy (the Baseline tier then decides). Read at
    /// 25f6bf05; base at 30ea168a.
    mod cnp_admin_tier_integration = "CNPAdminTierIntegration"
        in "conformance/tests/admin-network-policy-standard-integration.go" {
        base: fixtures::integration();
        should_deny_traffic_from_slytherin_to_gryffindor_respecting_admin_cnp:
            "Should Deny traffic from slytherin to gryffindor respecting admin CNP" =>
            probes(vec![blocked(D0, H0, 80, Tcp), blocked(D1, H0, 8080, Tcp)]);
        should_deny_traffic_to_slytherin_from_gryffindor_respecting_admin_cnp:
            "Should Deny traffic to slytherin from gryffindor respecting admin CNP" =>
            probes(vec![blocked(H0, D0, 80, Tcp), blocked(H1, D0, 8080, Tcp)]);
        should_support_a_pass_ingress_policy_for_admin_cnp_and_respect_the_match_for_network_policy:
            "Should support a 'pass-ingress' policy for admin CNP and respect the match for network policy" =>
            after(|s| s.policy("pass-example").ingress[0].action = Action::Pass,
                vec![allowed(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp)]);
        should_support_a_pass_egress_policy_for_admin_cnp_and_respect_the_match_for_network_policy:
            "Should support a 'pass-egress' policy for admin CNP and respect the match for network policy" =>
            after(|s| s.policy("pass-example").egress[0].action = Action::Pass,
                vec![allowed(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp)]);
        should_support_a_pass_ingress_policy_for_admin_cnp_and_respect_the_match_for_baseline_cluster_network_policy:
            "Should support a 'pass-ingress' policy for admin CNP and respect the match for baseline cluster network policy" =>
            after(|s| s.delete_network_policy(crate::world::GRYFFINDOR, "allow-gress-from-to-slytherin-to-gryffindor"),
                vec![blocked(D0, H0, 80, Tcp), blocked(D1, H0, 8080, Tcp)]);
        should_support_a_pass_egress_policy_for_admin_cnp_and_respect_the_match_for_baseline_cluster_network_policy:
            "Should support a 'pass-egress' policy for admin CNP and respect the match for baseline cluster network policy" =>
            probes(vec![blocked(H0, D0, 80, Tcp), blocked(H1, D0, 8080, Tcp)]);
    }

    /// `CNPAdminTierPodSelector`: `pod-selector-rules` (Admin, 20) selects gryffindor pods by pod label alone (no
    /// namespace selector) and denies ravenclaw pods and cedric-diggory-0 both ways; `pod-name-subject-rules` (Admin,
    /// 21) has luna-lovegood-0 alone as subject and denies its egress to slytherin. Read at 2643c7d1; base at c159ab29.
    mod cnp_admin_tier_pod_selector = "CNPAdminTierPodSelector"
        in "conformance/tests/admin-network-policy-standard-pod-selector-rules.go" {
        base: fixtures::pod_selector(Tier::Admin);
        should_support_pod_selectors_in_egress_peers:
            "Should support pod selectors in egress peers" =>
            probes(vec![blocked(H0, L0, 80, Tcp), blocked(H0, C0, 80, Tcp), allowed(H0, C1, 80, Tcp)]);
        should_support_pod_selectors_in_ingress_peers:
            "Should support pod selectors in ingress peers" =>
            probes(vec![blocked(D0, H0, 80, Tcp), blocked(C0, H0, 80, Tcp), allowed(C1, H0, 80, Tcp)]);
        should_support_pod_selectors_in_the_subject:
            "Should support pod selectors in the subject" =>
            probes(vec![allowed(D0, C0, 80, Tcp), blocked(L0, D0, 80, Tcp), allowed(L1, D0, 80, Tcp)]);
    }

    /// `CNPAdminTierPortRange`: `port-range-rules` (Admin, 9) on gryffindor: Accept ravenclaw on the TCP range 80-8080,
    /// hufflepuff on UDP 53-5353, slytherin on SCTP 9003-9005, then Deny every namespace with a `conformance-house`
    /// label; both directions. Read at b9f7a830; base at 562e6e86.
    mod cnp_admin_tier_port_range = "CNPAdminTierPortRange"
        in "conformance/tests/admin-network-policy-standard-port-range-rules.go" {
        base: fixtures::port_range(Tier::Admin);
        should_support_egress_port_range_rules_across_different_protocols:
            "Should support egress port range rules across different protocols" =>
            probes(vec![
                allowed(H0, L0, 80, Tcp), allowed(H0, L0, 8080, Tcp), blocked(H1, L0, 53, Udp),
                allowed(H0, C0, 53, Udp), allowed(H0, C0, 5353, Udp), blocked(H1, C0, 80, Tcp),
                allowed(H0, D0, 9003, Sctp), allowed(H0, D0, 9005, Sctp), blocked(H1, D0, 80, Tcp),
            ]);
        should_support_ingress_port_range_rules_across_different_protocols:
            "Should support ingress port range rules across different protocols" =>
            probes(vec![
                allowed(L0, H0, 80, Tcp), allowed(L0, H0, 8080, Tcp), blocked(L1, H0, 53, Udp),
                allowed(C0, H0, 53, Udp), allowed(C0, H0, 5353, Udp), blocked(C1, H0, 80, Tcp),
                allowed(D0, H0, 9003, Sctp), allowed(D0, H0, 9005, Sctp), blocked(D1, H0, 80, Tcp),
            ]);
    }

    /// `CNPAdminTierPriorityField`: Admin `priority-50-example` denies slytherin pods both ways, Admin
    /// `old-priority-60-new-priority-40-example` passes them, Baseline `default` accepts them. The last step moves the
    /// Pass policy to priority 40, ahead of the Deny. Read at 295a4ff8; base at 562e6e86.
    mod cnp_admin_tier_priority_field = "CNPAdminTierPriorityField"
        in "conformance/tests/admin-network-policy-standard-priority.go" {
        base: fixtures::priority_field();
        should_deny_traffic_from_slytherin_to_gryffindor_respecting_admin_cnp:
            "Should Deny traffic from slytherin to gryffindor respecting admin CNP" =>
            probes(vec![blocked(D0, H0, 80, Tcp), blocked(D1, H0, 8080, Tcp)]);
        should_deny_traffic_to_slytherin_from_gryffindor_respecting_admin_cnp:
            "Should Deny traffic to slytherin from gryffindor respecting admin CNP" =>
            probes(vec![blocked(H0, D0, 80, Tcp), blocked(H1, D0, 8080, Tcp)]);
        should_respect_admin_cnp_priority_field_thus_passing_both_ingress_and_egress_traffic_over_to_baseline_cnp:
            "Should respect admin CNP priority field; thus passing both ingress and egress traffic over to baseline CNP" =>
            after(|s| s.policy("old-priority-60-new-priority-40-example").priority = 40, vec![
                allowed(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp),
                allowed(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp),
            ]);
    }

    /// `CNPAdminTierSamePriority`: three Admin policies at priority 15 (gryffindor denies slytherin TCP 80, gryffindor
    /// denies hufflepuff TCP 80, hufflepuff denies slytherin TCP 8080; each both ways) all apply, and none applies to
    /// another's subject. Read at efe784ef; base at 3004fc78.
    mod cnp_admin_tier_same_priority = "CNPAdminTierSamePriority"
        in "conformance/tests/admin-network-policy-standard-same-priority.go" {
        base: fixtures::same_priority(Tier::Admin);
        should_deny_traffic_in_both_directions_for_each_same_priority_policy:
            "Should deny traffic in both directions for each same-priority policy" =>
            probes(vec![
                blocked(D0, H0, 80, Tcp), blocked(H0, D0, 80, Tcp), blocked(C0, H0, 80, Tcp),
                blocked(H1, C0, 80, Tcp), blocked(D1, C0, 8080, Tcp), blocked(C1, D0, 8080, Tcp),
            ]);
        should_not_apply_one_same_priority_policy_s_rules_to_another_policy_s_subject:
            "Should not apply one same-priority policy's rules to another policy's subject" =>
            probes(vec![
                allowed(D0, H0, 8080, Tcp), allowed(H0, D0, 8080, Tcp), allowed(D1, C0, 80, Tcp),
                allowed(C0, D0, 80, Tcp),
            ]);
        should_not_affect_traffic_matching_no_same_priority_policy:
            "Should not affect traffic matching no same-priority policy" =>
            probes(vec![allowed(L0, H0, 80, Tcp), allowed(H1, L0, 80, Tcp)]);
    }

    /// `CNPAdminTierHairpin`: `hairpin-ingress-deny` (Admin, 15) denies ingress from gryffindor to gryffindor;
    /// harry-potter-0 connects to the ClusterIP of a Service over both gryffindor pods. The API
    /// (site-src/api-overview.md) puts traffic from a pod back to itself through a Service under CNP, unlike traffic to
    /// its own pod IP. `why` answers blocked for a Service when any backend is blocked, so the upstream probe alone
    /// would pass on harry-potter-1 alone; the second probe, through a Service whose only backend is harry-potter-0
    /// (added here, not upstream), checks the hairpin itself, as upstream's expectation (every connection fails,
    /// whichever backend is picked) implies. Read at d1a2cd7a.
    mod cnp_admin_tier_hairpin = "CNPAdminTierHairpin" in "conformance/tests/admin-network-policy-hairpin-rules.go" {
        base: fixtures::hairpin();
        should_enforce_cnp_ingress_deny_policy_on_hairpin_service_traffic:
            "Should enforce CNP ingress deny policy on hairpin service traffic" =>
            probes(vec![
                via_service(H0, fixtures::HAIRPIN_SERVICE, 80, Tcp, Verdict::Blocked),
                via_service(H0, fixtures::HAIRPIN_SELF_SERVICE, 80, Tcp, Verdict::Blocked),
            ]);
    }

    /// `CNPBaselineTierEgressTCP`: Baseline `default` (10) on gryffindor: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Deny
    /// slytherin TCP 80, 3 Accept hufflepuff TCP 8080, 4 Deny hufflepuff. Read at 24918313; base at 4d38b37f.
    mod cnp_baseline_tier_egress_tcp = "CNPBaselineTierEgressTCP"
        in "conformance/tests/baseline-admin-network-policy-standard-egress-tcp-rules.go" {
        base: fixtures::protocol_state(&EGRESS_TCP, Tier::Baseline);
        should_support_an_allow_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(H0, L0, 80, Tcp), allowed(H1, L0, 8080, Tcp)]);
        should_support_an_allow_egress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support an 'allow-egress' policy for TCP protocol at the specified port" =>
            probes(vec![allowed(H0, C1, 8080, Tcp), blocked(H1, C1, 80, Tcp)]);
        should_not_affect_ingress_traffic_when_only_egress_rules_are_specified:
            "Should not affect ingress traffic when only egress rules are specified" =>
            probes(vec![allowed(L0, H0, 80, Tcp), allowed(D0, H1, 80, Tcp)]);
        should_support_an_deny_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-egress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_egress(0, 1),
                vec![blocked(H0, L1, 80, Tcp), blocked(H1, L1, 8080, Tcp)]);
        should_support_a_deny_egress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'deny-egress' policy for TCP protocol at the specified port" =>
            probes(vec![blocked(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp)]);
    }

    /// `CNPBaselineTierEgressUDP`: Baseline `default` (10) on hufflepuff: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Deny
    /// slytherin UDP 5353, 3 Accept gryffindor UDP 53, 4 Deny gryffindor. Steps read at 2d21d068 (v1alpha1-era file);
    /// base at 30ea168a.
    mod cnp_baseline_tier_egress_udp = "CNPBaselineTierEgressUDP"
        in "conformance/tests/baseline-admin-network-policy-standard-egress-udp-rules.go" {
        base: fixtures::protocol_state(&EGRESS_UDP, Tier::Baseline);
        should_support_an_allow_egress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-egress' policy for UDP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(C0, L0, 53, Udp), allowed(C1, L0, 5353, Udp)]);
        should_support_an_allow_egress_policy_for_udp_protocol_at_the_specified_port:
            "Should support an 'allow-egress' policy for UDP protocol at the specified port" =>
            probes(vec![allowed(C0, H1, 53, Udp), blocked(C1, H1, 5353, Udp)]);
        should_support_an_deny_egress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-egress' policy for UDP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_egress(0, 1),
                vec![blocked(C0, L1, 53, Udp), blocked(C1, L1, 5353, Udp)]);
        should_support_a_deny_egress_policy_for_udp_protocol_at_the_specified_port:
            "Should support a 'deny-egress' policy for UDP protocol at the specified port" =>
            probes(vec![blocked(C0, D0, 5353, Udp), allowed(C1, D0, 53, Udp)]);
    }

    /// `CNPBaselineTierEgressSCTP`: Baseline `default` (10) on ravenclaw: 0 Accept gryffindor, 1 Deny gryffindor,
    /// 2 Deny slytherin SCTP 9003, 3 Accept hufflepuff SCTP 9003, 4 Deny hufflepuff. Read at 25f6bf05.
    mod cnp_baseline_tier_egress_sctp = "CNPBaselineTierEgressSCTP"
        in "conformance/tests/baseline-admin-network-policy-standard-egress-sctp-rules.go" {
        base: fixtures::protocol_state(&EGRESS_SCTP, Tier::Baseline);
        should_support_an_allow_egress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-egress' policy for SCTP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, H0, 9003, Sctp), allowed(L1, H0, 9005, Sctp)]);
        should_support_an_allow_egress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support an 'allow-egress' policy for SCTP protocol at the specified port" =>
            probes(vec![allowed(L0, C1, 9003, Sctp), blocked(L1, C1, 9005, Sctp)]);
        should_support_an_deny_egress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-egress' policy for SCTP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_egress(0, 1),
                vec![blocked(L0, H1, 9003, Sctp), blocked(L1, H1, 9005, Sctp)]);
        should_support_a_deny_egress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support a 'deny-egress' policy for SCTP protocol at the specified port" =>
            probes(vec![blocked(L0, D0, 9003, Sctp), allowed(L1, D0, 9005, Sctp)]);
    }

    /// `CNPBaselineTierIngressTCP`: Baseline `default` (10) on gryffindor: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Deny
    /// slytherin TCP 80, 3 Accept hufflepuff TCP 80, 4 Deny hufflepuff. Read at 24918313.
    mod cnp_baseline_tier_ingress_tcp = "CNPBaselineTierIngressTCP"
        in "conformance/tests/baseline-admin-network-policy-standard-ingress-tcp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_TCP, Tier::Baseline);
        should_support_an_allow_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, H0, 80, Tcp), allowed(L1, H0, 8080, Tcp)]);
        should_support_an_allow_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for TCP protocol at the specified port" =>
            probes(vec![allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp)]);
        should_not_affect_egress_traffic_when_only_ingress_rules_are_specified:
            "Should not affect egress traffic when only ingress rules are specified" =>
            probes(vec![allowed(H0, L0, 80, Tcp), allowed(H1, D0, 80, Tcp)]);
        should_support_an_deny_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_ingress(0, 1),
                vec![blocked(L0, H1, 80, Tcp), blocked(L1, H1, 8080, Tcp)]);
        should_support_a_deny_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'deny-ingress' policy for TCP protocol at the specified port" =>
            probes(vec![blocked(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp)]);
    }

    /// `CNPBaselineTierIngressUDP`: Baseline `default` (10) on hufflepuff: 0 Accept ravenclaw, 1 Deny ravenclaw, 2 Deny
    /// slytherin UDP 5353, 3 Accept gryffindor UDP 53, 4 Deny gryffindor. Read at 25f6bf05.
    mod cnp_baseline_tier_ingress_udp = "CNPBaselineTierIngressUDP"
        in "conformance/tests/baseline-admin-network-policy-standard-ingress-udp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_UDP, Tier::Baseline);
        should_support_an_allow_ingress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for UDP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, C0, 53, Udp), allowed(L1, C0, 5353, Udp)]);
        should_support_an_allow_ingress_policy_for_udp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for UDP protocol at the specified port" =>
            probes(vec![allowed(H0, C1, 53, Udp), blocked(H1, C1, 5353, Udp)]);
        should_support_an_deny_ingress_policy_for_udp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-ingress' policy for UDP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_ingress(0, 1),
                vec![blocked(L0, C1, 53, Udp), blocked(L1, C1, 5353, Udp)]);
        should_support_a_deny_ingress_policy_for_udp_protocol_at_the_specified_port:
            "Should support a 'deny-ingress' policy for UDP protocol at the specified port" =>
            probes(vec![blocked(D0, C0, 5353, Udp), allowed(D1, C0, 53, Udp)]);
    }

    /// `CNPBaselineTierIngressSCTP`: Baseline `default` (10) on ravenclaw: 0 Accept gryffindor, 1 Deny gryffindor,
    /// 2 Deny slytherin SCTP 9003, 3 Accept hufflepuff SCTP 9003, 4 Deny hufflepuff. Steps read at 2d21d068
    /// (v1alpha1-era file).
    mod cnp_baseline_tier_ingress_sctp = "CNPBaselineTierIngressSCTP"
        in "conformance/tests/baseline-admin-network-policy-standard-ingress-sctp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_SCTP, Tier::Baseline);
        should_support_an_allow_ingress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for SCTP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(H0, L0, 9003, Sctp), allowed(H1, L0, 9005, Sctp)]);
        should_support_an_allow_ingress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for SCTP protocol at the specified port" =>
            probes(vec![allowed(C0, L1, 9003, Sctp), blocked(C1, L1, 9005, Sctp)]);
        should_support_an_deny_ingress_policy_for_sctp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-ingress' policy for SCTP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_ingress(0, 1),
                vec![blocked(H0, L1, 9003, Sctp), blocked(H1, L1, 9005, Sctp)]);
        should_support_a_deny_ingress_policy_for_sctp_protocol_at_the_specified_port:
            "Should support a 'deny-ingress' policy for SCTP protocol at the specified port" =>
            probes(vec![blocked(D0, L0, 9003, Sctp), allowed(D1, L0, 9005, Sctp)]);
    }

    /// `CNPBaselineTierIngressNamedPort`: Baseline `default` of the ingress TCP test with rule 3 (Accept hufflepuff at
    /// TCP 80) rewritten to the named port `web`. Read at 30ea168a.
    mod cnp_baseline_tier_ingress_named_port = "CNPBaselineTierIngressNamedPort"
        in "conformance/tests/baseline-admin-network-policy-experimental-ingress-rules.go" {
        base: fixtures::protocol_state(&INGRESS_TCP, Tier::Baseline);
        should_support_an_allow_ingress_policy_for_named_port:
            "Should support an 'allow-ingress' policy for named port" =>
            after(|s| s.policy("default").ingress[3].ports = Some(vec![Port::Named("web")]),
                vec![allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp)]);
    }

    /// `CNPBaselineTierEgressNamedPort`: Baseline `default` of the egress UDP test with rule 3 (Accept gryffindor at
    /// UDP 53) rewritten to the named port `dns`. Read at 30ea168a.
    mod cnp_baseline_tier_egress_named_port = "CNPBaselineTierEgressNamedPort"
        in "conformance/tests/baseline-admin-network-policy-experimental-egress-rules.go" {
        base: fixtures::protocol_state(&EGRESS_UDP, Tier::Baseline);
        should_support_an_allow_egress_policy_for_named_port:
            "Should support an 'allow-egress' policy for named port" =>
            after(|s| s.policy("default").egress[3].ports = Some(vec![Port::Named("dns")]),
                vec![allowed(C0, H1, 53, Udp), blocked(C1, H1, 5353, Udp)]);
    }

    /// `CNPBaselineTierEgressNodePeers`: Baseline `default` (10) on gryffindor: 0 Accept nodes on the TCP range
    /// host-network port 0 to port 1, 1 Deny every node and every address. Read at 30ea168a; base at 30ea168a.
    mod cnp_baseline_tier_egress_node_peers = "CNPBaselineTierEgressNodePeers"
        in "conformance/tests/baseline-admin-network-policy-experimental-egress-rules.go" {
        base: fixtures::baseline_node_peers();
        should_support_an_allow_egress_rule_policy_for_egress_node_peer:
            "Should support an 'allow-egress' rule policy for egress-node-peer" =>
            probes(vec![allowed(H0, CENTAUR_1, hnp(0), Tcp), allowed(H1, CENTAUR_1, hnp(1), Tcp)]);
        should_support_a_deny_egress_rule_policy_for_egress_node_peer:
            "Should support a 'deny-egress' rule policy for egress-node-peer" =>
            probes(vec![blocked(H1, CENTAUR_1, hnp(4), Udp), blocked(H1, CENTAUR_1, hnp(6), Sctp)]);
    }

    /// `CNPBaselineTierGress`: Baseline `default` (10) on gryffindor, both directions, each port rule on three
    /// protocols, no Pass rules. Read at 25f6bf05; base at 30ea168a.
    mod cnp_baseline_tier_gress = "CNPBaselineTierGress"
        in "conformance/tests/baseline-admin-network-policy-standard-gress-rules.go" {
        base: fixtures::gress_rules(Tier::Baseline);
        should_support_an_allow_gress_policy_across_different_protocols:
            "Should support an 'allow-gress' policy across different protocols" =>
            probes(vec![
                allowed(H0, L0, 80, Tcp), allowed(H1, L0, 53, Udp), allowed(H0, L0, 9003, Sctp),
                allowed(L0, H0, 80, Tcp), allowed(L1, H0, 53, Udp), allowed(L1, H0, 9003, Sctp),
            ]);
        should_support_an_allow_gress_policy_across_different_protocols_at_the_specified_ports:
            "Should support an 'allow-gress' policy across different protocols at the specified ports" =>
            probes(vec![
                allowed(H0, C1, 8080, Tcp), blocked(H1, C1, 80, Tcp), allowed(H0, C1, 5353, Udp),
                blocked(H1, C1, 53, Udp), allowed(H0, C1, 9003, Sctp), blocked(H1, C1, 9005, Sctp),
                allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp), allowed(C0, H1, 5353, Udp),
                blocked(C1, H1, 53, Udp), allowed(C0, H1, 9003, Sctp), blocked(C1, H1, 9005, Sctp),
            ]);
        should_support_an_deny_gress_policy_across_different_protocols:
            "Should support an 'deny-gress' policy across different protocols" =>
            after(|s| { let p = s.policy("default"); p.swap_egress(0, 1); p.swap_ingress(0, 1); }, vec![
                blocked(H0, L1, 80, Tcp), blocked(H1, L1, 53, Udp), blocked(H0, L1, 9003, Sctp),
                blocked(L0, H1, 80, Tcp), blocked(L1, H1, 53, Udp), blocked(L1, H1, 9003, Sctp),
            ]);
        should_support_a_deny_gress_policy_across_different_protocols_at_the_specified_ports:
            "Should support a 'deny-gress' policy across different protocols at the specified ports" =>
            probes(vec![
                blocked(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp), blocked(H0, D0, 53, Udp),
                allowed(H1, D0, 5353, Udp), blocked(H0, D0, 9003, Sctp), allowed(H1, D0, 9005, Sctp),
                blocked(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp), blocked(D0, H0, 53, Udp),
                allowed(D1, H0, 5353, Udp), blocked(D0, H0, 9003, Sctp), allowed(D1, H0, 9005, Sctp),
            ]);
    }

    /// `CNPBaselineTierEgressInlineCIDRPeers`: Baseline `default` (10) on gryffindor: 0 Accept slytherin pods, 1 Deny
    /// `0.0.0.0/0` and `::/0`; the second step inserts an Accept of two pod IPs first. Steps read at 47a85071
    /// (v1alpha1-era file); base at 562e6e86.
    mod cnp_baseline_tier_egress_inline_cidr_peers = "CNPBaselineTierEgressInlineCIDRPeers"
        in "conformance/tests/baseline-admin-network-policy-standard-egress-inline-cidr-rules.go" {
        base: fixtures::inline_cidr(Tier::Baseline);
        should_support_a_deny_egress_rule_policy_for_egress_cidr_peer:
            "Should support a 'deny-egress' rule policy for egress-cidr-peer" =>
            probes(vec![
                blocked(H1, L0, 80, Tcp), blocked(H1, L0, 53, Udp), blocked(H1, L0, 9003, Sctp),
                blocked(H1, C0, 80, Tcp), blocked(H1, C0, 53, Udp), blocked(H1, C0, 9003, Sctp),
                allowed(H1, D0, 80, Tcp), allowed(H1, D0, 53, Udp), allowed(H1, D0, 9003, Sctp),
            ]);
        should_support_an_allow_egress_rule_policy_for_egress_cidr_peer:
            "Should support an 'allow-egress' rule policy for egress-cidr-peer" =>
            after(|s| insert_allow_to_pod_ips(s, "default"), vec![
                allowed(H1, L0, 80, Tcp), allowed(H1, L0, 53, Udp), allowed(H1, L0, 9003, Sctp),
                allowed(H1, C0, 80, Tcp), allowed(H1, C0, 53, Udp), allowed(H1, C0, 9003, Sctp),
                blocked(H1, L1, 80, Tcp), blocked(H1, L1, 53, Udp), blocked(H1, L1, 9003, Sctp),
                blocked(H1, C1, 80, Tcp), blocked(H1, C1, 53, Udp), blocked(H1, C1, 9003, Sctp),
            ]);
    }

    /// `CNPBaselineTierIngressRulesEgressUnaffected`: `baseline-ingress-isolation` (Baseline, 20) denies ingress from
    /// slytherin to gryffindor, no egress rules. Read at e98949c4; base at 896ee815.
    mod cnp_baseline_tier_ingress_rules_egress_unaffected = "CNPBaselineTierIngressRulesEgressUnaffected"
        in "conformance/tests/baseline-admin-network-policy-standard-ingress-egress-isolation.go" {
        base: fixtures::isolation(Tier::Baseline, Dir::Ingress);
        should_enforce_the_ingress_rule_deny_ingress_from_slytherin_to_gryffindor:
            "Should enforce the ingress rule: deny ingress from slytherin to gryffindor" =>
            probes(vec![blocked(D0, H0, 80, Tcp)]);
        should_not_affect_egress_gryffindor_can_still_egress_to_ravenclaw:
            "Should not affect egress: gryffindor can still egress to ravenclaw" =>
            probes(vec![allowed(H0, L0, 80, Tcp)]);
        should_not_affect_egress_gryffindor_can_still_egress_to_hufflepuff:
            "Should not affect egress: gryffindor can still egress to hufflepuff" =>
            probes(vec![allowed(H0, C0, 80, Tcp)]);
    }

    /// `CNPBaselineTierEgressRulesIngressUnaffected`: `baseline-egress-isolation` (Baseline, 20) denies egress from
    /// gryffindor to slytherin, no ingress rules. Read at e98949c4; base at 896ee815.
    mod cnp_baseline_tier_egress_rules_ingress_unaffected = "CNPBaselineTierEgressRulesIngressUnaffected"
        in "conformance/tests/baseline-admin-network-policy-standard-ingress-egress-isolation.go" {
        base: fixtures::isolation(Tier::Baseline, Dir::Egress);
        should_enforce_the_egress_rule_deny_egress_from_gryffindor_to_slytherin:
            "Should enforce the egress rule: deny egress from gryffindor to slytherin" =>
            probes(vec![blocked(H0, D0, 80, Tcp)]);
        should_not_affect_ingress_ravenclaw_can_still_reach_gryffindor:
            "Should not affect ingress: ravenclaw can still reach gryffindor" =>
            probes(vec![allowed(L0, H0, 80, Tcp)]);
        should_not_affect_ingress_hufflepuff_can_still_reach_gryffindor:
            "Should not affect ingress: hufflepuff can still reach gryffindor" =>
            probes(vec![allowed(C0, H0, 80, Tcp)]);
    }

    /// `CNPBaselineTierPodSelector`: the pod-selector policies of the Admin test, in the Baseline tier. Read at
    /// 2643c7d1; base `baseline_tier/standard-pod-selector-rules.yaml` at c159ab29 (taken as the Admin-tier file with
    /// `tier: Baseline`; not read separately).
    mod cnp_baseline_tier_pod_selector = "CNPBaselineTierPodSelector"
        in "conformance/tests/baseline-admin-network-policy-standard-pod-selector-rules.go" {
        base: fixtures::pod_selector(Tier::Baseline);
        should_support_pod_selectors_in_egress_peers:
            "Should support pod selectors in egress peers" =>
            probes(vec![blocked(H0, L0, 80, Tcp), blocked(H0, C0, 80, Tcp), allowed(H0, C1, 80, Tcp)]);
        should_support_pod_selectors_in_ingress_peers:
            "Should support pod selectors in ingress peers" =>
            probes(vec![blocked(D0, H0, 80, Tcp), blocked(C0, H0, 80, Tcp), allowed(C1, H0, 80, Tcp)]);
        should_support_pod_selectors_in_the_subject:
            "Should support pod selectors in the subject" =>
            probes(vec![allowed(D0, C0, 80, Tcp), blocked(L0, D0, 80, Tcp), allowed(L1, D0, 80, Tcp)]);
    }

    /// `CNPBaselineTierPortRange`: the port-range policy of the Admin test in the Baseline tier. Read at e1576bf6; base
    /// at b9f7a830 (taken as the Admin-tier file with `tier: Baseline`).
    mod cnp_baseline_tier_port_range = "CNPBaselineTierPortRange"
        in "conformance/tests/baseline-admin-network-policy-standard-port-range-rules.go" {
        base: fixtures::port_range(Tier::Baseline);
        should_support_egress_port_range_rules_across_different_protocols:
            "Should support egress port range rules across different protocols" =>
            probes(vec![
                allowed(H0, L0, 80, Tcp), allowed(H0, L0, 8080, Tcp), blocked(H1, L0, 53, Udp),
                allowed(H0, C0, 53, Udp), allowed(H0, C0, 5353, Udp), blocked(H1, C0, 80, Tcp),
                allowed(H0, D0, 9003, Sctp), allowed(H0, D0, 9005, Sctp), blocked(H1, D0, 80, Tcp),
            ]);
        should_support_ingress_port_range_rules_across_different_protocols:
            "Should support ingress port range rules across different protocols" =>
            probes(vec![
                allowed(L0, H0, 80, Tcp), allowed(L0, H0, 8080, Tcp), blocked(L1, H0, 53, Udp),
                allowed(C0, H0, 53, Udp), allowed(C0, H0, 5353, Udp), blocked(C1, H0, 80, Tcp),
                allowed(D0, H0, 9003, Sctp), allowed(D0, H0, 9005, Sctp), blocked(D1, H0, 80, Tcp),
            ]);
    }

    /// `CNPBaselineTierSamePriority`: the three same-priority policies in the Baseline tier (10); the servers are the
    /// `-1` pods. Read at 3004fc78; base at 30ea168a.
    mod cnp_baseline_tier_same_priority = "CNPBaselineTierSamePriority"
        in "conformance/tests/baseline-admin-network-policy-standard-same-priority.go" {
        base: fixtures::same_priority(Tier::Baseline);
        should_deny_traffic_in_both_directions_for_each_same_priority_policy:
            "Should deny traffic in both directions for each same-priority policy" =>
            probes(vec![
                blocked(D0, H1, 80, Tcp), blocked(H0, D1, 80, Tcp), blocked(C0, H1, 80, Tcp),
                blocked(H1, C1, 80, Tcp), blocked(D1, C1, 8080, Tcp), blocked(C1, D1, 8080, Tcp),
            ]);
        should_not_apply_one_same_priority_policy_s_rules_to_another_policy_s_subject:
            "Should not apply one same-priority policy's rules to another policy's subject" =>
            probes(vec![
                allowed(D0, H1, 8080, Tcp), allowed(H0, D1, 8080, Tcp), allowed(D1, C1, 80, Tcp),
                allowed(C0, D1, 80, Tcp),
            ]);
        should_not_affect_traffic_matching_no_same_priority_policy:
            "Should not affect traffic matching no same-priority policy" =>
            probes(vec![allowed(L0, H1, 80, Tcp), allowed(H0, L1, 80, Tcp)]);
    }
}
