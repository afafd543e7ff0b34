#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets from the repository's own manifests (examples/ and
# tests/fixtures/) and a few hand-written inputs, into fuzz/seeds/TARGET/. Run from anywhere; the
# seeds are inputs to start from (`cargo fuzz run TARGET fuzz/corpus/TARGET fuzz/seeds/TARGET`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/fuzz/seeds"
rm -rf "$out"
mkdir -p "$out"/{reader,engine,json_vs_yaml,flow_args,kubeconfig,completion,api_page}

# Manifests: one seed per file for the reader and JSON-vs-YAML, one per fixture directory (the
# whole cluster of a test) for the engine.
n=0
while IFS= read -r f; do
  n=$((n + 1))
  cp "$f" "$out/reader/manifest-$n"
  cp "$f" "$out/json_vs_yaml/manifest-$n"
done < <(find "$root/examples" "$root/tests/fixtures/cli" "$root/tests/fixtures/init" -maxdepth 2 -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)
n=0
for dir in "$root/examples" "$root"/tests/fixtures/cli/*/ "$root"/tests/fixtures/init; do
  files=$(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
  [ -n "$files" ] || continue
  n=$((n + 1))
  for f in $files; do echo '---'; cat "$f"; printf '\n'; done > "$out/engine/cluster-$n"
done

# why's endpoint arguments: FROM, a newline, TO.
i=0
for pair in 'frontend\ndb:5432' 'prod/deploy/web\nsvc/api:http/UDP' 'pod/a\nns/pod/b:65535/sctp' \
  '10.0.0.7\n2001:db8::7:53/udp' 'sts/postgres\nds/x:0' 'deploy/\n:80' 'a/b/c/d\n[::1]:80' 'cj/nightly\njob/x:http-metrics/tcp'; do
  i=$((i + 1)); printf "%b" "$pair" > "$out/flow_args/args-$i"
done

# kubeconfigs: a usual one, UTF-8 with a byte-order mark, UTF-16 both ways, and the odd-length
# UTF-16 files kube-client 5.0.0 panics on (issue 11.1).
kc='apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: eu
  cluster: {server: "https://eu.example:6443", insecure-skip-tls-verify: true}
users:
- name: admin
  user:
    token: abc
    as: jane
    as-groups: [devs]
    exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, args: [eks, get-token], installHint: "install aws", interactiveMode: Never}
contexts:
- name: prod
  context: {cluster: eu, user: admin, namespace: production}
'
printf '%s' "$kc" > "$out/kubeconfig/plain"
{ printf '\xef\xbb\xbf'; printf '%s' "$kc"; } > "$out/kubeconfig/utf8-bom"
{ printf '\xff\xfe'; printf '%s' "$kc" | iconv -f UTF-8 -t UTF-16LE; } > "$out/kubeconfig/utf16le"
{ printf '\xfe\xff'; printf '%s' "$kc" | iconv -f UTF-8 -t UTF-16BE; } > "$out/kubeconfig/utf16be"
printf '\xff\xfeA' > "$out/kubeconfig/utf16le-odd"
printf '\xfe\xff\x00' > "$out/kubeconfig/utf16be-odd"
printf '%s\n' '---' '---' 'kind: Config' > "$out/kubeconfig/multi"

# Completion: the words after `kubectl deny`, one per line, the last one being completed.
i=0
for line in 'why\n' 'why\n-n\n' 'list\n--context\n' 'matrix\n--port\n' 'init\n--dry-run=' '--as\nx\nwhy\nprod/' \
  'completion\n' 'why\n-f\nexamples/\ndeploy/' '-o\n' 'why\n--request-timeout\n'; do
  i=$((i + 1)); printf "%b" "$line" > "$out/completion/line-$i"
done

# API pages: a selector byte (resource modulo 12; 0x10 a list page; 0x20 metadata-only) and the
# response text.
page() { printf "\\x$1" > "$out/api_page/$2"; printf '%s' "$3" >> "$out/api_page/$2"; }
page 11 pods-list '{"apiVersion":"v1","kind":"PodList","metadata":{"continue":"abc"},"items":[{"metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},"spec":{"nodeName":"n1","containers":[{"name":"c","ports":[{"name":"http","containerPort":8080}]}]},"status":{"podIP":"10.0.0.5","podIPs":[{"ip":"10.0.0.5"}],"phase":"Running"}}]}'
page 30 namespaces-meta '{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[{"metadata":{"name":"shop","labels":{"kubernetes.io/metadata.name":"shop"}}}]}'
page 12 policies-list '{"kind":"NetworkPolicyList","items":[{"metadata":{"name":"deny","namespace":"shop"},"spec":{"podSelector":{},"policyTypes":["Ingress","Egress"],"egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],"ports":[{"port":53,"endPort":60,"protocol":"UDP"}]}]}}]}'
page 03 service '{"metadata":{"name":"api","namespace":"shop"},"spec":{"selector":{"app":"api"},"clusterIP":"10.96.0.10","ports":[{"port":80,"targetPort":"http"}]}}'
page 14 slices '{"kind":"EndpointSliceList","items":[{"metadata":{"name":"api-x","namespace":"shop","labels":{"kubernetes.io/service-name":"api"}},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.9"]}],"ports":[{"port":8080,"protocol":"TCP"}]}]}'
page 16 deployments '{"kind":"DeploymentList","items":[{"metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c"}]}}}}]}'
page 15 nodes '{"kind":"NodeList","items":[{"metadata":{"name":"n1"},"status":{"addresses":[{"type":"InternalIP","address":"192.168.1.10"}]}}]}'
