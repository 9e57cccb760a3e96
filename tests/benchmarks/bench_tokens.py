"""Benchmark: tokens for N users against a real hub, the module against a bare script (not part of the test run).

    source scripts/env.sh && python -m tests.benchmarks.bench_tokens --users 200 2000 --rounds 3

For each size, on a hub of its own: (a) one ``jupyterhub_token`` task with ``users``; (a2) the same task
again, nothing to do; (a-file) and (a2-file) the same with a file destination; (b) a bare Python script
making the same REST calls on one keep-alive session, with bulk user creation; (b1) the same creating
users one by one; (b-list) only the listing calls of (b); (c) a loop of ``ansible.builtin.uri`` tasks
(fewer users, scaled: its cost is linear). The peak memory (max RSS) of the module's process is taken
from a wrapper interpreter. The machine's load average is printed before and after.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from tests.fixtures.ansible import AnsibleRunner
from tests.fixtures.jupyterhub import Hub

SCOPES = ["self"]
MODULE = "datastack.jupyterhub.jupyterhub_token"
# Runs the real interpreter and appends the child's peak RSS (KiB) to $BENCH_RSS_FILE.
RSS_WRAPPER = """#!{python}
import os, resource, subprocess, sys
code = subprocess.call([{python!r}] + sys.argv[1:])
with open(os.environ["BENCH_RSS_FILE"], "a") as out:
    out.write("%d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def names(count):
    tag = uuid.uuid4().hex[:6]
    return ["bench-%s-%04d" % (tag, i) for i in range(count)]


def bare(hub, users, bulk=True, list_only=False):
    session = requests.Session()
    session.headers["Authorization"] = "token " + hub.admin_token
    start = time.perf_counter()
    missing = [u for u in users if session.get("%s/users/%s/tokens" % (hub.api_url, u)).status_code == 404]
    if list_only:
        return time.perf_counter() - start
    if bulk:
        session.post(hub.api_url + "/users", json={"usernames": missing}).raise_for_status()
    else:
        for user in missing:
            session.post("%s/users/%s" % (hub.api_url, user)).raise_for_status()
    for user in users:
        session.post("%s/users/%s/tokens" % (hub.api_url, user),
                     json={"note": "bench", "scopes": SCOPES, "expires_in": 86400}).raise_for_status()
    return time.perf_counter() - start


class ModuleRuns(object):
    def __init__(self, hub, workdir):
        self.hub = hub
        self.runner = AnsibleRunner(workdir)
        self.rss_file = Path(workdir) / "rss.txt"
        wrapper = Path(workdir) / "python-rss"
        wrapper.write_text(RSS_WRAPPER.format(python=sys.executable))
        wrapper.chmod(0o755)
        self.runner.inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % wrapper)
        self.peak_kib = []

    def task(self, users, destination=None):
        args = {"api_url": self.hub.api_url, "api_token": self.hub.admin_token, "users": users, "note": "bench",
                "scopes": SCOPES, "expires_in": 86400}
        if destination:
            args["destination"] = {"file": {"directory": str(destination)}}
        play = {"hosts": "localhost", "gather_facts": False,
                "tasks": [{"name": "tokens", "no_log": True, MODULE: args}]}
        if self.rss_file.exists():
            self.rss_file.unlink()
        start = time.perf_counter()
        result = self.runner.playbook([play], env={"BENCH_RSS_FILE": str(self.rss_file)})
        elapsed = time.perf_counter() - start
        assert result.rc == 0, result
        self.peak_kib.append(int(self.rss_file.read_text().split()[-1]))
        return elapsed

    def uri_loop(self, users):
        headers = {"Authorization": "token " + self.hub.admin_token}
        play = {"hosts": "localhost", "gather_facts": False, "vars": {"bench_users": users}, "tasks": [
            {"name": "list tokens", "ansible.builtin.uri": {"url": self.hub.api_url + "/users/{{ item }}/tokens",
                                                            "headers": headers, "status_code": [200, 404]},
             "loop": "{{ bench_users }}", "register": "listed", "no_log": True},
            {"name": "create users", "ansible.builtin.uri": {"url": self.hub.api_url + "/users/{{ item.item }}",
                                                             "method": "POST", "headers": headers,
                                                             "status_code": [201]},
             "loop": "{{ listed.results }}", "when": "item.status == 404", "no_log": True},
            {"name": "create tokens", "ansible.builtin.uri": {
                "url": self.hub.api_url + "/users/{{ item }}/tokens", "method": "POST", "headers": headers,
                "body_format": "json", "body": {"note": "bench", "scopes": SCOPES, "expires_in": 86400},
                "status_code": [201]}, "loop": "{{ bench_users }}", "no_log": True},
        ]}
        start = time.perf_counter()
        result = self.runner.playbook([play])
        elapsed = time.perf_counter() - start
        assert result.rc == 0, result
        return elapsed


def measure(size, rounds, uri_users, one_by_one):
    hub = Hub(tempfile.mkdtemp(prefix="bench-hub-"))
    hub.start()
    runs = ModuleRuns(hub, tempfile.mkdtemp(prefix="bench-ansible-"))
    times = dict((key, []) for key in ("a", "a2", "a_file", "a2_file", "b", "b1", "b_list", "c_per_user"))
    try:
        for dummy in range(rounds):
            users = names(size)
            times["a"].append(runs.task(users))
            times["a2"].append(runs.task(users))
            times["b"].append(bare(hub, names(size)))
            times["b_list"].append(bare(hub, users, list_only=True))
            filed, directory = names(size), Path(tempfile.mkdtemp(prefix="bench-tokens-"))
            times["a_file"].append(runs.task(filed, directory))
            times["a2_file"].append(runs.task(filed, directory))
            if one_by_one:
                times["b1"].append(bare(hub, names(size), bulk=False))
        if uri_users:
            times["c_per_user"].append(runs.uri_loop(names(uri_users)) / uri_users)
    finally:
        hub.stop()
    return dict((k, v) for k, v in times.items() if v), max(runs.peak_kib)


def report(size, rounds, times, peak_kib, uri_users):
    med = dict((k, statistics.median(v)) for k, v in times.items())
    rows = [
        ("(a) one jupyterhub_token task, `users`", "a"),
        ("(a) second run, nothing to do", "a2"),
        ("(a) with a file destination", "a_file"),
        ("(a) with a file destination, second run (each stored token checked)", "a2_file"),
        ("(b) bare script, bulk create + tokens, one session", "b"),
        ("(b) bare script, users one by one", "b1"),
        ("(b) bare script, listing calls only", "b_list"),
    ]
    print("| %d users, median of %d rounds | seconds | ms per user |" % (size, rounds))
    print("| --- | ---: | ---: |")
    for label, key in rows:
        if key in med:
            print("| %s | %.2f | %.1f |" % (label, med[key], 1000 * med[key] / size))
    if "c_per_user" in med:
        total = med["c_per_user"] * size
        print("| (c) `ansible.builtin.uri` loop (%d users, scaled to %d) | %.2f | %.1f |"
              % (uri_users, size, total, 1000 * total / size))
    print()
    print("(a)/(b bulk) = %.2f; (a second run)/(b listing) = %.2f; peak RSS of the module process %.1f MiB"
          % (med["a"] / med["b"], med["a2"] / med["b_list"], peak_kib / 1024.0))
    print()
    return med


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--uri-users", type=int, default=30, help="users of the uri loop (c), at the smallest size")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one-by-one-max", type=int, default=200, help="run (b1) only up to this size")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print("load average before: %s" % " ".join("%.2f" % x for x in os.getloadavg()), flush=True)
    out = {}
    for size in args.users:
        times, peak = measure(size, args.rounds, args.uri_users if size == min(args.users) else 0,
                              size <= args.one_by_one_max)
        out[size] = {"medians": report(size, args.rounds, times, peak, args.uri_users), "raw": times,
                     "peak_rss_kib": peak}
        sys.stdout.flush()
    print("load average after: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
