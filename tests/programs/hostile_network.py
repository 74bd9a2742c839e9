#!/usr/bin/env python3
"""The hostile-network suite against alter-local as users run it: its own process,
its database in a file, HTTPS. Each attack runs while a legitimate SDK client
(legit_probe) makes calls; the table at the end gives, per attack, the backend's
peak resident memory during it and the legitimate client's p99 latency.

    hostile_network.py ALTER_LOCAL LEGIT_PROBE ALTER_CLI [--p99-bound-ms N]

Only loopback addresses are used; every loop is bounded in count and time.
"""
import argparse
import hashlib
import hmac
import json
import os
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1024 * 1024


def fail(message):
    print("FAILED: " + message, flush=True)
    sys.exit(1)


class Server:
    """alter-local serve in a temporary directory, with its log parsed."""

    def __init__(self, binary, directory, name, extra=(), prefix=()):
        self.log_path = os.path.join(directory, name + ".log")
        self.log = open(self.log_path, "w")
        args = list(prefix) + [binary, "serve", "--db", os.path.join(directory, name + ".db"),
                               "--port", "0", "--provider-port", "0",
                               "--bootstrap-agents", "1"] + list(extra)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        text = ""
        while time.time() < deadline:
            text = open(self.log_path).read()
            if "(keys and tokens are shown once" in text:
                break
            if self.proc.poll() is not None:
                fail("alter-local %s exited at start:\n%s" % (name, text))
            time.sleep(0.05)
        else:
            fail("alter-local %s did not start:\n%s" % (name, text))
        words = text.split()
        self.url = words[words.index("API") + 2].rstrip(",")
        self.provider_url = words[words.index("providers") + 2].rstrip(",")
        self.ca = None
        if "trust" in words:
            self.ca = words[words.index("trust") + 1]
        keys = [line.split()[1] for line in text.splitlines() if line.startswith("  key: ")]
        self.agent_key = keys[1]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.provider_port = int(self.provider_url.rsplit(":", 1)[1])
        self.tls = self.url.startswith("https")

    def alive(self):
        return self.proc.poll() is None

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class PeakMemory:
    """Samples a server's resident memory every 20 ms while an attack runs."""

    def __init__(self, server):
        self.server = server
        self.peak = server.rss_kib()
        self.baseline = self.peak
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running and self.server.alive():
            try:
                self.peak = max(self.peak, self.server.rss_kib())
            except OSError:
                return
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def connect(server, port=None, source=None, tls=None, timeout=10):
    tls = server.tls if tls is None else tls
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect(("127.0.0.1", port or server.port))
    if tls:
        ctx = ssl.create_default_context(cafile=server.ca)
        ctx.check_hostname = False
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    return s


def read_answer(s, limit=1 << 20):
    """The status line and headers of one answer (and what body came with them)."""
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (OSError, ssl.SSLError):
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/1.1 ") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def send_all(s, data):
    try:
        s.sendall(data)
        return True
    except (OSError, ssl.SSLError):
        return False


def closed_by_peer(s, within):
    s.settimeout(within)
    try:
        while True:
            if not s.recv(65536):
                return True
    except socket.timeout:
        return False
    except (OSError, ssl.SSLError):
        return True


class Probe:
    """legit_probe in the background: calls made by a legitimate agent."""

    def __init__(self, args, server, calls=60):
        env = dict(os.environ, ALTER_API_KEY=server.agent_key)
        command = [args.probe, server.url, str(calls)] + ([server.ca] if server.ca else [])
        self.proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def result(self):
        out, err = self.proc.communicate(timeout=300)
        try:
            return json.loads(out.strip().splitlines()[-1])
        except (IndexError, ValueError):
            fail("legit_probe printed nothing usable: %s %s" % (out, err))


results = []
sdk_results = []


def attack(args, server, name, run, calls=60):
    """Runs `run` while the probe calls; records peak memory and the probe's p99."""
    memory = PeakMemory(server)
    probe = Probe(args, server, calls)
    verdict = run()
    seen = probe.result()
    peak = memory.stop()
    if not server.alive():
        fail("%s: alter-local died" % name)
    if seen["failures"] > 0:
        fail("%s: the legitimate client saw %d failures" % (name, seen["failures"]))
    if seen["p99_ms"] > args.p99_bound_ms:
        fail("%s: legitimate p99 %.1f ms over the bound %d ms"
             % (name, seen["p99_ms"], args.p99_bound_ms))
    results.append((name, memory.baseline / 1024, peak / 1024, seen["p50_ms"],
                    seen["p99_ms"], verdict))
    return peak - memory.baseline


def big_trailer(server):
    request = (b"POST /v1/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"0\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n")
    for port in (server.port, server.provider_port):
        s = connect(server, port)
        send_all(s, request)
        status, _, _ = read_answer(s)
        s.close()
        if status != 400:
            fail("a 70 KiB trailer on port %d got %d, not 400" % (port, status))
    return "400 on API and provider ports"


def endless_extension(server):
    def stream(source):
        s = connect(server, source=source)
        send_all(s, b"POST /v1/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;e=")
        block = b"e" * MIB
        sent = 0
        while sent < 200 and send_all(s, block):
            sent += 1
        s.close()
        return sent

    threads = []
    sent = []
    for i in range(4):
        t = threading.Thread(target=lambda i=i: sent.append(stream("127.0.0.%d" % (10 + i))))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(120)
    return "cut after at most %d MiB of 200 per connection" % max(sent)


def hold_idle(server, source, count, send=None):
    held = []
    for _ in range(count):
        try:
            s = connect(server, source=source, tls=False, timeout=2)
            if send:
                s.sendall(send)
            held.append(s)
        except OSError:
            break
    return held


def idle_lockout(server):
    # One address opens 4096 connections and keeps them idle: the server keeps
    # its per-address cap (256) of them and closes the rest at once.
    held = hold_idle(server, "127.0.0.2", 4096)
    time.sleep(0.5)
    open_now = sum(1 for s in held if not closed_by_peer(s, 0.001))
    if open_now == 0 or open_now > 256:
        fail("%d of %d idle connections from one address were kept" % (open_now, len(held)))
    time.sleep(2.5)
    open_later = sum(1 for s in held if not closed_by_peer(s, 0.001))
    for s in held:
        s.close()
    return "%d opened, %d kept (the cap), %d left after the 2 s idle timeout" % (
        len(held), open_now, open_later)


def anonymous_idle(server):
    # Each sends one unauthenticated request and idles: the server closes each
    # after its answer.
    held = hold_idle(server, "127.0.0.3", 1000, b"GET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(3)
    open_now = sum(1 for s in held if not closed_by_peer(s, 0.001))
    for s in held:
        s.close()
    if open_now > 0:
        fail("%d unauthenticated connections outlived the short idle timeout" % open_now)
    return "%d held, all cut within 3 s" % len(held)


def paced_header_fields(server):
    """A header block sent a field at a time: Beast drops parsed fields from its
    buffer, so only the server's own count of the block stops it."""
    s = connect(server, tls=False)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    send_all(s, b"POST /v1/me HTTP/1.1\r\nHost: x\r\na")
    for i in range(700):
        if not send_all(s, b":\r\na" * 8):
            break
        if i % 16 == 0:
            time.sleep(0.001)
    status, _, _ = read_answer(s)
    s.close()
    if status != 431:
        fail("22 KiB of header fields sent one at a time got %d, not 431" % status)
    return "431 once the block passes 16 KiB"


def refusals(server):
    s = connect(server)
    send_all(s, b"POST /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n"
             + b"b" * (2 * MIB))
    status, headers, _ = read_answer(s)
    s.close()
    if status != 413:
        fail("a 2 MiB body got %d, not 413" % status)
    for name, value in (("cache-control", "no-store"), ("x-content-type-options", "nosniff")):
        if headers.get(name) != value:
            fail("the 413 lacks %s: %s" % (name, value))
    if not headers.get("x-alter-request-id", "").startswith("req_"):
        fail("the 413 lacks x-alter-request-id")
    s = connect(server)
    send_all(s, b"POST /v1/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity"
                b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    status, _, _ = read_answer(s)
    if status != 400 or not closed_by_peer(s, 2):
        fail("Transfer-Encoding: chunked, identity got %d without a close" % status)
    s.close()
    s = connect(server)
    send_all(s, b"GET /v1/me HTTP/1.1\r\nHost: x\r\nx-alter-caller: \xff\xfe\r\n\r\n")
    status, _, body = read_answer(s)
    s.close()
    if status != 400 or b"invalid_attribution" not in body:
        fail("a non-UTF-8 x-alter-caller got %d %r" % (status, body[:200]))
    return "413 whole with its headers; smuggling TE 400; bad attribution 400"


def out_of_descriptors(args, directory):
    """A backend at its descriptor limit backs off instead of spinning."""
    server = Server(args.local, directory, "fd", ["--plain", "--max-connections-per-address",
                                                  "100000", "--unauthenticated-idle-timeout", "3"],
                    prefix=["prlimit", "--nofile=200:200"])
    try:
        held = hold_idle(server, "127.0.0.4", 400)
        time.sleep(0.5)
        cpu_before = server.cpu_seconds()
        time.sleep(2)
        busy = (server.cpu_seconds() - cpu_before) / 2
        descriptors = len(os.listdir("/proc/%d/fd" % server.proc.pid))
        if descriptors < 190:
            fail("the attack did not reach the descriptor limit (%d open)" % descriptors)
        if busy > 0.25:
            fail("at its descriptor limit the backend used %.0f%% of a core" % (busy * 100))
        # Once the attacker lets go, descriptors come back and a new client is served.
        for s in held:
            s.close()
        time.sleep(1)
        memory = PeakMemory(server)
        seen = Probe(args, server, 20).result()
        peak = memory.stop()
        if seen["failures"] > 0 or not server.alive():
            fail("after the descriptor exhaustion the backend did not serve again")
        results.append(("out of descriptors (nofile 200, 400 sockets)", memory.baseline / 1024,
                        peak / 1024, seen["p50_ms"], seen["p99_ms"],
                        "%d descriptors open, %.0f%% of a core while at the limit"
                        % (descriptors, busy * 100)))
    finally:
        server.stop()


def signed_get(path, key):
    """GET `path` signed as docs/protocol.md section 3 says, as raw bytes."""
    ts = str(int(time.time()))
    nonce = os.urandom(16).hex()
    signing_key = hmac.new(key.encode(), b"alter-signing-v1", hashlib.sha256).digest()
    canonical = "\n".join(["GET", path, "", hashlib.sha256(b"").hexdigest(), ts, nonce, ""])
    signature = hmac.new(signing_key, canonical.encode(), hashlib.sha256).hexdigest()
    return ("GET %s HTTP/1.1\r\nHost: x\r\nx-api-key: %s\r\nx-alter-timestamp: %s\r\n"
            "x-alter-nonce: %s\r\nx-alter-signature: %s\r\n\r\n"
            % (path, key, ts, nonce, signature)).encode()


def replay_after_restart(args, directory):
    """A request captured before a restart is refused after it."""
    server = Server(args.local, directory, "replay", ["--plain"])
    captured = signed_get("/v1/me", server.agent_key)
    answers = []
    try:
        for _ in range(2):
            s = connect(server)
            send_all(s, captured)
            answers.append(read_answer(s))
            s.close()
    finally:
        server.stop()
    if answers[0][0] != 200 or answers[1][0] != 401:
        fail("before the restart: %d then %d, not 200 then 401" % (answers[0][0], answers[1][0]))
    restarted = Server(args.local, directory, "replay", ["--plain"])
    try:
        s = connect(restarted)
        send_all(s, captured)
        status, _, body = read_answer(s)
        s.close()
        if status != 401 or b"nonce_replayed" not in body:
            fail("a request captured before the restart got %d after it" % status)
    finally:
        restarted.stop()
    results.append(("replay after a restart", 0, 0, 0, 0, "401 nonce_replayed"))


class HostileBackend:
    """A 'backend' for the SDK that answers every request with `answer`."""

    def __init__(self, answer, stream=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.answer = answer
        self.stream = stream
        self.running = True
        threading.Thread(target=self.serve, daemon=True).start()

    def url(self):
        return "http://127.0.0.1:%d" % self.sock.getsockname()[1]

    def serve(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.handle, args=(c,), daemon=True).start()

    def handle(self, c):
        c.settimeout(10)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(65536)
                if not chunk:
                    return
                data += chunk
            c.sendall(self.answer)
            deadline = time.time() + 10
            while self.stream and self.running and time.time() < deadline:
                c.sendall(self.stream)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.running = False
        self.sock.close()


def hostile_backend_for_the_sdk(args):
    answers = {
        "70 KiB response trailer": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Big: "
                                    + b"t" * (70 * 1024) + b"\r\n\r\n", None),
        "endless chunk extension": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;e=",
                                    b"e" * 65536),
    }
    for name, (answer, stream) in answers.items():
        peer = HostileBackend(answer, stream)
        env = dict(os.environ, ALTER_API_KEY="alter_key_hostile-test", ALTER_BASE_URL=peer.url())
        started = time.time()
        done = subprocess.run([args.cli, "me"], env=env, capture_output=True, text=True,
                              timeout=60)
        took = time.time() - started
        peer.close()
        if done.returncode != 1 or "malformed_response" not in done.stderr:
            fail("alter me against a backend sending a %s: exit %d, %s"
                 % (name, done.returncode, done.stderr.strip()[:300]))
        sdk_results.append((name, took * 1000))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("local")
    parser.add_argument("probe")
    parser.add_argument("cli")
    parser.add_argument("--p99-bound-ms", type=int, default=100)
    # Under UBSan, out of descriptors, the sanitizer's own memory probe (a pipe)
    # fails and it reports every virtual call as an invalid vptr.
    parser.add_argument("--skip-descriptor-exhaustion", action="store_true")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
    with tempfile.TemporaryDirectory() as directory:
        server = Server(args.local, directory, "main", ["--unauthenticated-idle-timeout", "2"])
        plain = Server(args.local, directory, "plain",
                       ["--plain", "--unauthenticated-idle-timeout", "2"])
        try:
            attack(args, server, "64 KiB trailer (HTTPS)", lambda: big_trailer(server))
            attack(args, plain, "64 KiB trailer (HTTP)", lambda: big_trailer(plain))
            grown = attack(args, server, "200 MiB chunk extensions x4",
                           lambda: endless_extension(server))
            if grown > 64 * 1024:
                fail("chunk extensions grew the backend by %d KiB" % grown)
            attack(args, plain, "4096 idle connections, one address",
                   lambda: idle_lockout(plain))
            attack(args, plain, "1000 unauthenticated then idle",
                   lambda: anonymous_idle(plain))
            attack(args, server, "413 / smuggling / attribution", lambda: refusals(server))
            attack(args, plain, "header fields one at a time", lambda: paced_header_fields(plain))
        finally:
            server.stop()
            plain.stop()
        if not args.skip_descriptor_exhaustion:
            out_of_descriptors(args, directory)
        replay_after_restart(args, directory)
    hostile_backend_for_the_sdk(args)
    print("| attack | backend RSS before (MiB) | peak during (MiB) | legit p50 (ms) "
          "| legit p99 (ms) | outcome |")
    print("|---|---|---|---|---|---|")
    for name, before, peak, p50, p99, verdict in results:
        if before == 0:  # no legitimate traffic measured alongside
            print("| %s | - | - | - | - | %s |" % (name, verdict))
        else:
            print("| %s | %.1f | %.1f | %.1f | %.1f | %s |"
                  % (name, before, peak, p50, p99, verdict))
    print()
    print("| hostile backend, SDK side | `alter me` took (ms) | outcome |")
    print("|---|---|---|")
    for name, took in sdk_results:
        print("| %s | %.0f | malformed_response, exit 1, no crash |" % (name, took))
    print("hostile network: every attack held", flush=True)


if __name__ == "__main__":
    main()
