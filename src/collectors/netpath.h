// SPDX-License-Identifier: Apache-2.0
/* netpath collector: the nodepath_* families written from a datapath snapshot. Pure (no I/O
 * but netinfo's cached subnet.env), so the exact text is unit-tested on synthetic snapshots. */
#ifndef NODEPATH_COLLECTORS_NETPATH_H
#define NODEPATH_COLLECTORS_NETPATH_H

#include "datapath.h"
#include "expo.h"

/* Interface, pod, path, NodePort and pod-info families, and the datapath's health. */
void netpath__emit(struct expo_writer *w, const struct datapath_snapshot *s);

/* nodepath_node_network_info{cluster_cidr,pod_cidr,overlay_mtu} 1 while subnet.env is valid. */
void netpath__emit_network_info(struct expo_writer *w);

/* nodepath_datapath_state{state} and nodepath_datapath_setup_failures_total{error,stage}. */
void netpath__emit_setup(struct expo_writer *w, const struct datapath_setup *st);
/* The same for datapath__current(), nothing without one: written on every scrape outside the
 * netpath collector, whose output a failed set-up leaves out. */
void netpath__emit_current_setup(struct expo_writer *w);

#endif
