/* Pure parsers of the /proc collectors: buffer in (writable, NUL-terminated, modified in place),
 * struct out. Each returns 0 or -EINVAL for malformed input (-ENOMEM, -E2BIG where noted) and
 * never leaves a half-filled result that the caller must free on error. Unit-tested on fixtures
 * in tests/fixtures/proc and tests/fixtures/hostile/proc. */
#ifndef NODEPATH_PROC_PARSERS_H
#define NODEPATH_PROC_PARSERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procparse.h"

/* ---- /proc/stat (stat and cpu collectors) ---- */
/* Values in seconds (USER_HZ ticks / 100), as procfs does. */
struct cpu_times {
	double user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
};

struct cpu_line {
	unsigned int id;
	struct cpu_times t;
};

struct proc_stat {
	struct cpu_times total;
	struct cpu_line *cpus; /* malloc'd, ncpu entries, in file order */
	size_t ncpu;
	uint64_t intr, ctxt, btime, processes, procs_running, procs_blocked;
	/* softirq vectors in kernel order: hi timer net_tx net_rx block irq_poll tasklet sched
	 * hrtimer rcu (0 when the line is absent, as procfs) */
	uint64_t softirq[10];
};

int proc_stat__parse(char *buf, struct proc_stat *st);
/* Bounded read of <procfs>/stat, then proc_stat__parse. */
int proc_stat__read(struct proc_stat *st);
/* sysfs CPU list ("0-2,7"): malloc'd array of CPU numbers in *out (NULL when empty). */
int cpu__parse_list(char *buf, unsigned int **out, size_t *n);
void proc_stat__free(struct proc_stat *st);

/* ---- /proc/cpuinfo (x86 layout), for --collector.cpu.info ---- */
struct cpuinfo_entry {
	char processor[16], vendor[64], family[16], model[16], model_name[128], stepping[16],
		microcode[32], cache_size[32], physical_id[16], core_id[16];
	char *flags, *bugs; /* point into the parsed buffer; NULL if absent */
};
int cpuinfo__parse(char *buf, struct cpuinfo_entry **out, size_t *n);

/* ---- /proc/meminfo: keys already in node_exporter form (Active_anon_bytes), kB * 1024 ---- */
int meminfo__parse(char *buf, struct pp_kvtab *out);

/* ---- /proc/loadavg ---- */
int loadavg__parse(char *buf, double load[3]);

/* ---- /proc/net/dev ---- */
enum { NETDEV_NFIELDS = 16 };
extern const char *const netdev_field_names[NETDEV_NFIELDS];
struct netdev_line {
	char name[32];
	uint64_t v[NETDEV_NFIELDS];
	bool have_nohandler;
	uint64_t nohandler;
};
struct netdev_stats {
	struct netdev_line *dev;
	size_t n;
};
int netdev__parse(char *buf, struct netdev_stats *out);
void netdev__free(struct netdev_stats *s);
/* rtnl_msg_fn for an RTM_GETLINK dump: rx_nohandler of one RTM_NEWLINK message goes to the
 * device of arg (a struct netdev_stats) with the same name. -EINVAL for a malformed message. */
struct nlmsghdr;
int netdev__rtnl_link(const struct nlmsghdr *nh, void *arg);
/* --collector.netdev.address-info: Go's scope names for an AF_INET/AF_INET6 address, and the
 * prefix length of a netmask of len bytes. */
const char *netdev__addr_scope(int family, const void *addr);
int netdev__prefix_len(const unsigned char *mask, size_t len);

/* ---- /proc/net/netstat, /proc/net/snmp (header/value line pairs) and /proc/net/snmp6 ----
 * Keys are "<Proto>_<Field>"; help needs "<Proto><Field>", so the split point is kept. */
int netstat__parse_pairs(char *buf, struct pp_kvtab *out);
int netstat__parse_snmp6(char *buf, struct pp_kvtab *out);

/* ---- /proc/net/sockstat{,6} ---- */
enum sockstat_field { SS_INUSE, SS_ORPHAN, SS_TW, SS_ALLOC, SS_MEM, SS_MEMORY, SS_NFIELDS };
extern const char *const sockstat_field_names[SS_NFIELDS];
struct sockstat_proto {
	char name[24];
	int64_t v[SS_NFIELDS];
	bool have[SS_NFIELDS];
};
struct sockstat {
	bool have_used;
	int64_t used;
	struct sockstat_proto proto[16];
	size_t n;
};
int sockstat__parse(char *buf, struct sockstat *out);

/* ---- /proc/vmstat: every "name value" line ---- */
int vmstat__parse(char *buf, struct pp_kvtab *out);

/* ---- /proc/sys/fs/file-nr ---- */
int filefd__parse(char *buf, double *allocated, double *maximum);

/* ---- single-number files (entropy_avail, nf_conntrack_count, ...) ---- */
int pp_parse_single_u64(char *buf, uint64_t *v);
/* Bounded read of <root>/<rel> (4 KiB), then pp_parse_single_u64. 0 or -errno. */
int pp_read_single_u64(const char *root, const char *rel, uint64_t *v);

/* ---- /proc/pressure/<resource> ---- */
struct psi_line {
	bool have;
	double avg10, avg60, avg300;
	uint64_t total; /* microseconds */
};
struct psi_stats {
	struct psi_line some, full;
};
int pressure__parse(char *buf, struct psi_stats *out);

/* ---- /proc/net/stat/nf_conntrack: summed over CPUs ---- */
struct conntrack_stat {
	uint64_t found, invalid, ignore, insert, insert_failed, drop, early_drop, search_restart;
};
int conntrack__parse_stat(char *buf, struct conntrack_stat *out);

/* ---- /proc/net/softnet_stat: one line per CPU (line index = cpu label, as 1.5) ---- */
struct softnet_line {
	uint32_t processed, dropped, time_squeezed;
};
struct softnet_stats {
	struct softnet_line *cpu;
	size_t n;
};
int softnet__parse(char *buf, struct softnet_stats *out);
void softnet__free(struct softnet_stats *s);

/* ---- /proc/net/arp: entries per device ---- */
struct arp_dev {
	char name[32];
	uint64_t entries;
};
struct arp_stats {
	struct arp_dev *dev;
	size_t n;
};
int arp__parse(char *buf, struct arp_stats *out);
void arp__free(struct arp_stats *s);

/* ---- /proc/net/udp{,6}: queued bytes summed over sockets ---- */
struct udp_queues {
	uint64_t tx, rx;
};
int udp_queues__parse(char *buf, struct udp_queues *out);

/* ---- /proc/schedstat ---- */
struct schedstat_cpu {
	char cpu[16];
	uint64_t running_ns, waiting_ns, timeslices;
};
struct schedstat {
	struct schedstat_cpu *cpu;
	size_t n;
};
int schedstat__parse(char *buf, struct schedstat *out);
void schedstat__free(struct schedstat *s);

/* ---- os-release ---- */
enum os_field {
	OS_BUILD_ID,
	OS_ID,
	OS_ID_LIKE,
	OS_IMAGE_ID,
	OS_IMAGE_VERSION,
	OS_NAME,
	OS_PRETTY_NAME,
	OS_VARIANT,
	OS_VARIANT_ID,
	OS_VERSION,
	OS_VERSION_CODENAME,
	OS_VERSION_ID,
	OS_NFIELDS
};
extern const char *const os_label_names[OS_NFIELDS]; /* build_id, id, ... (sorted) */
struct os_release {
	char v[OS_NFIELDS][256];
};
int os_release__parse(char *buf, struct os_release *out);
/* major.minor of VERSION_ID as node_exporter does (^[0-9]+\.?[0-9]*); 0 if none. */
double os_release__version(const struct os_release *os);

#endif

/* ---- time / timex (not /proc, but pure and tested the same way) ---- */
struct timex;
enum {
	TIMEX_SYNC_STATUS,
	TIMEX_OFFSET,
	TIMEX_FREQ,
	TIMEX_MAXERROR,
	TIMEX_ESTERROR,
	TIMEX_STATUS,
	TIMEX_CONSTANT,
	TIMEX_TICK,
	TIMEX_PPSFREQ,
	TIMEX_JITTER,
	TIMEX_SHIFT,
	TIMEX_STABIL,
	TIMEX_JITCNT,
	TIMEX_CALCNT,
	TIMEX_ERRCNT,
	TIMEX_STBCNT,
	TIMEX_TAI,
	TIMEX_NVALUES
};
/* adjtimex(2) result (return value state, struct) -> exported values in node_exporter units. */
void timex__values(int state, const struct timex *t, double out[TIMEX_NVALUES]);

/* available_clocksource: blank-separated names; returns count or -EINVAL/-E2BIG. */
int clocksource__parse_available(char *buf, char **names, int max);
