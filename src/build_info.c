// SPDX-License-Identifier: Apache-2.0
/* nodepath_build_info{version,revision,libbpf} 1. */
#include "build_info.h"
#include "loader.h"

void build_info__emit(struct expo_writer *w)
{
	struct expo_label lb[3] = { { "libbpf", loader__libbpf_version() },
				    { "revision", NODEPATH_REVISION },
				    { "version", NODEPATH_VERSION } };

	expo__family(w, "nodepath_build_info",
		     "A metric with a constant '1' value labeled by version, revision and the libbpf "
		     "version nodepath was built with.",
		     EXPO_GAUGE);
	expo__sample(w, "nodepath_build_info", lb, 3, 1);
}
