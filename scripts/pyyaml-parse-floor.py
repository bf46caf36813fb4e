#!/usr/bin/env python3
"""Parse-only floor for the scan benchmark.

Usage: pyyaml-parse-floor.py DIR [--count]

Walks DIR, loads every *.yaml file with PyYAML's libyaml-backed CSafeLoader
(yaml.load_all, generator fully consumed) and does nothing else. This is
the least work any YAML-based scanner has to do, so kubeguard scanning the
same tree should beat it.

With --count, prints one line to stdout:
    files=N documents=N objects=N
where objects are documents that are mappings with both apiVersion and
kind (the unit the benchmark reports throughput in).
"""
import os
import sys

import yaml


def yaml_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".yaml"):
                yield os.path.join(dirpath, name)


def main():
    args = sys.argv[1:]
    count = "--count" in args
    args = [a for a in args if a != "--count"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        print("PyYAML was built without libyaml: CSafeLoader is missing", file=sys.stderr)
        return 2

    files = documents = objects = 0
    for path in yaml_files(args[0]):
        files += 1
        with open(path, "rb") as f:
            for doc in yaml.load_all(f, Loader=loader):
                documents += 1
                if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc:
                    objects += 1
    if count:
        print(f"files={files} documents={documents} objects={objects}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
