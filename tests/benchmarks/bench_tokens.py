"""Benchmark: tokens for N users, three ways, against a real hub (not part of the timed test run).

    source scripts/env.sh && python -m tests.benchmarks.bench_tokens --users 200 --rounds 3

(a) one ``jupyterhub_token`` task with ``users``; (a2) the same task again with nothing to do;
(b) a bare Python script making the same REST calls on one keep-alive session (bulk user creation),
(b1) the same but creating users one by one; (b-list) only the listing calls of (b);
(c) a loop of ``ansible.builtin.uri`` tasks (run on fewer users; its cost is linear, reported per user).
"""

import argparse
import json
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


def names(count):
    tag = uuid.uuid4().hex[:6]
    return ["bench-%s-%03d" % (tag, i) for i in range(count)]


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


def module_task(hub, runner, users):
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "tokens", "no_log": True,
        "datastack.jupyterhub.jupyterhub_token": {
            "api_url": hub.api_url, "api_token": hub.admin_token, "users": users, "note": "bench",
            "scopes": SCOPES, "expires_in": 86400}}]}
    start = time.perf_counter()
    result = runner.playbook([play])
    elapsed = time.perf_counter() - start
    assert result.rc == 0, result
    return elapsed


def uri_loop(hub, runner, users):
    headers = {"Authorization": "token " + hub.admin_token}
    play = {"hosts": "localhost", "gather_facts": False, "vars": {"bench_users": users}, "tasks": [
        {"name": "list tokens", "ansible.builtin.uri": {"url": hub.api_url + "/users/{{ item }}/tokens",
                                                        "headers": headers, "status_code": [200, 404]},
         "loop": "{{ bench_users }}", "register": "listed", "no_log": True},
        {"name": "create users", "ansible.builtin.uri": {"url": hub.api_url + "/users/{{ item.item }}",
                                                         "method": "POST", "headers": headers,
                                                         "status_code": [201]},
         "loop": "{{ listed.results }}", "when": "item.status == 404", "no_log": True},
        {"name": "create tokens", "ansible.builtin.uri": {
            "url": hub.api_url + "/users/{{ item }}/tokens", "method": "POST", "headers": headers,
            "body_format": "json", "body": {"note": "bench", "scopes": SCOPES, "expires_in": 86400},
            "status_code": [201]}, "loop": "{{ bench_users }}", "no_log": True},
    ]}
    start = time.perf_counter()
    result = runner.playbook([play])
    elapsed = time.perf_counter() - start
    assert result.rc == 0, result
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--uri-users", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    hub = Hub(tempfile.mkdtemp(prefix="bench-hub-"))
    hub.start()
    runner = AnsibleRunner(tempfile.mkdtemp(prefix="bench-ansible-"))
    times = {"a": [], "a2": [], "b": [], "b1": [], "b_list": [], "c_per_user": []}
    try:
        for dummy in range(args.rounds):
            users = names(args.users)
            times["a"].append(module_task(hub, runner, users))
            times["a2"].append(module_task(hub, runner, users))
            times["b"].append(bare(hub, names(args.users)))
            times["b1"].append(bare(hub, names(args.users), bulk=False))
            times["b_list"].append(bare(hub, users, list_only=True))
        times["c_per_user"].append(uri_loop(hub, runner, names(args.uri_users)) / args.uri_users)
    finally:
        hub.stop()
    med = dict((k, statistics.median(v)) for k, v in times.items())
    c_total = med["c_per_user"] * args.users
    rows = [
        ("(a) one jupyterhub_token task, `users`", med["a"]),
        ("(a) second run, nothing to do", med["a2"]),
        ("(b) bare script, bulk create + tokens, one session", med["b"]),
        ("(b) bare script, users one by one", med["b1"]),
        ("(b) bare script, listing calls only", med["b_list"]),
        ("(c) `ansible.builtin.uri` loop (%d users, scaled to %d)" % (args.uri_users, args.users), c_total),
    ]
    print("| %d users, median of %d rounds | seconds | ms per user |" % (args.users, args.rounds))
    print("| --- | ---: | ---: |")
    for label, seconds in rows:
        print("| %s | %.2f | %.1f |" % (label, seconds, 1000 * seconds / args.users))
    print()
    print("(a)/(b bulk) = %.2f; (a)/(b one by one) = %.2f; (c)/(a) = %.1f; (a second run)/(b listing) = %.2f"
          % (med["a"] / med["b"], med["a"] / med["b1"], c_total / med["a"], med["a2"] / med["b_list"]))
    if args.json:
        args.json.write_text(json.dumps({"medians": med, "raw": times}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
