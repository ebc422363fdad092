// SPDX-License-Identifier: Apache-2.0
/* Helpers for the /proc parser tests: load a fixture file (relative to NP_FIXTURES) or a string
 * literal into a writable malloc'd buffer, since the parsers work in place. */
#ifndef NODEPATH_TEST_PROC_FIXTURE_H
#define NODEPATH_TEST_PROC_FIXTURE_H

char *fx_load(const char *rel);
char *fx_str(const char *s);

#endif
