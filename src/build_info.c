// SPDX-License-Identifier: Apache-2.0
/* What build this is: nodepath_build_info{version,revision,libbpf} 1 and the --version text,
 * both from the one build stamp (version.h), so they always name the same revision. */
#include "build_info.h"

#include "loader.h"
#include "version.h"

void build_info__emit(struct expo_writer *w)
{
	struct expo_label lb[3] = { { "libbpf", loader__libbpf_version() },
				    { "revision", NODEPATH_REVISION },
				    { "version", NODEPATH_VERSION } };

	expo__family(
	    w, "nodepath_build_info",
	    "A metric with a constant '1' value labeled by version, revision and the libbpf "
	    "version nodepath was built with.",
	    EXPO_GAUGE);
	expo__sample(w, "nodepath_build_info", lb, 3, 1);
}

const char *build_info__revision(void)
{
	return NODEPATH_REVISION;
}

void build_info__print_version(FILE *out)
{
	const char *libbpf = loader__libbpf_version();

	/* libbpf says "v1.1"; node_exporter's "go version" line has no such prefix either. */
	if (libbpf[0] == 'v')
		libbpf++;
	fprintf(out,
		"nodepath, version %s (branch: %s, revision: %s)\n"
		"  build user:       %s\n"
		"  build date:       %s\n"
		"  libbpf version:   %s, compiler: %s\n"
		"  platform:         %s\n",
		NODEPATH_VERSION, NODEPATH_BRANCH, NODEPATH_REVISION, NODEPATH_BUILD_USER,
		NODEPATH_BUILD_DATE, libbpf, NODEPATH_COMPILER, NODEPATH_PLATFORM);
}
