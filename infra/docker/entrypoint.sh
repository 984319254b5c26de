#!/bin/sh
# The image's entrypoint: `inflow <service>` runs one service of the product, so one image serves every
# container (compose, Kubernetes). The process is exec'd, so node receives SIGTERM itself and shuts down
# gracefully; no shell stays in between.
set -eu

usage() {
  echo "usage: inflow api | gateway-worker | role-sync-worker | notification-worker | cleanup-worker | migrate | admin <args>" >&2
  # EX_USAGE, as in sysexits.h.
  exit 64
}

# Configuration errors exit with EX_CONFIG (78), like the services' own env.ts checks.
config_error() {
  echo "inflow: invalid configuration: $1" >&2
  exit 78
}

# A decimal count: digits only, and no leading zero, which sh arithmetic would read as octal.
is_count() {
  case $1 in '' | *[!0-9]* | 0?*) return 1 ;; *) return 0 ;; esac
}

# A gateway replica in a Kubernetes StatefulSet takes the shards of its pod ordinal: with SHARDS_PER_POD=k,
# pod i holds shards i*k … i*k+k-1 (SHARD_COUNT must equal replicas × k). The ordinal comes from
# POD_INDEX (the apps.kubernetes.io/pod-index label through the downward API, Kubernetes 1.28+), or else
# from the hostname's "-<ordinal>" suffix, which every StatefulSet pod has. An explicit SHARD_IDS wins.
derive_shard_ids() {
  if [ -n "${SHARD_IDS:-}" ] || [ -z "${SHARDS_PER_POD:-}" ]; then return 0; fi
  if ! is_count "$SHARDS_PER_POD" || [ "$SHARDS_PER_POD" -eq 0 ]; then
    config_error "SHARDS_PER_POD must be a positive integer"
  fi
  index=${POD_INDEX:-}
  if [ -z "$index" ]; then
    # Docker and the kubelet set HOSTNAME (the pod name); the hostname command covers any other runtime.
    # shellcheck disable=SC3028
    host=${HOSTNAME:-$(hostname)}
    index=${host##*-}
  fi
  is_count "$index" || config_error "SHARDS_PER_POD needs POD_INDEX or a hostname ending in -<ordinal>"
  first=$((index * SHARDS_PER_POD))
  if [ "$SHARDS_PER_POD" -eq 1 ]; then SHARD_IDS=$first; else SHARD_IDS="$first-$((first + SHARDS_PER_POD - 1))"; fi
  export SHARD_IDS
}

[ $# -ge 1 ] || usage
service=$1
shift

# The workers' V8 heap settings: serviceNodeFlags in packages/service-runtime/src/lifecycle/node-flags.ts
# says why, and packages/infra-tests checks that the two agree.
worker_heap_flags="--max-semi-space-size=4 --heap-growing-percent=25"

case $service in
  api)
    [ $# -eq 0 ] || usage
    exec node --enable-source-maps services/api/dist/main.js
    ;;
  role-sync-worker | notification-worker | cleanup-worker)
    [ $# -eq 0 ] || usage
    # shellcheck disable=SC2086 # two flags, split on purpose
    exec node --enable-source-maps $worker_heap_flags "services/$service/dist/main.js"
    ;;
  gateway-worker)
    [ $# -eq 0 ] || usage
    derive_shard_ids
    # shellcheck disable=SC2086
    exec node --enable-source-maps $worker_heap_flags services/gateway-worker/dist/main.js
    ;;
  migrate)
    # Creates the database when missing, then applies pending migrations; safe to run again.
    [ $# -eq 0 ] || usage
    exec node --enable-source-maps packages/db/dist/cli/migrate.js up
    ;;
  admin)
    # `inflow admin merchant create --name Acme --json`, as `pnpm admin` in the repository.
    exec node --enable-source-maps services/api/dist/admin/main.js "$@"
    ;;
  *)
    usage
    ;;
esac
