/* Shared helpers of the BPF tests (see harness.h). */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "netpath.skel.h"

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	n = write(fd, value, strlen(value));
	cr_assert(n == (ssize_t)strlen(value), "write %s: %s", path, strerror(errno));
	close(fd);
}

void np_test_private_netns(void)
{
	cr_assert(geteuid() == 0, "BPF tests need root (CAP_BPF, CAP_NET_ADMIN)");
	cr_assert(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	/* net sysctls resolve against the opener's namespace. Without IPv6 the kernel sends no
	 * router/neighbour solicitations or MLD reports that would spoil exact counts. */
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
}

void np_test_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && (size_t)n < sizeof(cmd), "command too long");
	rc = system(cmd);
	cr_assert(rc == 0, "`%s` failed (status %d)", cmd, rc);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct netpath_bpf *np_test_load_netpath(uint32_t if_stats_entries)
{
	struct netpath_bpf *skel;
	struct bpf_map *map;
	int err;

	libbpf_set_print(libbpf_print);
	skel = netpath_bpf__open();
	cr_assert(skel, "netpath_bpf__open: %s", strerror(errno));
	/* The maps are LIBBPF_PIN_BY_NAME. Clearing the pin path makes each load create private
	 * maps that die with their fds: a test can neither pick up a running agent's or a parallel
	 * run's counters from a shared pin nor leave a pin (or a bpffs mount, the alternative)
	 * behind on a failure path. Pinning itself belongs to the loader's tests. */
	bpf_object__for_each_map(map, skel->obj)
	{
		err = bpf_map__set_pin_path(map, NULL);
		cr_assert(err == 0, "clear pin path of %s: %d", bpf_map__name(map), err);
	}
	if (if_stats_entries) {
		err = bpf_map__set_max_entries(skel->maps.np_if_stats, if_stats_entries);
		cr_assert(err == 0, "set_max_entries: %d", err);
	}
	err = netpath_bpf__load(skel);
	cr_assert(err == 0, "netpath_bpf__load: %d", err);
	return skel;
}

/* Per-CPU values come back as one slot per possible CPU, each rounded up to 8 bytes. */
int np_test_if_sum(int map_fd, uint32_t ifindex, uint8_t dir, struct np_if_value *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_key key = {.ifindex = ifindex, .direction = dir};
	struct np_if_value *vals;
	int i, err = 0;

	cr_assert(ncpu > 0, "libbpf_num_possible_cpus: %d", ncpu);
	vals = calloc((size_t)ncpu, sizeof(*vals));
	cr_assert(vals);
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(map_fd, &key, vals)) {
		err = -errno;
		goto cleanup;
	}
	for (i = 0; i < ncpu; i++) {
		out->packets += vals[i].packets;
		out->bytes += vals[i].bytes;
		out->gso_segs += vals[i].gso_segs;
	}
cleanup:
	free(vals);
	return err;
}

size_t np_test_if_keys(int map_fd, struct np_if_key *keys, size_t max)
{
	struct np_if_key cur, next;
	size_t n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		if (n < max)
			keys[n] = next;
		n++;
		cur = next;
		prev = &cur;
	}
	cr_assert(errno == ENOENT, "bpf_map_get_next_key: %s", strerror(errno));
	return n;
}

uint64_t np_test_err_sum(int map_fd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_error_value *vals;
	uint64_t sum = 0;
	int i;

	cr_assert(ncpu > 0);
	vals = calloc((size_t)ncpu, sizeof(*vals));
	cr_assert(vals);
	cr_assert(bpf_map_lookup_elem(map_fd, &idx, vals) == 0, "np_errors[%u]: %s", idx,
		  strerror(errno));
	for (i = 0; i < ncpu; i++)
		sum += vals[i].count;
	free(vals);
	return sum;
}
