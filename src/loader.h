/* The BPF loader: the only user of libbpf. Opens the embedded skeleton, re-uses or creates the
 * pinned maps, attaches the tc counters to interfaces (tcx links or clsact filters), reads the
 * counter maps in batches for scrapes, and detaches what it attached. */
#ifndef NODEPATH_LOADER_H
#define NODEPATH_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodepath/counters.h"

enum attach_mode { ATTACH_AUTO = 0, ATTACH_TCX, ATTACH_TC };

struct loader_opts {
	const char *pin_path;     /* bpffs directory for pinned maps; mounted if not a bpffs */
	uint32_t max_entries;     /* capacity of np_if_stats */
	enum attach_mode mode;
	bool enable_stats;        /* bpf_enable_stats(BPF_STATS_RUN_TIME) while running */
};

/* One np_if_stats entry summed over CPUs. */
struct if_stat {
	uint32_t ifindex;
	uint8_t direction;
	uint64_t packets, bytes, gso_segs;
};

struct prog_stat {
	const char *name;
	uint64_t run_time_ns, run_cnt;
};

struct loader;

int loader__open(const struct loader_opts *opts, struct loader **out);
/* Detaches everything this process attached, closes maps (pins stay). NULL is fine. */
void loader__close(struct loader *l);

/* Attach both directions to ifindex. Idempotent. -ENODEV if the interface is gone. */
int loader__attach(struct loader *l, int ifindex, const char *name);
/* Remove clsact filters with our handle that an earlier agent in tc mode left (it was killed
 * or ran with --bpf.attach-mode=tc): with tcx they would count every packet twice. */
void loader__remove_stale_tc(struct loader *l, int ifindex);
/* Detach our programs from a live interface (it left the bridge, or shutdown). */
int loader__detach(struct loader *l, int ifindex);
/* The interface is gone: drop our state and its counters (ifindexes are reused). */
void loader__forget(struct loader *l, int ifindex);
bool loader__is_attached(struct loader *l, int ifindex);
/* The mode in use after auto-detection: "tcx" or "tc". */
const char *loader__mode_name(const struct loader *l);

/* Read np_if_stats (batch lookup when the kernel has it). *out is malloc'd, caller frees. */
int loader__read_if_stats(struct loader *l, struct if_stat **out, size_t *n);
int loader__map_capacity(struct loader *l, const char *map, uint32_t *cap);
/* Sum over CPUs of np_errors[idx]. */
int loader__read_error(struct loader *l, enum np_error idx, uint64_t *value);
/* Program run statistics (zero unless stats are enabled). n in/out: array size / filled. */
int loader__prog_stats(struct loader *l, struct prog_stat *out, size_t *n);

#endif
