#!/usr/bin/env bash
# Make sure a PostgreSQL 15 server runs on loopback with the test role and database.
# Idempotent: installs only when missing, starts only when down, creates only what is absent.
# Prints the database URL for the tests on its last line.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is missing and this is not root: install it" >&2; exit 1; fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
if [ "$(su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='jiancha'\"")" != 1 ]; then
  su postgres -c "psql -qc \"create role jiancha login superuser password 'jiancha'\""
fi
if [ "$(su postgres -c "psql -qtAc \"select 1 from pg_database where datname='jiancha_test'\"")" != 1 ]; then
  su postgres -c "createdb -O jiancha jiancha_test"
fi
echo "postgresql+psycopg://jiancha:jiancha@127.0.0.1:5432/jiancha_test"
