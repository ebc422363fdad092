// SPDX-License-Identifier: Apache-2.0
/* Sorted, de-duplicated sets of pod network namespaces (see netns_pods.h). */
#include <stdlib.h>
#include <string.h>

#include "netns_pods.h"

static int cmp_inode(const void *a, const void *b)
{
	const struct netns_pod *x = a, *y = b;

	return (x->inode > y->inode) - (x->inode < y->inode);
}

static int cmp_inode_veth(const void *a, const void *b)
{
	const struct netns_pod *x = a, *y = b;
	int c = cmp_inode(a, b);

	return c ? c : strncmp(x->veth, y->veth, sizeof(x->veth));
}

size_t netns_pods__dedupe(struct netns_pod *v, size_t n)
{
	size_t k = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), cmp_inode_veth);
	for (size_t i = 1; i < n; i++)
		if (v[i].inode != v[k].inode)
			v[++k] = v[i];
	return k + 1;
}

const struct netns_pod *netns_pods__find(const struct netns_pod *v, size_t n, uint32_t inode)
{
	struct netns_pod key = { .inode = inode };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_inode) : NULL;
}
