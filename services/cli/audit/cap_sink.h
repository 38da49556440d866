/* cap_sink.h — where the CAP export's documents go. CAP 1.2 has one <alert> per
 * document (decision 0018): with --out DIR each event is its own file DIR/<identifier>.xml
 * (written to a hidden temporary name, then renamed, so a consumer watching DIR never
 * reads half a file; writing the same event again gives the same bytes); without it,
 * stdout takes exactly one document, and more than one matching event is refused. */
#ifndef HCBUS_CLI_AUDIT_CAP_SINK_H
#define HCBUS_CLI_AUDIT_CAP_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CAP_DIR_MODE 0750  /* a directory --out makes: Restricted scope */
#define CAP_FILE_MODE 0640

typedef struct cap_sink cap_sink_t;

/* A sink writing into dir (made if missing; its parent must exist), or to stdout when
 * dir is NULL. Returns 0 with *out (free with cap_sink_destroy), or prints why and
 * returns the exit code (1: dir is not a usable directory; 4: out of memory). */
int cap_sink_new(const char *cmd, const char *dir, cap_sink_t **out);

void cap_sink_destroy(cap_sink_t **self_p);

/* True when the sink takes no more documents (stdout already holds one): the caller
 * only counts the rest for cap_sink_finish. */
bool cap_sink_full(const cap_sink_t *self);

/* Begin the document of identifier: returns the stream to write it to (owned by the
 * sink), or NULL after printing why. */
FILE *cap_sink_begin(cap_sink_t *self, const char *identifier);

/* End the document begun last: in a directory, close and rename it into place.
 * Returns 0, or prints why and returns the exit code. */
int cap_sink_end(cap_sink_t *self);

/* Finish after events matching events in all: stdout writes its document, or refuses
 * (exit 1, naming the count and --out) when events is more than one. Prints nothing
 * and returns 0 for no event (the caller says so). */
int cap_sink_finish(cap_sink_t *self, size_t events);

#endif
