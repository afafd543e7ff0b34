//! The AdminNetworkPolicy and BaselineAdminNetworkPolicy (`policy.networking.k8s.io/v1alpha1`)
//! conformance tests of the last v1alpha1 release line (v0.1.7), one module per upstream
//! `suite.ConformanceTest` (`ShortName` in snake_case), one test per `t.Run` (title in snake_case).
//!
//! Upstream ported these tests to ClusterNetworkPolicy by renaming (AdminNetworkPolicy ->
//! `tier: Admin`, BaselineAdminNetworkPolicy `default` -> `tier: Baseline`, Allow -> Accept,
//! `ports` -> `protocols`), keeping their steps, probes and rule order; the v1alpha1-era files that
//! were stored (ingress UDP 2d21d068, ingress SCTP 4d4a53a6, BANP egress UDP and ingress SCTP
//! 2d21d068, inline CIDR (ANP `standard` and BANP 47a85071), integration 135bf4bf, priority, named
//! ports, node peers) have exactly the steps of their v1alpha2 successors. So each suite here runs
//! the steps of its v1alpha2 sibling in `v1alpha2.rs` against the same policies written as
//! v1alpha1 objects. The v1alpha1 base manifests of that release were not stored (only pre-v0.1
//! ones with `namespaces.namespaceSelector` and a hogwarts-staff namespace); the objects here are
//! the v1alpha2 ones translated back, which the intermediate conversion commits confirm field for
//! field.
//!
//! Not ported, and why:
//! - The "Should not affect ... when only ... rules are specified" steps: added upstream in the
//!   v1alpha2 era (24918313); they are ported for ClusterNetworkPolicy.
//! - `BaselineAdminNetworkPolicyEgressPodSelectorUDP` and the pre-v0.1 `core` tests with the
//!   hogwarts-staff namespace (professor-dumbledore, professor-quirrell): an older test layout,
//!   superseded by the tests above; its world no longer exists in `conformance/base/manifests.yaml`.
//! - Pass in a BaselineAdminNetworkPolicy: not valid in v1alpha1 (`Allow`/`Deny` only), so the
//!   BANP suites have no Pass steps, as upstream's have none.

use crate::fixtures::{self, EGRESS_SCTP, EGRESS_TCP, EGRESS_UDP, INGRESS_SCTP, INGRESS_TCP, INGRESS_UDP};
use crate::harness::{State, after, allowed, blocked, host_cidr, probes};
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
    api: Api::V1alpha1;

    /// `AdminNetworkPolicyEgressTCP`: `egress-tcp` (priority 6) on gryffindor: 0 Allow ravenclaw, 1 Deny ravenclaw,
    /// 2 Pass ravenclaw, 3 Deny slytherin TCP 80, 4 Pass slytherin TCP 80, 5 Allow hufflepuff TCP 8080, 6 Deny
    /// hufflepuff.
    mod admin_network_policy_egress_tcp = "AdminNetworkPolicyEgressTCP"
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

    /// `AdminNetworkPolicyEgressUDP`: `egress-udp` (7) on hufflepuff: 0 Allow ravenclaw, 1 Deny ravenclaw, 2 Pass
    /// ravenclaw, 3 Deny slytherin UDP 5353, 4 Pass slytherin UDP 5353, 5 Allow gryffindor UDP 53, 6 Deny gryffindor.
    mod admin_network_policy_egress_udp = "AdminNetworkPolicyEgressUDP"
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

    /// `AdminNetworkPolicyEgressSCTP`: `egress-sctp` (8) on ravenclaw: 0 Allow gryffindor, 1 Deny gryffindor, 2 Pass
    /// gryffindor, 3 Deny slytherin SCTP 9003, 4 Pass slytherin SCTP 9003, 5 Allow hufflepuff SCTP 9003, 6 Deny
    /// hufflepuff.
    mod admin_network_policy_egress_sctp = "AdminNetworkPolicyEgressSCTP"
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

    /// `AdminNetworkPolicyIngressTCP`: `ingress-tcp` (3) on gryffindor: 0 Allow ravenclaw, 1 Deny ravenclaw, 2 Pass
    /// ravenclaw, 3 Deny slytherin TCP 80, 4 Pass slytherin TCP 80, 5 Allow hufflepuff TCP 80, 6 Deny hufflepuff.
    mod admin_network_policy_ingress_tcp = "AdminNetworkPolicyIngressTCP"
        in "conformance/tests/admin-network-policy-standard-ingress-tcp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_TCP, Tier::Admin);
        should_support_an_allow_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, H0, 80, Tcp), allowed(L1, H0, 8080, Tcp)]);
        should_support_an_allow_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for TCP protocol at the specified port" =>
            probes(vec![allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp)]);
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

    /// `AdminNetworkPolicyIngressUDP`: `ingress-udp` (4) on hufflepuff: 0 Allow ravenclaw, 1 Deny ravenclaw, 2 Pass
    /// ravenclaw, 3 Deny slytherin UDP 5353, 4 Pass slytherin UDP 5353, 5 Allow gryffindor UDP 53, 6 Deny gryffindor.
    /// Read at 2d21d068.
    mod admin_network_policy_ingress_udp = "AdminNetworkPolicyIngressUDP"
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

    /// `AdminNetworkPolicyIngressSCTP`: `ingress-sctp` (5) on ravenclaw: 0 Allow gryffindor, 1 Deny gryffindor, 2 Pass
    /// gryffindor, 3 Deny slytherin SCTP 9003, 4 Pass slytherin SCTP 9003, 5 Allow hufflepuff SCTP 9003, 6 Deny
    /// hufflepuff. Read at 4d4a53a6.
    mod admin_network_policy_ingress_sctp = "AdminNetworkPolicyIngressSCTP"
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

    /// `AdminNetworkPolicyGress`: `gress-rules` (15) on gryffindor, both directions, each port rule on TCP, UDP and
    /// SCTP at once.
    mod admin_network_policy_gress = "AdminNetworkPolicyGress"
        in "conformance/tests/admin-network-policy-standard-gress-rules.go" {
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

    /// `AdminNetworkPolicyIntegration`: ANP `pass-example` denies slytherin both ways, a NetworkPolicy in gryffindor
    /// allows slytherin both ways, the BANP `default` denies slytherin both ways; the steps turn the ANP denies into
    /// Pass, then delete the NetworkPolicy. Read at 135bf4bf (`core` file) and the `standard` one.
    mod admin_network_policy_integration = "AdminNetworkPolicyIntegration"
        in "conformance/tests/admin-network-policy-standard-integration.go" {
        base: fixtures::integration();
        should_deny_traffic_from_slytherin_to_gryffindor_respecting_anp:
            "Should Deny traffic from slytherin to gryffindor respecting ANP" =>
            probes(vec![blocked(D0, H0, 80, Tcp), blocked(D1, H0, 8080, Tcp)]);
        should_deny_traffic_to_slytherin_from_gryffindor_respecting_anp:
            "Should Deny traffic to slytherin from gryffindor respecting ANP" =>
            probes(vec![blocked(H0, D0, 80, Tcp), blocked(H1, D0, 8080, Tcp)]);
        should_support_a_pass_ingress_policy_for_anp_and_respect_the_match_for_network_policy:
            "Should support a 'pass-ingress' policy for ANP and respect the match for network policy" =>
            after(|s| s.policy("pass-example").ingress[0].action = Action::Pass,
                vec![allowed(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp)]);
        should_support_a_pass_egress_policy_for_anp_and_respect_the_match_for_network_policy:
            "Should support a 'pass-egress' policy for ANP and respect the match for network policy" =>
            after(|s| s.policy("pass-example").egress[0].action = Action::Pass,
                vec![allowed(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp)]);
        should_support_a_pass_ingress_policy_for_anp_and_respect_the_match_for_baseline_admin_network_policy:
            "Should support a 'pass-ingress' policy for ANP and respect the match for baseline admin network policy" =>
            after(|s| s.delete_network_policy(crate::world::GRYFFINDOR, "allow-gress-from-to-slytherin-to-gryffindor"),
                vec![blocked(D0, H0, 80, Tcp), blocked(D1, H0, 8080, Tcp)]);
        should_support_a_pass_egress_policy_for_anp_and_respect_the_match_for_baseline_admin_network_policy:
            "Should support a 'pass-egress' policy for ANP and respect the match for baseline admin network policy" =>
            probes(vec![blocked(H0, D0, 80, Tcp), blocked(H1, D0, 8080, Tcp)]);
    }

    /// `AdminNetworkPolicyPriorityField`: ANP `priority-50-example` denies slytherin pods both ways, ANP
    /// `old-priority-60-new-priority-40-example` passes them, the BANP `default` allows them; the last step moves the
    /// Pass ANP to priority 40.
    mod admin_network_policy_priority_field = "AdminNetworkPolicyPriorityField"
        in "conformance/tests/admin-network-policy-standard-priority.go" {
        base: fixtures::priority_field();
        should_deny_traffic_from_slytherin_to_gryffindor_respecting_anp:
            "Should Deny traffic from slytherin to gryffindor respecting ANP" =>
            probes(vec![blocked(D0, H0, 80, Tcp), blocked(D1, H0, 8080, Tcp)]);
        should_deny_traffic_to_slytherin_from_gryffindor_respecting_anp:
            "Should Deny traffic to slytherin from gryffindor respecting ANP" =>
            probes(vec![blocked(H0, D0, 80, Tcp), blocked(H1, D0, 8080, Tcp)]);
        should_respect_anp_priority_field_thus_passing_both_ingress_and_egress_traffic_over_to_banp:
            "Should respect ANP priority field; thus passing both ingress and egress traffic over to BANP" =>
            after(|s| s.policy("old-priority-60-new-priority-40-example").priority = 40, vec![
                allowed(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp),
                allowed(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp),
            ]);
    }

    /// `AdminNetworkPolicyEgressInlineCIDRPeers`: `inline-cidr-as-peers-example` (85) on gryffindor pods: 0 Allow
    /// slytherin pods, 1 Deny `0.0.0.0/0` and `::/0`; the second step inserts an Allow of two pod IPs first.
    mod admin_network_policy_egress_inline_cidr_peers = "AdminNetworkPolicyEgressInlineCIDRPeers"
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

    /// `AdminNetworkPolicyEgressNamedPort`: `egress-tcp` with rule 5 (Allow hufflepuff at TCP 8080) rewritten to the
    /// named port `web` (TCP 80 on the hufflepuff pods).
    mod admin_network_policy_egress_named_port = "AdminNetworkPolicyEgressNamedPort"
        in "conformance/tests/admin-network-policy-experimental-egress-rules.go" {
        base: fixtures::protocol_state(&EGRESS_TCP, Tier::Admin);
        should_support_an_allow_egress_policy_for_named_port:
            "Should support an 'allow-egress' policy for named port" =>
            after(|s| s.policy("egress-tcp").egress[5].ports = Some(vec![Port::Named("web")]),
                vec![allowed(H0, C1, 80, Tcp), blocked(H1, C1, 8080, Tcp)]);
    }

    /// `AdminNetworkPolicyIngressNamedPort`: `ingress-udp` with rule 5 (Allow gryffindor at UDP 53) rewritten to the
    /// named port `dns` (UDP 53 on the hufflepuff pods).
    mod admin_network_policy_ingress_named_port = "AdminNetworkPolicyIngressNamedPort"
        in "conformance/tests/admin-network-policy-experimental-ingress-rules.go" {
        base: fixtures::protocol_state(&INGRESS_UDP, Tier::Admin);
        should_support_an_allow_ingress_policy_for_named_port:
            "Should support an 'allow-ingress' policy for named port" =>
            after(|s| s.policy("ingress-udp").ingress[5].ports = Some(vec![Port::Named("dns")]),
                vec![allowed(H0, C1, 53, Udp), blocked(H1, C1, 5353, Udp)]);
    }

    /// `AdminNetworkPolicyEgressNodePeers`: `node-and-cidr-as-peers-example` (75) on gryffindor pods: 0 Allow nodes at
    /// host-network port 0 TCP, 1 Pass nodes at port 2 UDP, 2 Deny slytherin pods, every node and every address; the
    /// server is the host-network pod centaur-1.
    mod admin_network_policy_egress_node_peers = "AdminNetworkPolicyEgressNodePeers"
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

    /// `BaselineAdminNetworkPolicyEgressTCP`: the BANP `default` on gryffindor: 0 Allow ravenclaw, 1 Deny ravenclaw,
    /// 2 Deny slytherin TCP 80, 3 Allow hufflepuff TCP 8080, 4 Deny hufflepuff.
    mod baseline_admin_network_policy_egress_tcp = "BaselineAdminNetworkPolicyEgressTCP"
        in "conformance/tests/baseline-admin-network-policy-standard-egress-tcp-rules.go" {
        base: fixtures::protocol_state(&EGRESS_TCP, Tier::Baseline);
        should_support_an_allow_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(H0, L0, 80, Tcp), allowed(H1, L0, 8080, Tcp)]);
        should_support_an_allow_egress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support an 'allow-egress' policy for TCP protocol at the specified port" =>
            probes(vec![allowed(H0, C1, 8080, Tcp), blocked(H1, C1, 80, Tcp)]);
        should_support_an_deny_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-egress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_egress(0, 1),
                vec![blocked(H0, L1, 80, Tcp), blocked(H1, L1, 8080, Tcp)]);
        should_support_a_deny_egress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'deny-egress' policy for TCP protocol at the specified port" =>
            probes(vec![blocked(H0, D0, 80, Tcp), allowed(H1, D0, 8080, Tcp)]);
    }

    /// `BaselineAdminNetworkPolicyEgressUDP`: the BANP `default` on hufflepuff: 0 Allow ravenclaw, 1 Deny ravenclaw,
    /// 2 Deny slytherin UDP 5353, 3 Allow gryffindor UDP 53, 4 Deny gryffindor. Read at 2d21d068.
    mod baseline_admin_network_policy_egress_udp = "BaselineAdminNetworkPolicyEgressUDP"
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

    /// `BaselineAdminNetworkPolicyEgressSCTP`: the BANP `default` on ravenclaw: 0 Allow gryffindor, 1 Deny gryffindor,
    /// 2 Deny slytherin SCTP 9003, 3 Allow hufflepuff SCTP 9003, 4 Deny hufflepuff.
    mod baseline_admin_network_policy_egress_sctp = "BaselineAdminNetworkPolicyEgressSCTP"
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

    /// `BaselineAdminNetworkPolicyIngressTCP`: the BANP `default` on gryffindor: 0 Allow ravenclaw, 1 Deny ravenclaw,
    /// 2 Deny slytherin TCP 80, 3 Allow hufflepuff TCP 80, 4 Deny hufflepuff.
    mod baseline_admin_network_policy_ingress_tcp = "BaselineAdminNetworkPolicyIngressTCP"
        in "conformance/tests/baseline-admin-network-policy-standard-ingress-tcp-rules.go" {
        base: fixtures::protocol_state(&INGRESS_TCP, Tier::Baseline);
        should_support_an_allow_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            probes(vec![allowed(L0, H0, 80, Tcp), allowed(L1, H0, 8080, Tcp)]);
        should_support_an_allow_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support an 'allow-ingress' policy for TCP protocol at the specified port" =>
            probes(vec![allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp)]);
        should_support_an_deny_ingress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected:
            "Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected" =>
            after(|s| s.policy("default").swap_ingress(0, 1),
                vec![blocked(L0, H1, 80, Tcp), blocked(L1, H1, 8080, Tcp)]);
        should_support_a_deny_ingress_policy_for_tcp_protocol_at_the_specified_port:
            "Should support a 'deny-ingress' policy for TCP protocol at the specified port" =>
            probes(vec![blocked(D0, H0, 80, Tcp), allowed(D1, H0, 8080, Tcp)]);
    }

    /// `BaselineAdminNetworkPolicyIngressUDP`: the BANP `default` on hufflepuff: 0 Allow ravenclaw, 1 Deny ravenclaw,
    /// 2 Deny slytherin UDP 5353, 3 Allow gryffindor UDP 53, 4 Deny gryffindor.
    mod baseline_admin_network_policy_ingress_udp = "BaselineAdminNetworkPolicyIngressUDP"
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

    /// `BaselineAdminNetworkPolicyIngressSCTP`: the BANP `default` on ravenclaw: 0 Allow gryffindor, 1 Deny gryffindor,
    /// 2 Deny slytherin SCTP 9003, 3 Allow hufflepuff SCTP 9003, 4 Deny hufflepuff. Read at 2d21d068.
    mod baseline_admin_network_policy_ingress_sctp = "BaselineAdminNetworkPolicyIngressSCTP"
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

    /// `BaselineAdminNetworkPolicyGress`: the BANP `default` on gryffindor, both directions, each port rule on three
    /// protocols.
    mod baseline_admin_network_policy_gress = "BaselineAdminNetworkPolicyGress"
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

    /// `BaselineAdminNetworkPolicyEgressInlineCIDRPeers`: the BANP `default` on gryffindor: 0 Allow slytherin pods,
    /// 1 Deny `0.0.0.0/0` and `::/0`; the second step inserts an Allow of two pod IPs first. Read at 47a85071.
    mod baseline_admin_network_policy_egress_inline_cidr_peers = "BaselineAdminNetworkPolicyEgressInlineCIDRPeers"
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

    /// `BaselineAdminNetworkPolicyEgressNamedPort`: the BANP `default` of the egress UDP test with rule 3 (Allow
    /// gryffindor at UDP 53) rewritten to the named port `dns`.
    mod baseline_admin_network_policy_egress_named_port = "BaselineAdminNetworkPolicyEgressNamedPort"
        in "conformance/tests/baseline-admin-network-policy-experimental-egress-rules.go" {
        base: fixtures::protocol_state(&EGRESS_UDP, Tier::Baseline);
        should_support_an_allow_egress_policy_for_named_port:
            "Should support an 'allow-egress' policy for named port" =>
            after(|s| s.policy("default").egress[3].ports = Some(vec![Port::Named("dns")]),
                vec![allowed(C0, H1, 53, Udp), blocked(C1, H1, 5353, Udp)]);
    }

    /// `BaselineAdminNetworkPolicyIngressNamedPort`: the BANP `default` of the ingress TCP test with rule 3 (Allow
    /// hufflepuff at TCP 80) rewritten to the named port `web`. Read at 135bf4bf (`extended` file).
    mod baseline_admin_network_policy_ingress_named_port = "BaselineAdminNetworkPolicyIngressNamedPort"
        in "conformance/tests/baseline-admin-network-policy-experimental-ingress-rules.go" {
        base: fixtures::protocol_state(&INGRESS_TCP, Tier::Baseline);
        should_support_an_allow_ingress_policy_for_named_port:
            "Should support an 'allow-ingress' policy for named port" =>
            after(|s| s.policy("default").ingress[3].ports = Some(vec![Port::Named("web")]),
                vec![allowed(C0, H1, 80, Tcp), blocked(C1, H1, 8080, Tcp)]);
    }

    /// `BaselineAdminNetworkPolicyEgressNodePeers`: the BANP `default` on gryffindor: 0 Allow nodes on the TCP range
    /// host-network port 0 to port 1, 1 Deny every node and every address.
    mod baseline_admin_network_policy_egress_node_peers = "BaselineAdminNetworkPolicyEgressNodePeers"
        in "conformance/tests/baseline-admin-network-policy-experimental-egress-rules.go" {
        base: fixtures::baseline_node_peers();
        should_support_an_allow_egress_rule_policy_for_egress_node_peer:
            "Should support an 'allow-egress' rule policy for egress-node-peer" =>
            probes(vec![allowed(H0, CENTAUR_1, hnp(0), Tcp), allowed(H1, CENTAUR_1, hnp(1), Tcp)]);
        should_support_a_deny_egress_rule_policy_for_egress_node_peer:
            "Should support a 'deny-egress' rule policy for egress-node-peer" =>
            probes(vec![blocked(H1, CENTAUR_1, hnp(4), Udp), blocked(H1, CENTAUR_1, hnp(6), Sctp)]);
    }
}
