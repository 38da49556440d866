/* list.h — the rows of `hcbus audit list`, shared with `hcbus audit export` (which is
 * list in CSV or JSON lines with every column). */
#ifndef HCBUS_CLI_AUDIT_LIST_H
#define HCBUS_CLI_AUDIT_LIST_H

#include "audit.h"
#include "filter.h"

/* Print the review.events rows matching filter, in seq order, streamed (cursor.h), in
 * opts->format; zone names from review.zones. Prints errors; returns the exit code.
 * *rows (may be NULL) gets the count printed. */
int audit_list_print(const char *cmd, const audit_opts_t *opts, const audit_filter_t *filter,
                     size_t *rows);

#endif
