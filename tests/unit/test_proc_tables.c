/* Per-CPU / per-socket / per-device tables: softnet_stat, arp, udp{,6}, schedstat. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc_parsers.h"
#include "proc_fixture.h"

Test(proc_softnet, this_machine)
{
	struct softnet_stats s;
	char *b = fx_load("proc/net/softnet_stat");

	cr_assert_eq(softnet__parse(b, &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.cpu[0].processed, 0x2be8);
	cr_assert_eq(s.cpu[1].processed, 0x3be5);
	softnet__free(&s);
	free(b);
}

Test(proc_softnet, old_kernel_11_columns)
{
	struct softnet_stats s;
	char *b = fx_load("proc/variants/softnet_stat.5.10");

	cr_assert_eq(softnet__parse(b, &s), 0);
	cr_assert_eq(s.n, 4);
	cr_assert_eq(s.cpu[1].processed, 0xdfb82);
	cr_assert_eq(s.cpu[1].dropped, 0x29);
	cr_assert_eq(s.cpu[1].time_squeezed, 0xa);
	softnet__free(&s);
	free(b);
}

Test(proc_softnet, hostile)
{
	static const char *const files[] = { "hostile/proc/softnet_stat.short",
					     "hostile/proc/softnet_stat.huge",
					     "hostile/proc/binary.random" };

	for (size_t i = 0; i < 3; i++) {
		struct softnet_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(softnet__parse(b, &s), -EINVAL, "%s", files[i]);
		cr_assert_null(s.cpu);
		free(b);
	}
}

Test(proc_arp, this_machine)
{
	struct arp_stats s;
	char *b = fx_load("proc/net/arp");

	cr_assert_eq(arp__parse(b, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.dev[0].name, "eth0");
	cr_assert_eq(s.dev[0].entries, 1);
	arp__free(&s);
	free(b);
}

Test(proc_arp, k8s_node_counts_per_device)
{
	struct arp_stats s;
	char *b = fx_load("proc/variants/net_arp.k8s");

	cr_assert_eq(arp__parse(b, &s), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(s.dev[0].name, "cni0");
	cr_assert_eq(s.dev[0].entries, 3); /* incomplete entries count too, as node_exporter */
	cr_assert_str_eq(s.dev[1].name, "flannel.1");
	cr_assert_eq(s.dev[1].entries, 1);
	cr_assert_str_eq(s.dev[2].name, "enp39s0");
	arp__free(&s);
	free(b);
}

Test(proc_arp, empty_and_hostile)
{
	struct arp_stats s;
	char *e = fx_load("hostile/proc/empty"), *h = fx_load("hostile/proc/arp.short");

	cr_assert_eq(arp__parse(e, &s), 0);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(arp__parse(h, &s), -EINVAL);
	cr_assert_null(s.dev);
	free(e);
	free(h);
}

Test(proc_udp, sums_queues)
{
	struct udp_queues q;
	char *a = fx_load("proc/net/udp"), *b = fx_load("proc/net/udp6");

	cr_assert_eq(udp_queues__parse(a, &q), 0);
	cr_assert_eq(q.tx, 0x100);
	cr_assert_eq(q.rx, 0x300);
	cr_assert_eq(udp_queues__parse(b, &q), 0);
	cr_assert_eq(q.tx, 0);
	cr_assert_eq(q.rx, 0xa00);
	free(a);
	free(b);
}

Test(proc_udp, header_only)
{
	struct udp_queues q;
	char *b = fx_str("   sl  local_address rem_address   st tx_queue rx_queue tr\n");

	cr_assert_eq(udp_queues__parse(b, &q), 0);
	cr_assert_eq(q.tx + q.rx, 0);
	free(b);
}

Test(proc_udp, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/udp.short",
					     "hostile/proc/udp.badqueue", "hostile/proc/udp.overflow",
					     "hostile/proc/binary.random" };

	for (size_t i = 0; i < 5; i++) {
		struct udp_queues q;
		char *b = fx_load(files[i]);

		cr_assert_eq(udp_queues__parse(b, &q), -EINVAL, "%s", files[i]);
		free(b);
	}
}

Test(proc_schedstat, version15_two_cpus)
{
	struct schedstat s;
	char *b = fx_load("proc/schedstat");

	cr_assert_eq(schedstat__parse(b, &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.cpu[0].cpu, "0");
	cr_assert_eq(s.cpu[0].running_ns, 2045936778163039ULL);
	cr_assert_eq(s.cpu[0].waiting_ns, 343796328169361ULL);
	cr_assert_eq(s.cpu[1].timeslices, 117926567);
	cr_assert((double)s.cpu[0].running_ns / 1e9 == 2045936.778163039);
	schedstat__free(&s);
	free(b);
}

Test(proc_schedstat, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/schedstat.short",
					     "hostile/proc/schedstat.noversion",
					     "hostile/proc/schedstat.huge",
					     "hostile/proc/binary.random" };

	for (size_t i = 0; i < 5; i++) {
		struct schedstat s;
		char *b = fx_load(files[i]);

		cr_assert_eq(schedstat__parse(b, &s), -EINVAL, "%s", files[i]);
		cr_assert_null(s.cpu);
		free(b);
	}
}
