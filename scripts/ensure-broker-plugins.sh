#!/usr/bin/env bash
# Enable the RabbitMQ plugins waops needs on a local broker: consistent-hash (ordered
# partitions) and management (vhost API for the tests). Idempotent; a no-op when the
# broker is remote (set WAOPS_SKIP_BROKER_PLUGINS=1) or rabbitmq-plugins is not installed.
set -euo pipefail
if [[ "${WAOPS_SKIP_BROKER_PLUGINS:-0}" == "1" ]]; then exit 0; fi
if ! command -v rabbitmq-plugins >/dev/null 2>&1; then
  echo "rabbitmq-plugins not found: make sure your broker has rabbitmq_consistent_hash_exchange enabled" >&2
  exit 0
fi
wanted=(rabbitmq_consistent_hash_exchange rabbitmq_management)
enabled=$(rabbitmq-plugins list -e -m 2>/dev/null || true)
missing=()
for p in "${wanted[@]}"; do
  grep -qx "$p" <<<"$enabled" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "enabling RabbitMQ plugins: ${missing[*]}"
  rabbitmq-plugins enable "${missing[@]}" >/dev/null
fi
# The management listener takes a moment after enabling; wait for it (bounded).
for _ in $(seq 1 60); do
  if (exec 3<>/dev/tcp/127.0.0.1/15672) 2>/dev/null; then exit 0; fi
  sleep 0.5
done
echo "warning: RabbitMQ management API did not come up on :15672; tests fall back to rabbitmqctl" >&2
