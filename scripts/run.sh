#!/usr/bin/env bash
# One command: install what is missing, build, and run the agent on :9100 (root needed for eBPF).
# Arguments are passed to nodepath, e.g. scripts/run.sh --collector.netpath.node-device=enp39s0
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/nodepath "$@"
