// SPDX-License-Identifier: Apache-2.0
/* Least privilege once the agent is up: every thread keeps only the capabilities steady state
 * needs (reading maps, attaching to new veths), no_new_privs is set, and a seccomp filter allows
 * the system calls the agent makes and refuses the rest with EPERM.
 *
 * Capabilities are per thread and capset() only changes the caller, while the link and pod
 * watchers and the HTTP threads already run: each thread is sent a signal whose handler drops
 * its own set (capset and prctl are plain system calls, safe in a handler), and the result is
 * checked in /proc/self/task afterwards. Threads created later inherit the reduced set. */
#include "privs.h"

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "flags.h"
#include "log.h"

static bool opt_drop = true;
NP_FLAG_BOOL("security.drop-privileges", &opt_drop,
	     "After start-up keep only CAP_BPF and CAP_NET_ADMIN on every thread, set "
	     "no_new_privs and install a seccomp filter (--no-security.drop-privileges to debug).");
static const char *opt_seccomp = "enforce";
NP_FLAG_STRING("security.seccomp", &opt_seccomp,
	       "Seccomp filter after start-up: enforce (other system calls fail with EPERM), log "
	       "(allowed, logged by the kernel audit as type=1326) or off.");

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define BROADCAST_TRIES 3
#define ACK_WAIT_MS 2000

/* What steady state does, and the capability it takes (docs/deploy.md has the reasons):
 * bpf() at all (map reads at every scrape, attach and pin for new veths): CAP_BPF;
 * tc/tcx attach and detach on veths that come later: CAP_NET_ADMIN; loading the programs
 * again when a failed set-up is retried: CAP_PERFMON, without which the verifier refuses the tc
 * programs' direct packet access (a packet pointer compared, pointer arithmetic masked against
 * Spectre v1) and the tracing program of the drop counter. CAP_SYS_ADMIN (BPF_ENABLE_STATS,
 * mounting bpffs) is only used at start-up. */
static const int keep_caps[] = { CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON };
static const char *const keep_cap_names[] = { "CAP_BPF", "CAP_NET_ADMIN", "CAP_PERFMON" };
/* The kept capabilities the agent really had, for the log: "" when none. */
static char g_kept[48];

static struct __user_cap_data_struct g_want[2];
static int g_last_cap;
static volatile int g_acks, g_fails;

static bool kept(int cap)
{
	for (size_t i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++) {
		if (keep_caps[i] == cap)
			return true;
	}
	return false;
}

/* Async-signal-safe: only system calls and atomics. 0 or -errno. */
static int drop_here(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	/* The bounding set needs CAP_SETPCAP, which goes with the capset below. */
	for (int c = 0; c <= g_last_cap; c++) {
		/* Without CAP_SETPCAP (a non-root start with file capabilities) the bounding
		 * set stays; no_new_privs already keeps exec from using it. */
		if (!kept(c) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EPERM)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capset, &hdr, g_want))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

static void on_drop_signal(int sig)
{
	int saved = errno;

	if (drop_here())
		__atomic_add_fetch(&g_fails, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&g_acks, 1, __ATOMIC_ACQ_REL);
	errno = saved;
}

static int read_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = CAP_LAST_CAP;
		fclose(f);
	}
	return v;
}

/* The effective, permitted and bounding sets of one thread, from its status file. */
static int task_caps(pid_t tid, unsigned long long *eff, unsigned long long *prm,
		     unsigned long long *bnd)
{
	char path[64], line[256];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", eff) == 1 ||
		    sscanf(line, "CapPrm: %llx", prm) == 1 ||
		    sscanf(line, "CapBnd: %llx", bnd) == 1)
			found++;
	}
	fclose(f);
	return found == 3 ? 0 : -ENOENT;
}

/* Signals every thread whose sets are not yet the wanted ones; returns how many were off. */
static int broadcast(int sig, unsigned long long want, int *signalled)
{
	unsigned long long eff, prm, bnd;
	struct dirent *de;
	DIR *d;
	pid_t self = (pid_t)syscall(SYS_gettid), pid = getpid();
	int off = 0;

	*signalled = 0;
	d = opendir("/proc/self/task");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid <= 0 || task_caps(tid, &eff, &prm, &bnd))
			continue;
		if (eff == want && prm == want)
			continue;
		off++;
		if (tid == self)
			continue;
		if (syscall(SYS_tgkill, pid, tid, sig) == 0)
			(*signalled)++;
	}
	closedir(d);
	return off;
}

static int drop_capabilities(void)
{
	struct sigaction sa = { 0 }, old;
	unsigned long long want = 0;
	int sig = SIGRTMIN + 2, off = 0, err = 0, signalled;

	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct have[2] = { 0 };

	if (syscall(SYS_capget, &hdr, have))
		return -errno;
	g_last_cap = read_last_cap();
	memset(g_want, 0, sizeof(g_want));
	g_kept[0] = '\0';
	for (size_t i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++) {
		int c = keep_caps[i];

		/* A kernel older than the capability, or a start without it. */
		if (c > g_last_cap || !(have[c / 32].permitted & (1u << (c % 32))))
			continue;
		g_want[c / 32].effective |= 1u << (c % 32);
		g_want[c / 32].permitted |= 1u << (c % 32);
		want |= 1ULL << c;
		snprintf(g_kept + strlen(g_kept), sizeof(g_kept) - strlen(g_kept), "%s%s",
			 g_kept[0] ? " " : "", keep_cap_names[i]);
	}
	sa.sa_handler = on_drop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old))
		return -errno;
	for (int round = 0; round < BROADCAST_TRIES; round++) {
		struct timespec ts = { 0, 1000000 };

		__atomic_store_n(&g_acks, 0, __ATOMIC_RELEASE);
		off = broadcast(sig, want, &signalled);
		if (off < 0) {
			err = off;
			break;
		}
		if (off == 0)
			break;
		for (int w = 0;
		     w < ACK_WAIT_MS && __atomic_load_n(&g_acks, __ATOMIC_ACQUIRE) < signalled; w++)
			nanosleep(&ts, NULL);
		/* This thread last: it needs CAP_SETPCAP until the others are done. */
		err = drop_here();
		if (err)
			break;
	}
	if (!err && off > 0)
		off = broadcast(sig, want, &signalled);
	/* Later threads inherit the reduced sets; the signal has nothing more to do. */
	sa.sa_handler = SIG_IGN;
	sigaction(sig, &sa, NULL);
	if (err)
		return err;
	if (__atomic_load_n(&g_fails, __ATOMIC_ACQUIRE))
		return -EPERM;
	if (off)
		return -EAGAIN;
	return 0;
}

static const char *const allowed_syscalls[] = {
	/* memory, threads, time */
	"brk",
	"mmap",
	"munmap",
	"mremap",
	"mprotect",
	"madvise",
	"futex",
	"set_robust_list",
	"get_robust_list",
	"rseq",
	"clone",
	"clone3",
	"exit",
	"exit_group",
	"sched_yield",
	"sched_getaffinity",
	"gettid",
	"getpid",
	"getppid",
	"getuid",
	"geteuid",
	"getgid",
	"getegid",
	"tgkill",
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"rt_sigtimedwait",
	"sigaltstack",
	"restart_syscall",
	"clock_gettime",
	"clock_getres",
	"clock_nanosleep",
	"nanosleep",
	"gettimeofday",
	"getrandom",
	"getrusage",
	"prlimit64",
	"getrlimit",
	"setrlimit",
	"sysinfo",
	"uname",
	"times",
	"membarrier",
	"prctl",
	"capget",
	/* the timex collector reads the clock discipline (a read-only adjtimex call) */
	"adjtimex",
	"clock_adjtime",
	/* files (procfs, sysfs, the CNI cache, pins) */
	"openat",
	"open",
	"close",
	"read",
	"pread64",
	"readv",
	"preadv",
	"write",
	"pwrite64",
	"writev",
	"lseek",
	"fstat",
	"newfstatat",
	"stat",
	"lstat",
	"statx",
	"statfs",
	"fstatfs",
	"getdents64",
	"readlink",
	"readlinkat",
	"access",
	"faccessat",
	"faccessat2",
	"fcntl",
	"dup",
	"dup2",
	"dup3",
	"ioctl",
	"mkdir",
	"mkdirat",
	"unlink",
	"unlinkat",
	"rename",
	"renameat",
	"renameat2",
	"getcwd",
	"inotify_init1",
	"inotify_add_watch",
	"inotify_rm_watch",
	"pipe",
	"pipe2",
	"eventfd2",
	"fsync",
	"fdatasync",
	"ftruncate",
	/* event loops */
	"poll",
	"ppoll",
	"select",
	"pselect6",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_wait",
	"epoll_pwait",
	"epoll_pwait2",
	/* sockets: HTTP, rtnetlink, ethtool */
	"socket",
	"socketpair",
	"bind",
	"listen",
	"accept",
	"accept4",
	"connect",
	"shutdown",
	"getsockname",
	"getpeername",
	"setsockopt",
	"getsockopt",
	"sendto",
	"recvfrom",
	"sendmsg",
	"recvmsg",
	"sendmmsg",
	"recvmmsg",
	"sendfile",
	/* BPF: map reads, attach, pin */
	"bpf",
};

static int install_seccomp(bool log_only)
{
	scmp_filter_ctx ctx = NULL;
	int err = 0, nr;

	ctx = seccomp_init(log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return -ENOMEM;
	/* Every thread at once; the kernel carries no_new_privs along. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < sizeof(allowed_syscalls) / sizeof(allowed_syscalls[0]); i++) {
		nr = seccomp_syscall_resolve_name(allowed_syscalls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (err)
			goto cleanup;
	}
	err = seccomp_load(ctx);
cleanup:
	seccomp_release(ctx);
	return err;
}

int privs__drop_after_start(void)
{
	bool log_only;
	int err;

	if (!opt_drop) {
		log_info("privileges kept (--no-security.drop-privileges)");
		return 0;
	}
	if (strcmp(opt_seccomp, "enforce") != 0 && strcmp(opt_seccomp, "log") != 0 &&
	    strcmp(opt_seccomp, "off") != 0) {
		log_error("invalid --security.seccomp (want enforce, log or off)", "flag",
			  "security.seccomp", "value", opt_seccomp);
		return -EINVAL;
	}
	err = drop_capabilities();
	if (err) {
		log_error("cannot drop capabilities on every thread", "err", LOG_ERR(err));
		return err;
	}
	if (strcmp(opt_seccomp, "off") == 0) {
		log_info("capabilities reduced, no_new_privs set", "kept",
			 g_kept[0] ? g_kept : "none", "seccomp", "off");
		return 0;
	}
	log_only = strcmp(opt_seccomp, "log") == 0;
	err = install_seccomp(log_only);
	if (err) {
		log_error("cannot install the seccomp filter", "err", LOG_ERR(err));
		return err;
	}
	log_info("capabilities reduced, no_new_privs set", "kept", g_kept[0] ? g_kept : "none",
		 "seccomp", log_only ? "logging" : "enforcing");
	return 0;
}
