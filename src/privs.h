// SPDX-License-Identifier: Apache-2.0
/* Least privilege after start-up: capabilities, no_new_privs, seccomp (--security.*). */
#ifndef NODEPATH_PRIVS_H
#define NODEPATH_PRIVS_H

/* Call once everything is started (programs loaded and attached, watchers and HTTP running):
 * keeps CAP_BPF and CAP_NET_ADMIN on every thread, sets no_new_privs and installs
 * the seccomp filter. 0 or -errno (logged). */
int privs__drop_after_start(void);

#endif
