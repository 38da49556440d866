/* verdict.c — the wait for hcbus-coordinator's answer to a published status or
 * escort status (verdict.h). Only notices the broker lets this institution read
 * arrive (those addressed to it); among them the one about our seq is the answer.
 * A publish the broker answers "duplicate" (recorded before, under the same msg_id)
 * was judged when first recorded: its notices are read back from that seq. Whatever
 * happens here, the message is already recorded: no answer is reported as such and
 * is not an error. */
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/text.h"
#include "hcbus/topic.h"
#include "words.h"

#define CMD "publish"
#define MS_PER_S 1000

struct verdict_waiter {
    hcbus_subscriber_t *sub;
    hcbus_client_options_t options; /* to look back for a duplicate's verdict */
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    char prefix[HCBUS_TOPIC_MAX + 1];
};

verdict_waiter_t *verdict_waiter_new(const cli_conn_t *conn, const char *zone_id)
{
    hcbus_client_options_t options;
    if (conn_options(CMD, conn, &options) != 0)
        return NULL; /* the publish itself reports the key problem */
    verdict_waiter_t *self = calloc(1, sizeof *self);
    if (!self) {
        printf(_("coordinator: not waiting for its verdict (out of memory)\n"));
        return NULL;
    }
    hcbus_error_t err;
    /* The broker checks the prefix (zone in the catalogue, rights) and names what is wrong. */
    snprintf(self->prefix, sizeof self->prefix, "notice.%s", zone_id);
    const char *prefixes[] = {self->prefix};
    self->sub = hcbus_subscriber_new(&options, prefixes, 1, false, conn->timeout_ms, &err);
    if (self->sub) {
        self->options = options;
        snprintf(self->broker_key, sizeof self->broker_key, "%s", options.broker_public_key);
        self->options.broker_public_key = self->broker_key;
        return self;
    }
    char line[HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_HINT_MAX + 64];
    char shown[sizeof line * 2];
    hcbus_error_format(&err, line, sizeof line);
    hcbus_text_escape(line, HCBUS_TEXT_PLAIN, shown, sizeof shown);
    if (err.code == HCBUS_EUNAUTHORIZED)
        printf(_("coordinator: not waiting for its verdict: this institution may not read the "
               "coordinator's notices (%s)\n"), shown);
    else
        printf(_("coordinator: not waiting for its verdict: could not listen for it (%s)\n"), shown);
    fflush(stdout);
    free(self);
    return NULL;
}

void verdict_waiter_destroy(verdict_waiter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hcbus_subscriber_destroy(&(*self_p)->sub);
    free(*self_p);
    *self_p = NULL;
}

/* The notice is the answer about seq. */
static bool answers(const Hcbus__Envelope *env, uint64_t seq)
{
    if (env->body_case != HCBUS__ENVELOPE__BODY_NOTICE || env->notice->subject_seq != seq)
        return false;
    int kind = env->notice->kind;
    return kind == HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED ||
           kind == HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION;
}

/* Print the verdict line; returns the exit code it means. */
static int print_verdict(const Hcbus__Notice *n, uint64_t seq)
{
    char rule[WORDS_MAX];
    char *reason = hcbus_text_escape_dup(n->reason, HCBUS_TEXT_PLAIN);
    rule_words(n->rule, rule, sizeof rule);
    int rc = EXIT_OK;
    if (n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION) {
        printf(_("coordinator: REFUSED (%s): %s\n"), rule[0] ? rule : _("no rule given"),
               reason ? reason : "?");
        printf(_("coordinator: seq=%llu is recorded but does not count in the request's "
               "timeline\n"),
               (unsigned long long)seq);
        rc = EXIT_REFUSED;
    } else if (rule[0])
        printf(_("coordinator: counted, flagged (%s): %s\n"), rule, reason ? reason : "?");
    else
        printf(_("coordinator: counted%s%s\n"), reason && reason[0] ? ": " : "", reason ? reason : "");
    fflush(stdout);
    free(reason);
    return rc;
}

static void print_no_answer(uint64_t seq, long wait_s, const hcbus_error_t *err)
{
    char line[HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_HINT_MAX + 64];
    char shown[sizeof line * 2] = "";
    if (err) {
        hcbus_error_format(err, line, sizeof line);
        hcbus_text_escape(line, HCBUS_TEXT_PLAIN, shown, sizeof shown);
    }
    printf(_("coordinator: no verdict (seq=%llu is recorded; the coordinator did not answer "
           "within %ld s%s%s)\n"),
           (unsigned long long)seq, wait_s, err ? ": " : "", shown);
    fflush(stdout);
}

/* A duplicate's verdict was given after its first copy was recorded, before we
 * listened: read the notices from the seq after it instead (replay, then live). */
static int look_back(verdict_waiter_t *self, uint64_t seq, int64_t deadline, hcbus_error_t *err)
{
    hcbus_subscriber_destroy(&self->sub);
    int64_t left = deadline - hcbus_monotonic_ms();
    if (left <= 0)
        return hcbus_error_set(err, HCBUS_ETIMEOUT, NULL, _("no time left to read earlier notices"));
    const char *prefixes[] = {self->prefix};
    self->sub = hcbus_subscriber_new_from(&self->options, prefixes, 1, seq + 1, (int)left, err);
    return self->sub ? 0 : -1;
}

int verdict_waiter_wait(verdict_waiter_t *self, uint64_t seq, bool duplicate, long wait_s)
{
    int64_t deadline = hcbus_monotonic_ms() + (int64_t)wait_s * MS_PER_S;
    hcbus_error_t err;
    if (duplicate && look_back(self, seq, deadline, &err) != 0) {
        print_no_answer(seq, wait_s, &err);
        return EXIT_OK;
    }
    for (;;) {
        int64_t left = deadline - hcbus_monotonic_ms();
        if (left <= 0)
            break;
        hcbus_delivery_t d;
        int rc = hcbus_subscriber_next(self->sub, (int)left, &d, &err);
        if (rc < 0) {
            print_no_answer(seq, wait_s, &err);
            return EXIT_OK;
        }
        if (rc == 0)
            continue;
        int verdict = -1;
        if (answers(d.envelope, seq))
            verdict = print_verdict(d.envelope->notice, seq);
        hcbus_envelope_free(d.envelope);
        if (verdict >= 0)
            return verdict;
    }
    print_no_answer(seq, wait_s, NULL);
    return EXIT_OK;
}
