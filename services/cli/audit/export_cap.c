/* export_cap.c — the hook of `hcbus audit export --cap` (export.h). Engineer "cap"
 * replaces this file with the CAP 1.2 writer; until then --cap says it is missing. */
#include <stdio.h>

#include "export.h"

int audit_export_cap(const audit_opts_t *opts, const audit_filter_t *filter)
{
    (void)opts;
    (void)filter;
    fprintf(stderr, "hcbus audit export: --cap (OASIS CAP 1.2) is not in this build yet\n");
    return AUDIT_EXIT_USAGE;
}
