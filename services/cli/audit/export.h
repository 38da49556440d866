/* export.h — `hcbus audit export`: the rows of `list` for another program (CSV with a
 * header, or JSON lines, with every column), and --cap: the security alerts and zone
 * changes as OASIS CAP 1.2 XML, which export_cap.c provides (engineer "cap"'s hook:
 * export.c parses the flags and calls it). */
#ifndef HCBUS_CLI_AUDIT_EXPORT_H
#define HCBUS_CLI_AUDIT_EXPORT_H

#include "audit.h"
#include "filter.h"

/* Write the CAP 1.2 export of the events matching filter (--from, --to; the other
 * filters as its owner documents): one document per event into out_dir, or the single
 * one to stdout when out_dir is NULL. Prints errors; returns the exit code. */
int audit_export_cap(const audit_opts_t *opts, const audit_filter_t *filter,
                     const char *out_dir);

#endif
