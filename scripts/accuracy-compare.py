#!/usr/bin/env python3
"""Compares kubeguard, checkov and trivy on the same manifests, per object
and problem class, for docs/accuracy.md.

Usage:
  scripts/accuracy-compare.py INPUTS KUBEGUARD_JSON[,MORE_JSON] CHECKOV_JSON TRIVY_JSON

INPUTS is the directory all three tools read. KUBEGUARD_JSON is the output
of `kubeguard scan INPUTS -f json` (a comma-separated list adds others, such
as `kubeguard netpol coverage INPUTS -f json`), CHECKOV_JSON that of
`checkov -d INPUTS --framework kubernetes -o json`, TRIVY_JSON that of
`trivy config -f json INPUTS`. Prints the number of objects flagged per
class and tool, then every object on which kubeguard and a peer disagree.
"""
import collections
import json
import os
import re
import sys

# Problem class: (kubeguard rules, checkov checks, trivy checks). An empty
# set means the tool has no check for the class.
CLASSES = {
    "privileged": ({"privileged-container"}, {"CKV_K8S_16"}, {"KSV-0017"}),
    "root": ({"runs-as-root"}, {"CKV_K8S_23"}, {"KSV-0012"}),
    "low-uid": ({"low-user-id"}, {"CKV_K8S_40"}, {"KSV-0020"}),
    "caps-not-dropped": (
        {"capabilities-not-dropped"},
        {"CKV_K8S_37", "CKV_K8S_28"},
        {"KSV-0003", "KSV-0004"},
    ),
    "caps-added": (
        {"added-capabilities", "sys-admin-capability"},
        {"CKV_K8S_25", "CKV_K8S_39"},
        {"KSV-0022", "KSV-0005"},
    ),
    "priv-escalation": ({"privilege-escalation-allowed"}, {"CKV_K8S_20"}, {"KSV-0001"}),
    "seccomp": ({"seccomp-not-set"}, {"CKV_K8S_31"}, {"KSV-0030", "KSV-0104"}),
    "host-namespaces": (
        {"host-pid", "host-network", "host-ipc"},
        {"CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19"},
        {"KSV-0008", "KSV-0009", "KSV-0010"},
    ),
    "host-path": ({"hostpath-volume", "docker-socket-mount"}, set(), {"KSV-0023", "KSV-0121"}),
    "host-port": ({"host-port"}, {"CKV_K8S_26"}, {"KSV-0024"}),
    "limits": (
        {"missing-cpu-limit", "missing-memory-limit"},
        {"CKV_K8S_11", "CKV_K8S_13"},
        {"KSV-0011", "KSV-0018"},
    ),
    "requests": (
        {"missing-cpu-request", "missing-memory-request"},
        {"CKV_K8S_10", "CKV_K8S_12"},
        {"KSV-0015", "KSV-0016"},
    ),
    "image-tag": ({"image-tag-not-pinned"}, {"CKV_K8S_14"}, {"KSV-0013"}),
    "readonly-rootfs": ({"writable-root-filesystem"}, {"CKV_K8S_22"}, {"KSV-0014"}),
    "rbac-wildcard": ({"rbac-wildcard"}, {"CKV_K8S_49"}, {"KSV-0044", "KSV-0045", "KSV-0046"}),
    "rbac-secrets": ({"rbac-secrets-access"}, {"CKV2_K8S_5"}, {"KSV-0041", "KSV-0113"}),
    "netpol": ({"netpol-pod-not-selected", "netpol-host-network-pod"}, {"CKV2_K8S_6"}, set()),
}
WORKLOADS = {"Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "ReplicaSet"}


def relative(inputs, path):
    """A reported path relative to the inputs directory."""
    path = os.path.normpath(path)
    if path.startswith(inputs):
        return path[len(inputs) :].lstrip("/")
    return path.lstrip("/")


def documents(path):
    """(first line, last line, kind, name) of each YAML document of a file."""
    docs, start, kind, name = [], 1, None, None
    lines = open(path).read().split("\n")
    for number, line in enumerate(lines + ["---"], 1):
        if line.startswith("---"):
            if kind:
                docs.append((start, number - 1, kind, name))
            start, kind, name = number + 1, None, None
        elif line.startswith("kind:"):
            kind = line.split(":", 1)[1].strip()
        elif name is None and re.match(r"^  name: ", line):
            name = line.split(":", 1)[1].strip()
    return docs


def kubeguard(inputs, paths):
    out = collections.defaultdict(set)
    for path in paths.split(","):
        for f in json.load(open(path))["findings"]:
            o = f["object"] or {}
            out[(relative(inputs, f["file"]), o.get("kind"), o.get("name"))].add(f["rule"])
    return out


def checkov(inputs, path):
    data = json.load(open(path))
    data = data if isinstance(data, list) else [data]
    checks = [
        f for r in data for k in ("failed_checks", "passed_checks") for f in r["results"][k]
    ]
    # Graph checks name the pods a workload makes Pod.<ns>.<name>.<labels>.
    workload = {}
    for f in checks:
        kind, _, name = f["resource"].split(".", 2)
        if kind in WORKLOADS:
            workload[(relative(inputs, f["file_path"]), name)] = kind
    out = collections.defaultdict(set)
    for r in data:
        for f in r["results"]["failed_checks"]:
            file = relative(inputs, f["file_path"])
            kind, _, name = f["resource"].split(".", 2)
            if kind == "Pod":
                name = name.split(".", 1)[0]
                kind = workload.get((file, name), "Pod")
            out[(file, kind, name)].add(f["check_id"])
    return out


def trivy(inputs, path):
    """Trivy names objects in free text: place each failure by its line."""
    out = collections.defaultdict(set)
    for r in json.load(open(path)).get("Results", []):
        docs = documents(os.path.join(inputs, r["Target"]))
        for m in r.get("Misconfigurations", []):
            if m["Status"] != "FAIL":
                continue
            line = m.get("CauseMetadata", {}).get("StartLine") or 0
            hit = [d for d in docs if d[0] <= line <= d[1]]
            key = (r["Target"], hit[0][2], hit[0][3]) if hit else (r["Target"], "?", m["Message"])
            out[key].add(m["ID"])
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    inputs = os.path.normpath(sys.argv[1]) + "/"
    kg = kubeguard(inputs, sys.argv[2])
    ck = checkov(inputs, sys.argv[3])
    tv = trivy(inputs, sys.argv[4])
    objects = sorted(set(kg) | set(ck) | set(tv), key=lambda k: tuple(map(str, k)))
    counts = {c: [0, 0, 0] for c in CLASSES}
    differences = []
    for o in objects:
        for c, (kr, cr, tr) in CLASSES.items():
            verdicts = (
                bool(kg[o] & kr),
                bool(ck[o] & cr) if cr else None,
                bool(tv[o] & tr) if tr else None,
            )
            for i, v in enumerate(verdicts):
                counts[c][i] += bool(v)
            if any(v is not None and v != verdicts[0] for v in verdicts[1:]):
                differences.append((c, o, verdicts, sorted(ck[o] & cr), sorted(tv[o] & tr)))
    print("| class | kubeguard | checkov | trivy |\n| --- | --- | --- | --- |")
    for c, n in counts.items():
        ckv = n[1] if CLASSES[c][1] else "-"
        trv = n[2] if CLASSES[c][2] else "-"
        print(f"| {c} | {n[0]} | {ckv} | {trv} |")
    print()
    mark = {True: "yes", False: "no", None: "-"}
    for c, (file, kind, name), v, ckv, trv in differences:
        print(
            f"{c}: {file} {kind}/{name}: kubeguard {mark[v[0]]}, checkov {mark[v[1]]} {ckv},"
            f" trivy {mark[v[2]]} {trv}"
        )


if __name__ == "__main__":
    main()
