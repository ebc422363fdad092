// SPDX-License-Identifier: Apache-2.0
/* Command-line flags in node_exporter's style: --name=value, --name value, --bool / --no-bool.
 * Flags are declared next to the code that uses them with NP_FLAG_*(); the parser finds them
 * through a linker section, so adding a collector never means editing a central table. */
#ifndef NODEPATH_FLAGS_H
#define NODEPATH_FLAGS_H

#include <stdbool.h>
#include <stdio.h>

enum flag_kind { FLAG_STRING, FLAG_BOOL, FLAG_UINT };

struct np_flag {
	const char *name; /* without the leading "--" */
	enum flag_kind kind;
	void *ptr; /* const char ** / bool * / unsigned long * holding the default */
	const char *help;
	bool repeatable; /* FLAG_STRING only: each use appends "," + value (not used yet) */
};

#define NP_FLAG_CAT2(a, b) a##b
#define NP_FLAG_CAT(a, b) NP_FLAG_CAT2(a, b)
#define NP_FLAG_DEFINE(kind_, name_, ptr_, help_)                                \
	static const struct np_flag NP_FLAG_CAT(np_flag_def_, __LINE__) = {      \
		.name = (name_), .kind = (kind_), .ptr = (ptr_), .help = (help_) \
	};                                                                       \
	static const struct np_flag *const NP_FLAG_CAT(np_flag_ptr_, __LINE__)   \
	    __attribute__((used, section("np_flags"))) = &NP_FLAG_CAT(np_flag_def_, __LINE__)

/* Usage at file scope: static const char *opt_x = "default"; NP_FLAG_STRING("a.b", &opt_x, "help"); */
#define NP_FLAG_STRING(name, ptr, help) NP_FLAG_DEFINE(FLAG_STRING, name, ptr, help)
#define NP_FLAG_BOOL(name, ptr, help) NP_FLAG_DEFINE(FLAG_BOOL, name, ptr, help)
#define NP_FLAG_UINT(name, ptr, help) NP_FLAG_DEFINE(FLAG_UINT, name, ptr, help)

/* Parses argv. Also handles --collector.<name> / --no-collector.<name> and
 * --collector.disable-defaults through the collector registry, and --help / --version.
 * Returns 0, 1 if --help/--version was printed (caller exits 0), or -EINVAL after printing a
 * clear error to err. */
int flags__parse(int argc, char **argv, FILE *out, FILE *err);

/* Print every flag with its help and default. */
void flags__usage(FILE *out);

#endif
