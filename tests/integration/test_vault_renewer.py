"""The renewer keeps a real periodic token alive on OpenBao; without it the same token expires. In front of
something that is not Vault (a login page, JSON without data) it logs a clear line and keeps retrying with
the delay it prints (issue 11, item 5)."""

import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
RENEWER = [sys.executable, "-m", "datastack_runtime.vault_renewer"]
ENV = dict(os.environ, PYTHONPATH=str(RUNTIME))


def periodic_token(openbao, period="10s"):
    return openbao.client().auth.token.create(policies=["default"], period=period,
                                              no_parent=True)["auth"]["client_token"]


def lookup_answer(openbao, token):
    return requests.get(openbao.addr + "/v1/auth/token/lookup-self", timeout=10,
                        headers={"X-Vault-Token": token})


def start_renewer(openbao, token_file, log, *extra):
    return subprocess.Popen(
        RENEWER + ["--vault-addr", openbao.addr, "--token-file", str(token_file), "--min-interval", "1", *extra],
        stdout=log.open("w"), stderr=subprocess.STDOUT, env=ENV)


def stop_renewer(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=10)


def test_renewer_keeps_a_periodic_token_alive(openbao, tmp_path):
    kept, left_alone = periodic_token(openbao), periodic_token(openbao)
    token_file = tmp_path / "token"
    token_file.write_text(kept + "\n")
    log = tmp_path / "renewer.log"
    proc = start_renewer(openbao, token_file, log)
    try:
        time.sleep(27)
        assert proc.poll() is None, log.read_text()
        alive = lookup_answer(openbao, kept)
        assert alive.status_code == 200, log.read_text()
        assert alive.json()["data"]["ttl"] > 0
        assert lookup_answer(openbao, left_alone).status_code == 403
    finally:
        started = time.monotonic()
        code = stop_renewer(proc)
    assert code == 0 and time.monotonic() - started < 5
    text = log.read_text()
    assert "renewed the admin token (period 10s" in text and "stopping" in text
    assert kept not in text


def test_renewer_rereads_a_replaced_token_file(openbao, tmp_path):
    old, new = periodic_token(openbao, "1h"), periodic_token(openbao, "1h")
    openbao.client().auth.token.revoke(old)
    token_file = tmp_path / "token"
    token_file.write_text(old)
    log = tmp_path / "renewer.log"
    proc = start_renewer(openbao, token_file, log)
    try:
        time.sleep(1.5)
        token_file.write_text(new)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if lookup_answer(openbao, new).json()["data"].get("last_renewal_time"):
                break
            time.sleep(0.5)
        assert lookup_answer(openbao, new).json()["data"].get("last_renewal_time"), log.read_text()
    finally:
        stop_renewer(proc)
    text = log.read_text()
    assert "re-reading" in text and "permission denied" in text
    assert old not in text and new not in text


def test_once_mode_renews_and_reports(openbao, tmp_path):
    token = periodic_token(openbao, "1h")
    token_file = tmp_path / "token"
    token_file.write_text(token)
    done = subprocess.run(RENEWER + ["--vault-addr", openbao.addr, "--token-file", str(token_file), "--once"],
                          capture_output=True, text=True, timeout=30, check=False, env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert lookup_answer(openbao, token).json()["data"]["last_renewal_time"]
    openbao.client().auth.token.revoke(token)
    failed = subprocess.run(RENEWER + ["--vault-addr", openbao.addr, "--token-file", str(token_file), "--once"],
                            capture_output=True, text=True, timeout=30, check=False, env=ENV)
    assert failed.returncode == 1
    assert token not in failed.stdout + failed.stderr


class NotVault:
    """A real HTTP server on a free port that answers every request with ``body`` (200) and notes when."""

    def __init__(self, body, content_type):
        self.times = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                outer.times.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.addr = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("body, content_type, words", [
    (b"<html><body><form>Sign in</form></body></html>", "text/html", "not Vault's JSON"),
    (b"{}", "application/json", "without the 'data' object"),
])
def test_an_answer_that_is_not_vault_is_logged_and_retried_with_the_delay_printed(
        tmp_path, body, content_type, words):
    front = NotVault(body, content_type)
    token_file = tmp_path / "token"
    token_file.write_text("s.never-logged")
    log = tmp_path / "renewer.log"
    proc = subprocess.Popen(RENEWER + ["--vault-addr", front.addr, "--token-file", str(token_file),
                                       "--min-interval", "1", "--max-retry-interval", "4"],
                            stdout=log.open("w"), stderr=subprocess.STDOUT, env=ENV)
    try:
        time.sleep(8.5)
        assert proc.poll() is None, log.read_text()
    finally:
        assert stop_renewer(proc) == 0
        front.stop()
    text = log.read_text()
    assert "Traceback" not in text and "s.never-logged" not in text
    assert words in text and front.addr in text
    printed = [int(n) for n in re.findall(r"next attempt in (\d+)s", text)]
    assert printed[:3] == [1, 2, 4], text
    waited = [later - earlier for earlier, later in zip(front.times, front.times[1:])]
    assert len(waited) >= 3, text
    for delay, gap in zip(printed, waited):
        assert delay - 0.2 <= gap <= delay + 0.8, (printed, waited)
