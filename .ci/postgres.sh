#!/usr/bin/env bash
# Ensures a PostgreSQL server accepts connections on 127.0.0.1:5432 and prints the
# TEST_POSTGRES_URL for the store tests (each test creates and drops its own database
# through it). Installs PostgreSQL with apt-get only when it is absent.
#
#   export TEST_POSTGRES_URL="$(bash .ci/postgres.sh)"
#
# Progress goes to stderr, so stdout carries only the URL.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
ADMIN_URL="postgres://postgres@${HOST}:${PORT}/postgres"
URL="postgres://postgres@${HOST}:${PORT}/test"

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "PostgreSQL is not installed; installing it with apt-get"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi

if ! pg_isready -q -h "$HOST" -p "$PORT"; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    log "starting PostgreSQL ${version}"
    if [ "$(id -u)" -eq 0 ]; then
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
    else
        sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
    fi
    for _ in $(seq 1 30); do
        pg_isready -q -h "$HOST" -p "$PORT" && break
        sleep 1
    done
fi

if ! pg_isready -q -h "$HOST" -p "$PORT"; then
    log "PostgreSQL does not accept connections on ${HOST}:${PORT}; see /var/log/postgresql"
    exit 1
fi

# The tests connect as `postgres` without a password and need CREATE DATABASE.
if ! psql "$ADMIN_URL" -qtAc 'SELECT 1' >/dev/null 2>&1; then
    log "cannot connect as ${ADMIN_URL}: allow 'host all postgres 127.0.0.1/32 trust' in pg_hba.conf and reload"
    exit 1
fi
# The URL names the `test` database (the tests only use it to create and drop their own).
if [ "$(psql "$ADMIN_URL" -qtAc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != "1" ]; then
    log "creating database test"
    psql "$ADMIN_URL" -qc 'CREATE DATABASE test' >&2
fi

echo "$URL"
