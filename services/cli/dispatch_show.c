/* dispatch_show.c — one request in full for `hcbus dispatch show` (dispatch_show.h).
 * Each message of the timeline is printed as `hcbus subscribe` prints it (print.c),
 * with hcbus-coordinator's verdict on the line below; call-out times come only from
 * statuses that count (callout.c). Patient details appear only when this institution
 * received them. */
#include "dispatch_show.h"

#include <string.h>

#include "callout.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "print.h"
#include "view_text.h"
#include "words.h"

/* ---- words --------------------------------------------------------------------- */

const char *dispatch_state_words(const dl_request_t *r, char *buf, size_t size)
{
    if (r->state == 0)
        snprintf(buf, size, "%s", _("requested"));
    else
        enum_words(&hcbus__dispatch_state__descriptor, r->state, buf, size);
    return buf;
}

const char *dispatch_escort_words(const dl_request_t *r, char *buf, size_t size)
{
    char state[WORDS_MAX];
    if (dl_waiting_for_escort(r)) {
        if (r->escort_state == HCBUS__ESCORT_STATE__ESCORT_STATE_UNAVAILABLE)
            snprintf(buf, size, "%s", _("waiting for escort (police: unavailable)"));
        else
            snprintf(buf, size, "%s", _("waiting for escort"));
    } else if (r->escort_state)
        snprintf(buf, size, _("escort %s"),
                 enum_words(&hcbus__escort_state__descriptor, r->escort_state, state, sizeof state));
    else
        snprintf(buf, size, "%s", r->escort_requested ? _("escort requested") : "-");
    return buf;
}

/* ---- the request --------------------------------------------------------------- */

static void print_place(const Hcbus__Location *l, FILE *out)
{
    if (!l)
        return;
    if (l->address[0])
        view_quoted(out, " address=", l->address);
    if (l->reference_point[0])
        view_quoted(out, " near=", l->reference_point);
    if (l->lat != 0 || l->lon != 0)
        fprintf(out, " gps=%.5f,%.5f", l->lat, l->lon);
}

static void print_patient(const hcbus_delivery_t *d, FILE *out)
{
    const Hcbus__DispatchRequest *q = d->envelope->dispatch;
    char age[WORDS_MAX], sex[WORDS_MAX], cond[WORDS_MAX];
    fprintf(out, _("  patient:"));
    if (q->patient_redacted || d->redacted)
        fprintf(out, _(" withheld (this institution has no clinical access)\n"));
    else if (!q->patient)
        fprintf(out, _(" none given\n"));
    else {
        const Hcbus__PatientDetails *p = q->patient;
        fprintf(out, " %s, %s, %s", enum_words(&hcbus__age_band__descriptor, p->age_band, age, sizeof age),
                enum_words(&hcbus__sex__descriptor, p->sex, sex, sizeof sex),
                enum_words(&hcbus__patient_condition__descriptor, p->condition, cond, sizeof cond));
        if (p->chief_complaint[0])
            view_quoted(out, " ", p->chief_complaint);
        fputc('\n', out);
    }
}

static void print_request(const dl_request_t *r, FILE *out)
{
    char t[HCBUS_TIME_TEXT_MAX], a[WORDS_MAX], b[WORDS_MAX], c[WORDS_MAX];
    view_word(out, _("request "), r->request_id);
    view_word(out, _(" in "), r->zone_id);
    fputc('\n', out);
    if (!r->dispatch.envelope) {
        fprintf(out, _("  no dispatch request with this id was read (only messages naming it)\n"));
        return;
    }
    const Hcbus__DispatchRequest *q = r->dispatch.envelope->dispatch;
    fprintf(out, _("  requested %s"), view_time(r->requested_us, t, sizeof t));
    view_word(out, _(" by "), r->requester);
    fprintf(out, _(" (seq %llu): priority %s, %s, unit %s\n"), (unsigned long long)r->seq,
            enum_words(&hcbus__priority__descriptor, q->priority, a, sizeof a),
            enum_words(&hcbus__incident_type__descriptor, q->incident_type, b, sizeof b),
            enum_words(&hcbus__capability__descriptor, q->capability, c, sizeof c));
    fprintf(out, _("  place:"));
    print_place(q->location, out);
    fputc('\n', out);
    print_patient(&r->dispatch, out);
    if (r->duplicate)
        fprintf(out, _("  REFUSED by the coordinator: request id already open (not tracked)\n"));
}

static void print_state(const dl_request_t *r, FILE *out)
{
    char state[WORDS_MAX], escort[WORDS_MAX * 2];
    fprintf(out, _("  state: %s"), dispatch_state_words(r, state, sizeof state));
    if (r->provider) {
        view_word(out, _(" (provider "), r->provider);
        fputc(')', out);
    }
    fprintf(out, _("\n  escort: %s\n"), dispatch_escort_words(r, escort, sizeof escort));
}

/* ---- the escort ---------------------------------------------------------------- */

/* The escort requests, the last counted assignment and any waiver. */
static void print_escort(const dl_request_t *r, FILE *out)
{
    char t[HCBUS_TIME_TEXT_MAX];
    for (size_t i = 0; i < r->n_items; i++) {
        const dl_item_t *it = &r->items[i];
        const Hcbus__Envelope *env = it->delivery.envelope;
        if (!env || it->verdict == VERDICT_REFUSED)
            continue;
        if (it->body == HCBUS__ENVELOPE__BODY_ESCORT) {
            view_word(out, _("    requested: escort "), env->escort->escort_id);
            view_word(out, _(" by "), it->sender);
            fprintf(out, _(" at %s, meeting point:"), view_time(it->at_us, t, sizeof t));
            print_place(env->escort->meeting_point, out);
            fputc('\n', out);
        } else if (it->body == HCBUS__ENVELOPE__BODY_ESCORT_STATUS &&
                   it->state == HCBUS__ESCORT_STATE__ESCORT_STATE_ASSIGNED) {
            const Hcbus__EscortStatus *s = env->escort_status;
            view_word(out, _("    assigned: unit "), s->police_unit);
            view_word(out, _(" by "), it->sender);
            fprintf(out, _(" at %s, meeting point:"), view_time(it->at_us, t, sizeof t));
            print_place(s->meeting_point, out);
            if (s->eta_us)
                fprintf(out, " eta=%s", view_time(s->eta_us, t, sizeof t));
            fputc('\n', out);
        } else if (it->body == HCBUS__ENVELOPE__BODY_ESCORT_STATUS &&
                   it->state == HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED) {
            view_word(out, _("    waived by "), it->sender);
            fprintf(out, _(" at %s:"), view_time(it->at_us, t, sizeof t));
            view_quoted(out, " ", env->escort_status->reason);
            fputc('\n', out);
        }
    }
}

/* ---- the timeline -------------------------------------------------------------- */

static void print_verdict(const dl_item_t *it, FILE *out)
{
    char rule[WORDS_MAX];
    if (it->body != HCBUS__ENVELOPE__BODY_STATUS && it->body != HCBUS__ENVELOPE__BODY_ESCORT_STATUS)
        return;
    fprintf(out, _("      coordinator: "));
    if (it->verdict == VERDICT_UNSEEN) {
        fprintf(out, _("no verdict seen (taken as counted)\n"));
        return;
    }
    rule_words(it->rule, rule, sizeof rule);
    if (it->verdict == VERDICT_REFUSED)
        fprintf(out, _("REFUSED (%s)"), rule);
    else
        fprintf(out, it->rule ? _("counted, flagged: %s") : _("counted"), rule);
    if (it->reason)
        view_quoted(out, ": ", it->reason);
    fprintf(out, _(" (notice seq %llu)\n"), (unsigned long long)it->verdict_seq);
}

/* A status or escort status received this long after its own time waited somewhere
 * (a unit's outbox while its link was down): the timeline says so, because the seq
 * order then differs from the order things happened in (decision 0041). */
#define LATE_ARRIVAL_US INT64_C(120000000)

static void print_late(const dl_item_t *it, FILE *out)
{
    if (it->body != HCBUS__ENVELOPE__BODY_STATUS && it->body != HCBUS__ENVELOPE__BODY_ESCORT_STATUS)
        return;
    int64_t late = it->delivery.envelope->received_at_us - it->at_us;
    if (it->at_us <= 0 || late < LATE_ARRIVAL_US)
        return;
    char d[CALLOUT_DURATION_TEXT_MAX];
    fprintf(out, _("      arrived %s after its own time (queued by the sender while offline); "
                   "call-out times use its own time\n"),
            callout_duration_text(late, d, sizeof d));
}

static void print_timeline(const dl_request_t *r, FILE *out)
{
    fprintf(out, _("timeline (seq order; at= is a status's own time):\n"));
    if (r->dispatch.envelope) {
        fprintf(out, "  ");
        print_delivery(&r->dispatch, false, out);
    }
    for (size_t i = 0; i < r->n_items; i++) {
        const dl_item_t *it = &r->items[i];
        if (!it->delivery.envelope)
            continue;
        fprintf(out, "  ");
        print_delivery(&it->delivery, false, out);
        print_late(it, out);
        print_verdict(it, out);
    }
}

/* ---- call-out times ------------------------------------------------------------ */

static void print_callout(const dl_request_t *r, FILE *out)
{
    callout_t c;
    char t[HCBUS_TIME_TEXT_MAX], d[CALLOUT_DURATION_TEXT_MAX];
    callout_begin(&c, r->requested_us);
    for (size_t i = 0; i < r->n_items; i++)
        if (r->items[i].body == HCBUS__ENVELOPE__BODY_STATUS && r->items[i].verdict != VERDICT_REFUSED)
            callout_add(&c, r->items[i].state, r->items[i].at_us);
    callout_finish(&c);
    if (!r->dispatch.envelope)
        c.has[CALLOUT_REQUESTED] = false;
    /* Columns as wide as the longest name in the user's language (16 and 30 in English). */
    int name_w = 17, span_w = 31;
    char span[CALLOUT_SPAN_COUNT][128];
    for (int m = 0; m < CALLOUT_TIME_COUNT; m++)
        if (view_width(_(callout_time_name((callout_time_t)m))) + 1 > name_w)
            name_w = view_width(_(callout_time_name((callout_time_t)m))) + 1;
    for (int s = 0; s < CALLOUT_SPAN_COUNT; s++) {
        snprintf(span[s], sizeof span[s], "%s -> %s", _(callout_time_name(callout_span_from((callout_span_t)s))),
                 _(callout_time_name(callout_span_to(&c, (callout_span_t)s))));
        if (view_width(_(callout_span_name((callout_span_t)s))) + 1 > name_w)
            name_w = view_width(_(callout_span_name((callout_span_t)s))) + 1;
        if (view_width(span[s]) + 1 > span_w)
            span_w = view_width(span[s]) + 1;
    }
    fprintf(out, _("call-out times (NEMSIS v3 eTimes, each status's own time; refused statuses left out):\n"));
    for (int m = 0; m < CALLOUT_TIME_COUNT; m++) {
        fprintf(out, "  ");
        view_padded(out, _(callout_time_name((callout_time_t)m)), name_w);
        fprintf(out, "%-10s %s\n", callout_time_nemsis((callout_time_t)m),
                c.has[m] ? view_time(c.at_us[m], t, sizeof t) : "-");
    }
    fprintf(out, _("durations:\n"));
    for (int s = 0; s < CALLOUT_SPAN_COUNT; s++) {
        fprintf(out, "  ");
        view_padded(out, _(callout_span_name((callout_span_t)s)), name_w);
        view_padded(out, span[s], span_w);
        fprintf(out, "%s%s\n", c.has_span[s] ? callout_duration_text(c.span_us[s], d, sizeof d) : "-",
                c.has_span[s] && c.span_us[s] < 0 ? _(" (the times disagree: check the statuses)") : "");
    }
}

void dispatch_show_print(const dl_request_t *r, FILE *out)
{
    print_request(r, out);
    print_state(r, out);
    print_escort(r, out);
    print_timeline(r, out);
    print_callout(r, out);
    if (r->unseen_verdicts)
        fprintf(out, _("note: %zu status(es) have no verdict visible to this institution (the "
                     "coordinator was not running, or its notice was not addressed to you); "
                     "they are counted as they came\n"), r->unseen_verdicts);
    fflush(out);
}
