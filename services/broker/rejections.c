/* rejections.c — folding refused attempts per source (see rejections.h). Two small
 * tables scanned linearly: REJECTIONS_KEYS_MAX keys each, looked up once per refusal. */
#include "rejections.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/error.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define SOURCE_MAX 80
#define ACTION_MAX 24
#define OVERFLOW_SOURCE "(others)"

typedef struct fold {
    bool used;
    char source[SOURCE_MAX];
    char action[ACTION_MAX];
    int code;
    int64_t window_start_ms;
    unsigned passed;         /* recorded one by one in this window */
    bool burst;              /* this window may record one by one */
    uint64_t folded;         /* folded in this window */
    uint8_t *first;          /* the first folded record, encoded */
    size_t first_len;
    int64_t last_us;
} fold_t;

typedef struct table {
    fold_t keys[REJECTIONS_KEYS_MAX];
    fold_t overflow;         /* whatever does not fit, folded always */
} table_t;

struct rejections {
    table_t tables[2];
};

rejections_t *rejections_new(void)
{
    rejections_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    for (int t = 0; t < 2; t++) {
        fold_t *o = &self->tables[t].overflow;
        o->used = true;
        snprintf(o->source, sizeof o->source, "%s", OVERFLOW_SOURCE);
    }
    return self;
}

static void drop_first(fold_t *f)
{
    free(f->first);
    f->first = NULL;
    f->first_len = 0;
}

void rejections_destroy(rejections_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rejections_t *self = *self_p;
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < REJECTIONS_KEYS_MAX; i++)
            drop_first(&self->tables[t].keys[i]);
        drop_first(&self->tables[t].overflow);
    }
    free(self);
    *self_p = NULL;
}

static const char *display(const fold_t *f, rejections_source_t kind)
{
    return kind == REJECTIONS_BY_INSTITUTION && f->source[0] == '\0' ? "(anonymous)" : f->source;
}

/* Queue the folded record of f on link, log one line saying how many, and reset. The
 * action and code are the first record's (the overflow key mixes them). */
static void write_folded(fold_t *f, rejections_source_t kind, link_t *link)
{
    if (f->folded == 0)
        return;
    Hcbus__RejectRecord *first = hcbus__reject_record__unpack(NULL, f->first_len, f->first);
    if (first) {
        first->repeats = f->folded;
        first->last_at_us = f->last_us;
        link_reject(link, first);
        double seconds = (double)(f->last_us - first->at_us) / 1e6;
        hcbus_notice(_("refused %" PRIu64 " attempts to %s from %s (%s) in %.1f s, recorded as one row: "
                     "the first was: %s"),
                     f->folded, first->action ? first->action : "", display(f, kind),
                     hcbus_code_name((int)first->code), seconds, first->reason ? first->reason : "");
        hcbus__reject_record__free_unpacked(first, NULL);
    } else {
        hcbus_error(_("out of memory: %" PRIu64 " refused attempts to %s from %s were not recorded"), f->folded,
                    f->action, display(f, kind));
    }
    drop_first(f);
    f->folded = 0;
}

/* End f's window if it is over: write what it folded; the next window records one
 * by one only if this one did not fold. */
static void roll_window(fold_t *f, rejections_source_t kind, link_t *link, int64_t now_ms)
{
    if (now_ms - f->window_start_ms < REJECTIONS_WINDOW_MS)
        return;
    f->burst = f->folded == 0;
    write_folded(f, kind, link);
    f->window_start_ms = now_ms;
    f->passed = 0;
}

static bool same_key(const fold_t *f, const char *source, const char *action, int code)
{
    return f->used && f->code == code && strcmp(f->source, source) == 0 && strcmp(f->action, action) == 0;
}

/* The key's entry: existing, a free one, an idle one (window over, nothing folded),
 * or the table's overflow. */
static fold_t *find(table_t *t, const char *source, const char *action, int code, int64_t now_ms)
{
    fold_t *spare = NULL;
    for (size_t i = 0; i < REJECTIONS_KEYS_MAX; i++) {
        fold_t *f = &t->keys[i];
        if (same_key(f, source, action, code))
            return f;
        if (!spare && (!f->used || (f->folded == 0 && now_ms - f->window_start_ms >= REJECTIONS_WINDOW_MS)))
            spare = f;
    }
    if (!spare)
        return &t->overflow;
    drop_first(spare);
    *spare = (fold_t){.used = true, .code = code, .window_start_ms = now_ms, .burst = true};
    snprintf(spare->source, sizeof spare->source, "%s", source);
    snprintf(spare->action, sizeof spare->action, "%s", action);
    return spare;
}

static void fold(fold_t *f, rejections_source_t kind, const Hcbus__RejectRecord *record)
{
    hcbus_error_t err;
    if (f->folded == 0 && hcbus_encode(&record->base, &f->first, &f->first_len, &err) != 0) {
        hcbus_error(_("out of memory: a refused attempt from %s was not recorded"), display(f, kind));
        return;
    }
    f->folded++;
    f->last_us = record->at_us;
}

void rejections_add(rejections_t *self, link_t *link, rejections_source_t kind, const char *source,
                    const Hcbus__RejectRecord *record, const char *log_line, int64_t now_ms)
{
    const char *action = record->action ? record->action : "";
    fold_t *f = find(&self->tables[kind], source ? source : "", action, (int)record->code, now_ms);
    roll_window(f, kind, link, now_ms);
    if (f != &self->tables[kind].overflow && f->burst && f->passed < REJECTIONS_BURST) {
        f->passed++;
        link_reject(link, record);
        hcbus_notice("%s", log_line);
        return;
    }
    fold(f, kind, record);
}

void rejections_tick(rejections_t *self, link_t *link, int64_t now_ms)
{
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < REJECTIONS_KEYS_MAX; i++) {
            if (self->tables[t].keys[i].used)
                roll_window(&self->tables[t].keys[i], (rejections_source_t)t, link, now_ms);
        }
        roll_window(&self->tables[t].overflow, (rejections_source_t)t, link, now_ms);
    }
}

void rejections_flush(rejections_t *self, link_t *link)
{
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < REJECTIONS_KEYS_MAX; i++)
            write_folded(&self->tables[t].keys[i], (rejections_source_t)t, link);
        write_folded(&self->tables[t].overflow, (rejections_source_t)t, link);
    }
}
