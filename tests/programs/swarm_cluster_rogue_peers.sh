#!/usr/bin/env bash
# Peers without this run's cluster certificate get nothing from a coordinator
# and cannot make it allocate: openssl s_client without a certificate and with
# one from another CA (with the cluster's very names), an alter-swarm worker
# holding such a certificate, a plain worker, and plain TCP clients sending a
# BASP header that announces a 1 GiB payload. The coordinator's peak memory
# stays flat, and the real workers still run the whole scenario, with rogue
# handshakes failing while they drive (once, CAF 0.17 dropped every TLS link
# after one failed handshake: tools/swarm/openssl_error_queue.cpp).
set -euo pipefail
swarm="$1"
work="$(mktemp -d)"
source "$(dirname "$0")/swarm_cluster_lib.sh"

agents=40
calls=100
start_coordinator --workers 2 --agents "$agents" --calls-per-agent "$calls"
kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$coordinator/status"; }
hwm_before="$(kib VmHWM)"

# Another CA named as the cluster's, and a worker certificate from it.
rogue="$work/rogue"
mkdir -p "$rogue"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj "/CN=alter-swarm cluster CA" -keyout "$rogue/ca-key.pem" -out "$rogue/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=alter-swarm worker" \
  -keyout "$rogue/worker-key.pem" -out "$rogue/worker.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' \
  >"$rogue/ext.cnf"
openssl x509 -req -in "$rogue/worker.csr" -CA "$rogue/ca.pem" -CAkey "$rogue/ca-key.pem" \
  -CAcreateserial -days 1 -extfile "$rogue/ext.cnf" -out "$rogue/worker.pem" 2>/dev/null

# probe NAME ARGS...: what s_client receives as application data, in NAME.data.
probe() {
  local name="$1"
  shift
  timeout 4 openssl s_client -quiet -connect "127.0.0.1:$port" "$@" </dev/null \
    >"$work/$name.data" 2>"$work/$name.log" || true
  stat -c %s "$work/$name.data"
}
[ "$(probe no-cert)" -eq 0 ] || fail "a client without a certificate received data"
[ "$(probe other-ca -cert "$rogue/worker.pem" -key "$rogue/worker-key.pem")" -eq 0 ] \
  || fail "a client with another CA's certificate received data"
# The control: with the cluster's worker certificate the same probe does
# receive the coordinator's BASP greeting (so a 0 above means refused).
[ "$(probe cluster-cert -cert "$work/worker-certs/worker.pem" \
  -key "$work/worker-certs/worker-key.pem")" -gt 0 ] \
  || fail "the probe sees nothing even with the cluster's certificate"
echo "s_client: no certificate 0 bytes, another CA's certificate 0 bytes, the cluster's" \
  "$(stat -c %s "$work/cluster-cert.data") bytes"

# An alter-swarm worker with the other CA's files, and one in the clear.
set +e
timeout 20 "$swarm" --worker "127.0.0.1:$port" --cluster-certs "$rogue" \
  >"$work/rogue-worker.out" 2>"$work/rogue-worker.err"
rogue_status=$?
timeout 5 "$swarm" --worker "127.0.0.1:$port" --insecure-plain-cluster \
  >"$work/plain-worker.out" 2>"$work/plain-worker.err"
plain_status=$?
set -e
[ "$rogue_status" -ne 0 ] || fail "a worker with another CA's certificate joined"
[ "$plain_status" -ne 0 ] || fail "a plain worker joined a TLS coordinator"
grep -q "driving" "$work/rogue-worker.err" "$work/plain-worker.err" \
  && fail "a rogue worker was handed agents"
echo "rogue workers refused (exit $rogue_status with another CA, $plain_status in the clear)"

# Plain TCP clients announcing 1 GiB in a BASP client-handshake header, then
# sending 1 MiB, four at once.
python3 - "$port" >"$work/basp.out" <<'PY'
import socket, struct, sys, threading, time
port = int(sys.argv[1])
# operation client_handshake (1), padding, flags, payload_len 1 GiB,
# operation_data, source and destination actor: 32 bytes, network order.
header = struct.pack(">BBBBIQQQ", 1, 0, 0, 0, 1 << 30, 0, 0, 0)
assert len(header) == 32
got = []
def rogue():
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    data = b""
    try:
        s.sendall(header)
        for _ in range(16):
            s.sendall(b"\0" * 65536)
        end = time.time() + 2
        while time.time() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    got.append(data)
threads = [threading.Thread(target=rogue) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
# Nothing but, at most, a TLS alert (content type 21) comes back.
for data in got:
    assert len(data) < 64 and (not data or data[0] == 21), data[:64]
print("basp: 4 plain clients got", [len(d) for d in got], "bytes")
PY
cat "$work/basp.out"

kill -0 "$coordinator" 2>/dev/null || fail "the coordinator died"
hwm_after="$(kib VmHWM)"
echo "coordinator peak memory: $hwm_before KiB before the rogue peers, $hwm_after KiB after"
[ $((hwm_after - hwm_before)) -lt 65536 ] || fail "the coordinator's peak memory grew by" \
  "$((hwm_after - hwm_before)) KiB"
if grep -aEq "$secret_pattern" "$work"/*.data "$work"/*.log "$work"/rogue-worker.* \
  "$work"/plain-worker.* "$work/basp.out"; then
  fail "a rogue peer saw a secret"
fi

# Still serving: the real workers run the whole scenario, while peers without
# the certificate keep failing their handshakes.
for w in 1 2; do
  start_worker "$w"
done
for _ in $(seq 1 300); do
  grep -q "driving" "$work/worker1.err" "$work/worker2.err" 2>/dev/null \
    && [ "$(grep -l driving "$work"/worker[12].err | wc -l)" -eq 2 ] && break
  sleep 0.1
done
during=0
while kill -0 "$coordinator" 2>/dev/null && [ "$during" -lt 5 ]; do
  [ "$(probe during-no-cert)" -eq 0 ] || fail "a client without a certificate received data"
  [ "$(probe during-other-ca -cert "$rogue/worker.pem" -key "$rogue/worker-key.pem")" -eq 0 ] \
    || fail "a client with another CA's certificate received data"
  during=$((during + 1))
done
echo "$during rounds of rogue handshakes while the workers drove"
[ "$during" -gt 0 ] || fail "the run ended before any rogue handshake"
for p in "${pids[@]:1}"; do
  wait "$p" || fail "a worker failed"
done
wait_bounded "$coordinator" 60
[ "$status" -eq 0 ] || fail "the coordinator exited with $status"
check_complete_report "$agents" "$calls" 2
