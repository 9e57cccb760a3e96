"""Start, probe and stop the lab's background servers (stdlib only; prints one JSON line).

  lab_daemon.py status --pid-file F --ready-url U
  lab_daemon.py start --log L --cwd D --ready-url U --timeout S [--port-variable NAME] -- COMMAND...
  lab_daemon.py stop PIDFILE...

status answers running (our pid file's process lives), ready (the URL answers JSON with 200), sealed
(a Vault health answer says so), listening (something accepts connections on the URL's port, ours
or not). Logs are created 0600: a dev server prints its secrets there.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def read_pid(pid_file):
    try:
        with open(pid_file, encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def started_at(pid):
    """Process start time (epoch seconds) from /proc, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith("btime"))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def owned_pid(pid_file):
    """The pid in ``pid_file`` if that process still is the one that wrote it.

    A pid file is written after its process starts; a process that started later only
    reuses the number, and is not ours to signal.
    """
    pid = read_pid(pid_file)
    if pid is None or pid <= 1:
        return None
    start = started_at(pid)
    if start is None or start > os.path.getmtime(pid_file) + 2:
        return None
    return pid


def probe(url):
    """(HTTP status, JSON body) of ``url``; (None, None) when nothing answers JSON."""
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return answer.status, json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read().decode("utf-8"))
        except ValueError:
            return exc.code, None
    except (OSError, ValueError):
        return None, None


def answers_json(url):
    code, body = probe(url)
    return code == 200 and isinstance(body, dict) and "version" in body


def listening(url):
    """Whether something accepts TCP connections on the host and port of ``url``."""
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=2):
            return True
    except OSError:
        return False


def status(args):
    pid = owned_pid(args.pid_file)
    code, body = probe(args.ready_url)
    ready = code == 200 and isinstance(body, dict) and "version" in body
    sealed = isinstance(body, dict) and body.get("sealed") is True
    return {"pid": pid, "running": pid is not None, "ready": pid is not None and ready,
            "sealed": sealed, "listening": code is not None or listening(args.ready_url)}


def open_private_log(path):
    """The log opened for appending, created 0600 (and made 0600 if it existed with another mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "ab")


def port_taken_message(url, variable):
    parts = urllib.parse.urlsplit(url)
    return ("%s:%s is already in use by another process, not the one this lab started: stop that process, or move "
            "this lab's server to a free port with %s (e.g. make lab LAB_ARGS='-e %s=%d')"
            % (parts.hostname, parts.port, variable or "its port variable", variable or "<port variable>",
               (parts.port or 0) + 10))


def child_environment(secret_files):
    """The environment plus NAME=<content of PATH> for each ``--env-file NAME=PATH``.

    Secrets travel in files, so they never sit on a command line or in what Ansible prints at -vvv.
    """
    env = dict(os.environ)
    for item in secret_files or []:
        name, dummy, path = item.partition("=")
        with open(path, encoding="utf-8") as handle:
            env[name] = handle.read().strip()
    return env


def start(args):
    # A server that names its port variable must find its port free (a hub may take over its own old proxy).
    if args.port_variable and listening(args.ready_url):
        raise SystemExit(port_taken_message(args.ready_url, args.port_variable))
    with open_private_log(args.log) as log:
        proc = subprocess.Popen(args.command, cwd=args.cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env=child_environment(args.env_file))
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if answers_json(args.ready_url):
            if proc.poll() is None or not args.port_variable:
                return {"pid": proc.pid, "ready": True}
            # Ours died (port taken between the check and its start) while another server answers.
            raise SystemExit(port_taken_message(args.ready_url, args.port_variable))
        time.sleep(0.5)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    with open(args.log, errors="replace", encoding="utf-8") as handle:
        tail = handle.readlines()[-30:]
    raise SystemExit("%s did not answer JSON on %s within %ss (exit code %s). Last log lines of %s:\n%s"
                     % (args.command[0], args.ready_url, args.timeout, proc.poll(), args.log, "".join(tail)))


def stop_one(pid, timeout=20):
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started_at(pid) is None or _zombie(pid):
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def stop(args):
    stopped = []
    for pid_file in args.pid_files:
        if not os.path.exists(pid_file):
            continue
        pid = owned_pid(pid_file)
        if pid is not None:
            try:
                stop_one(pid)
                stopped.append(pid_file)
            except ProcessLookupError:
                pass
        if os.path.exists(pid_file):
            os.remove(pid_file)
            if pid_file not in stopped:
                stopped.append(pid_file)
    return {"stopped": stopped}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    probe = sub.add_parser("status")
    probe.add_argument("--pid-file", required=True)
    probe.add_argument("--ready-url", required=True)
    launch = sub.add_parser("start")
    launch.add_argument("--log", required=True)
    launch.add_argument("--cwd", required=True)
    launch.add_argument("--ready-url", required=True)
    launch.add_argument("--timeout", type=float, default=60)
    launch.add_argument("--env-file", action="append", metavar="NAME=PATH",
                        help="set NAME to the content of the file PATH in the child's environment")
    launch.add_argument("--port-variable", help="the variable that moves this server to another port (for errors)")
    launch.add_argument("command", nargs="+")
    halt = sub.add_parser("stop")
    halt.add_argument("pid_files", nargs="*")
    args = parser.parse_args()
    result = {"status": status, "start": start, "stop": stop}[args.action](args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
