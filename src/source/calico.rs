
#[cfg(test)]
mod tests {
    use crate::engine::calico::{Action, CalicoKind, CalicoPort, ProtocolMatch, TierAction};
    use crate::engine::model::Protocol;
    use crate::source::file::load_str;

    fn load(text: &str) -> crate::engine::Snapshot {
        load_str(text, "test.yaml", "default").unwrap()
    }

    fn error(text: &str) -> String {
        load_str(text, "test.yaml", "default").unwrap_err().to_string()
    }

    const GNP: &str = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\n";

    #[test]
    fn types_default_as_calico_defaults_them_not_as_kubernetes() {
        let types = |spec: &str| {
            let s = load(&format!("{GNP}spec: {spec}\n"));
            let p = &s.calico.policies[0];
            (p.ingress_type, p.egress_type, p.types_defaulted)
        };
        assert_eq!(types("{}"), (true, false, true), "no rules at all: Ingress");
        assert_eq!(types("{ingress: [{action: Allow}]}"), (true, false, true));
        assert_eq!(types("{egress: [{action: Allow}]}"), (false, true, true), "egress rules only: Egress only");
        assert_eq!(types("{ingress: [{action: Allow}], egress: [{action: Deny}]}"), (true, true, true));
        assert_eq!(types("{types: [Egress]}"), (false, true, false));
    }

    #[test]
    fn a_stored_policy_without_types_governs_both_directions_as_felix_enforces_it() {
        let s = load("apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {}\n");
        let p = &s.calico.policies[0];
        assert!(p.ingress_type && p.egress_type);
    }

    #[test]
    fn stored_default_tier_names_lose_their_prefix() {
        let s = load(
            "apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: default.web, namespace: prod}\n\
             spec: {types: [Ingress]}\n",
        );
        assert_eq!(s.calico.policies[0].name, "web");
        assert_eq!(s.calico.policies[0].kind, CalicoKind::NetworkPolicy);
        assert_eq!(s.calico.policies[0].namespace.as_deref(), Some("prod"));
    }

    #[test]
    fn tiers_default_their_action_to_deny_and_built_in_tiers_keep_their_order() {
        let s = load("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\nspec: {order: 100.5}\n");
        assert_eq!(s.calico.tiers[0].order, Some(100.5));
        assert_eq!(s.calico.tiers[0].default_action, TierAction::Deny);
        let e = error("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\nspec: {order: 5}\n");
        assert!(e.contains("built-in tier default"), "{e}");
    }

    #[test]
    fn rules_read_protocols_by_name_or_number_and_ports_as_numbers_ranges_and_names() {
        let s = load(&format!(
            "{GNP}spec:\n  ingress:\n  - action: Allow\n    protocol: 17\n    destination: {{ports: [53, \"1000:2000\", dns]}}\n  - action: Log\n    protocol: icmp\n    notProtocol: tcp\n"
        ));
        let rules = &s.calico.policies[0].ingress;
        assert_eq!(rules[0].protocol, Some(ProtocolMatch::Is(Protocol::Udp)));
        assert_eq!(
            rules[0].destination.ports,
            [CalicoPort::Range(53, 53), CalicoPort::Range(1000, 2000), CalicoPort::Named("dns".into())]
        );
        assert_eq!((rules[1].action, rules[1].protocol), (Action::Log, Some(ProtocolMatch::Other(1))));
        assert_eq!(rules[1].not_protocol, Some(ProtocolMatch::Is(Protocol::Tcp)));
    }

    #[test]
    fn bad_selectors_name_the_field_the_column_and_the_line() {
        let e = error(&format!("{GNP}spec:\n  ingress:\n  - action: Allow\n    source: {{selector: \"app == 'a' &&\"}}\n"));
        assert!(e.contains("line 7"), "{e}");
        assert!(e.contains("spec.ingress[0].source.selector"), "{e}");
        assert!(e.contains("column"), "{e}");
    }

    #[test]
    fn invalid_rules_are_errors_with_the_fix() {
        for (spec, needle) in [
            ("{ingress: [{}]}", "action: is required"),
            ("{ingress: [{action: allow}]}", "write it as `Allow`"),
            ("{ingress: [{action: Allow, destination: {ports: [80]}}]}", "must be TCP, UDP or SCTP"),
            ("{ingress: [{action: Allow, protocol: TCP, destination: {ports: [\"9:8\"]}}]}", "greater than the last"),
            ("{ingress: [{action: Allow, protocol: FOO}]}", "unsupported protocol"),
            ("{types: [ingress]}", "unsupported policy type"),
            ("{ingress: [{action: Allow, source: {nets: [10.0.0.0/33]}}]}", "not a valid CIDR"),
            (
                "{egress: [{action: Allow, destination: {services: {name: s, namespace: n}, selector: all()}}]}",
                "may not be combined",
            ),
        ] {
            let e = error(&format!("{GNP}spec: {spec}\n"));
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }

    #[test]
    fn a_namespaced_policy_may_not_have_a_namespace_selector() {
        let e = error(
            "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {namespaceSelector: all()}\n",
        );
        assert!(e.contains("GlobalNetworkPolicy only"), "{e}");
    }

    #[test]
    fn staged_policies_are_read_apart_and_never_enforced() {
        let s = load(
            "apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata: {name: p}\nspec: {stagedAction: Set, ingress: [{action: Deny}]}\n",
        );
        assert!(s.calico.policies.is_empty());
        assert_eq!(s.calico.staged.len(), 1);
    }
}
