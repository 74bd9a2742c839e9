#!/usr/bin/env python3
"""Exactly once across crashes, against a real alter-local over TLS.

32 client threads make proxied calls, each logical call with its own
Idempotency-Key and its own provider path, and retry it with the same key and
body until it gets a final answer. Meanwhile the backend is killed (SIGKILL)
and restarted ROUNDS times. The simulated provider appends every execution to
its log (--provider-log) before it answers, so the log survives the crashes:
a path logged twice is a duplicate execution. Passes when there are none, and
when every call the client saw succeed executed exactly once.

With --instances 2 (PostgreSQL only) two alter-local processes serve the one
database: A hosts the simulated providers and their log and is never killed;
B (--no-simulated-providers) is the one killed and restarted. Each retry goes
to the other instance than the attempt before, so a key claimed on B is
retried on A. Also checked: every call the client saw succeed has its
proxy.executed success row in the audit trail (its call id is the row's
reason), and, before the load, a signed request accepted by A is refused by B
when sent again byte for byte (401 nonce_replayed).

  crash_exactly_once.py ALTER_LOCAL [--rounds N] [--threads N]
                        [--postgres-server SCRIPT [--instances 2]]
"""
import argparse
import collections
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import secrets
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

RETRYABLE_CODES = {"idempotency_in_progress", "upstream_unreachable"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(api_key, method, path, body, ts, nonce):
    k = hmac.new(api_key.encode(), b"alter-signing-v1", hashlib.sha256).digest()
    canonical = "\n".join(
        [method, path, "", hashlib.sha256(body).hexdigest(), str(ts), nonce, ""])
    return hmac.new(k, canonical.encode(), hashlib.sha256).hexdigest()


def signed_headers(key, body, idem):
    ts, nonce = int(time.time()), secrets.token_hex(16)
    return {
        "Content-Type": "application/json", "Idempotency-Key": idem,
        "x-api-key": key, "x-alter-timestamp": str(ts), "x-alter-nonce": nonce,
        "x-alter-caller-type": "agent",
        "x-alter-signature": sign(key, "POST", "/v1/proxy/execute", body, ts, nonce)}


def error_code_of(status, data):
    if status < 400:
        return None
    try:
        return json.loads(data)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "unparsable"


class Backend:
    """One alter-local process, restartable. `providers`: it serves the
    simulated providers (and logs their executions); else it uses those of
    the instance `providers_of`, trusting that one's certificate."""

    def __init__(self, binary, workdir, database=None, name="a", providers_of=None):
        self.binary = binary
        self.name = name
        self.db = database or os.path.join(workdir, "a.db")
        # A PostgreSQL database has no key file next to it: name one (every
        # instance on the database uses the same).
        self.key_flags = (["--master-key-file", os.path.join(workdir, "master-key")]
                          if database else [])
        self.ca = os.path.join(workdir, f"ca-{name}.pem")
        self.out = os.path.join(workdir, f"serve-{name}.log")
        self.port = free_port()
        self.providers_of = providers_of
        if providers_of is None:
            self.provider_log = os.path.join(workdir, "provider.log")
            self.provider_port = free_port()
        else:
            self.provider_log = providers_of.provider_log
            self.provider_port = providers_of.provider_port
        self.proc = None
        self.generation = 0
        self.lock = threading.Lock()

    def bootstrap(self):
        out = subprocess.run([self.binary, "bootstrap", "--db", self.db, "--agents", "1"]
                             + self.key_flags,
                             check=True, capture_output=True, text=True).stdout
        app = re.search(r"^app (\S+)", out, re.M).group(1)
        agent = out[out.index("\nagent "):]
        key = re.search(r"key: (\S+)", agent).group(1)
        grant = re.search(r"grant: (\S+)", agent).group(1)
        return app, key, grant

    def start(self):
        flags = ["serve", "--db", self.db, "--port", str(self.port), "--ca-out", self.ca]
        env = dict(os.environ)
        if self.providers_of is None:
            flags += ["--provider-port", str(self.provider_port),
                      "--provider-log", self.provider_log]
        else:
            flags += ["--no-simulated-providers"]
            # The providers' TLS certificate is the other instance's own
            # self-signed one: this instance trusts it as a system CA
            # (OpenSSL's default verify paths read SSL_CERT_FILE).
            env["SSL_CERT_FILE"] = self.providers_of.ca
        offset = os.path.getsize(self.out) if os.path.exists(self.out) else 0
        with open(self.out, "a") as log:
            self.proc = subprocess.Popen([self.binary] + flags + self.key_flags,
                                         stdout=log, stderr=subprocess.STDOUT, env=env)
        # Up once it names the certificate file it wrote (after it listens).
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.out) as log:
                log.seek(offset)
                if "clients must trust" in log.read():
                    break
            if self.proc.poll() is not None:
                sys.exit(f"alter-local {self.name} exited: "
                         + open(self.out).read()[-2000:])
            time.sleep(0.05)
        else:
            sys.exit(f"alter-local {self.name} did not start")
        with self.lock:
            self.generation += 1

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        return ctx

    def send(self, body, headers, timeout=40):
        """One request on a connection of its own: (status, error code)."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                           context=self.context())
        try:
            conn.request("POST", "/v1/proxy/execute", body=body, headers=headers)
            res = conn.getresponse()
            return res.status, error_code_of(res.status, res.read())
        finally:
            conn.close()


class Client(threading.Thread):
    """Runs logical calls one after another until told to stop. With several
    backends, each attempt goes to the next one."""

    def __init__(self, n, backends, key, grant, stop, results):
        super().__init__(daemon=True)
        self.n, self.backends, self.key, self.grant = n, backends, key, grant
        self.stop, self.results = stop, results
        self.conns = [None] * len(backends)
        self.conn_generations = [-1] * len(backends)

    def connection(self, i):
        backend = self.backends[i]
        if self.conns[i] is None or self.conn_generations[i] != backend.generation:
            if self.conns[i] is not None:
                self.conns[i].close()
            self.conn_generations[i] = backend.generation
            self.conns[i] = http.client.HTTPSConnection(
                "127.0.0.1", backend.port, timeout=40, context=backend.context())
        return self.conns[i]

    def attempt(self, i, body, idem):
        headers = signed_headers(self.key, body, idem)
        conn = self.connection(i)
        try:
            conn.request("POST", "/v1/proxy/execute", body=body, headers=headers)
            res = conn.getresponse()
            data = res.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.conns[i] = None
            return None, None
        return res.status, error_code_of(res.status, data)

    def run(self):
        i = 0
        providers = self.backends[0]
        while not self.stop.is_set():
            call_id = f"c{self.n}-{i}"
            # Alternating first instance: half the calls start on each.
            target = (self.n + i) % len(self.backends)
            i += 1
            path = f"/sim-bearer/v1/charges/{call_id}"
            # The call id as the reason: it names the call's audit rows.
            body = json.dumps({
                "grant_id": self.grant, "method": "POST",
                "url": f"https://127.0.0.1:{providers.provider_port}{path}",
                "body_b64": "", "reason": call_id, "headers": {}}).encode()
            # Long enough for a claim of a killed instance to outlive its 60 s
            # lease: meanwhile retries get idempotency_in_progress.
            deadline = time.time() + 150
            outcome = "gave_up"
            answered_by = None
            while time.time() < deadline:
                status, code = self.attempt(target, body, call_id)
                if status == 200:
                    outcome, answered_by = "ok", self.backends[target].name
                    break
                if status is not None and code not in RETRYABLE_CODES and status < 500:
                    # Final, e.g. 409 idempotency_outcome_unknown.
                    outcome, answered_by = code or str(status), self.backends[target].name
                    break
                target = (target + 1) % len(self.backends)
                time.sleep(0.05 + random.random() * 0.1)
            self.results[call_id] = (path, outcome, answered_by)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("alter_local")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=32)
    # The test PostgreSQL (tests/programs/postgres_server.sh): the database
    # lives there instead of in a SQLite file.
    ap.add_argument("--postgres-server")
    ap.add_argument("--instances", type=int, choices=[1, 2], default=1)
    args = ap.parse_args()
    if args.instances == 2 and not args.postgres_server:
        ap.error("--instances 2 needs --postgres-server (a database both can share)")
    pg_dir = None
    database = None
    if args.postgres_server:
        pg_dir = tempfile.mkdtemp(prefix="alter-pg-", dir="/tmp")
        database = subprocess.run([args.postgres_server, "start", pg_dir, str(os.getpid())],
                                  check=True, capture_output=True, text=True).stdout.strip()
    try:
        return run(args, database)
    finally:
        if pg_dir:
            subprocess.run([args.postgres_server, "stop", pg_dir], check=False)


def replay_refused_across(a, b, key, grant):
    """A signed call A accepted, sent to B again byte for byte: refused as a
    replayed nonce, and not executed a second time. Returns failures."""
    path = "/sim-bearer/v1/charges/nonce-check"
    body = json.dumps({
        "grant_id": grant, "method": "POST",
        "url": f"https://127.0.0.1:{a.provider_port}{path}",
        "body_b64": "", "reason": "nonce-check", "headers": {}}).encode()
    headers = signed_headers(key, body, "nonce-check")
    failures = []
    first = a.send(body, headers)
    if first != (200, None):
        failures.append(f"the signed call on A answered {first}")
    again = b.send(body, headers)
    if again != (401, "nonce_replayed"):
        failures.append(f"the same signed call on B answered {again}, "
                        "not (401, 'nonce_replayed')")
    return failures


def audited_successes(backend, app):
    """How many proxy.executed success rows each reason has."""
    rows = collections.Counter()
    after = None
    while True:
        cmd = [backend.binary, "audit", "--db", backend.db, "--app", app,
               "--limit", "100000"] + backend.key_flags
        if after:
            cmd += ["--after", after]
        lines = subprocess.run(cmd, check=True, capture_output=True,
                               text=True).stdout.splitlines()
        for line in lines:
            row = json.loads(line)
            if row["action"] == "proxy.executed" and row["outcome"] == "success":
                rows[row["reason"]] += 1
        if len(lines) < 100000:
            return rows
        after = json.loads(lines[-1])["cursor"]


def run(args, database):
    with tempfile.TemporaryDirectory() as workdir:
        first = Backend(args.alter_local, workdir, database)
        app, key, grant = first.bootstrap()
        first.start()
        backends = [first]
        if args.instances == 2:
            backends.append(Backend(args.alter_local, workdir, database, name="b",
                                    providers_of=first))
            backends[1].start()
        killed = backends[-1]
        failures = []
        if args.instances == 2:
            failures += replay_refused_across(first, killed, key, grant)
        stop = threading.Event()
        results = {}
        clients = [Client(n, backends, key, grant, stop, results)
                   for n in range(args.threads)]
        started = time.time()
        for c in clients:
            c.start()
        try:
            for r in range(args.rounds):
                # Kill at a random moment under load.
                time.sleep(0.7 + random.random() * 1.3)
                before = len(results)
                killed.kill()
                time.sleep(random.random() * 0.3)
                killed.start()
                print(f"round {r + 1}: killed {killed.name} after {before} finished calls",
                      flush=True)
            time.sleep(1.5)
        finally:
            stop.set()
            for c in clients:
                c.join(timeout=200)
            print(f"load ended after {time.time() - started:.1f} s", flush=True)
            for b in backends:
                b.kill()
        executions = collections.Counter()
        with open(first.provider_log) as log:
            for line in log:
                executions[line.rstrip("\n")] += 1
        outcomes = collections.Counter(o for _, o, _ in results.values())
        duplicates = sum(n - 1 for n in executions.values() if n > 1)
        ok_not_once = [cid for cid, (path, o, _) in results.items()
                       if o == "ok" and executions[path] != 1]
        print(f"{len(results)} logical calls: {dict(outcomes)}")
        print(f"provider executions: {sum(executions.values())}, "
              f"duplicate executions: {duplicates}")
        if duplicates:
            failures.append("duplicate executions: "
                            + str([p for p, n in executions.items() if n > 1][:10]))
        if ok_not_once:
            failures.append(f"succeeded but not executed exactly once: {ok_not_once[:10]}")
        if outcomes.get("gave_up"):
            failures.append(f"calls without a final answer: {outcomes['gave_up']}")
        if outcomes.get("ok", 0) < 100:
            failures.append(f"too little load: {outcomes.get('ok', 0)}")
        if args.instances == 2:
            ok_by = collections.Counter(by for _, o, by in results.values() if o == "ok")
            print(f"successes answered by instance: {dict(ok_by)}")
            # Both really served: B's calls reached A's providers.
            for b in backends:
                if ok_by[b.name] < outcomes.get("ok", 0) // 10:
                    failures.append(f"instance {b.name} answered only {ok_by[b.name]} "
                                    "of the successes")
            audited = audited_successes(first, app)
            ok_ids = [cid for cid, (_, o, _) in results.items() if o == "ok"]
            unaudited = [cid for cid in ok_ids if audited[cid] == 0]
            twice = [cid for cid, n in audited.items() if n > 1]
            print(f"audit: {len(ok_ids)} acknowledged calls, "
                  f"{len(ok_ids) - len(unaudited)} with their proxy.executed row, "
                  f"{len(twice)} with more than one")
            if unaudited:
                failures.append(f"acknowledged without an audit row: {unaudited[:10]}")
            if twice:
                failures.append(f"audited as executed more than once: {twice[:10]}")
        for f in failures:
            print("FAIL:", f)
        if failures:
            return 1
        if args.instances == 2:
            print(f"two instances, {args.rounds} crashes: 0 duplicate executions, "
                  "every acknowledged call audited, replay refused across instances")
        else:
            print(f"exactly once across {args.rounds} crashes: 0 duplicate executions")
        return 0


if __name__ == "__main__":
    sys.exit(main())
