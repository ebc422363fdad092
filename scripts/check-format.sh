#!/usr/bin/env bash
# Fails when a C source or header differs from what clang-format makes of it with the committed
# .clang-format (vmlinux.h is generated and left as bpftool writes it).
#   scripts/check-format.sh          check, list the files that drift, exit 1 if any
#   scripts/check-format.sh --fix    rewrite them in place
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$fmt" ] || { echo "check-format: clang-format not found (scripts/setup.sh --test)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^vmlinux/')
[ "${#files[@]}" -gt 0 ] || { echo "check-format: no C files found" >&2; exit 1; }
if [ "${1:-}" = "--fix" ]; then
	"$fmt" --style=file -i "${files[@]}"
	exit 0
fi
drift=0
for f in "${files[@]}"; do
	if ! "$fmt" --style=file "$f" | cmp -s - "$f"; then
		echo "check-format: $f differs from clang-format (scripts/check-format.sh --fix)" >&2
		drift=$((drift + 1))
	fi
done
echo "check-format: ${#files[@]} files, $drift drifting"
[ "$drift" -eq 0 ]
