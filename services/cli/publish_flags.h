/* publish_flags.h — the flags of `hcbus publish <kind>`: each names an Envelope field by
 * its dotted proto path (set by fields.c), with an optional default. */
#ifndef HCBUS_CLI_PUBLISH_FLAGS_H
#define HCBUS_CLI_PUBLISH_FLAGS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct pub_flag {
    const char *flag;  /* without "--" */
    const char *path;  /* in the Envelope: "dispatch.location.lat" */
    const char *dflt;  /* "now", "new-id", "new-request-id" (req-<new id>) or NULL */
    bool required;     /* the message is refused without it (marked in --help) */
    const char *what;  /* what it says, in a dispatcher's words (N_(), for --help) */
} pub_flag_t;

typedef struct pub_kind {
    const char *name;  /* "zone", "dispatch", ... */
    const char *what;  /* one line for --help */
    const pub_flag_t *flags;
    bool verdict;      /* hcbus-coordinator answers it: publish waits for its notice */
} pub_kind_t;

/* The kinds, ending with a {NULL} entry. */
extern const pub_kind_t pub_kinds[];

/* The kind named name, or NULL. */
const pub_kind_t *pub_kind_find(const char *name);

/* Print kind's flags in two groups, required then optional, one line each: the flag,
 * its value, what it says, the enum names it takes and its default. */
void pub_kind_help(const pub_kind_t *kind, FILE *out);

#endif
