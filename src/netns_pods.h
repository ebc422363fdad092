// SPDX-License-Identifier: Apache-2.0
/* The pod network namespaces whose drops count, as a set keyed by netns inode: built on the
 * link-watch tick from the pod table, searched per drop counter on every scrape. Pure code, no
 * I/O, so it is unit-tested on its own. */
#ifndef NODEPATH_NETNS_PODS_H
#define NODEPATH_NETNS_PODS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* A pod network namespace and the host veth that names its pod. */
struct netns_pod {
	uint32_t inode;
	char veth[IF_NAMESIZE];
};

/* Sorts v[n] by inode and keeps one entry per inode, the one with the smallest veth name (a pod
 * with two interfaces, Multus, has one netns: its drops go to that veth). Returns the new n. */
size_t netns_pods__dedupe(struct netns_pod *v, size_t n);

/* In v[n] as netns_pods__dedupe left it: the entry of inode, or NULL. O(log n). */
const struct netns_pod *netns_pods__find(const struct netns_pod *v, size_t n, uint32_t inode);

#endif
