#!/usr/bin/env bash
# The single test command for newcomers and CI: checks prerequisites, then fmt, clippy, tests.
# Honours CARGO_TARGET_DIR. System tests need OpenSSH's sshd and a reachable PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

is_root() { [ "$(id -u)" -eq 0 ]; }

if [ ! -x /usr/sbin/sshd ]; then
    if is_root; then
        echo "run.sh: installing openssh-server (needed by the system tests)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends openssh-server \
            || { apt-get update && apt-get install -y --no-install-recommends openssh-server; }
    else
        echo "run.sh: /usr/sbin/sshd is missing; install it with:" >&2
        echo "  sudo apt-get install -y --no-install-recommends openssh-server" >&2
        exit 1
    fi
fi

# restic for tests/system_backups.rs (it skips, saying so, when restic is missing).
if ! command -v restic >/dev/null 2>&1 && is_root; then
    echo "run.sh: installing restic (needed by the backups system test)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends restic \
        || { apt-get update && apt-get install -y --no-install-recommends restic; } \
        || echo "run.sh: could not install restic; the backups system test will skip" >&2
fi

# A real Docker Engine, registry and busybox image for tests/system_images.rs (it skips,
# saying so, without them or without root).
if is_root && { [ ! -x /usr/sbin/dockerd ] || [ ! -x /usr/bin/docker-registry ] || [ ! -x /bin/busybox ]; }; then
    echo "run.sh: installing docker.io, docker-registry, busybox-static (the images system test)" >&2
    export DEBIAN_FRONTEND=noninteractive
    pkgs="docker.io docker-registry busybox-static"
    apt-get install -y --no-install-recommends $pkgs \
        || { apt-get update && apt-get install -y --no-install-recommends $pkgs; } \
        || echo "run.sh: could not install $pkgs; the images system test will skip" >&2
fi

# TimescaleDB for the store's engine tests (they skip it, saying so, when it is missing).
timescale_install=../shared/timescaledb/install.sh
if [ -f "$timescale_install" ] && is_root; then
    bash "$timescale_install"
fi

db_url="${INFRASTRUCTOR_TEST_DATABASE_URL:-}"
pg_ready() {
    if [ -n "$db_url" ]; then
        psql "$db_url" -Atqc 'SELECT 1' >/dev/null 2>&1
    else
        pg_isready -q -h 127.0.0.1 -p 5432 || pg_isready -q -h /var/run/postgresql
    fi
}
if ! pg_ready; then
    if [ -z "$db_url" ] && is_root && [ -d /etc/postgresql ]; then
        echo "run.sh: starting the machine's PostgreSQL cluster" >&2
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        for _ in $(seq 1 50); do pg_ready && break; sleep 0.2; done
    fi
    if ! pg_ready; then
        echo "run.sh: PostgreSQL is not reachable. Start it with:" >&2
        echo "  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
        echo "or set INFRASTRUCTOR_TEST_DATABASE_URL to a server where you may CREATE DATABASE." >&2
        exit 1
    fi
fi

# Schemathesis (PyPI) for tests/rest_schemathesis.rs, in a virtualenv of its own.
venv="${INFRASTRUCTOR_VENV:-/var/tmp/infrastructor-venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "run.sh: installing schemathesis into $venv" >&2
    python3 -m venv "$venv" && "$venv/bin/pip" install -q 'schemathesis==4.32.5' || {
        echo "run.sh: could not install schemathesis (needs python3 with venv, and PyPI)" >&2
        exit 1
    }
fi
export INFRASTRUCTOR_SCHEMATHESIS="$venv/bin/schemathesis"

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
