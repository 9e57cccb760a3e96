"""The renewer keeps a real periodic token alive on OpenBao; without it the same token expires."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

RENEWER = Path(__file__).resolve().parents[2] / "roles" / "vault" / "files" / "hub" / "vault_token_renewer.py"


def periodic_token(openbao, period="10s"):
    return openbao.client().auth.token.create(policies=["default"], period=period,
                                              no_parent=True)["auth"]["client_token"]


def lookup(openbao, token):
    return requests.get(openbao.addr + "/v1/auth/token/lookup-self", timeout=10,
                        headers={"X-Vault-Token": token})


def start_renewer(openbao, token_file, log, *extra):
    return subprocess.Popen(
        [sys.executable, str(RENEWER), "--vault-addr", openbao.addr, "--token-file",
         str(token_file), "--min-interval", "1", *extra],
        stdout=log.open("w"), stderr=subprocess.STDOUT)


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
        alive = lookup(openbao, kept)
        assert alive.status_code == 200, log.read_text()
        assert alive.json()["data"]["ttl"] > 0
        assert lookup(openbao, left_alone).status_code == 403
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
            if lookup(openbao, new).json()["data"].get("last_renewal_time"):
                break
            time.sleep(0.5)
        assert lookup(openbao, new).json()["data"].get("last_renewal_time"), log.read_text()
    finally:
        stop_renewer(proc)
    text = log.read_text()
    assert "re-reading" in text and "permission denied" in text
    assert old not in text and new not in text


def test_once_mode_renews_and_reports(openbao, tmp_path):
    token = periodic_token(openbao, "1h")
    token_file = tmp_path / "token"
    token_file.write_text(token)
    done = subprocess.run([sys.executable, str(RENEWER), "--vault-addr", openbao.addr,
                           "--token-file", str(token_file), "--once"],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert lookup(openbao, token).json()["data"]["last_renewal_time"]
    openbao.client().auth.token.revoke(token)
    failed = subprocess.run([sys.executable, str(RENEWER), "--vault-addr", openbao.addr,
                             "--token-file", str(token_file), "--once"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert failed.returncode == 1
    assert token not in failed.stdout + failed.stderr
