#!/usr/bin/env python3
"""Exactly once across crashes, against a real alter-local over TLS.

32 client threads make proxied calls, each logical call with its own
Idempotency-Key and its own provider path, and retry it with the same key and
body until it gets a final answer. Meanwhile the backend is killed (SIGKILL)
and restarted ROUNDS times. The simulated provider appends every execution to
its log (--provider-log) before it answers, so the log survives the crashes:
a path logged twice is a duplicate execution. Passes when there are none, and
when every call the client saw succeed executed exactly once.

  crash_exactly_once.py ALTER_LOCAL [--rounds N] [--threads N]
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


class Backend:
    def __init__(self, binary, workdir, database=None):
        self.binary = binary
        self.db = database or os.path.join(workdir, "a.db")
        # A PostgreSQL database has no key file next to it: name one.
        self.key_flags = (["--master-key-file", os.path.join(workdir, "master-key")]
                          if database else [])
        self.ca = os.path.join(workdir, "ca.pem")
        self.provider_log = os.path.join(workdir, "provider.log")
        self.out = os.path.join(workdir, "serve.log")
        self.port = free_port()
        self.provider_port = free_port()
        self.proc = None
        self.generation = 0
        self.lock = threading.Lock()

    def bootstrap(self):
        out = subprocess.run([self.binary, "bootstrap", "--db", self.db, "--agents", "1"]
                             + self.key_flags,
                             check=True, capture_output=True, text=True).stdout
        agent = out[out.index("\nagent "):]
        key = re.search(r"key: (\S+)", agent).group(1)
        grant = re.search(r"grant: (\S+)", agent).group(1)
        return key, grant

    def start(self):
        with open(self.out, "a") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--db", self.db, "--port", str(self.port),
                 "--provider-port", str(self.provider_port), "--ca-out", self.ca,
                 "--provider-log", self.provider_log] + self.key_flags,
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit("alter-local exited: " + open(self.out).read()[-2000:])
                time.sleep(0.05)
        else:
            sys.exit("alter-local did not start")
        with self.lock:
            self.generation += 1

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        return ctx


class Client(threading.Thread):
    """Runs logical calls one after another until told to stop."""

    def __init__(self, n, backend, key, grant, stop, results):
        super().__init__(daemon=True)
        self.n, self.backend, self.key, self.grant = n, backend, key, grant
        self.stop, self.results = stop, results
        self.conn = None
        self.conn_generation = -1

    def connection(self):
        if self.conn is None or self.conn_generation != self.backend.generation:
            if self.conn is not None:
                self.conn.close()
            self.conn_generation = self.backend.generation
            self.conn = http.client.HTTPSConnection(
                "127.0.0.1", self.backend.port, timeout=40,
                context=self.backend.context())
        return self.conn

    def attempt(self, body, idem):
        ts, nonce = int(time.time()), secrets.token_hex(16)
        headers = {
            "Content-Type": "application/json", "Idempotency-Key": idem,
            "x-api-key": self.key, "x-alter-timestamp": str(ts), "x-alter-nonce": nonce,
            "x-alter-caller-type": "agent",
            "x-alter-signature": sign(self.key, "POST", "/v1/proxy/execute", body, ts,
                                      nonce)}
        conn = self.connection()
        try:
            conn.request("POST", "/v1/proxy/execute", body=body, headers=headers)
            res = conn.getresponse()
            data = res.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.conn = None
            return None, None
        code = None
        if res.status >= 400:
            try:
                code = json.loads(data)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = "unparsable"
        return res.status, code

    def run(self):
        i = 0
        while not self.stop.is_set():
            call_id = f"c{self.n}-{i}"
            i += 1
            path = f"/sim-bearer/v1/charges/{call_id}"
            body = json.dumps({
                "grant_id": self.grant, "method": "POST",
                "url": f"https://127.0.0.1:{self.backend.provider_port}{path}",
                "body_b64": "", "reason": "crash test", "headers": {}}).encode()
            deadline = time.time() + 150
            outcome = "gave_up"
            while time.time() < deadline:
                status, code = self.attempt(body, call_id)
                if status == 200:
                    outcome = "ok"
                    break
                if status is not None and code not in RETRYABLE_CODES and status < 500:
                    outcome = code or str(status)
                    break
                time.sleep(0.05 + random.random() * 0.1)
            self.results[call_id] = (path, outcome)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("alter_local")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=32)
    # The test PostgreSQL (tests/programs/postgres_server.sh): the database
    # lives there instead of in a SQLite file.
    ap.add_argument("--postgres-server")
    args = ap.parse_args()
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


def run(args, database):
    with tempfile.TemporaryDirectory() as workdir:
        backend = Backend(args.alter_local, workdir, database)
        key, grant = backend.bootstrap()
        backend.start()
        # The simulated provider is plain HTTP inside alter-local, on its own port.
        stop = threading.Event()
        results = {}
        clients = [Client(n, backend, key, grant, stop, results)
                   for n in range(args.threads)]
        for c in clients:
            c.start()
        try:
            for r in range(args.rounds):
                # Kill at a random moment under load.
                time.sleep(0.7 + random.random() * 1.3)
                before = len(results)
                backend.kill()
                time.sleep(random.random() * 0.3)
                backend.start()
                print(f"round {r + 1}: killed after {before} finished calls", flush=True)
            time.sleep(1.5)
        finally:
            stop.set()
            for c in clients:
                c.join(timeout=200)
            backend.kill()
        executions = collections.Counter()
        with open(backend.provider_log) as log:
            for line in log:
                executions[line.rstrip("\n")] += 1
        outcomes = collections.Counter(o for _, o in results.values())
        duplicates = sum(n - 1 for n in executions.values() if n > 1)
        ok_not_once = [cid for cid, (path, o) in results.items()
                       if o == "ok" and executions[path] != 1]
        print(f"{len(results)} logical calls: {dict(outcomes)}")
        print(f"provider executions: {sum(executions.values())}, "
              f"duplicate executions: {duplicates}")
        failed = False
        if duplicates:
            print("FAIL: duplicate executions:",
                  [p for p, n in executions.items() if n > 1][:10])
            failed = True
        if ok_not_once:
            print("FAIL: succeeded but not executed exactly once:", ok_not_once[:10])
            failed = True
        if outcomes.get("gave_up"):
            print("FAIL: calls without a final answer:", outcomes["gave_up"])
            failed = True
        if outcomes.get("ok", 0) < 100:
            print("FAIL: too little load:", outcomes.get("ok", 0))
            failed = True
        if not failed:
            print(f"exactly once across {args.rounds} crashes: 0 duplicate executions")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
