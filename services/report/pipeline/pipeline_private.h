/* pipeline_private.h — internal: what a report_pipeline_t holds, shared by pipeline.c
 * (start, submit, stop) and thread.c (the way back with a receipt). */
#ifndef REPORT_PIPELINE_PRIVATE_H
#define REPORT_PIPELINE_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>

#include "answers.h"
#include "hcbus/zones.h"
#include "mailbox.h"
#include "pipeline.h"
#include "queue.h"
#include "release.h"
#include "store.h"

struct report_pipeline {
    unsigned char salt[MAILBOX_SALT_BYTES];   /* the receipt salt (from the secret) */
    uint32_t hash_passes, hash_memory_kib;    /* Argon2id's cost */
    hcbus_zones_t *zones;                     /* to validate alerts at submit */
    report_queue_t *queue;
    report_answers_t *answers;                /* answers waiting for their release */
    report_releaser_t *releaser;
    pthread_mutex_t reader_lock;              /* reader: pipeline_open and _answer */
    report_store_t *reader;
    pthread_mutex_t state_lock;
    bool stopping;                            /* pipeline_stop began: submit refuses */
};

/* Derive a typed receipt's keys (in the caller's thread: Argon2id is slow on purpose).
 * Returns 0, or -1 with err (HCBUS_EINVALID, field "recibo", for a malformed receipt). */
int pipeline_receipt_keys(const report_pipeline_t *self, const char *typed, mailbox_keys_t *keys,
                          hcbus_error_t *err);

#endif
