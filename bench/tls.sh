#!/usr/bin/env bash
# bench/tls.sh: reel's HTTPS (examples/http built with --features tls, one
# worker, rustls 0.23 + ring) against nginx's HTTPS (one worker, OpenSSL),
# both serving the same certificate and the same 1 KiB file, with wrk as the
# load.
#
#   bench/tls.sh                            # 3 rounds of 10 s, about 4 minutes
#   DURATION=2 ROUNDS=1 bench/tls.sh        # a quick look (under a minute)
#
# Setup: installs wrk, nginx (nginx-light), openssl and perf (linux-perf) from
# the distribution's packages when missing; builds `cargo build --release
# --features tls --example http`; makes, in a temporary work folder, a CA and
# a server certificate it signs (ECDSA P-256, SAN DNS:localhost and
# IP:127.0.0.1; the server sends the leaf alone) and a root with file1k.bin
# (1 KiB). The servers, each on loopback pinned to CPU 0:
#   reel          target/release/examples/http -r ROOT -w 1 --log warn
#                 --tls-cert CERT --tls-key KEY: rustls's safe defaults (TLS
#                 1.2 and 1.3), ALPN http/1.1, rustls's default server session
#                 cache (in memory, 256 sessions; no ticket encryption, but 2
#                 TLS 1.3 NewSessionTickets naming cache entries per handshake)
#   nginx         one worker (master_process on, worker_processes 1),
#                 `listen 127.0.0.1:PORT ssl;`, the same cert and key,
#                 ssl_protocols TLSv1.2 TLSv1.3, ssl_session_cache off,
#                 ssl_session_tickets off (every new connection a full
#                 handshake), keepalive_requests 1000000, access_log off,
#                 sendfile on (inert under TLS: nginx preads and SSL_writes)
#   nginx-cache   the same with `ssl_session_cache shared:TLS:1m;` (tickets
#                 still off): a server-side session cache like rustls's
#                 default, so that it resumes what reel resumes. Only in the
#                 handshake test; NGINX_CACHE=0 leaves it out.
# Before the rounds, once per server: curl --cacert (HTTP/1.1 over TLS, the
# file's bytes), openssl s_client (the certificate's fingerprint, protocol and
# cipher; whether a saved session resumes), and a probe: wrk -c$CONNS_NEW
# -H 'Connection: close' for $PROBE_SECONDS s under a packet capture on lo
# (python3, AF_PACKET, needs root) that reads every ClientHello and
# ServerHello: how many handshakes offered a session (PSK) and how many the
# server resumed, the TLS version, cipher and key exchange group.
# wrk resumes: it keeps each connection's OpenSSL session across its
# reconnects (SSL_shutdown + SSL_clear) and offers it in the next ClientHello,
# so a server with a session cache does mostly resumed handshakes (PSK with
# ECDHE: no certificate and no signature) under the handshake test. The probe
# says how many, in the table, the CSV and the notes. For reel that depends on
# -c: rustls's cache holds 256 sessions and each handshake stores 2 (the 2
# tickets; wrk uses the last), so beyond about 128 connections wrk's session
# is evicted before its next use (measured: -c100 all resume, -c200 8%).
# Two tests; each round runs every server once per test, reel first in odd
# rounds and last in even ones; $ROUNDS rounds of $DURATION s; wrk pinned to
# CPU 1:
#   new   wrk -t1 -c$CONNS_NEW -d${DURATION}s --latency -H 'Connection: close'
#         https://127.0.0.1:PORT/file1k.bin: a new TCP and TLS connection per
#         request (checked: the server's successful accept4 calls against
#         wrk's request count)
#   keep  wrk -t1 -c$CONNS_KEEP -d${DURATION}s --latency
#         https://127.0.0.1:PORT/file1k.bin: keep-alive, one handshake per
#         connection (checked: accepts at most about $CONNS_KEEP)
# Measured, medians over the rounds: requests/s and p99 latency (wrk); over
# the load, `perf stat -e task-clock,raw_syscalls:sys_enter -e
# syscalls:sys_exit_accept4 --filter 'ret >= 0' -p PID` (for nginx the
# master's and the worker's PIDs): the server's CPU time per request (µs per
# request = ms per 1000 requests), system calls per request and accepted
# connections per request; how busy the server's CPU and wrk's were (wrk runs
# under perf stat -e task-clock too; where wrk's CPU is 95% busy or more, the
# notes say that wrk, not the server, set the rate); the ratio reel / nginx
# of each median, and the median of each round's own requests/s ratio
# ("paired"). Any non-2xx answer stops the run; socket errors are reported.
# Prints a Markdown table for the README and writes bench/results/tls.csv.
# Environment: DURATION (s, default 10), ROUNDS (3), CONNS (both tests'
# connections; default 50 for new, 100 for keep), CONNS_NEW, CONNS_KEEP,
# NGINX_CACHE (1), PROBE_SECONDS (1; 0 skips the probe), KEEP (keep the work
# folder with every raw output).
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS_NEW=${CONNS_NEW:-${CONNS:-50}}
CONNS_KEEP=${CONNS_KEEP:-${CONNS:-100}}
NGINX_CACHE=${NGINX_CACHE:-1}
PROBE_SECONDS=${PROBE_SECONDS:-1}
SERVER_CPU=0
LOAD_CPU=1
WORK=$(mktemp -d /tmp/reel-tls-bench.XXXXXX)
RELEASE=target/release

# Every process this script starts, killed on exit however it exits.
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [[ -z "${KEEP:-}" ]]; then rm -rf "$WORK"; else echo "raw outputs kept in $WORK" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "== $*" >&2; }
die() { echo "tls.sh: $*" >&2; exit 1; }

# ------------------------------------------------------------------ setup
need() {
    command -v "$1" >/dev/null && return
    log "installing $2"
    if command -v apt-get >/dev/null; then
        (apt-get install -y "$2" >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null 2>&1; }) \
            || die "could not install $2"
    else
        die "$1 is missing and there is no apt-get"
    fi
}
PATH=$PATH:/usr/sbin:/sbin
need taskset util-linux
need perf linux-perf
need wrk wrk
need curl curl
need openssl openssl
need python3 python3
need nginx nginx-light
NGINX=$(command -v nginx)

log "building (release, --features tls)"
cargo build --release --quiet --features tls --example http

ROOT=$WORK/root
mkdir -p "$ROOT"
head -c 1024 /dev/urandom >"$ROOT/file1k.bin"
# mktemp -d makes WORK 0700; nginx's worker runs as nobody (the master reads
# the key as root).
chmod 755 "$WORK" "$ROOT"
chmod 644 "$ROOT/file1k.bin"

# The CA and the server's certificate, ECDSA P-256.
PKI=$WORK/pki
mkdir -p "$PKI"
(
    cd "$PKI"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=reel bench CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem
    openssl req -new -key key.pem -subj "/CN=localhost" -out server.csr
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
        -extfile server.ext -out cert.pem
) >"$WORK/pki.log" 2>&1 || die "openssl could not make the certificates: $(cat "$WORK/pki.log")"
CA=$PKI/ca.pem CERT=$PKI/cert.pem KEY=$PKI/key.pem
CERT_FP=$(openssl x509 -in "$CERT" -noout -fingerprint -sha256 | sed 's/.*=//')

declare -A LABEL=(
    [reel]="reel (examples/http -w 1, rustls)"
    [nginx]="nginx 1 worker, no session cache"
    [nginx-cache]="nginx 1 worker, ssl_session_cache shared"
)
declare -A TEST_LABEL=(
    [new]="new connection per request (Connection: close), -c$CONNS_NEW"
    [keep]="keep-alive, -c$CONNS_KEEP"
)
declare -A TEST_CONNS=([new]=$CONNS_NEW [keep]=$CONNS_KEEP)
NEW_SERVERS=(reel nginx)
[[ $NGINX_CACHE == 1 ]] && NEW_SERVERS+=(nginx-cache)
KEEP_SERVERS=(reel nginx)
ALL_SERVERS=("${NEW_SERVERS[@]}")

# Whether perf can count successful accept4 calls (a tracepoint filter).
ACCEPT_EVENT=(-e syscalls:sys_exit_accept4 --filter 'ret >= 0')
if ! perf stat -x, -o /dev/null -e task-clock "${ACCEPT_EVENT[@]}" true 2>"$WORK/perf.check"; then
    log "perf cannot count accept4 (no syscalls tracepoints?): no accept counts. $(head -3 "$WORK/perf.check")"
    ACCEPT_EVENT=()
fi

# ---------------------------------------------------------------- helpers
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_reel OUT: reel pinned to SERVER_CPU; waits for its `listening on`
# line; sets PID, PORT and PERF_PIDS.
start_reel() {
    local out=$1
    RUST_LOG=warn taskset -c "$SERVER_CPU" "$RELEASE/examples/http" --host 127.0.0.1 --port 0 -r "$ROOT" \
        -w 1 --log warn --tls-cert "$CERT" --tls-key "$KEY" >"$out" 2>"$out.err" &
    PID=$!
    PIDS+=("$PID")
    local waited=0
    until grep -q '^listening on ' "$out" 2>/dev/null; do
        kill -0 "$PID" 2>/dev/null || die "reel exited at start: $(cat "$out.err")"
        ((waited++ < 600)) || die "reel printed no address in 60 s"
        sleep 0.1
    done
    PORT=$(sed -n 's|^listening on https://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$out" | head -1)
    [[ -n "$PORT" ]] || die "reel: unexpected first line (not https?): $(head -1 "$out")"
    PERF_PIDS=$PID
}

# start_nginx NAME OUT: nginx with one worker on a free port, pinned to
# SERVER_CPU; sets PID (the master), PORT and PERF_PIDS (master,worker).
start_nginx() {
    local name=$1 out=$2 dir=$WORK/$1 cache="ssl_session_cache off;"
    [[ $name == nginx-cache ]] && cache="ssl_session_cache shared:TLS:1m;"
    mkdir -p "$dir"
    PORT=$(free_port)
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$PORT ssl;
        ssl_certificate $CERT;
        ssl_certificate_key $KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        $cache
        ssl_session_tickets off;
        root $ROOT;
    }
}
CONF
    taskset -c "$SERVER_CPU" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
        >"$out" 2>"$out.err" &
    PID=$!
    PIDS+=("$PID")
    local waited=0 workers w
    until curl -sf --cacert "$CA" -o /dev/null "https://127.0.0.1:$PORT/file1k.bin" 2>/dev/null; do
        kill -0 "$PID" 2>/dev/null || die "$name exited at start: $(cat "$out.err" "$dir/error.log" 2>/dev/null)"
        ((waited++ < 600)) || die "$name did not answer in 60 s"
        sleep 0.1
    done
    workers=$(pgrep -P "$PID" | paste -sd, -)
    [[ -n "$workers" ]] || die "$name: no worker process under $PID"
    for w in ${workers//,/ }; do PIDS+=("$w"); done
    PERF_PIDS="$PID,$workers"
}

start() { if [[ $1 == reel ]]; then start_reel "$2"; else start_nginx "$1" "$2"; fi; }

# stop_server: SIGTERM, then SIGKILL after 60 s.
stop_server() {
    kill -TERM "$PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$PID" 2>/dev/null && ((waited++ < 600)); do sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}

# check_get NAME OUT: GET /file1k.bin over HTTPS, verified against the CA by
# the name localhost and by the address 127.0.0.1: HTTP/1.1, 200, the bytes.
check_get() {
    local name=$1 out=$2 host code
    for host in localhost 127.0.0.1; do
        code=$(curl -sS --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" -o "$out.check" \
            -w '%{http_code} %{http_version}' "https://$host:$PORT/file1k.bin" 2>"$out.curl") \
            || die "$name: GET https://$host:$PORT/file1k.bin failed: $(cat "$out.curl")"
        [[ $code == "200 1.1" ]] || die "$name: GET https://$host:$PORT/file1k.bin: $code, not 200 over HTTP/1.1"
        cmp -s "$out.check" "$ROOT/file1k.bin" || die "$name: GET /file1k.bin: not the file's bytes"
    done
}

# The packet capture of the probe: every TCP connection to PORT on lo, its
# ClientHello and ServerHello. Prints key=value lines.
cat >"$WORK/probe.py" <<'PY'
import collections
import os
import socket
import struct
import sys
import time

port, seconds, ready = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
try:
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
except OSError:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
s.bind(("lo", 0))
s.settimeout(0.1)
open(ready, "w").close()

conns, done, syns = {}, [], 0  # client port -> [client bytes, server bytes]
deadline = time.time() + seconds
while time.time() < deadline:
    try:
        pkt, addr = s.recvfrom(70000)
    except socket.timeout:
        continue
    # lo shows each packet twice, outgoing and incoming: keep the incoming.
    if addr[2] == socket.PACKET_OUTGOING or len(pkt) < 54 or pkt[12:14] != b"\x08\x00":
        continue
    ip = pkt[14:]
    if ip[9] != 6:
        continue
    tcp = ip[(ip[0] & 15) * 4:struct.unpack("!H", ip[2:4])[0]]
    sport, dport = struct.unpack("!HH", tcp[:4])
    payload = tcp[(tcp[12] >> 4) * 4:]
    if dport == port:
        if tcp[13] & 0x12 == 0x02:  # SYN: a new connection from sport
            syns += 1
            if sport in conns:
                done.append(conns[sport])
            conns[sport] = [b"", b""]
        elif sport in conns and payload and len(conns[sport][0]) < 16384:
            conns[sport][0] += payload
    elif sport == port and dport in conns and payload and len(conns[dport][1]) < 16384:
        conns[dport][1] += payload
try:
    packets, drops = struct.unpack("II", s.getsockopt(263, 6, 8))  # PACKET_STATISTICS
except OSError:
    drops = -1


def message(data, want):
    """The body of the first handshake message in data if it is of type want."""
    if len(data) < 9 or data[0] != 0x16:
        return None
    rec = data[5:5 + struct.unpack("!H", data[3:5])[0]]
    if len(rec) < 4 or rec[0] != want:
        return None
    return rec[4:4 + int.from_bytes(rec[1:4], "big")]


def extensions(body, pos):
    exts = {}
    if pos + 2 <= len(body):
        end = pos + 2 + struct.unpack("!H", body[pos:pos + 2])[0]
        pos += 2
        while pos + 4 <= end:
            t, n = struct.unpack("!HH", body[pos:pos + 4])
            exts[t] = body[pos + 4:pos + 4 + n]
            pos += 4 + n
    return exts


SUITES = {0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
          0x1303: "TLS_CHACHA20_POLY1305_SHA256", 0xC02B: "ECDHE-ECDSA-AES128-GCM-SHA256",
          0xC02C: "ECDHE-ECDSA-AES256-GCM-SHA384", 0xCCA9: "ECDHE-ECDSA-CHACHA20-POLY1305"}
GROUPS = {0x1D: "X25519", 0x17: "P-256", 0x18: "P-384"}
n = collections.Counter()
versions, suites, groups = collections.Counter(), collections.Counter(), collections.Counter()
for cb, sb in done + list(conns.values()):
    ch, sh = message(cb, 1), message(sb, 2)
    if ch is None or sh is None:
        n["incomplete"] += 1
        continue
    n["handshakes"] += 1
    p = 34
    csid = ch[p + 1:p + 1 + ch[p]]
    p += 1 + ch[p]
    p += 2 + struct.unpack("!H", ch[p:p + 2])[0]
    p += 1 + ch[p]
    cext = extensions(ch, p)
    p = 34
    ssid = sh[p + 1:p + 1 + sh[p]]
    p += 1 + sh[p]
    suite = struct.unpack("!H", sh[p:p + 2])[0]
    sext = extensions(sh, p + 3)
    tls13 = 43 in sext  # supported_versions
    versions["TLSv1.3" if tls13 else "TLSv1.2"] += 1
    suites[SUITES.get(suite, "%04x" % suite)] += 1
    if tls13 and 51 in sext:  # key_share
        g = struct.unpack("!H", sext[51][:2])[0]
        groups[GROUPS.get(g, "%04x" % g)] += 1
    # Offered: a PSK (1.3) or a ticket (1.2); a 1.2 session id is not told
    # apart from 1.3's compatibility one. Resumed: the server took the PSK
    # (1.3), or echoed a session id (1.2).
    if 41 in cext or len(cext.get(35, b"")) > 0:
        n["offered"] += 1
    if (41 in sext) if tls13 else (len(ssid) > 0 and ssid == csid):
        n["resumed"] += 1
top = lambda c: "/".join(k for k, _ in c.most_common()) or "?"
print("syns=%d" % syns)
for k in ("handshakes", "offered", "resumed", "incomplete"):
    print("%s=%d" % (k, n[k]))
print("drops=%d" % drops)
print("version=%s" % top(versions))
print("suite=%s" % top(suites))
print("group=%s" % top(groups))
PY

pval() { sed -n "s/^$1=//p" "$2" | head -1; }

# check_server NAME: once per server before the rounds: the GETs, what
# openssl s_client sees, whether a saved session resumes, and the probe.
declare -A RESUMED_PCT RESUMABLE TLS_VERSION TLS_SUITE TLS_GROUP
check_server() {
    local name=$1 out=$WORK/$1.check
    start "$name" "$out.server"
    check_get "$name" "$out"
    local req=$WORK/close.req fp
    printf 'GET /file1k.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >"$req"
    timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$CA" -verify_return_error \
        -alpn http/1.1 -ign_eof -sess_out "$out.sess" <"$req" >"$out.s_client" 2>&1 \
        || die "$name: openssl s_client failed: $(tail -5 "$out.s_client")"
    fp=$(openssl x509 -noout -fingerprint -sha256 <"$out.s_client" | sed 's/.*=//')
    [[ $fp == "$CERT_FP" ]] || die "$name: serves another certificate ($fp, not $CERT_FP)"
    grep -aq '^ALPN protocol: http/1.1' "$out.s_client" || die "$name: no ALPN http/1.1: $(grep -a ALPN "$out.s_client")"
    timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$CA" -alpn http/1.1 \
        -ign_eof -sess_in "$out.sess" <"$req" >"$out.s_client2" 2>&1 || true
    if grep -aq '^Reused, ' "$out.s_client2"; then RESUMABLE[$name]=yes; else RESUMABLE[$name]=no; fi
    log "$name: $(grep -a -m1 -E '^(New|Reused), ' "$out.s_client"), ALPN http/1.1, the bench certificate;" \
        "a saved session resumes (openssl s_client -sess_in): ${RESUMABLE[$name]}"
    RESUMED_PCT[$name]=n/a TLS_VERSION[$name]=? TLS_SUITE[$name]=? TLS_GROUP[$name]=?
    if [[ $PROBE_SECONDS != 0 ]]; then
        rm -f "$out.ready"
        python3 "$WORK/probe.py" "$PORT" "$((PROBE_SECONDS + 2))" "$out.ready" >"$out.probe" 2>"$out.probe.err" &
        local probe=$! waited=0
        PIDS+=("$probe")
        until [[ -e $out.ready ]]; do
            if ! kill -0 "$probe" 2>/dev/null || ((waited++ > 100)); then break; fi
            sleep 0.1
        done
        if [[ -e $out.ready ]]; then
            timeout $((PROBE_SECONDS + 60)) taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS_NEW" -d"${PROBE_SECONDS}s" \
                -H 'Connection: close' "https://127.0.0.1:$PORT/file1k.bin" >"$out.probe.wrk" 2>&1 || true
        fi
        wait "$probe" 2>/dev/null || true
        local hs resumed offered
        hs=$(pval handshakes "$out.probe")
        if [[ -n "$hs" && "$hs" -gt 0 ]]; then
            resumed=$(pval resumed "$out.probe") offered=$(pval offered "$out.probe")
            RESUMED_PCT[$name]=$(awk -v r="$resumed" -v h="$hs" 'BEGIN {printf "%.0f%%", 100 * r / h}')
            TLS_VERSION[$name]=$(pval version "$out.probe")
            TLS_SUITE[$name]=$(pval suite "$out.probe")
            TLS_GROUP[$name]=$(pval group "$out.probe")
            log "$name: probe, wrk -c$CONNS_NEW Connection: close ${PROBE_SECONDS}s: $(pval syns "$out.probe") SYNs," \
                "$hs handshakes seen ($(pval incomplete "$out.probe") cut short, $(pval drops "$out.probe") packets" \
                "dropped), $offered offered a session, $resumed resumed (${RESUMED_PCT[$name]});" \
                "${TLS_VERSION[$name]} ${TLS_SUITE[$name]} ${TLS_GROUP[$name]}"
        else
            log "$name: the probe saw no handshake (the capture needs root): $(tail -2 "$out.probe.err")"
        fi
    fi
    stop_server
}

# to_us VALUE: wrk's latency (e.g. 812.00us, 1.23ms, 2.00s) in microseconds.
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1e3; else if (v ~ /m$/) m = 6e7; else m = 1e6; printf "%.1f", n * m }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "" || b == 0) print "n/a"; else printf "%.2fx", a / b }'; }

declare -A R_RATE R_P99 R_CPU R_SYS R_ACC R_SBUSY R_LBUSY R_ERR R_PAIRED
# measure TEST NAME RUN: one wrk run against server NAME under perf stat.
measure() {
    local test=$1 name=$2 run=$3 out=$WORK/$2.$1.$3 key=$1:$2 conns=${TEST_CONNS[$1]}
    start "$name" "$out.server"
    check_get "$name" "$out"
    local url=https://127.0.0.1:$PORT/file1k.bin close=()
    [[ $test == new ]] && close=(-H 'Connection: close')
    perf stat -e task-clock -e raw_syscalls:sys_enter "${ACCEPT_EVENT[@]}" -x, -o "$out.perf" \
        -p "$PERF_PIDS" 2>"$out.perf.err" &
    local perf=$!
    PIDS+=("$perf")
    sleep 0.2
    timeout $((DURATION + 60)) taskset -c "$LOAD_CPU" perf stat -e task-clock -x, -o "$out.wrkperf" \
        wrk -t1 -c"$conns" -d"${DURATION}s" --latency "${close[@]}" "$url" \
        >"$out.load" 2>&1 || die "wrk failed against $name: $(cat "$out.load")"
    kill -INT "$perf" 2>/dev/null || true
    wait "$perf" 2>/dev/null || true
    stop_server
    if grep -q 'Non-2xx or 3xx' "$out.load"; then die "$name answered errors: $(cat "$out.load")"; fi
    local errors=0
    if grep -q 'Socket errors' "$out.load"; then
        log "$test $name: $(grep 'Socket errors' "$out.load")"
        errors=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$out.load" \
            | awk '{print $1 + $2 + $3 + $4}')
    fi
    local requests secs rate p99 msec calls accepts wrkms
    requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out.load" | head -1)
    secs=$(sed -n 's/^ *[0-9]* requests in \([0-9.]*\)s.*/\1/p' "$out.load" | head -1)
    rate=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out.load" | head -1)
    p99=$(to_us "$(awk '$1 == "99%" {print $2}' "$out.load" | head -1)")
    [[ -n "$requests" && -n "$rate" && "$requests" -gt 0 ]] || die "could not read wrk's output: $(cat "$out.load")"
    msec=$(awk -F, '$3 == "task-clock" {print $1}' "$out.perf" 2>/dev/null)
    calls=$(awk -F, '$3 == "raw_syscalls:sys_enter" {print $1}' "$out.perf" 2>/dev/null)
    accepts=$(awk -F, '$3 == "syscalls:sys_exit_accept4" {print $1}' "$out.perf" 2>/dev/null)
    wrkms=$(awk -F, '$3 == "task-clock" {print $1}' "$out.wrkperf" 2>/dev/null)
    R_RATE[$key]+="$rate "
    R_P99[$key]+="$p99 "
    R_ERR[$key]+="${errors:-0} "
    [[ -n "$wrkms" ]] && R_LBUSY[$key]+="$(awk -v m="$wrkms" -v s="${secs:-$DURATION}" 'BEGIN {printf "%.0f", m / s / 10}') "
    if [[ -n "$msec" && -n "$calls" ]]; then
        R_CPU[$key]+="$(awk -v m="$msec" -v n="$requests" 'BEGIN {printf "%.3f", m * 1e3 / n}') "
        R_SYS[$key]+="$(awk -v c="$calls" -v n="$requests" 'BEGIN {printf "%.4f", c / n}') "
        # CPU busy: the server's CPU time over wrk's own duration.
        R_SBUSY[$key]+="$(awk -v m="$msec" -v s="${secs:-$DURATION}" 'BEGIN {printf "%.0f", m / s / 10}') "
    else
        log "perf stat gave nothing for $name: $(cat "$out.perf.err")"
    fi
    if [[ -n "$accepts" ]]; then
        R_ACC[$key]+="$(awk -v a="$accepts" -v n="$requests" 'BEGIN {printf "%.4f", a / n}') "
        # new: one connection per request, plus the ones in flight at the end;
        # keep: the $conns connections, and no more.
        if [[ $test == new ]] && ((accepts < requests * 98 / 100 || accepts > requests + 2 * conns + 10)); then
            log "warning: $test $name: $accepts connections accepted for $requests requests (not one per request)"
        elif [[ $test == keep ]] && ((accepts > 2 * conns)); then
            log "warning: $test $name: $accepts connections accepted for $conns keep-alive connections (reconnects)"
        fi
    fi
    LAST_RATE=$rate
    log "$test $name: $rate req/s, p99 ${p99} us, server ${msec:-?} ms CPU, ${calls:-?} syscalls," \
        "${accepts:-?} accepts, $requests requests in ${secs:-?} s, wrk ${wrkms:-?} ms CPU"
}

# ------------------------------------------------------------------ run
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN {exit !(l > 0.5)}'; then
    log "warning: load average $load before the benchmark: other work on the machine skews it"
fi
for name in "${ALL_SERVERS[@]}"; do check_server "$name"; done

log "tls: $ROUNDS rounds of ${DURATION}s; new: wrk -t1 -c$CONNS_NEW Connection: close (${NEW_SERVERS[*]});" \
    "keep: wrk -t1 -c$CONNS_KEEP (${KEEP_SERVERS[*]})"
declare -A ROUND_RATE
for ((round = 1; round <= ROUNDS; round++)); do
    for test in new keep; do
        if [[ $test == new ]]; then order=("${NEW_SERVERS[@]}"); else order=("${KEEP_SERVERS[@]}"); fi
        # reel first in odd rounds, last in even ones: a drift hits both.
        if ((round % 2 == 0)); then
            rev=()
            for ((i = ${#order[@]} - 1; i >= 0; i--)); do rev+=("${order[$i]}"); done
            order=("${rev[@]}")
        fi
        for name in "${order[@]}"; do
            measure "$test" "$name" "$round"
            ROUND_RATE[$name]=$LAST_RATE
        done
        for name in "${order[@]}"; do
            [[ $name == reel ]] && continue
            R_PAIRED[$test:$name]+="$(awk -v r="${ROUND_RATE[reel]}" -v p="${ROUND_RATE[$name]}" 'BEGIN {print r / p}') "
        done
    done
done

# ------------------------------------------------------------------ report
commas() { awk -v n="$1" 'BEGIN { if (n == "nan") { print "n/a"; exit } s = sprintf("%.0f", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }
p99_text() { awk -v p="$1" 'BEGIN { if (p == "nan") print "n/a"; else if (p >= 1e3) printf "%.2f ms", p / 1e3; else printf "%.0f us", p }'; }
num() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf f, v }'; }

csv=$WORK/tls.csv
echo "test,server,label,connections,requests_per_s,p99_latency_us,cpu_us_per_request,syscalls_per_request,accepts_per_request,server_cpu_busy_pct,wrk_cpu_busy_pct,socket_errors,resumed_handshakes,tls_version,cipher,group,reel_over_this_requests,paired_reel_over_this_requests,reel_over_this_cpu,reel_over_this_syscalls,reel_over_this_p99,duration_s,rounds" >"$csv"
declare -A M_RATE M_P99 M_CPU M_SYS M_ACC M_SBUSY M_LBUSY M_ERR
echo
echo "TLS benchmark: reel (rustls) against nginx (OpenSSL), the same ECDSA P-256 certificate, GET /file1k.bin;"
echo "wrk -t1 -d${DURATION}s, $ROUNDS round(s), medians; server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU; CPU and syscalls are"
echo "the server's (perf stat -p over the load), per request; CPU us/request = ms per 1000 requests;"
echo "$(nproc) CPUs, $(uname -r), $(openssl version | cut -d' ' -f1-2), $("$NGINX" -v 2>&1 | sed 's/.*version: //');"
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| test | server | req/s | p99 | CPU µs/request | syscalls/request | accepts/request | resumed handshakes | CPU busy server / wrk | reel/this req/s (paired) | reel/this CPU/request |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for test in new keep; do
    if [[ $test == new ]]; then servers=("${NEW_SERVERS[@]}"); else servers=("${KEEP_SERVERS[@]}"); fi
    for name in "${servers[@]}"; do
        key=$test:$name
        M_RATE[$key]=$(echo "${R_RATE[$key]:-}" | median)
        M_P99[$key]=$(echo "${R_P99[$key]:-}" | median)
        M_CPU[$key]=$(echo "${R_CPU[$key]:-}" | median)
        M_SYS[$key]=$(echo "${R_SYS[$key]:-}" | median)
        M_ACC[$key]=$(echo "${R_ACC[$key]:-}" | median)
        M_SBUSY[$key]=$(echo "${R_SBUSY[$key]:-}" | median)
        M_LBUSY[$key]=$(echo "${R_LBUSY[$key]:-}" | median)
        M_ERR[$key]=$(echo "${R_ERR[$key]:-}" | median)
    done
    first=1
    for name in "${servers[@]}"; do
        key=$test:$name r=$test:reel
        resumed=-
        [[ $test == new ]] && resumed=${RESUMED_PCT[$name]}
        if [[ $name == reel ]]; then
            rr="-" rc="-" paired=1.00 rr_csv=1.00 rc_csv=1.00 rs_csv=1.00 rp_csv=1.00
        else
            paired=$(ratio "$(echo "${R_PAIRED[$key]:-}" | median)" 1)
            rr="$(ratio "${M_RATE[$r]}" "${M_RATE[$key]}") ($paired)"
            rc=$(ratio "${M_CPU[$r]}" "${M_CPU[$key]}")
            rr_csv=$(ratio "${M_RATE[$r]}" "${M_RATE[$key]}" | tr -d x)
            rc_csv=$(ratio "${M_CPU[$r]}" "${M_CPU[$key]}" | tr -d x)
            rs_csv=$(ratio "${M_SYS[$r]}" "${M_SYS[$key]}" | tr -d x)
            rp_csv=$(ratio "${M_P99[$r]}" "${M_P99[$key]}" | tr -d x)
            paired=${paired%x}
        fi
        label=${LABEL[$name]}
        ((first)) && tcell=${TEST_LABEL[$test]} || tcell=""
        first=0
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s%% / %s%% | %s | %s |\n' "$tcell" "$label" \
            "$(commas "${M_RATE[$key]}")" "$(p99_text "${M_P99[$key]}")" "$(num "${M_CPU[$key]}" %.2f)" \
            "$(num "${M_SYS[$key]}" %.2f)" "$(num "${M_ACC[$key]}" %.3f)" "$resumed" \
            "${M_SBUSY[$key]}" "${M_LBUSY[$key]}" "$rr" "$rc"
        printf '%s,%s,"%s",%s,%.0f,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$test" "$name" "$label" \
            "${TEST_CONNS[$test]}" "${M_RATE[$key]}" "${M_P99[$key]}" "${M_CPU[$key]}" "${M_SYS[$key]}" \
            "${M_ACC[$key]}" "${M_SBUSY[$key]}" "${M_LBUSY[$key]}" "${M_ERR[$key]}" "${resumed%\%}" \
            "${TLS_VERSION[$name]}" "${TLS_SUITE[$name]}" "${TLS_GROUP[$name]}" \
            "$rr_csv" "$paired" "$rc_csv" "$rs_csv" "$rp_csv" "$DURATION" "$ROUNDS" >>"$csv"
    done
done

echo
echo "notes:"
for name in "${ALL_SERVERS[@]}"; do
    echo "  ${LABEL[$name]}: ${TLS_VERSION[$name]} ${TLS_SUITE[$name]} ${TLS_GROUP[$name]} with wrk;" \
        "resumed ${RESUMED_PCT[$name]} of wrk's new connections (probe); a saved session resumes: ${RESUMABLE[$name]}"
done
reel_resumed=${RESUMED_PCT[reel]%\%} nginx_resumed=${RESUMED_PCT[nginx]%\%}
if [[ $reel_resumed != n/a && $nginx_resumed != n/a ]] && ((reel_resumed > nginx_resumed + 10)); then
    echo "  NOT LIKE FOR LIKE: wrk resumes TLS sessions (it keeps each connection's OpenSSL session across its"
    echo "  reconnects and offers it again), and reel, with rustls's default session cache, resumed ${RESUMED_PCT[reel]} of"
    echo "  them where nginx without a session cache resumed ${RESUMED_PCT[nginx]}: in the new-connection test reel does"
    echo "  mostly resumed handshakes (PSK + ECDHE, no certificate, no signature) and nginx full ones."
    if [[ $NGINX_CACHE == 1 ]]; then
        echo "  nginx with ssl_session_cache shared (resumed ${RESUMED_PCT[nginx-cache]}) is the like-for-like peer there."
    fi
fi
saturated=""
for key in new:reel new:nginx new:nginx-cache keep:reel keep:nginx; do
    [[ -n "${M_LBUSY[$key]:-}" && ${M_LBUSY[$key]} != nan ]] || continue
    if ((${M_LBUSY[$key]} >= 95)); then
        saturated+="${saturated:+, }${key%%:*} ${key#*:} (wrk ${M_LBUSY[$key]}%, server ${M_SBUSY[$key]}%)"
    fi
done
if [[ -n $saturated ]]; then
    echo "  wrk's CPU was the limit in: $saturated; there req/s is"
    echo "  wrk's rate as much as the server's (a full handshake costs wrk more than a resumed one), and"
    echo "  CPU µs/request is the figure that compares the servers."
fi
echo "  accepts/request: the server's successful accept4 calls per wrk request (new: about 1, one TCP and TLS"
echo "  connection per request, plus those in flight at the end; keep: the $CONNS_KEEP connections over all requests)."
echo "  socket errors (median per run): $(for k in "${!M_ERR[@]}"; do printf '%s %s\n' "$k" "${M_ERR[$k]}"; done | sort | paste -sd, - | sed 's/,/, /g')"

mkdir -p bench/results
cp "$csv" bench/results/tls.csv
echo
echo "wrote bench/results/tls.csv"
