#!/usr/bin/env bash
# bench/run.sh echo: reel's echo example against tokio (both flavors) and a
# bare-mio loop, on loopback, with echo_load as the load generator.
#
#   bench/run.sh echo                       # the full run, about 4 minutes
#   DURATION=2 ROUNDS=1 bench/run.sh echo   # a quick look
#
# For each server: the server runs pinned to CPU 0 and the load to CPU 1, so
# they never share a core. Measured:
#   1. throughput: echo_load --clients $CLIENTS --size $SIZE --duration
#      $DURATION, reel alternated with each peer, $ROUNDS rounds, medians;
#   2. during each load, the server's CPU time and system calls
#      (perf stat -e task-clock,raw_syscalls:sys_enter -p PID), per message;
#   3. user-space instructions per message: the server under callgrind,
#      $CG_CLIENTS x $CG_MESSAGES messages, minus a run with no messages;
#   4. resident memory per idle connection: VmRSS before and after
#      $IDLE_CONNS idle connections (held by bench's hold_conns);
#   5. tail latency under a firehose: echo_load --clients 99 --firehose 1
#      (99 ping-pong clients beside one connection that streams 16 KiB
#      chunks as fast as it can), reel alternated with tokio current_thread,
#      $ROUNDS rounds: the ping-pong clients' p99, and the firehose's MB/s.
# Environment: DURATION (s, default 5), ROUNDS (3), CLIENTS (100), SIZE (64),
# CG_CLIENTS (10), CG_MESSAGES (2000), IDLE_CONNS (10000), PARTS (which of
# the measurements to run: "load instructions memory firehose", the
# default, or a subset), KEEP (keep the work folder with every raw output).
#
# bench/run.sh chat: reel's chat example against tokio_chat (the same
# protocol on tokio current_thread), fan-out in one room, with chat_load as
# the load generator.
#
#   bench/run.sh chat                       # 3 rounds of 5 s each, about 1 minute
#   DURATION=2 ROUNDS=1 bench/run.sh chat   # a quick look
#
# Same pinning (server on CPU 0, load on CPU 1). Each round runs both servers,
# the order alternating from round to round; both with --rate 1000000, so the
# rate limit never answers `Slow down.`. Measured, medians over the rounds:
#   1. delivered chat lines per second and their latency p50/p99: chat_load
#      --clients $CLIENTS --size $SIZE --duration $DURATION (every client
#      sends as fast as its window allows, or $RATE messages per second);
#   2. the server's CPU time and system calls per delivered line (perf stat
#      on the server's PID for the whole load, joins and quits included).
# Environment: DURATION (5), ROUNDS (3), CLIENTS (100), SIZE (64), RATE
# (messages per second per client; empty: as fast as the window allows),
# KEEP.
#
# bench/run.sh http: reel's HTTP/1.1 server (examples/http, one worker)
# against hyper, nginx and the course's Python asyncio server, with wrk as the
# load.
#
#   bench/run.sh http                       # 3 rounds of 10 s, about 13 minutes
#   DURATION=3 ROUNDS=1 bench/run.sh http   # a quick look (about 1.5 minutes)
#
# Installs wrk and nginx (nginx-light) from the distribution's packages when
# missing, and perf; matplotlib through pip for the chart. Every server runs
# on loopback pinned to CPU 0 and serves the same temporary root (file1k.bin,
# 1 KiB; file1m.bin, 1 MiB; no index.html, so `/` is reel's hello page);
# `wrk -t1 -c$CONNS -d${DURATION}s` runs pinned to CPU 1. The servers:
#   reel          target/release/examples/http -r ROOT -w 1 --log warn
#   hyper         bench/src/bin/hyper_hello.rs: hyper 1.x http1 on tokio
#                 current_thread, serving reel's own hello page bytes
#   nginx         one worker (master_process on, worker_processes 1),
#                 sendfile on, access_log off, no open_file_cache (as shipped)
#   nginx-ofc     the same with `open_file_cache max=1000;`
#   python        bench/course_http.py, the course's asyncio server (context)
# Both nginx configs set keepalive_requests 1000000 (the default, 1000, would
# make wrk reconnect every 1000 requests, which reel and hyper never ask for).
# The pairs, reel first in odd rounds and the peer first in even ones:
# `/` reel vs hyper; /file1k.bin reel vs nginx, nginx-ofc, python; /file1m.bin
# reel vs nginx, nginx-ofc. Measured, medians over the rounds: requests/s and
# p99 latency (wrk), the server's CPU time and system calls per request
# (perf stat -e task-clock,raw_syscalls:sys_enter -p PID over the load; for
# nginx the master's and worker's PIDs), and how busy the server's CPU was.
# Writes bench/results/http.csv and, with CHART=1 (the default),
# doc/bench-http.png (outside bench/, so that the crate package, which
# leaves the bench package out, carries the image the README shows).
# Environment: DURATION (10), ROUNDS (3), CONNS (100), CHART (1), PAIRS (the
# pairs above, as "hello:hyper 1k:nginx ..."), KEEP.
#
# bench/run.sh axum: hyper and axum on reel (reel::hyper, the features axum
# and hyper-h2) against the same code on tokio current_thread, with wrk for
# HTTP/1.1 and h2load (Debian's nghttp2-client) for HTTP/2.
#
#   bench/run.sh axum                       # 5 rounds of 5 s, about 4 minutes
#   DURATION=2 ROUNDS=1 bench/run.sh axum   # a quick look
#
# Servers, each pinned to CPU 0, the load on CPU 1:
#   reel          examples/axum_app (features axum,hyper-h2): the app in
#                 examples/axum_app/app.rs through hyper on reel
#   tokio-axum    bench/src/bin/tokio_axum.rs: the same app.rs, axum::serve
#                 on tokio current_thread
#   reel (hyper)  bench's hyper_hello --runtime reel: a hyper service_fn
#   tokio-hyper   the same hyper_hello on tokio (hyper-util's TokioIo)
# Tests: axum-hello (GET /), axum-json (GET /json) and hyper-hello (GET /)
# with wrk -t1 -c$CONNS; axum-h2 (GET /json over h2c) with h2load -c10 -m10
# (100 streams in flight) for DURATION seconds. Measured as in http mode;
# h2load gives no p99, so that column holds its mean time per request.
set -euo pipefail

MODE=${1:-}
if [[ "$MODE" != "echo" && "$MODE" != "chat" && "$MODE" != "http" && "$MODE" != "axum" ]]; then
    echo "usage: $0 echo|chat|http|axum" >&2
    exit 2
fi

cd "$(dirname "$0")/.."
if [[ $MODE == http ]]; then DURATION=${DURATION:-10}; fi
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-100}
SIZE=${SIZE:-64}
CG_CLIENTS=${CG_CLIENTS:-10}
CG_MESSAGES=${CG_MESSAGES:-2000}
IDLE_CONNS=${IDLE_CONNS:-10000}
PARTS=${PARTS:-load instructions memory firehose}
SERVER_CPU=0
LOAD_CPU=1
WORK=$(mktemp -d /tmp/reel-bench.XXXXXX)
RELEASE=target/release

# ---------------------------------------------------------------- servers
SERVERS=(reel tokio-ct tokio-mt mio)
declare -A COMMAND=(
    [reel]="$RELEASE/examples/echo --port 0"
    [tokio-ct]="$RELEASE/tokio_echo --flavor current_thread --port 0"
    [tokio-mt]="$RELEASE/tokio_echo --flavor multi_thread --port 0"
    [mio]="$RELEASE/mio_echo --port 0"
    [reel-chat]="$RELEASE/examples/chat --port 0 --rate 1000000"
    [tokio-chat]="$RELEASE/tokio_chat --port 0 --rate 1000000"
)
declare -A LABEL=(
    [reel]="reel (examples/echo)"
    [tokio-ct]="tokio current_thread"
    [tokio-mt]="tokio multi_thread"
    [mio]="mio floor (no futures)"
    [reel-chat]="reel (examples/chat)"
    [tokio-chat]="tokio current_thread (tokio_chat)"
)

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
die() { echo "run.sh: $*" >&2; exit 1; }

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
need taskset util-linux
need perf linux-perf
if [[ $MODE == echo ]]; then
    need valgrind valgrind
    need callgrind_annotate valgrind
fi
if [[ $MODE == http || $MODE == axum ]]; then
    need wrk wrk
    need curl curl
    need python3 python3
    PATH=$PATH:/usr/sbin:/sbin
    need nginx nginx-light
fi
if [[ $MODE == axum ]]; then need h2load nghttp2-client; fi

log "building (release)"
if [[ $MODE == echo ]]; then
    cargo build --release --quiet --example echo --example echo_load
    LOAD=$RELEASE/examples/echo_load
elif [[ $MODE == http ]]; then
    cargo build --release --quiet --example http
elif [[ $MODE == axum ]]; then
    cargo build --release --quiet --example axum_app --features axum,hyper-h2
else
    cargo build --release --quiet --example chat --example chat_load
    LOAD=$RELEASE/examples/chat_load
fi
cargo build --release --quiet -p reel-bench
HOLD=$RELEASE/hold_conns

# ---------------------------------------------------------------- helpers
# start_server NAME OUTFILE [PREFIX...]: starts NAME pinned to SERVER_CPU
# (behind PREFIX, e.g. valgrind), waits for its `listening on` line; sets PID
# and PORT.
start_server() {
    local name=$1 out=$2
    shift 2
    # shellcheck disable=SC2086 # COMMAND holds a command line
    RUST_LOG=warn taskset -c "$SERVER_CPU" "$@" ${COMMAND[$name]} >"$out" 2>"$out.err" &
    PID=$!
    PIDS+=("$PID")
    local waited=0
    until grep -q '^listening on ' "$out" 2>/dev/null; do
        kill -0 "$PID" 2>/dev/null || die "$name exited at start: $(cat "$out.err")"
        ((waited++ < 600)) || die "$name printed no address in 60 s"
        sleep 0.1
    done
    PORT=$(sed -n 's|^listening on \(http://\)\{0,1\}127\.0\.0\.1:\([0-9]*\)$|\2|p' "$out" | head -1)
    [[ -n "$PORT" ]] || die "$name: unexpected first line: $(head -1 "$out")"
}

# stop_server: SIGTERM (reel's echo shuts down gracefully, the others die;
# callgrind writes its profile either way), then SIGKILL after 60 s. Not
# SIGINT: a non-interactive shell starts background jobs with SIGINT ignored.
stop_server() {
    kill -TERM "$PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$PID" 2>/dev/null && ((waited++ < 600)); do sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}

# run_load OUT ARGS...: the load generator pinned to LOAD_CPU, bounded in time.
run_load() {
    local out=$1
    shift
    timeout 300 taskset -c "$LOAD_CPU" "$LOAD" --port "$PORT" --timeout 60 "$@" >"$out" 2>&1 \
        || die "$(basename "$LOAD") failed: $(cat "$out")"
}

field() { sed -n "s/^$1: \([0-9.]*\).*/\1/p" "$2" | head -1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
# target WHAT REEL TOKIO GOAL: the ratio reel/tokio against GOAL (a maximum,
# or a minimum written '>=X').
target() {
    awk -v what="$1" -v r="$2" -v t="$3" -v goal="$4" 'BEGIN {
        if (r == "nan" || t == "nan" || t == 0) { printf "  %-36s n/a\n", what; exit }
        x = r / t; min = (substr(goal, 1, 2) == ">="); g = min ? substr(goal, 3) + 0 : goal + 0
        ok = min ? x >= g : x <= g
        printf "  %-36s reel/tokio = %.2f (goal %s %.2f): %s\n", what, x, min ? ">=" : "<=", g, ok ? "met" : "MISSED" }'
}

# ============================================================ http mode
# Servers: reel (examples/http), hyper (hyper_hello), nginx and nginx-ofc
# (one worker; ofc: open_file_cache), python (bench/course_http.py). Tests:
# hello (/), 1k (/file1k.bin), 1m (/file1m.bin).
http_setup() {
    ROOT=$WORK/root
    mkdir -p "$ROOT"
    head -c 1024 /dev/urandom >"$ROOT/file1k.bin"
    head -c 1048576 /dev/urandom >"$ROOT/file1m.bin"
    # mktemp -d makes WORK 0700; nginx's worker runs as nobody.
    chmod 755 "$WORK" "$ROOT"
    chmod 644 "$ROOT"/*
    CONNS=${CONNS:-100}
    PAIRS=${PAIRS:-hello:hyper 1k:nginx 1k:nginx-ofc 1k:python 1m:nginx 1m:nginx-ofc}
    NGINX=$(command -v nginx)
    declare -gA URLPATH=([hello]=/ [1k]=/file1k.bin [1m]=/file1m.bin)
    declare -gA EXPECT=([1k]=$ROOT/file1k.bin [1m]=$ROOT/file1m.bin [hello]=$WORK/hello.html)
    declare -gA TEST_LABEL=([hello]="GET / (hello page)" [1k]="GET /file1k.bin" [1m]="GET /file1m.bin (1 req/s = 1 MiB/s of body)")
    COMMAND[reel]="$RELEASE/examples/http --host 127.0.0.1 --port 0 -r $ROOT -w 1 --log warn"
    COMMAND[hyper]="$RELEASE/hyper_hello --port 0 --body $WORK/hello.html"
    COMMAND[python]="python3 bench/course_http.py --port 0 -r $ROOT"
    LABEL[reel]="reel (examples/http -w 1)"
    LABEL[hyper]="hyper 1.x + tokio current_thread"
    LABEL[nginx]="nginx 1 worker, as shipped"
    LABEL[nginx-ofc]="nginx 1 worker, open_file_cache"
    LABEL[python]="the course's Python asyncio (context)"
    local conf
    for conf in nginx nginx-ofc; do
        mkdir -p "$WORK/$conf"
    done
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_nginx NAME OUT: nginx with one worker on a free port, pinned to
# SERVER_CPU; sets PID (the master), PORT and PERF_PIDS (master,worker).
start_nginx() {
    local name=$1 out=$2 dir=$WORK/$1 cache=""
    [[ $name == nginx-ofc ]] && cache="open_file_cache max=1000;"
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
    $cache
    server {
        listen 127.0.0.1:$PORT;
        root $ROOT;
    }
}
CONF
    taskset -c "$SERVER_CPU" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
        >"$out" 2>"$out.err" &
    PID=$!
    PIDS+=("$PID")
    local waited=0 workers
    until curl -sf -o /dev/null "http://127.0.0.1:$PORT/file1k.bin" 2>/dev/null; do
        kill -0 "$PID" 2>/dev/null || die "$name exited at start: $(cat "$out.err" "$dir/error.log" 2>/dev/null)"
        ((waited++ < 600)) || die "$name did not answer in 60 s"
        sleep 0.1
    done
    workers=$(pgrep -P "$PID" | paste -sd, -)
    [[ -n "$workers" ]] || die "$name: no worker process under $PID"
    local w
    for w in ${workers//,/ }; do PIDS+=("$w"); done
    PERF_PIDS="$PID,$workers"
}

# to_us VALUE: wrk's latency (e.g. 812.00us, 1.23ms, 2.00s) in microseconds.
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1e3; else if (v ~ /m$/) m = 6e7; else m = 1e6; printf "%.1f", n * m }'; }

declare -A H_RATE H_CPU H_SYS H_P99 H_UTIL H_PAIRED
# measure_http TEST NAME RUN: one wrk run against server NAME under perf stat.
measure_http() {
    local test=$1 name=$2 run=$3 out=$WORK/$2.$1.$3 key=$1:$2
    if [[ $name == nginx* ]]; then
        start_nginx "$name" "$out.server"
    else
        start_server "$name" "$out.server"
        PERF_PIDS=$PID
    fi
    local url=http://127.0.0.1:$PORT${URLPATH[$test]}
    curl -sf -o "$out.check" "$url" || die "$name: GET $url failed"
    cmp -s "$out.check" "${EXPECT[$test]}" || die "$name: GET $url: not the expected bytes"
    perf stat -e task-clock,raw_syscalls:sys_enter -x, -o "$out.perf" -p "$PERF_PIDS" 2>"$out.perf.err" &
    local perf=$!
    PIDS+=("$perf")
    sleep 0.2
    timeout $((DURATION + 60)) taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url" \
        >"$out.load" 2>&1 || die "wrk failed against $name: $(cat "$out.load")"
    kill -INT "$perf" 2>/dev/null || true
    wait "$perf" 2>/dev/null || true
    stop_server
    if grep -q 'Non-2xx or 3xx' "$out.load"; then die "$name answered errors: $(cat "$out.load")"; fi
    if grep -q 'Socket errors' "$out.load"; then log "$name: $(grep 'Socket errors' "$out.load")"; fi
    local requests secs rate p99 msec calls
    requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out.load" | head -1)
    secs=$(sed -n 's/^ *[0-9]* requests in \([0-9.]*\)s.*/\1/p' "$out.load" | head -1)
    rate=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out.load" | head -1)
    p99=$(to_us "$(awk '$1 == "99%" {print $2}' "$out.load" | head -1)")
    [[ -n "$requests" && -n "$rate" ]] || die "could not read wrk's output: $(cat "$out.load")"
    msec=$(awk -F, '$3 == "task-clock" {print $1}' "$out.perf" 2>/dev/null)
    calls=$(awk -F, '$3 == "raw_syscalls:sys_enter" {print $1}' "$out.perf" 2>/dev/null)
    H_RATE[$key]+="$rate "
    H_P99[$key]+="$p99 "
    if [[ -n "$msec" && -n "$calls" && "$requests" -gt 0 ]]; then
        H_CPU[$key]+="$(awk -v m="$msec" -v n="$requests" 'BEGIN {printf "%.3f", m * 1e3 / n}') "
        H_SYS[$key]+="$(awk -v c="$calls" -v n="$requests" 'BEGIN {printf "%.4f", c / n}') "
        # CPU busy: the server's CPU time over wrk's own duration (perf's
        # window is a little longer, and idle before and after the load).
        H_UTIL[$key]+="$(awk -v m="$msec" -v s="${secs:-$DURATION}" 'BEGIN {printf "%.0f", m / s / 10}') "
    else
        log "perf stat gave nothing for $name: $(cat "$out.perf.err")"
    fi
    LAST_RATE=$rate
    log "$test $name: $rate req/s, p99 ${p99} us, server ${msec:-?} ms CPU, ${calls:-?} syscalls, $requests requests in ${secs:-?} s"
}

http_bench() {
    http_setup
    # Anything else busy on the two CPUs skews every figure below.
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" 'BEGIN {exit !(l > 0.5)}'; then
        log "warning: load average $load before the benchmark: other work on the machine skews it"
    fi
    # reel's hello page, which hyper serves too: the same bytes.
    start_server reel "$WORK/reel.hello.server"
    curl -sf -o "$WORK/hello.html" "http://127.0.0.1:$PORT/" || die "reel: GET / failed"
    stop_server
    grep -q 'Hello from reel' "$WORK/hello.html" || die "reel's / is not the hello page: $(head -c 300 "$WORK/hello.html")"
    local round pair test peer first second first_rate reel_rate peer_rate
    log "http: $ROUNDS rounds of ${DURATION}s, wrk -t1 -c$CONNS; pairs: $PAIRS"
    for ((round = 1; round <= ROUNDS; round++)); do
        for pair in $PAIRS; do
            test=${pair%%:*} peer=${pair#*:}
            [[ -n "${URLPATH[$test]:-}" && -n "${LABEL[$peer]:-}" ]] || die "unknown pair $pair"
            # Alternate who goes first, so a drift in the machine hits both.
            if ((round % 2)); then first=reel second=$peer; else first=$peer second=reel; fi
            measure_http "$test" "$first" "$round-$pair"
            first_rate=$LAST_RATE
            measure_http "$test" "$second" "$round-$pair"
            if [[ $first == reel ]]; then
                reel_rate=$first_rate peer_rate=$LAST_RATE
            else
                reel_rate=$LAST_RATE peer_rate=$first_rate
            fi
            H_PAIRED[$test:$peer]+="$(awk -v p="$peer_rate" -v r="$reel_rate" 'BEGIN {print p / r}') "
        done
    done
    http_report
}

http_report() {
    local test name key csv=$WORK/http.csv
    declare -A M_RATE M_CPU M_SYS M_P99 M_UTIL
    local tests=() servers
    for pair in $PAIRS; do
        test=${pair%%:*}
        [[ " ${tests[*]} " == *" $test "* ]] || tests+=("$test")
    done
    echo
    echo "http benchmark: wrk -t1 -c$CONNS -d${DURATION}s, $ROUNDS rounds, reel alternated with each peer;"
    echo "server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU; medians; (x) = this / reel; CPU, syscalls and"
    echo "CPU busy are the server's (perf stat -p over the load), per request; $(nproc) CPUs, $(uname -r);"
    echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "test,server,label,requests_per_s,requests_ratio_to_reel,paired_ratio,p99_latency_us,cpu_us_per_request,cpu_ratio_to_reel,syscalls_per_request,syscalls_ratio_to_reel,server_cpu_busy_pct,duration_s,rounds,connections" >"$csv"
    for test in "${tests[@]}"; do
        servers=(reel)
        for pair in $PAIRS; do [[ ${pair%%:*} == "$test" ]] && servers+=("${pair#*:}"); done
        for name in "${servers[@]}"; do
            key=$test:$name
            M_RATE[$key]=$(echo "${H_RATE[$key]:-}" | median)
            M_CPU[$key]=$(echo "${H_CPU[$key]:-}" | median)
            M_SYS[$key]=$(echo "${H_SYS[$key]:-}" | median)
            M_P99[$key]=$(echo "${H_P99[$key]:-}" | median)
            M_UTIL[$key]=$(echo "${H_UTIL[$key]:-}" | median)
        done
        echo
        echo "${TEST_LABEL[$test]}"
        {
            echo "server|req/s|(x)|paired (x)|p99 ms|CPU us/req|(x)|syscalls/req|(x)|CPU busy"
            for name in "${servers[@]}"; do
                key=$test:$name
                local paired=-
                [[ -n "${H_PAIRED[$key]:-}" ]] && paired=$(ratio "$(echo "${H_PAIRED[$key]}" | median)" 1)
                printf '%s|%.0f|%s|%s|%.2f|%.2f|%s|%.2f|%s|%s%%\n' "${LABEL[$name]}" \
                    "${M_RATE[$key]}" "$(ratio "${M_RATE[$key]}" "${M_RATE[$test:reel]}")" "$paired" \
                    "$(awk -v p="${M_P99[$key]}" 'BEGIN {print p / 1e3}')" \
                    "${M_CPU[$key]}" "$(ratio "${M_CPU[$key]}" "${M_CPU[$test:reel]}")" \
                    "${M_SYS[$key]}" "$(ratio "${M_SYS[$key]}" "${M_SYS[$test:reel]}")" "${M_UTIL[$key]}"
                printf '%s,%s,"%s",%.0f,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$test" "$name" "${LABEL[$name]}" \
                    "${M_RATE[$key]}" "$(ratio "${M_RATE[$key]}" "${M_RATE[$test:reel]}" | tr -d x)" \
                    "$(if [[ $paired == - ]]; then echo 1.00; else echo "${paired%x}"; fi)" "${M_P99[$key]}" \
                    "${M_CPU[$key]}" "$(ratio "${M_CPU[$key]}" "${M_CPU[$test:reel]}" | tr -d x)" \
                    "${M_SYS[$key]}" "$(ratio "${M_SYS[$key]}" "${M_SYS[$test:reel]}" | tr -d x)" \
                    "${M_UTIL[$key]}" "$DURATION" "$ROUNDS" "$CONNS" >>"$csv"
            done
        } | column -t -s '|'
    done

    echo
    echo "targets (reel / peer):"
    http_target() { # WHAT TEST PEER METRIC GOAL
        local test=$2 peer=$3 r p
        [[ -n "${M_RATE[$test:$peer]:-}" ]] || return 0
        if [[ $4 == rate ]]; then r=${M_RATE[$test:reel]} p=${M_RATE[$test:$peer]}; else r=${M_CPU[$test:reel]} p=${M_CPU[$test:$peer]}; fi
        awk -v what="$1" -v r="$r" -v t="$p" -v goal="$5" 'BEGIN {
            if (r == "nan" || t == "nan" || r == "" || t == "" || t == 0) { printf "  %-62s n/a\n", what; exit }
            x = r / t
            if (goal == "") { printf "  %-62s %.2f (no goal)\n", what, x; exit }
            min = (substr(goal, 1, 2) == ">="); g = min ? substr(goal, 3) + 0 : goal + 0
            ok = min ? x >= g : x <= g
            printf "  %-62s %.2f (goal %s %.2f): %s\n", what, x, min ? ">=" : "<=", g, ok ? "met" : "MISSED" }'
    }
    http_target "hello: throughput vs hyper" hello hyper rate ">=1.0"
    http_target "hello: server CPU per request vs hyper" hello hyper cpu 0.95
    http_target "1 KiB file: throughput vs nginx (as shipped)" 1k nginx rate ">=1.0"
    http_target "1 KiB file: server CPU per request vs nginx (as shipped)" 1k nginx cpu 1.0
    http_target "1 KiB file: throughput vs nginx (open_file_cache)" 1k nginx-ofc rate ">=1.0"
    http_target "1 KiB file: server CPU per request vs nginx (open_file_cache)" 1k nginx-ofc cpu 1.0
    http_target "1 MiB file: throughput vs nginx (as shipped)" 1m nginx rate ""
    http_target "1 MiB file: throughput vs nginx (open_file_cache)" 1m nginx-ofc rate ""
    http_target "1 KiB file: throughput vs the course's Python (context)" 1k python rate ""
    local t
    for t in axum-hello axum-json axum-h2; do
        http_target "$t: throughput vs tokio" "$t" tokio-axum rate ">=1.0"
        http_target "$t: server CPU per request vs tokio" "$t" tokio-axum cpu 1.0
    done
    http_target "hyper-hello: throughput vs tokio" hyper-hello tokio-hyper rate ">=1.0"
    http_target "hyper-hello: server CPU per request vs tokio" hyper-hello tokio-hyper cpu 1.0

    mkdir -p bench/results
    local dest=${HTTP_CSV:-bench/results/http.csv}
    cp "$csv" "$dest"
    echo
    echo "wrote $dest"
    if [[ "${CHART:-1}" == 1 && $MODE == http ]]; then http_chart bench/results/http.csv doc/bench-http.png; fi
}

# http_chart CSV PNG: one bar chart per test and metric, with matplotlib.
http_chart() {
    if ! python3 -c 'import matplotlib' 2>/dev/null; then
        log "installing matplotlib (pip)"
        python3 -m pip install --quiet matplotlib >/dev/null 2>&1 || { log "no matplotlib: no chart"; return 0; }
    fi
    python3 - "$1" "$2" <<'PY' || log "the chart failed"
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = list(csv.DictReader(open(sys.argv[1])))
tests = []
for r in rows:
    if r["test"] not in tests:
        tests.append(r["test"])
titles = {"hello": "GET / (hello page)", "1k": "GET /file1k.bin (1 KiB)", "1m": "GET /file1m.bin (1 MiB)"}
colors = {"reel": "#d62728", "hyper": "#1f77b4", "nginx": "#2ca02c", "nginx-ofc": "#98df8a", "python": "#9467bd"}
metrics = [
    ("requests_per_s", "requests/s (higher is better)", "{:,.0f}"),
    ("cpu_us_per_request", "server CPU us/request (lower is better)", "{:.2f}"),
    ("syscalls_per_request", "server syscalls/request (lower is better)", "{:.2f}"),
]
fig, axes = plt.subplots(len(metrics), len(tests), figsize=(4.6 * len(tests), 3.4 * len(metrics)), squeeze=False)
for j, test in enumerate(tests):
    sel = [r for r in rows if r["test"] == test]
    names = [r["server"] for r in sel]
    for i, (col, ylabel, fmt) in enumerate(metrics):
        ax = axes[i][j]
        vals = [float(r[col]) if r[col] not in ("", "nan") else 0.0 for r in sel]
        bars = ax.bar(range(len(sel)), vals, color=[colors.get(n, "gray") for n in names])
        ax.set_xticks(range(len(sel)))
        ax.set_xticklabels(names, rotation=20, fontsize=8)
        for b, v, r in zip(bars, vals, sel):
            ratio = r[col.replace("requests_per_s", "requests_ratio_to_reel").replace("cpu_us_per_request", "cpu_ratio_to_reel").replace("syscalls_per_request", "syscalls_ratio_to_reel")]
            ax.annotate(fmt.format(v) + ("" if r["server"] == "reel" else f"\n({ratio}x)"),
                        (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=7)
        ax.set_ylim(0, max(vals + [1e-9]) * 1.3)
        ax.tick_params(axis="y", labelsize=8)
        if j == 0:
            ax.set_ylabel(ylabel, fontsize=8)
        if i == 0:
            ax.set_title(titles.get(test, test), fontsize=10)
r0 = rows[0]
fig.suptitle(f"reel examples/http vs hyper, nginx, Python asyncio: wrk -t1 -c{r0['connections']} -d{r0['duration_s']}s, "
             f"{r0['rounds']} round(s), medians; (x) = this / reel", fontsize=10)
fig.tight_layout(rect=(0, 0, 1, 0.96))
fig.savefig(sys.argv[2], dpi=110)
print(f"wrote {sys.argv[2]}")
PY
}

if [[ $MODE == http ]]; then
    http_bench
    exit 0
fi

# ============================================================ axum mode
# measure_h2 TEST NAME RUN: one h2load run (h2c, 10 connections x 10
# streams, DURATION seconds) against server NAME under perf stat.
measure_h2() {
    local test=$1 name=$2 run=$3 out=$WORK/$2.$1.$3 key=$1:$2
    start_server "$name" "$out.server"
    local url=http://127.0.0.1:$PORT${URLPATH[$test]}
    perf stat -e task-clock,raw_syscalls:sys_enter -x, -o "$out.perf" -p "$PID" 2>"$out.perf.err" &
    local perf=$!
    PIDS+=("$perf")
    sleep 0.2
    timeout $((DURATION + 60)) taskset -c "$LOAD_CPU" h2load -c10 -m10 -D "$DURATION" "$url" \
        >"$out.load" 2>&1 || die "h2load failed against $name: $(cat "$out.load")"
    kill -INT "$perf" 2>/dev/null || true
    wait "$perf" 2>/dev/null || true
    stop_server
    local done ok rate mean msec calls
    done=$(sed -n 's/^requests: [0-9]* total, [0-9]* started, \([0-9]*\) done.*/\1/p' "$out.load")
    ok=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$out.load")
    [[ -n "$done" && "$done" == "$ok" && "$done" -gt 0 ]] || die "$name: not every h2 request succeeded: $(cat "$out.load")"
    rate=$(sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p' "$out.load")
    mean=$(to_us "$(awk '$1 == "time" && $3 == "request:" {print $6}' "$out.load" | head -1)")
    msec=$(awk -F, '$3 == "task-clock" {print $1}' "$out.perf" 2>/dev/null)
    calls=$(awk -F, '$3 == "raw_syscalls:sys_enter" {print $1}' "$out.perf" 2>/dev/null)
    H_RATE[$key]+="$rate "
    H_P99[$key]+="$mean "
    H_CPU[$key]+="$(awk -v m="$msec" -v n="$done" 'BEGIN {printf "%.3f", m * 1e3 / n}') "
    H_SYS[$key]+="$(awk -v c="$calls" -v n="$done" 'BEGIN {printf "%.4f", c / n}') "
    H_UTIL[$key]+="$(awk -v m="$msec" -v s="$DURATION" 'BEGIN {printf "%.0f", m / s / 10}') "
    LAST_RATE=$rate
    log "$test $name: $rate req/s, mean ${mean} us, server ${msec:-?} ms CPU, ${calls:-?} syscalls, $done requests"
}

axum_bench() {
    CONNS=${CONNS:-100}
    PAIRS=${PAIRS:-axum-hello:tokio-axum axum-json:tokio-axum axum-h2:tokio-axum hyper-hello:tokio-hyper}
    declare -gA URLPATH=([axum-hello]=/ [axum-json]=/json [axum-h2]=/json [hyper-hello]=/)
    declare -gA EXPECT=()
    declare -gA TEST_LABEL=([axum-hello]="axum, GET / (HTTP/1.1, wrk)" [axum-json]="axum, GET /json (HTTP/1.1, wrk)"
        [axum-h2]="axum, GET /json (h2c, h2load -c10 -m10)" [hyper-hello]="hyper service_fn, GET / (HTTP/1.1, wrk)")
    COMMAND[tokio-axum]="$RELEASE/tokio_axum --port 0"
    COMMAND[tokio-hyper]="$RELEASE/hyper_hello --port 0"
    LABEL[tokio-axum]="tokio current_thread (axum::serve)"
    LABEL[tokio-hyper]="tokio current_thread (hyper)"
    local round pair test peer first second first_rate reel_rate peer_rate
    log "axum: $ROUNDS rounds of ${DURATION}s; pairs: $PAIRS"
    for ((round = 1; round <= ROUNDS; round++)); do
        for pair in $PAIRS; do
            test=${pair%%:*} peer=${pair#*:}
            if [[ $test == hyper-* ]]; then
                COMMAND[reel]="$RELEASE/hyper_hello --runtime reel --port 0"
                LABEL[reel]="reel (hyper_hello --runtime reel)"
            else
                COMMAND[reel]="$RELEASE/examples/axum_app --port 0"
                LABEL[reel]="reel (examples/axum_app)"
            fi
            if [[ -z "${EXPECT[$test]:-}" ]]; then
                start_server reel "$WORK/reel.$test.expect.server"
                curl -sf -o "$WORK/$test.expect" "http://127.0.0.1:$PORT${URLPATH[$test]}" || die "reel: GET ${URLPATH[$test]} failed"
                stop_server
                EXPECT[$test]=$WORK/$test.expect
            fi
            local measure=measure_http
            [[ $test == *-h2 ]] && measure=measure_h2
            if ((round % 2)); then first=reel second=$peer; else first=$peer second=reel; fi
            $measure "$test" "$first" "$round-$pair"
            first_rate=$LAST_RATE
            $measure "$test" "$second" "$round-$pair"
            if [[ $first == reel ]]; then reel_rate=$first_rate peer_rate=$LAST_RATE; else reel_rate=$LAST_RATE peer_rate=$first_rate; fi
            H_PAIRED[$test:$peer]+="$(awk -v p="$peer_rate" -v r="$reel_rate" 'BEGIN {print p / r}') "
        done
    done
    LABEL[reel]="reel"
    HTTP_CSV=bench/results/axum.csv http_report
}

if [[ $MODE == axum ]]; then
    axum_bench
    exit 0
fi

# ============================================================ chat mode
# measure_chat NAME RUN: one chat_load against server NAME under perf stat;
# appends to the per-server lists below.
declare -A C_RATE C_P50 C_P99 C_CPU C_SYS
measure_chat() {
    local name=$1 run=$2 out=$WORK/$1.$2
    start_server "$name" "$out.server"
    perf stat -e task-clock,raw_syscalls:sys_enter -x, -o "$out.perf" -p "$PID" 2>"$out.perf.err" &
    local perf=$!
    PIDS+=("$perf")
    sleep 0.2
    local pace=()
    [[ -n "${RATE:-}" ]] && pace=(--rate "$RATE")
    run_load "$out.load" --clients "$CLIENTS" --size "$SIZE" --duration "$DURATION" "${pace[@]}"
    kill -INT "$perf" 2>/dev/null || true
    wait "$perf" 2>/dev/null || true
    stop_server
    local delivered expected rate msec calls
    delivered=$(field delivered "$out.load")
    expected=$(field expected "$out.load")
    [[ "$delivered" == "$expected" ]] || die "$name delivered $delivered of $expected: $(cat "$out.load")"
    rate=$(field 'delivered per second' "$out.load")
    C_RATE[$name]+="$rate "
    C_P50[$name]+="$(field 'latency p50' "$out.load") "
    C_P99[$name]+="$(field 'latency p99' "$out.load") "
    msec=$(awk -F, '$3 == "task-clock" {print $1}' "$out.perf" 2>/dev/null)
    calls=$(awk -F, '$3 == "raw_syscalls:sys_enter" {print $1}' "$out.perf" 2>/dev/null)
    if [[ -n "$msec" && -n "$calls" && "$delivered" -gt 0 ]]; then
        C_CPU[$name]+="$(awk -v m="$msec" -v n="$delivered" 'BEGIN {printf "%.1f", m * 1e6 / n}') "
        C_SYS[$name]+="$(awk -v c="$calls" -v n="$delivered" 'BEGIN {printf "%.4f", c / n}') "
    else
        log "perf stat gave nothing for $name: $(cat "$out.perf.err")"
    fi
    LAST_RATE=$rate
    log "$name: $rate delivered/s, $delivered lines, server ${msec:-?} ms CPU, ${calls:-?} syscalls"
}

chat_bench() {
    local round name first second reel_rate tokio_rate paired=""
    log "chat fan-out: $ROUNDS rounds, $CLIENTS clients x $SIZE B, ${DURATION}s per run${RATE:+, $RATE msg/s per client}"
    for ((round = 1; round <= ROUNDS; round++)); do
        # Alternate who goes first, so a drift in the machine hits both.
        if ((round % 2)); then first=reel-chat second=tokio-chat; else first=tokio-chat second=reel-chat; fi
        measure_chat "$first" "$round"
        local first_rate=$LAST_RATE
        measure_chat "$second" "$round"
        if [[ $first == reel-chat ]]; then reel_rate=$first_rate tokio_rate=$LAST_RATE; else reel_rate=$LAST_RATE tokio_rate=$first_rate; fi
        paired+="$(awk -v r="$reel_rate" -v t="$tokio_rate" 'BEGIN {print r / t}') "
    done

    echo
    echo "chat benchmark: $CLIENTS clients in one room, $SIZE B messages, ${DURATION}s x $ROUNDS rounds,"
    echo "every message to the $((CLIENTS - 1)) others; server on CPU $SERVER_CPU, chat_load on CPU $LOAD_CPU;"
    echo "medians; (x) = reel / tokio; CPU and syscalls are the server's, per delivered line"
    echo
    declare -A M_RATE M_P50 M_P99 M_CPU M_SYS
    for name in reel-chat tokio-chat; do
        M_RATE[$name]=$(echo "${C_RATE[$name]:-}" | median)
        M_P50[$name]=$(echo "${C_P50[$name]:-}" | median)
        M_P99[$name]=$(echo "${C_P99[$name]:-}" | median)
        M_CPU[$name]=$(echo "${C_CPU[$name]:-}" | median)
        M_SYS[$name]=$(echo "${C_SYS[$name]:-}" | median)
    done
    {
        echo "server|delivered/s|latency p50 us|latency p99 us|CPU ns/delivered|syscalls/delivered"
        for name in reel-chat tokio-chat; do
            printf '%s|%.0f|%s|%s|%s|%s\n' "${LABEL[$name]}" "${M_RATE[$name]}" \
                "${M_P50[$name]}" "${M_P99[$name]}" "${M_CPU[$name]}" "${M_SYS[$name]}"
        done
        printf 'reel / tokio|%s (paired %s)|%s|%s|%s|%s\n' \
            "$(ratio "${M_RATE[reel-chat]}" "${M_RATE[tokio-chat]}")" \
            "$(ratio "$(echo "$paired" | median)" 1)" \
            "$(ratio "${M_P50[reel-chat]}" "${M_P50[tokio-chat]}")" \
            "$(ratio "${M_P99[reel-chat]}" "${M_P99[tokio-chat]}")" \
            "$(ratio "${M_CPU[reel-chat]}" "${M_CPU[tokio-chat]}")" \
            "$(ratio "${M_SYS[reel-chat]}" "${M_SYS[tokio-chat]}")"
    } | column -t -s '|'
    echo
    echo "targets (reel against tokio current_thread):"
    target "throughput (delivered/s)" "${M_RATE[reel-chat]}" "${M_RATE[tokio-chat]}" ">=1.0"
    target "throughput, paired" "$(echo "$paired" | median)" 1 ">=1.0"
    target "server CPU per delivered line" "${M_CPU[reel-chat]}" "${M_CPU[tokio-chat]}" 0.95
    target "latency p99" "${M_P99[reel-chat]}" "${M_P99[tokio-chat]}" 1.0
}

if [[ $MODE == chat ]]; then
    chat_bench
    exit 0
fi

# ============================================================ echo mode

# ------------------------------------------------ 1 and 2: load, perf stat
declare -A RATE CPU_NS SYSCALLS PAIRED P99
part() { [[ " $PARTS " == *" $1 "* ]]; }
measure_load() {
    local name=$1 run=$2
    start_server "$name" "$WORK/$name.$run.server"
    perf stat -e task-clock,raw_syscalls:sys_enter -x, -o "$WORK/$name.$run.perf" -p "$PID" \
        2>"$WORK/$name.$run.perf.err" &
    local perf=$!
    PIDS+=("$perf")
    sleep 0.2
    run_load "$WORK/$name.$run.load" --clients "$CLIENTS" --size "$SIZE" --duration "$DURATION"
    kill -INT "$perf" 2>/dev/null || true
    wait "$perf" 2>/dev/null || true
    stop_server
    local messages rate msec calls
    messages=$(field messages "$WORK/$name.$run.load")
    rate=$(field 'messages per second' "$WORK/$name.$run.load")
    msec=$(awk -F, '$3 == "task-clock" {print $1}' "$WORK/$name.$run.perf" 2>/dev/null)
    calls=$(awk -F, '$3 == "raw_syscalls:sys_enter" {print $1}' "$WORK/$name.$run.perf" 2>/dev/null)
    RATE[$name]+="$rate "
    P99[$name]+="$(field 'latency p99' "$WORK/$name.$run.load") "
    if [[ -n "$msec" && -n "$calls" && "$messages" -gt 0 ]]; then
        CPU_NS[$name]+="$(awk -v m="$msec" -v n="$messages" 'BEGIN {printf "%.0f", m * 1e6 / n}') "
        SYSCALLS[$name]+="$(awk -v c="$calls" -v n="$messages" 'BEGIN {printf "%.3f", c / n}') "
    else
        log "perf stat gave nothing for $name: $(cat "$WORK/$name.$run.perf.err")"
    fi
    LAST_RATE=$rate
    log "$name: $rate msg/s, server ${msec:-?} ms CPU, ${calls:-?} syscalls, $messages messages"
}

if part load; then
    log "throughput: $ROUNDS rounds, $CLIENTS clients x $SIZE B, ${DURATION}s per run"
    for ((round = 1; round <= ROUNDS; round++)); do
        for peer in tokio-ct tokio-mt mio; do
            measure_load reel "$round-$peer"
            reel_rate=$LAST_RATE
            measure_load "$peer" "$round"
            PAIRED[$peer]+="$(awk -v p="$LAST_RATE" -v r="$reel_rate" 'BEGIN {print p / r}') "
        done
    done
fi

# --------------------------------------------- 3: instructions, callgrind
declare -A INSTR
total_ir() { sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' "$1" | head -1; }
# callgrind_run NAME MESSAGES: sets IR to the server's total instructions.
callgrind_run() {
    local name=$1 messages=$2 file=$WORK/$1.cg.$2
    start_server "$name" "$WORK/$name.cg.$messages.server" \
        valgrind --tool=callgrind --callgrind-out-file="$file"
    run_load "$WORK/$name.cg.$messages.load" --clients "$CG_CLIENTS" --messages "$messages" --size "$SIZE"
    stop_server
    [[ -s "$file" ]] || die "callgrind wrote no profile for $name: $(tail -3 "$WORK/$name.cg.$messages.server.err")"
    IR=$(total_ir "$file")
    [[ -n "$IR" ]] || die "no total in $file"
}
part instructions && log "instructions: callgrind, $CG_CLIENTS clients x $CG_MESSAGES messages, minus a run with 0"
for name in "${SERVERS[@]}"; do
    part instructions || break
    callgrind_run "$name" 0
    base=$IR
    callgrind_run "$name" "$CG_MESSAGES"
    full=$IR
    INSTR[$name]=$(awk -v f="$full" -v b="$base" -v n="$((CG_CLIENTS * CG_MESSAGES))" \
        'BEGIN {printf "%.0f", (f - b) / n}')
    log "$name: $base Ir at rest, $full Ir with messages: ${INSTR[$name]} Ir per message"
    callgrind_annotate --inclusive=no "$WORK/$name.cg.$CG_MESSAGES" 2>/dev/null \
        | grep -E '^ *[0-9,]+ ' | head -16 >"$WORK/$name.cg.top" || true
done

# ----------------------------------------------- 4: memory per connection
declare -A MEMORY
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
part memory && log "memory: $IDLE_CONNS idle connections"
for name in "${SERVERS[@]}"; do
    part memory || break
    start_server "$name" "$WORK/$name.mem.server"
    sleep 0.3
    before=$(rss_kib "$PID")
    base_fds=$(fds "$PID")
    taskset -c "$LOAD_CPU" "$HOLD" --port "$PORT" --count "$IDLE_CONNS" --hold 120 \
        >"$WORK/$name.hold" 2>&1 &
    hold=$!
    PIDS+=("$hold")
    waited=0
    until (($(fds "$PID") >= base_fds + IDLE_CONNS)); do
        kill -0 "$hold" 2>/dev/null || die "hold_conns failed: $(cat "$WORK/$name.hold")"
        ((waited++ < 600)) || die "$name did not accept $IDLE_CONNS connections in 60 s"
        sleep 0.1
    done
    sleep 1 # let every new task make its first poll
    after=$(rss_kib "$PID")
    kill -KILL "$hold" 2>/dev/null || true
    wait "$hold" 2>/dev/null || true
    stop_server
    MEMORY[$name]=$(awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')
    log "$name: VmRSS $before KiB -> $after KiB: ${MEMORY[$name]} bytes per connection"
done

# ------------------------------------------- 5: p99 beside a firehose
declare -A HOSE_P99 HOSE_MBS
measure_firehose() {
    local name=$1 out=$WORK/$1.hose.$2
    start_server "$name" "$out.server"
    run_load "$out.load" --clients 99 --firehose 1 --size "$SIZE" --duration "$DURATION"
    stop_server
    HOSE_P99[$name]+="$(field 'latency p99' "$out.load") "
    HOSE_MBS[$name]+="$(field 'firehose MB per second' "$out.load") "
    log "$name beside a firehose: p99 $(field 'latency p99' "$out.load") us, firehose $(field 'firehose MB per second' "$out.load") MB/s"
}
if part firehose; then
    log "firehose: $ROUNDS rounds, 99 ping-pong clients beside 1 streaming connection"
    for ((round = 1; round <= ROUNDS; round++)); do
        if ((round % 2)); then order=(reel tokio-ct); else order=(tokio-ct reel); fi
        for name in "${order[@]}"; do measure_firehose "$name" "$round"; done
    done
fi

# ------------------------------------------------------------------ table
echo
echo "echo benchmark: $CLIENTS clients x $SIZE B ping-pong, ${DURATION}s x $ROUNDS rounds;"
echo "server on CPU $SERVER_CPU, echo_load on CPU $LOAD_CPU; medians; (x) = this / reel"
echo "callgrind: $CG_CLIENTS x $CG_MESSAGES messages; memory: $IDLE_CONNS idle connections; measured: $PARTS"
echo
declare -A M_RATE M_CPU M_SYS M_P99
for name in "${SERVERS[@]}"; do
    M_P99[$name]=$(echo "${P99[$name]:-}" | median)
    M_RATE[$name]=$(echo "${RATE[$name]:-}" | median)
    M_CPU[$name]=$(echo "${CPU_NS[$name]:-}" | median)
    M_SYS[$name]=$(echo "${SYSCALLS[$name]:-}" | median)
done
{
    echo "server|msg/s|(x)|paired (x)|p99 us|CPU ns/msg|(x)|syscalls/msg|(x)|user Ir/msg|(x)|RSS B/idle conn|(x)"
    for name in "${SERVERS[@]}"; do
        paired=n/a
        [[ -n "${PAIRED[$name]:-}" ]] && paired=$(ratio "$(echo "${PAIRED[$name]}" | median)" 1)
        [[ $name == reel ]] && paired=-
        printf '%s|%.0f|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "${LABEL[$name]}" \
            "${M_RATE[$name]}" "$(ratio "${M_RATE[$name]}" "${M_RATE[reel]}")" "$paired" "${M_P99[$name]}" \
            "${M_CPU[$name]}" "$(ratio "${M_CPU[$name]}" "${M_CPU[reel]}")" \
            "${M_SYS[$name]}" "$(ratio "${M_SYS[$name]}" "${M_SYS[reel]}")" \
            "${INSTR[$name]:-}" "$(ratio "${INSTR[$name]:-nan}" "${INSTR[reel]:-nan}")" \
            "${MEMORY[$name]:-}" "$(ratio "${MEMORY[$name]:-nan}" "${MEMORY[reel]:-nan}")"
    done
} | column -t -s '|'

echo
echo "targets (reel against tokio current_thread):"
target "throughput" "${M_RATE[reel]}" "${M_RATE[tokio-ct]}" ">=1.0"
target "throughput, paired" 1 "$(echo "${PAIRED[tokio-ct]:-}" | median)" ">=1.0"
target "server CPU per message" "${M_CPU[reel]}" "${M_CPU[tokio-ct]}" 0.95
target "ping-pong p99" "${M_P99[reel]}" "${M_P99[tokio-ct]}" 1.0
target "syscalls per message" "${M_SYS[reel]}" "${M_SYS[tokio-ct]}" 1.0
part instructions && target "user-space instructions per message" "${INSTR[reel]}" "${INSTR[tokio-ct]}" 0.5
part memory && awk -v m="${MEMORY[reel]}" 'BEGIN { printf "  %-36s %d bytes (goal <= 1024): %s\n", "memory per idle connection", m, m <= 1024 ? "met" : "MISSED" }'
if part firehose; then
    hose_reel=$(echo "${HOSE_P99[reel]}" | median) hose_tokio=$(echo "${HOSE_P99[tokio-ct]}" | median)
    target "p99 beside a firehose" "$hose_reel" "$hose_tokio" 1.0
    echo "  beside a firehose (medians): reel p99 $hose_reel us, firehose $(echo "${HOSE_MBS[reel]}" | median) MB/s;" \
        "tokio current_thread p99 $hose_tokio us, firehose $(echo "${HOSE_MBS[tokio-ct]}" | median) MB/s"
fi

echo
part instructions && echo "top functions by self instructions under callgrind (reel, then tokio current_thread):"
for name in reel tokio-ct; do
    part instructions || break
    echo "-- ${LABEL[$name]}"
    head -12 "$WORK/$name.cg.top" 2>/dev/null || true
done
