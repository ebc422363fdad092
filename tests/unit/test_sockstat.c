// SPDX-License-Identifier: Apache-2.0
/* /proc/net/sockstat{,6} parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/sockstat.h"
#include "proc_fixture.h"

static const struct sockstat_proto *proto(const struct sockstat *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->proto[i].name, name) == 0)
			return &s->proto[i];
	cr_assert_fail("no protocol %s", name);
	return NULL;
}

Test(sockstat, k8s_node)
{
	struct sockstat s;
	const struct sockstat_proto *tcp;
	char *b = fx_load("proc/variants/sockstat.k8s");

	cr_assert_eq(sockstat__parse(b, &s), 0);
	cr_assert(s.have_used);
	cr_assert_eq(s.used, 2137);
	cr_assert_eq(s.n, 5);
	tcp = proto(&s, "TCP");
	cr_assert_eq(tcp->v[SS_INUSE], 51);
	cr_assert_eq(tcp->v[SS_TW], 97);
	cr_assert_eq(tcp->v[SS_ALLOC], 93);
	cr_assert_eq(tcp->v[SS_MEM], 7);
	cr_assert(!tcp->have[SS_MEMORY]);
	cr_assert(proto(&s, "FRAG")->have[SS_MEMORY]);
	cr_assert(!proto(&s, "UDPLITE")->have[SS_MEM]);
	free(b);
}

Test(sockstat, ipv6_has_no_used_line)
{
	struct sockstat s;
	char *b = fx_load("proc/net/sockstat6");

	cr_assert_eq(sockstat__parse(b, &s), 0);
	cr_assert(!s.have_used);
	cr_assert_eq(s.n, 5);
	cr_assert_str_eq(s.proto[0].name, "TCP6");
	free(b);
}

Test(sockstat, hostile)
{
	static const char *const files[] = {
		"hostile/proc/sockstat.odd",  "hostile/proc/sockstat.noinuse",
		"hostile/proc/sockstat.huge", "hostile/proc/sockstat.duplicate",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct sockstat s;
		char *b = fx_load(files[i]);

		cr_assert_eq(sockstat__parse(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
}
