#!/usr/bin/env bash
# `cmake --install` into a DESTDIR: the agent, its systemd unit and its man page land where the
# build says, the unit is valid (systemd-analyze verify where present, and a strict parser of
# the directives it uses everywhere), it grants exactly the DaemonSet's capabilities, and the man
# page documents every flag of --help. Also: SOURCE_DATE_EPOCH fixes the build date.
# Usage: bash tests/e2e/install.test.sh build/nodepath
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
agent=${1:-build/nodepath}
[ -x "$agent" ] || die "agent binary $agent not found (build first)"
build=$(dirname "$agent")
[ -f "$build/CMakeCache.txt" ] || die "$build is not a CMake build directory"
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
prefix=$(cache CMAKE_INSTALL_PREFIX)
sbindir=$(cache CMAKE_INSTALL_SBINDIR)
mandir=$(cache CMAKE_INSTALL_MANDIR)
if [ -z "$mandir" ]; then # GNUInstallDirs' default: <datarootdir>/man, <datarootdir> = share
	datarootdir=$(cache CMAKE_INSTALL_DATAROOTDIR)
	mandir=${datarootdir:-share}/man
fi
unitdir=$(cache NODEPATH_SYSTEMD_UNITDIR)
if [ -z "$prefix" ] || [ -z "$sbindir" ] || [ -z "$unitdir" ]; then
	die "install directories missing from $build/CMakeCache.txt (configure with this tree)"
fi
[ "$(cache NODEPATH_MAN)" != OFF ] || die "$build was configured with -DNODEPATH_MAN=OFF"
abs() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }

tmp=$(mktemp -d /tmp/nodepath-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

section "cmake --install into $dest"
DESTDIR=$dest cmake --install "$build" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; die "cmake --install"; }
bin=$dest$(abs "$sbindir")/nodepath
unit=$dest$(abs "$unitdir")/nodepath.service
man=$dest$(abs "$mandir")/man8/nodepath.8
check_cmd "binary installed at $(abs "$sbindir")/nodepath" test -x "$bin"
check_cmd "installed binary is the built one" cmp -s "$bin" "$agent"
check_cmd "unit installed at $(abs "$unitdir")/nodepath.service" test -f "$unit"
check_cmd "man page installed at $(abs "$mandir")/man8/nodepath.8" test -s "$man"
check "files installed" "$(find "$dest" -type f | wc -l)" 3

section "systemd unit"
# Every line a comment, a section header or a directive this unit is allowed to use; so a typo,
# a directive in the wrong section or one outside this list fails here, with or without systemd.
awk -v unit="$unit" '
	BEGIN {
		split("Description Documentation After Wants", a); for (i in a) ok["Unit", a[i]] = 1
		split("Type ExecStart Restart RestartSec KillSignal TimeoutStopSec User " \
		      "CapabilityBoundingSet NoNewPrivileges ProtectSystem ReadWritePaths " \
		      "ProtectKernelTunables ProtectKernelModules ProtectKernelLogs " \
		      "ProtectControlGroups ProtectHome PrivateTmp PrivateDevices ProtectHostname " \
		      "RestrictNamespaces RestrictAddressFamilies RestrictRealtime RestrictSUIDSGID " \
		      "LockPersonality MemoryDenyWriteExecute SystemCallArchitectures UMask", a)
		for (i in a) ok["Service", a[i]] = 1
		ok["Install", "WantedBy"] = 1
		bad = 0
	}
	/^[ \t]*(#|;|$)/ { next }
	/^\[[A-Za-z]+\]$/ { sec = substr($0, 2, length($0) - 2); seen[sec]++; next }
	/^[A-Za-z]+=/ {
		key = substr($0, 1, index($0, "=") - 1)
		if (!((sec, key) in ok)) { print unit ":" NR ": " key " not expected in [" sec "]"; bad = 1 }
		if (++dup[sec, key] > 1 && key != "After" && key != "Wants") {
			print unit ":" NR ": " key " twice"; bad = 1
		}
		next
	}
	{ print unit ":" NR ": not a directive: " $0; bad = 1 }
	END {
		if (seen["Unit"] != 1 || seen["Service"] != 1 || seen["Install"] != 1) {
			print unit ": want one [Unit], [Service] and [Install]"; bad = 1
		}
		exit bad
	}' "$unit" >"$tmp/parse.out" || true
check "unit parses: sections and directives" "$(cat "$tmp/parse.out")" ""

val() { sed -n "s/^$1=//p" "$unit"; }
"$agent" --help >"$tmp/help"
read -r -a exec <<<"$(val ExecStart)"
check "ExecStart runs the installed binary" "${exec[0]}" "$(abs "$sbindir")/nodepath"
for arg in "${exec[@]:1}"; do
	flag=${arg%%=*}
	name=${flag#--}
	# --no-x is the negation of the boolean --[no-]x.
	if [[ $name == no-* ]] && grep -qxF -- "  --[no-]${name#no-}" "$tmp/help"; then
		ok "ExecStart flag $flag"
	else
		check_cmd "ExecStart flag $flag is in --help" grep -qE -- "^  $flag(=<|\$)" "$tmp/help"
	fi
done
# The same capabilities as the least-privilege DaemonSet adds, in CAP_ spelling.
ds_caps=$(sed -n 's/^ *add: \[\(.*\)\]$/\1/p' deploy/kubernetes/base/daemonset.yaml | tr -d ' ' |
	tr ',' '\n' | sed 's/^/CAP_/' | sort | tr '\n' ' ')
[ -n "$ds_caps" ] || die "no capabilities added in deploy/kubernetes/base/daemonset.yaml"
check "CapabilityBoundingSet = the DaemonSet's" "$(val CapabilityBoundingSet | tr ' ' '\n' | sort | tr '\n' ' ')" "$ds_caps"
check "ProtectSystem" "$(val ProtectSystem)" strict
check "bpffs writable" "$(val ReadWritePaths)" "-/sys/fs/bpf"
check "NoNewPrivileges" "$(val NoNewPrivileges)" yes

if command -v systemd-analyze >/dev/null; then
	# verify looks for ExecStart's binary and runs man for Documentation=man:: point both at
	# the DESTDIR. Warnings (an unknown key, say) leave the status 0: any output fails.
	sed "s|^ExecStart=$(abs "$sbindir")/nodepath|ExecStart=$bin|" "$unit" >"$tmp/nodepath.service"
	if MANPATH=$dest$(abs "$mandir") systemd-analyze verify "$tmp/nodepath.service" >"$tmp/verify.out" 2>&1; then
		check "systemd-analyze verify: no findings" "$(cat "$tmp/verify.out")" ""
	else
		cat "$tmp/verify.out" >&2
		bad "systemd-analyze verify"
	fi
	# Non-vacuous: verify must flag a unit whose man page is missing.
	if MANPATH=$tmp/none systemd-analyze verify "$tmp/nodepath.service" >/dev/null 2>&1; then
		bad "systemd-analyze verify accepted a unit whose man page is missing"
	else
		ok
	fi
else
	echo "systemd-analyze not found: the unit is checked by the parser above only"
fi

section "man page"
# roff as text: font changes dropped, \- is a dash.
sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$man" >"$tmp/man.txt"
check_cmd "man page: section 8 header" grep -q '^\.TH NODEPATH "8"' "$man"
check_cmd "man page: NAME" grep -q '^nodepath - node agent' "$tmp/man.txt"
check_cmd "man page: FILES" grep -q '^\.SH FILES' "$man"
sed -n 's/^  \(-h, \)\?\(--[^ ]*\)$/\2/p' "$tmp/help" >"$tmp/flags"
nflags=$(grep -c '^  -' "$tmp/help")
check "flags found in --help" "$(wc -l <"$tmp/flags")" "$nflags"
check_eval "--help lists more than 50 flags ($nflags)" "[ $nflags -gt 50 ]"
# Each flag is a line of its own in the page, as in --help.
missing=$(grep -vxFf <(sed 's/^-h, //' "$tmp/man.txt") "$tmp/flags" || true)
check "flags of --help missing from the man page" "$missing" ""

section "SOURCE_DATE_EPOCH"
# Configure only (the stamp is written at configure time): 86400 s is 1970-01-02.
SOURCE_DATE_EPOCH=86400 cmake -S . -B "$tmp/sde" -DNODEPATH_TESTS=OFF -DNODEPATH_MAN=OFF \
	-DNODEPATH_BUILD_USER=builder@reproducible >"$tmp/sde.log" 2>&1 || { cat "$tmp/sde.log"; die "cmake configure"; }
check "build date from SOURCE_DATE_EPOCH" \
	"$(sed -n 's/^#define NODEPATH_BUILD_DATE "\(.*\)"$/\1/p' "$tmp/sde/generated/version.h")" "19700102-00:00:00"
check "build user override" \
	"$(sed -n 's/^#define NODEPATH_BUILD_USER "\(.*\)"$/\1/p' "$tmp/sde/generated/version.h")" "builder@reproducible"
if git rev-parse HEAD >/dev/null 2>&1; then
	check "revision is HEAD's" \
		"$(sed -n 's/^#define NODEPATH_REVISION "\(.*\)"$/\1/p' "$tmp/sde/generated/version.h")" \
		"$(git rev-parse --short=12 HEAD)"
fi

check_summary
