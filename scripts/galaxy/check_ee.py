"""Fail unless `ansible-builder introspect` finds this collection's Python and system requirements.

That is what the builder stage of an execution environment runs on the installed collections, so
it proves meta/execution-environment.yml points at requirements.txt and bindep.txt.

Usage: check_ee.py INTROSPECT_YAML COLLECTION_DIR
"""

import sys
from pathlib import Path

import yaml


def requirement_names(lines):
    """Names of the requirements in requirements.txt / bindep.txt lines (comments dropped)."""
    return {line.split("#")[0].split()[0] for line in lines if line.split("#")[0].strip()}


def main(introspect_path, collection_dir):
    found = yaml.safe_load(Path(introspect_path).read_text())
    failed = False
    for kind, filename in (("python", "requirements.txt"), ("system", "bindep.txt")):
        wanted = requirement_names((Path(collection_dir) / filename).read_text().splitlines())
        missing = wanted - requirement_names(found.get(kind) or [])
        if missing:
            failed = True
            print("execution environment: introspect does not find the %s requirements %s of %s"
                  % (kind, sorted(missing), filename))
        else:
            print("execution environment: introspect finds the %s requirements %s" % (kind, sorted(wanted)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
