#!/usr/bin/env bash
# A throwaway single-node Elasticsearch on 127.0.0.1 for tests and benchmarks.
#
#   scripts/elasticsearch.sh fetch          download and unpack the distribution into the cache (once)
#   scripts/elasticsearch.sh start [PORT]   start a node (fetching first if needed); the last line printed
#                                           is its URL. PORT defaults to 9200; 0 or "auto" picks a free one.
#   scripts/elasticsearch.sh stop           stop the node that `start` started
#   scripts/elasticsearch.sh status         print the URL of the running node, exit 1 if none
#
# The distribution is Elasticsearch's integration-test zip from Maven Central
# (org.elasticsearch.distribution.integ-test-zip:elasticsearch): no bundled JDK, and only the modules
# transport-netty4, x-pack-core, x-pack-security and apm. It lacks analysis-common (language analyzers
# such as "spanish") and rest-root (`GET /` answers 405). It is the newest version served there; no
# 9.x integ-test zip is published.
#
# Environment (all optional):
#   ES_VERSION          distribution version (default below)
#   ADWATCH_CACHE       where the zip and the unpacked distribution live, outside any clone, so a fresh
#                       clone reuses them (default /var/cache/adwatch)
#   ADWATCH_ES_HOME     per-node folder (config, data, logs, pidfile); default: a new temp folder,
#                       removed again by `stop`
#   ADWATCH_ES_HEAP     JVM heap (default 512m)
#   ADWATCH_ES_USER     unprivileged account the node runs as when this script runs as root, since
#                       Elasticsearch refuses root (default adwatch-es, created if missing)
#   ES_JAVA_HOME        JDK to run it (default Temurin 25 if installed, else JAVA_HOME)
#   ADWATCH_ES_START_TIMEOUT  seconds to wait for the node to be yellow (default 120)
#
# Kernel settings: the node binds to loopback only, so Elasticsearch runs in development mode and the
# bootstrap checks (vm.max_map_count >= 262144, 65535 open files) are logged as warnings, not enforced.
set -euo pipefail

ES_VERSION="${ES_VERSION:-8.19.21}"
CACHE="${ADWATCH_CACHE:-/var/cache/adwatch}"
ES_DIST="$CACHE/elasticsearch-$ES_VERSION"
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
ES_USER="${ADWATCH_ES_USER:-adwatch-es}"
HEAP="${ADWATCH_ES_HEAP:-512m}"
START_TIMEOUT="${ADWATCH_ES_START_TIMEOUT:-120}"
# Remembers the home of the last node started without ADWATCH_ES_HOME, so a bare `stop` finds it.
LAST_HOME_FILE="$CACHE/run/elasticsearch-last-home"

log() { echo "elasticsearch.sh: $*" >&2; }
die() {
    log "$*"
    exit 1
}

java_home() {
    if [[ -n "${ES_JAVA_HOME:-}" ]]; then
        echo "$ES_JAVA_HOME"
    elif [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
        echo /usr/lib/jvm/temurin-25-jdk-amd64
    elif [[ -n "${JAVA_HOME:-}" ]]; then
        echo "$JAVA_HOME"
    elif command -v java >/dev/null; then
        dirname "$(dirname "$(readlink -f "$(command -v java)")")"
    else
        die "no JDK found: set ES_JAVA_HOME (Elasticsearch $ES_VERSION needs Java 17 or newer)"
    fi
}

fetch() {
    [[ -x "$ES_DIST/bin/elasticsearch" ]] && return 0
    command -v mvn >/dev/null || die "mvn not found: it downloads $ES_ARTIFACT"
    command -v unzip >/dev/null || die "unzip not found"
    mkdir -p "$CACHE"
    # One fetch at a time when several test runs start together.
    exec 9>"$CACHE/.fetch.lock"
    flock 9
    if [[ ! -x "$ES_DIST/bin/elasticsearch" ]]; then
        local zip="$CACHE/elasticsearch-$ES_VERSION.zip"
        if [[ ! -s "$zip" ]]; then
            log "downloading $ES_ARTIFACT"
            # Maven runs on the default JDK; only the node needs a newer one.
            local out
            if ! out="$(mvn -q -B dependency:copy -Dartifact="$ES_ARTIFACT" \
                -DoutputDirectory="$CACHE" 2>&1)"; then
                echo "$out" >&2
                die "could not download $ES_ARTIFACT"
            fi
        fi
        local tmp
        tmp="$(mktemp -d "$CACHE/.unpack.XXXXXX")"
        unzip -q "$zip" -d "$tmp" || die "could not unpack $zip"
        chmod -R a+rX "$tmp"
        mv "$tmp/elasticsearch-$ES_VERSION" "$ES_DIST"
        rmdir "$tmp"
        rm -f "$zip" # Maven's local repository keeps a copy
        log "unpacked into $ES_DIST"
    fi
    exec 9>&-
}

node_home() {
    if [[ -n "${ADWATCH_ES_HOME:-}" ]]; then
        echo "$ADWATCH_ES_HOME"
    elif [[ -s "$LAST_HOME_FILE" ]]; then
        cat "$LAST_HOME_FILE"
    fi
}

alive() { # PID -> success while it runs (a zombie awaiting its reaper does not count)
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    state="${state// /}"
    [[ -n "$state" && "$state" != Z* ]]
}

running_pid() { # HOME -> pid of its live node, or nothing
    local pidfile="$1/elasticsearch.pid" pid
    [[ -s "$pidfile" ]] || return 0
    pid="$(cat "$pidfile")"
    if alive "$pid"; then echo "$pid"; fi
}

node_url() { # HOME -> URL read from the ports file the node writes once HTTP is bound
    local ports="$1/logs/http.ports"
    [[ -s "$ports" ]] || return 1
    echo "http://$(head -n 1 "$ports")"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

as_es_user() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u "$ES_USER" -- "$@"
    else
        "$@"
    fi
}

write_config() { # HOME PORT
    local home="$1" port="$2"
    mkdir -p "$home/config/jvm.options.d" "$home/data" "$home/logs" "$home/tmp"
    cp "$ES_DIST/config/jvm.options" "$ES_DIST/config/log4j2.properties" "$home/config/"
    # Any setting unknown to this distribution (for example xpack.ml.*, ingest.geoip.*) stops the node.
    cat >"$home/config/elasticsearch.yml" <<EOF
cluster.name: adwatch-test
node.name: adwatch-test
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: 0
path.data: $home/data
path.logs: $home/logs
# writes logs/http.ports, the only way to learn an auto-picked port
node.portsfile: true
# a nearly full dev disk must not turn test indices read-only
cluster.routing.allocation.disk.threshold_enabled: false
# lets tests delete indices by wildcard
action.destructive_requires_name: false
# the zip ships x-pack-security, on by default: it would demand TLS and passwords
xpack.security.enabled: false
EOF
}

start() {
    local port="${1:-9200}"
    [[ "$port" == auto ]] && port=0
    [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number or auto, not '$port'"
    fetch

    local home url java
    java="$(java_home)"
    home="$(node_home)"
    if [[ -n "$home" && -n "$(running_pid "$home")" ]]; then
        url="$(node_url "$home")" || die "node in $home runs but has no http.ports"
        log "already running in $home"
        echo "$url"
        return 0
    fi
    if [[ -z "${ADWATCH_ES_HOME:-}" && -n "$home" && -e "$home/.remove-on-stop" ]]; then
        rm -rf "$home" # left by a node that died without `stop`
    fi
    if [[ "$port" != 0 ]] && port_in_use "$port"; then
        die "port $port on 127.0.0.1 is taken: stop what listens there or use 'start 0'"
    fi

    if [[ -n "${ADWATCH_ES_HOME:-}" ]]; then
        home="$ADWATCH_ES_HOME"
        mkdir -p "$home"
    else
        home="$(mktemp -d "${TMPDIR:-/tmp}/adwatch-es.XXXXXX")"
        touch "$home/.remove-on-stop"
        mkdir -p "$(dirname "$LAST_HOME_FILE")"
        echo "$home" >"$LAST_HOME_FILE"
    fi
    rm -f "$home/logs/http.ports" "$home/elasticsearch.pid"
    write_config "$home" "$port"
    if [[ "$(id -u)" == 0 ]]; then
        id "$ES_USER" >/dev/null 2>&1 ||
            useradd --system --user-group --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin "$ES_USER"
        chown -R "$ES_USER:" "$home"
    fi

    local started=$SECONDS
    log "starting Elasticsearch $ES_VERSION in $home"
    # -d returns once the node is up (or has failed); the timeout guards a hang before that.
    if ! (cd "$home" && as_es_user env \
        ES_JAVA_HOME="$java" ES_PATH_CONF="$home/config" ES_TMPDIR="$home/tmp" \
        ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${ES_JAVA_OPTS:-}" \
        timeout "$START_TIMEOUT" "$ES_DIST/bin/elasticsearch" -d -p "$home/elasticsearch.pid" \
        >"$home/logs/startup.out" 2>&1); then
        fail_start "$home" "Elasticsearch did not start"
    fi
    while ! url="$(node_url "$home")"; do
        ((SECONDS - started < START_TIMEOUT)) || fail_start "$home" "no HTTP port after ${START_TIMEOUT}s"
        sleep 0.5
    done
    local left=$((START_TIMEOUT - (SECONDS - started)))
    ((left > 0)) || left=1
    curl -fsS --max-time "$((left + 5))" \
        "$url/_cluster/health?wait_for_status=yellow&timeout=${left}s" >/dev/null ||
        fail_start "$home" "cluster not yellow within ${START_TIMEOUT}s"
    log "ready in $((SECONDS - started))s, pid $(running_pid "$home"), home $home"
    echo "$url"
}

fail_start() { # HOME MESSAGE
    local home="$1"
    log "$2; last lines of its output and log:"
    tail -n 20 "$home/logs/startup.out" >&2 2>/dev/null || true
    tail -n 40 "$home/logs/adwatch-test.log" >&2 2>/dev/null || true
    stop_home "$home" keep
    exit 1
}

stop_home() { # HOME [keep]
    local home="$1" pid
    pid="$(running_pid "$home")"
    if [[ -n "$pid" ]]; then
        kill "$pid"
        for _ in $(seq 60); do
            alive "$pid" || break
            sleep 0.5
        done
        if alive "$pid"; then
            log "pid $pid ignored SIGTERM for 30s, killing it"
            kill -9 "$pid"
        fi
        log "stopped pid $pid"
    fi
    rm -f "$home/elasticsearch.pid"
    if [[ "${2:-}" != keep && -e "$home/.remove-on-stop" ]]; then
        rm -rf "$home"
        if [[ -s "$LAST_HOME_FILE" && "$(cat "$LAST_HOME_FILE")" == "$home" ]]; then
            rm -f "$LAST_HOME_FILE"
        fi
    fi
}

stop() {
    local home
    home="$(node_home)"
    if [[ -z "$home" || ! -d "$home" ]]; then
        log "no node to stop"
        return 0
    fi
    stop_home "$home"
}

status() {
    local home
    home="$(node_home)"
    [[ -n "$home" && -n "$(running_pid "$home")" ]] || die "no node running"
    node_url "$home"
}

case "${1:-}" in
fetch) fetch ;;
start) start "${2:-}" ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 fetch | start [PORT|0|auto] | stop | status" ;;
esac
