/* report.c — freeing what report.h's shared types hold. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

void report_draft_free_photos(report_draft_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->photo_count && i < REPORT_PHOTOS_MAX; i++)
        free(d->photos[i].bytes);
    memset(d->photos, 0, sizeof d->photos);
    d->photo_count = 0;
}

void report_thread_free(report_thread_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->question_count; i++) {
        free(t->questions[i].text);
        free(t->questions[i].answer);
    }
    free(t->questions);
    memset(t, 0, sizeof *t);
}
