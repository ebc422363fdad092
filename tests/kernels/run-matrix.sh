#!/usr/bin/env bash
# Kernel matrix: boots Debian 12's kernel packages under qemu (TCG, no KVM) with a busybox
# initramfs holding the agent, and runs tests/kernels/guest-init.sh in each guest: a flannel-style
# node in namespaces, exact counts against the kernel's statistics, the attach mode, a scrape and
# a clean SIGTERM. Prints one table row per kernel; exit 0 only if every kernel passed.
#
#   tests/kernels/run-matrix.sh --ci                 oldest 6.1 and newest 6.12, cloud, amd64
#   tests/kernels/run-matrix.sh --all                every flavour below, amd64 and arm64
#   tests/kernels/run-matrix.sh [--arch amd64|arm64] [--kernel PACKAGE]...
#   options: --agent-amd64 PATH (default build/nodepath), --agent-arm64 PATH (default
#            build-arm64/nodepath, cross-built when missing), --cache DIR (default
#            $NP_KERNEL_CACHE or /var/cache/nodepath-kernels), --keep (keep the boot logs)
#
# Kernels are given as Debian package names (linux-image-6.1.0-47-cloud-amd64-unsigned) or as
# selectors resolved against the configured apt sources: 6.1-oldest, 6.1-newest, 6.12-newest,
# each optionally suffixed with :generic (default :cloud). Packages, the busybox and iproute2
# userland of each architecture, and the extracted kernels are cached in the cache directory;
# nothing is installed on this machine. arm64 needs `dpkg --add-architecture arm64`
# (scripts/setup.sh --arm64) for apt to see arm64 packages.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE=${NP_KERNEL_CACHE:-/var/cache/nodepath-kernels}
AGENT_amd64=build/nodepath
AGENT_arm64=build-arm64/nodepath
ARCHES=
SELECT=()
KEEP=0
# The modules the guest needs, in dependency order; a module missing from a package is built in.
MODULES="veth sch_ingress cls_bpf act_bpf llc stp bridge udp_tunnel ip6_udp_tunnel vxlan"
# Userland packages per architecture: busybox and iproute2 (ip, tc, bridge) with the libraries
# iproute2 needs beyond the agent's; the agent's own come from this machine's multiarch dirs.
USERLAND="busybox-static iproute2 libmnl0 libbsd0 libmd0 libcap2 libxtables12"
BOOT_TIMEOUT=${NP_KERNEL_BOOT_TIMEOUT:-600} # TCG on a busy machine: arm64 guests take minutes
BOOT_TRIES=${NP_KERNEL_BOOT_TRIES:-3} # boots of a guest whose kernel panics before /init runs

die() {
	echo "run-matrix: $*" >&2
	exit 1
}
log() { echo "run-matrix: $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--ci) SELECT+=(amd64/6.1-oldest amd64/6.12-newest); shift ;;
	--all)
		for a in amd64 arm64; do
			SELECT+=("$a/6.1-oldest" "$a/6.1-newest" "$a/6.1-newest:generic"
				"$a/6.12-newest" "$a/6.12-newest:generic")
		done
		shift
		;;
	--arch) ARCHES=$2; shift 2 ;;
	--kernel) SELECT+=("${ARCHES:-amd64}/$2"); shift 2 ;;
	--agent-amd64) AGENT_amd64=$2; shift 2 ;;
	--agent-arm64) AGENT_arm64=$2; shift 2 ;;
	--cache) CACHE=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,21p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (--help)" ;;
	esac
done
[ "${#SELECT[@]}" -gt 0 ] || die "no kernels selected (--ci, --all or --kernel; --help)"
[ "$(id -u)" -eq 0 ] || die "must run as root (initramfs device nodes, apt)"
for tool in apt-get apt-cache dpkg-deb cpio gzip xz readelf; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh --test)"
done
mkdir -p "$CACHE/debs" "$CACHE/kernels" "$CACHE/userland"

WORK=$(mktemp -d /tmp/nodepath-kernels.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

triplet() { case $1 in amd64) echo x86_64-linux-gnu ;; arm64) echo aarch64-linux-gnu ;; esac; }

# fetch ARCH PACKAGE...: paths of their .debs in the cache; the missing ones are downloaded in
# one apt-get call (apt's start-up dominates on a busy machine), at apt's candidate version
fetch() {
	local arch=$1 p missing=()
	shift
	for p in "$@"; do
		ls "$CACHE/debs/${p}_"*"_$arch.deb" >/dev/null 2>&1 || missing+=("$p:$arch")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		log "downloading ${missing[*]}"
		(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "${missing[@]}" \
			>/dev/null) || die "apt-get download ${missing[*]} (arm64: scripts/setup.sh --arm64)"
	fi
	for p in "$@"; do
		ls "$CACHE/debs/${p}_"*"_$arch.deb" | sort -V | tail -1
	done
}

# kernel_names: every linux-image package apt knows (lists fetched once if this machine has none)
kernel_names() {
	if [ -z "${KERNEL_NAMES:-}" ]; then
		KERNEL_NAMES=$(apt-cache search --names-only '^linux-image-' | awk '{ print $1 }')
		if [ -z "$KERNEL_NAMES" ]; then
			apt-get update -qq >&2 || die "apt-get update failed"
			KERNEL_NAMES=$(apt-cache search --names-only '^linux-image-' | awk '{ print $1 }')
		fi
	fi
	echo "$KERNEL_NAMES"
}

# resolve ARCH SELECTOR: the Debian package name of a kernel
resolve() {
	local arch=$1 sel=$2 flavour=cloud- series pick names
	case $sel in linux-image-*) echo "$sel"; return ;; esac
	case $sel in *:generic) flavour= ;; esac
	sel=${sel%:*}
	series=${sel%-*}
	pick=${sel##*-}
	# 6.1.0-47-cloud-amd64-unsigned, 6.12.118+deb12-cloud-amd64-unsigned
	names=$(kernel_names | grep -E "^linux-image-${series//./\\.}(\.[0-9]+)*[-+][0-9a-z+]*-${flavour}${arch}-unsigned\$" |
		sort -V || true)
	[ -n "$names" ] || die "no $series ${flavour:-generic-}$arch kernel in the apt sources"
	case $pick in
	oldest) head -1 <<<"$names" ;;
	newest) tail -1 <<<"$names" ;;
	*) die "bad selector $2" ;;
	esac
}

# kernel PACKAGE ARCH: $CACHE/kernels/PACKAGE/{vmlinuz,modules/,release} (extracted once)
kernel() {
	local pkg=$1 arch=$2 dir=$CACHE/kernels/$1 x m f
	if [ ! -e "$dir/ready" ]; then
		x=$WORK/x-$pkg
		rm -rf "$dir" "$x"
		mkdir -p "$dir/modules" "$x"
		dpkg-deb -x "$(fetch "$arch" "$pkg")" "$x"
		cp "$(ls "$x"/boot/vmlinuz-* | head -1)" "$dir/vmlinuz"
		basename "$(ls -d "$x"/lib/modules/*/ | head -1)" >"$dir/release"
		: >"$dir/modules.list"
		for m in $MODULES; do
			f=$(find "$x/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
			[ -n "$f" ] || continue
			case $f in
			*.xz) xz -dc "$f" >"$dir/modules/$m.ko" ;;
			*) cp "$f" "$dir/modules/$m.ko" ;;
			esac
			echo "$m" >>"$dir/modules.list"
		done
		rm -rf "$x"
		touch "$dir/ready"
	fi
	echo "$dir"
}

# userland ARCH: $CACHE/userland/ARCH, the extracted busybox and iproute2 packages
userland() {
	local arch=$1 dir=$CACHE/userland/$1 p
	if [ ! -e "$dir/ready" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		for p in $(fetch "$arch" $USERLAND); do dpkg-deb -x "$p" "$dir"; done
		touch "$dir/ready"
	fi
	echo "$dir"
}

# copy_elf ARCH SYSROOT STAGE FILE: the shared objects FILE needs (recursively) and its
# interpreter, from SYSROOT or this machine's multiarch dirs, at their paths under STAGE
copy_elf() {
	local arch=$1 sysroot=$2 stage=$3 file=$4 t interp lib d found
	t=$(triplet "$arch")
	interp=$(readelf -l "$file" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$stage$interp" ]; then
		mkdir -p "$stage$(dirname "$interp")"
		if [ -e "$sysroot$interp" ]; then cp -L "$sysroot$interp" "$stage$interp"
		else cp -L "$interp" "$stage$interp"; fi
	fi
	for lib in $(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "$stage/lib/$t/$lib" ] && continue
		found=
		for d in "$sysroot/lib/$t" "$sysroot/usr/lib/$t" "/lib/$t" "/usr/lib/$t"; do
			if [ -e "$d/$lib" ]; then found=$d/$lib; break; fi
		done
		[ -n "$found" ] || die "$lib ($arch, needed by $(basename "$file")) not found; arm64: scripts/setup.sh --arm64"
		mkdir -p "$stage/lib/$t"
		cp -L "$found" "$stage/lib/$t/$lib"
		copy_elf "$arch" "$sysroot" "$stage" "$stage/lib/$t/$lib"
	done
}

# guest_tool ARCH: the static helper, built once per run
guest_tool() {
	local arch=$1 out=$WORK/guest_tool-$1 cc=gcc
	[ "$arch" = arm64 ] && cc=aarch64-linux-gnu-gcc
	if [ ! -x "$out" ]; then
		command -v "$cc" >/dev/null || die "$cc not found (scripts/setup.sh --test / --arm64)"
		"$cc" -static -O2 -Wall -Wextra -Werror -o "$out" tests/kernels/guest_tool.c ||
			die "cannot build guest_tool for $arch"
	fi
	echo "$out"
}

agent() { # ARCH: the agent binary for ARCH (arm64: cross-built when missing)
	local arch=$1 bin
	case $arch in amd64) bin=$AGENT_amd64 ;; arm64) bin=$AGENT_arm64 ;; esac
	if [ "$arch" = arm64 ] && [ ! -x "$bin" ] && [ "$bin" = build-arm64/nodepath ]; then
		log "cross-building the arm64 agent into build-arm64/"
		BUILD_DIR=build-arm64 scripts/build.sh -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
			-DNODEPATH_TESTS=OFF >&2 || die "arm64 cross build failed"
	fi
	[ -x "$bin" ] || die "no $arch agent at $bin (build first)"
	readlink -f "$bin"
}

# initramfs ARCH KDIR OUT: busybox + iproute2 + agent + helper + /init, built once per
# architecture and run, followed by the kernel's modules: the kernel unpacks concatenated
# compressed cpio archives in order
initramfs() {
	local arch=$1 kdir=$2 out=$3 base=$WORK/base-$1.cpio.gz stage=$WORK/stage sys bin m
	if [ ! -e "$base" ]; then
		sys=$(userland "$arch")
		rm -rf "$stage"
		mkdir -p "$stage"/{bin,usr/local/sbin,etc,dev,opt/np}
		cp "$sys/bin/busybox" "$stage/bin/busybox"
		ln -s busybox "$stage/bin/sh" # the interpreter of /init, before busybox --install
		for bin in ip tc bridge; do
			cp "$(ls "$sys"/sbin/$bin "$sys"/bin/$bin 2>/dev/null | head -1)" \
				"$stage/usr/local/sbin/$bin"
			copy_elf "$arch" "$sys" "$stage" "$stage/usr/local/sbin/$bin"
		done
		cp "$(agent "$arch")" "$stage/opt/np/nodepath"
		copy_elf "$arch" "$sys" "$stage" "$stage/opt/np/nodepath"
		cp "$(guest_tool "$arch")" "$stage/opt/np/guest_tool"
		install -m 0755 tests/kernels/guest-init.sh "$stage/init"
		mknod "$stage/dev/console" c 5 1
		(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$base"
	fi
	rm -rf "$stage"
	mkdir -p "$stage"/{etc,lib/np-modules}
	: >"$stage/etc/np-modules"
	while read -r m; do
		cp "$kdir/modules/$m.ko" "$stage/lib/np-modules/"
		echo "/lib/np-modules/$m.ko" >>"$stage/etc/np-modules"
	done <"$kdir/modules.list"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) | cat "$base" - >"$out"
}

# boot ARCH KDIR INITRD EXPECT_MODE LOG: run the guest to its end, console in LOG
boot() {
	local arch=$1 kdir=$2 initrd=$3 mode=$4 logf=$5 q
	local append="panic=-1 quiet np_expect_mode=$mode"
	# thread=single: one host thread runs both vCPUs in turn. An amd64 6.12 guest with a thread
	# per vCPU died on a busy host of "Oops: int3" in sched_clock_idle_wakeup_event before
	# /init, where the bytes already read as the patched NOP: by all appearances one vCPU ran
	# the old bytes of code the kernel had just patched on the other, which one thread rules
	# out. arm64 showed no such failure and runs one thread too: in our runs, one thread was
	# never slower (docs/kernels.md gives the timings).
	case $arch in
	amd64)
		# no_timer_check: on a busy host the emulated timer can miss the IO-APIC check and panic
		q=(qemu-system-x86_64 -accel tcg,thread=single -cpu max
			-append "console=ttyS0 no_timer_check $append")
		;;
	arm64)
		q=(qemu-system-aarch64 -M virt -accel tcg,thread=single -cpu max
			-append "console=ttyAMA0 $append")
		;;
	esac
	command -v "${q[0]}" >/dev/null || die "${q[0]} not found (scripts/setup.sh --test / --arm64)"
	timeout "$BOOT_TIMEOUT" "${q[@]}" -smp 2 -m 1024 -nographic -no-reboot -nic none \
		-kernel "$kdir/vmlinuz" -initrd "$initrd" </dev/null >"$logf" 2>&1 || true
}

# kernel_oops LOG: 60 lines of the guest kernel's console from its first oops on, or from its
# panic when it printed no oops
kernel_oops() {
	tr -d '\r' <"$1" | awk '{ line[NR] = $0 }
		!oops && /BUG:|Oops|general protection|invalid opcode/ { oops = NR }
		!panic && /Kernel panic/ { panic = NR }
		END { s = oops ? oops : panic; for (i = s; s && i <= NR && i < s + 60; i++) print line[i] }' || true
}

# keep_log NAME: with --keep, the current console (logf) is kept as $CACHE/logs/NAME
keep_log() {
	[ "$KEEP" -eq 1 ] || return 0
	mkdir -p "$CACHE/logs"
	cp "$logf" "$CACHE/logs/$1"
}

ROWS=()
FAILED=0
for s in "${SELECT[@]}"; do
	arch=${s%%/*}
	pkg=$(resolve "$arch" "${s#*/}")
	kdir=$(kernel "$pkg" "$arch")
	release=$(cat "$kdir/release")
	series=$(sed 's/^\([0-9]*\.[0-9]*\).*/\1/' <<<"$release")
	# tcx came with 6.6: auto must pick it from there on and fall back to clsact before
	if [ "$(printf '%s\n6.6\n' "$series" | sort -V | head -1)" = 6.6 ]; then
		expect=tcx
	else
		expect=tc
	fi
	initramfs "$arch" "$kdir" "$WORK/initrd-$arch.gz"
	logf=$WORK/$pkg.log
	# A guest kernel that panics before /init has printed its first line has not met the agent
	# (only /init starts it): the emulated machine failed to boot (as with a thread per vCPU,
	# see boot()), or the kernel or initramfs is broken, which fails every boot. It is booted
	# again, up to BOOT_TRIES in all. Once /init has printed, every failure counts.
	# The last boot's console is judged below like any other.
	boots=0
	t0=$(date +%s.%N) # secs: all boots of the kernel
	while :; do
		boots=$((boots + 1))
		log "booting $release ($arch, expect $expect), boot $boots of at most $BOOT_TRIES"
		boot "$arch" "$kdir" "$WORK/initrd-$arch.gz" "$expect" "$logf"
		[ "$boots" -lt "$BOOT_TRIES" ] || break
		# grep reads the file itself: a pipe into grep -q would break (pipefail) once it has
		# matched. Not anchored: the guest's first line follows the firmware's terminal reset.
		grep -q 'np-guest: ' "$logf" && break
		grep -q 'Kernel panic' "$logf" || break
		log "$release ($arch): the guest kernel panicked before /init printed its first line:"
		kernel_oops "$logf" >&2
		keep_log "$pkg.boot$boots.log"
	done
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
	line=$(tr -d '\r' <"$logf" | grep '^NP-RESULT ' | tail -1 || true)
	field() { # NAME [DEFAULT]
		local v
		v=$(sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line")
		echo "${v:-${2:--}}"
	}
	if [ -n "$line" ] && [ "$(field fail)" = 0 ] && [ "$(field pass 0)" -gt 0 ]; then
		verdict=pass
	else
		verdict=FAIL
		FAILED=$((FAILED + 1))
		log "$release ($arch) failed; guest console:"
		tr -d '\r' <"$logf" | grep -E 'np-guest|NP-RESULT|Kernel panic|not syncing' | tail -40 >&2 ||
			tail -40 "$logf" >&2
		kernel_oops "$logf" >&2
	fi
	keep_log "$pkg.log"
	ROWS+=("$(printf '%-28s %-6s %-5s %-6s %-12s %-5s %-7s %-7s %s' "$release" "$arch" \
		"$(field mode)" "$(field exact)" "$(field drops)" "$secs" "$verdict" \
		"$(field pass 0)/$(($(field pass 0) + $(field fail 0)))" "$boots")")
	log "${ROWS[-1]}" # as it happens: a full matrix takes long
done

printf '%-28s %-6s %-5s %-6s %-12s %-5s %-7s %-7s %s\n' kernel arch mode exact drops secs result \
	checks boots
printf '%s\n' "${ROWS[@]}"
[ "$FAILED" -eq 0 ]
