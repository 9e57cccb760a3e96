"""Keep the hub's Vault admin token alive (sidecar beside the hub; standard library only).

Looks the token up, renews it at half its period (half its TTL when it is not periodic),
never more often than ``--min-interval`` seconds, and re-reads the token file when a renewal
fails (the ExternalSecret or the vault role may have replaced the token). After a failure it
logs one line saying why and when it tries again, then waits exactly that long (doubling up
to ``--max-retry-interval``). Durations come from Vault in seconds; nothing here parses them.
The token never appears in the log. SIGTERM/SIGINT end it cleanly with status 0.

    python -m datastack_runtime.vault_renewer --token-file /vault/admin-token/token [--once]
    env: VAULT_ADDR, VAULT_CACERT, VAULT_TOKEN_FILE, RENEWER_MIN_INTERVAL (seconds)
"""

import argparse
import json
import logging
import os
import signal
import ssl
import sys
import threading
import urllib.error
import urllib.request

log = logging.getLogger("vault-token-renewer")


def renewal_interval(period, ttl, min_interval):
    """Seconds to wait before the next renewal.

    Half the period (or half the TTL), not below ``min_interval`` — but always before the
    token would expire, so a short TTL never loses to a long minimum.
    """
    half = (period or ttl) / 2.0
    interval = max(half, min_interval)
    if ttl > 0:
        interval = min(interval, max(ttl * 0.8, 1.0))
    return max(interval, 1.0)


class VaultError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Vault:
    def __init__(self, addr, ca_cert=None, timeout=10):
        self.addr = addr.rstrip("/")
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=ca_cert or None)

    def call(self, method, path, token, body=None, field="data"):
        """The ``field`` object of Vault's JSON answer; VaultError for anything else."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            "%s/v1/%s" % (self.addr, path), data=data, method=method,
            headers={"X-Vault-Token": token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            try:
                errors = "; ".join(json.loads(exc.read() or b"{}").get("errors") or [])
            except (ValueError, AttributeError):
                errors = ""
            raise VaultError(exc.code, "Vault answered %d to %s %s: %s"
                             % (exc.code, method, path, errors or exc.reason)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise VaultError(None, "Vault at %s is unreachable: %s" % (self.addr, reason)) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise VaultError(None, "%s answered %s %s with something that is not Vault's JSON (%d bytes; a login "
                                   "page or a proxy in front of Vault?); check VAULT_ADDR"
                             % (self.addr, method, path, len(raw))) from None
        if not isinstance(answer, dict) or not isinstance(answer.get(field), dict):
            raise VaultError(None, "%s answered %s %s without the '%s' object Vault sends; check VAULT_ADDR"
                             % (self.addr, method, path, field))
        return answer[field]


def read_token(path):
    with open(path, encoding="utf-8") as handle:
        token = handle.read().strip()
    if not token:
        raise ValueError("token file %s is empty" % path)
    return token


class Renewer:
    def __init__(self, vault, token_file, min_interval=30.0, retry_interval=None, max_retry_interval=60.0):
        self.vault = vault
        self.token_file = token_file
        self.min_interval = min_interval
        self.retry_interval = retry_interval or min(min_interval, 10.0)
        self.max_retry_interval = max_retry_interval
        self.stopped = threading.Event()
        self.token = None

    def load(self):
        try:
            self.token = read_token(self.token_file)
            return True
        except (OSError, ValueError) as exc:
            log.error("cannot read the token file %s: %s", self.token_file,
                      getattr(exc, "strerror", None) or exc)
            return False

    def renew_once(self):
        """Renew the current token; return seconds to the next renewal. Raises VaultError."""
        info = self.vault.call("GET", "auth/token/lookup-self", self.token)
        if not info.get("renewable"):
            raise VaultError(None, "the token is not renewable; issue a renewable (periodic) one")
        period = int(info.get("period") or 0)
        auth = self.vault.call("POST", "auth/token/renew-self", self.token, {}, field="auth")
        ttl = int(auth.get("lease_duration") or 0)
        interval = renewal_interval(period, ttl, self.min_interval)
        log.info("renewed the admin token (%s %ds, ttl %ds); next renewal in %ds",
                 "period" if period else "non-periodic, ttl", period or ttl, ttl, interval)
        if not period and ttl < int(info.get("creation_ttl") or 0):
            log.warning("the renewal was capped at %ds: the token will reach its max TTL soon; "
                        "issue a periodic token (the vault role does)", ttl)
        return interval

    def cycle(self):
        """One renewal attempt with a re-read of the token file on failure; None when it failed."""
        if self.token is None and not self.load():
            return None
        try:
            return self.renew_once()
        except VaultError as exc:
            log.warning("renewal failed: %s; re-reading %s", exc, self.token_file)
        previous = self.token
        if not self.load():
            return None
        if self.token == previous:
            log.error("the token file still holds the same token")
            return None
        try:
            return self.renew_once()
        except VaultError as exc:
            log.error("renewal with the re-read token failed too: %s", exc)
            return None

    def run(self, once=False):
        failures = 0
        while not self.stopped.is_set():
            interval = self.cycle()
            if once:
                return 0 if interval is not None else 1
            if interval is None:
                interval = min(self.retry_interval * 2 ** failures, self.max_retry_interval)
                failures += 1
                log.warning("next attempt in %ds", interval)
            else:
                failures = 0
            self.stopped.wait(interval)
        log.info("stopping")
        return 0


def seconds(text):
    """argparse type: a number of seconds (Vault answers in seconds; no duration units here)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number of seconds" % text) from None
    if value < 1:
        raise argparse.ArgumentTypeError("%r: use at least 1 second" % text)
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vault-addr", default=os.environ.get("VAULT_ADDR"))
    parser.add_argument("--token-file",
                        default=os.environ.get("VAULT_TOKEN_FILE", "/vault/admin-token/token"))
    parser.add_argument("--ca-cert", default=os.environ.get("VAULT_CACERT"))
    parser.add_argument("--min-interval", type=seconds, default=os.environ.get("RENEWER_MIN_INTERVAL", "30"),
                        help="never renew more often than this many seconds (default 30)")
    parser.add_argument("--max-retry-interval", type=seconds, default="60",
                        help="longest wait between attempts after failures, in seconds (default 60)")
    parser.add_argument("--once", action="store_true", help="renew once and exit (0 = renewed)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.vault_addr:
        parser.error("set VAULT_ADDR or --vault-addr")
    try:
        vault = Vault(args.vault_addr, args.ca_cert)
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    renewer = Renewer(vault, args.token_file, min_interval=args.min_interval,
                      max_retry_interval=args.max_retry_interval)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: renewer.stopped.set())
    return renewer.run(once=args.once)


if __name__ == "__main__":
    sys.exit(main())
