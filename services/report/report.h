/* report.h — what the layers of hcbus-report share: the reporter's language, a report
 * that passed the form's checks (a draft, published later as a SecurityAlert), a
 * cleaned photo, and the conversation a receipt opens. No layer below web/ knows HTTP;
 * none above pipeline/ knows the bus or PostgreSQL. docs/report.md describes them. */
#ifndef HCBUS_REPORT_H
#define HCBUS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/zones.h"

#define REPORT_PHOTOS_MAX 5            /* the most a config may allow (max_photos) */
#define REPORT_DESCRIPTION_MAX 1024    /* bytes, as SecurityAlert.description */
#define REPORT_ANSWER_MAX 2000         /* bytes of an answer (and of a question) */
#define REPORT_RECEIPT_TEXT_MAX 24     /* "K7QM-2XD9-4RTB-HW3P" + NUL, with room */
#define REPORT_ALERT_ID_MAX 64

/* The reporter's language: Spanish unless the page was asked for in English. */
typedef enum { REPORT_LANG_ES = 0, REPORT_LANG_EN = 1 } report_lang_t;

/* A photo with every metadata block removed (photos/strip.h). bytes is malloc'd. */
typedef struct report_photo {
    unsigned char *bytes;
    size_t len;
    const char *content_type;          /* "image/jpeg" or "image/png" (static) */
} report_photo_t;

/* A report that passed every check of the form, ready to publish. */
typedef struct report_draft {
    char zone_id[HCBUS_ZONE_ID_MAX + 1];   /* a district, or a department ("rather not say") */
    int act;                               /* Hcbus__Act */
    int target;                            /* Hcbus__Target */
    int severity;                          /* Hcbus__Severity */
    uint32_t killed, injured, removed;     /* Casualties, 0..999 each */
    int64_t occurred_at_us;                /* 00:00 America/El_Salvador (UTC-6) of the day chosen */
    char description[REPORT_DESCRIPTION_MAX + 1];
    report_photo_t photos[REPORT_PHOTOS_MAX];
    size_t photo_count;
} report_draft_t;

/* Free the photos of d (NULL-safe) and zero their slots. */
void report_draft_free_photos(report_draft_t *d);

/* One question of facilitators and the reporter's answer, if any. */
typedef struct report_question {
    int64_t id;
    char asked_on[11];                     /* "YYYY-MM-DD" */
    char *text;                            /* malloc'd */
    char answered_on[11];                  /* "" when unanswered */
    char *answer;                          /* malloc'd, NULL when unanswered */
    bool pending;                          /* answer waits in memory for its release (answered_on "") */
    unsigned pending_s;                    /* then: seconds until it is released, >= 1 */
} report_question_t;

/* What a receipt opens: which report it is (from the sealed mailbox) and the
 * conversation about it (from PostgreSQL). */
typedef struct report_thread {
    char alert_id[REPORT_ALERT_ID_MAX + 1];
    char zone_id[HCBUS_ZONE_ID_MAX + 1];
    int act;                               /* Hcbus__Act */
    char occurred_on[11];                  /* "YYYY-MM-DD" (America/El_Salvador) */
    size_t photo_count;
    report_question_t *questions;          /* oldest first, malloc'd */
    size_t question_count;
} report_thread_t;

/* Free what t holds (NULL-safe) and zero it. */
void report_thread_free(report_thread_t *t);

#endif
