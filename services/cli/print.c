/* print.c — one line per delivery for `hcbus subscribe` / `hcbus snapshot` (print.h).
 * Readable lines start "#seq time topic" and go on with what matters for the kind:
 * a zone shows on its one line what a crew needs before going in (level, escort,
 * hours, contact, entry instructions, meeting point); a status or escort status its
 * own time (at=) beside the broker's; a notice the coordinator's verdict and rule in
 * words. Enum values are words ("at meeting point"). Patient details are shown only
 * when present, never invented, and "withheld" when the broker removed them. JSON
 * lines are hcbus_summary_json plus delivery facts.
 * Every text from a message is escaped (hcbus/text.h): a record, even one older than
 * the rule that refuses control characters, cannot move the cursor, hide text, end
 * the line or add a field that looks like ours (a quote in a value is written \").
 * JSON lines are hcbus_summary_json (the audit log's summary, which never holds
 * patient details) plus delivery facts, and two changes a script needs: the patient
 * details when the delivery carries them (the broker removes them, and sets
 * "redacted", for every institution without clinical access: what it sent is what
 * this institution may read), and a location's lat/lon left out when it has none
 * (0,0 is how proto3 writes "no coordinates"; text lines never show it either). */
#include "print.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/summary.h"
#include "hcbus/text.h"
#include "view_text.h"
#include "words.h"

#define NAME_MAX_CHARS 64

static const char *source_name(hcbus_source_t s)
{
    return s == HCBUS_FROM_SNAPSHOT ? "snapshot" : s == HCBUS_FROM_REPLAY ? "replay" : "live";
}

static const char *name_of(const ProtobufCEnumDescriptor *desc, int value, char *buf)
{
    return enum_words(desc, value, buf, WORDS_MAX);
}

/* A place: its address (or landmark, or coordinates) under label, then what else is
 * known: near="landmark" gps=lat,lon. */
static void print_place(const Hcbus__Location *l, const char *label, FILE *out)
{
    if (!l)
        return;
    char key[NAME_MAX_CHARS];
    bool gps = l->lat != 0 || l->lon != 0;
    snprintf(key, sizeof key, " %s=", label);
    if (l->address[0]) {
        view_quoted(out, key, l->address);
        if (l->reference_point[0])
            view_quoted(out, " near=", l->reference_point);
    } else if (l->reference_point[0])
        view_quoted(out, key, l->reference_point);
    else if (gps) {
        fprintf(out, "%s%.5f,%.5f", key, l->lat, l->lon);
        return;
    }
    if (gps)
        fprintf(out, " gps=%.5f,%.5f", l->lat, l->lon);
}

/* What a crew needs before it goes in, on the one line: escort, hours, contact, entry
 * instructions, meeting point. Nothing when the conditions are absent (not invented). */
static void print_access(const Hcbus__AccessConditions *a, FILE *out)
{
    if (!a)
        return;
    fprintf(out, a->escort_required ? " escort-required" : " no-escort-required");
    if (a->allowed_from_hour || a->allowed_until_hour)
        fprintf(out, " hours=%02u:00-%02u:00", a->allowed_from_hour, a->allowed_until_hour);
    else
        fprintf(out, " hours=any");
    if (a->contact[0])
        view_quoted(out, " contact=", a->contact);
    if (a->entry_instructions[0])
        view_quoted(out, " entry=", a->entry_instructions);
    print_place(a->meeting_point, "meeting-point", out);
}

static void print_level(int level, FILE *out)
{
    char name[NAME_MAX_CHARS];
    fprintf(out, " %s", enum_words_upper(&hcbus__risk_level__descriptor, level, name, sizeof name));
}

static void print_zone(const Hcbus__ZoneRiskLevel *z, FILE *out)
{
    char t[HCBUS_TIME_TEXT_MAX];
    print_level(z->level, out);
    print_access(z->access, out);
    if (z->valid_until_us)
        fprintf(out, " until=%s", view_time(z->valid_until_us, t, sizeof t));
    if (z->reason[0])
        view_quoted(out, " ", z->reason);
}

static void print_patient(const Hcbus__DispatchRequest *d, FILE *out)
{
    char age[NAME_MAX_CHARS], sex[NAME_MAX_CHARS], cond[NAME_MAX_CHARS];
    if (d->patient_redacted) {
        fprintf(out, "%s", _(" [patient details withheld]"));
        return;
    }
    const Hcbus__PatientDetails *p = d->patient;
    if (!p)
        return;
    fprintf(out, " patient=%s/%s/%s", name_of(&hcbus__age_band__descriptor, p->age_band, age),
            name_of(&hcbus__sex__descriptor, p->sex, sex),
            name_of(&hcbus__patient_condition__descriptor, p->condition, cond));
    if (p->chief_complaint[0])
        view_quoted(out, " ", p->chief_complaint);
}

static void print_dispatch(const Hcbus__DispatchRequest *d, FILE *out)
{
    char prio[NAME_MAX_CHARS], inc[NAME_MAX_CHARS], cap[NAME_MAX_CHARS];
    view_word(out, " request=", d->request_id);
    fprintf(out, " %s %s %s", name_of(&hcbus__priority__descriptor, d->priority, prio),
            name_of(&hcbus__incident_type__descriptor, d->incident_type, inc),
            name_of(&hcbus__capability__descriptor, d->capability, cap));
    print_place(d->location, "address", out);
    print_patient(d, out);
}

/* The status's own time (when it happened), beside the seq and the broker's time. */
static void print_own_time(int64_t at_us, FILE *out)
{
    char t[HCBUS_TIME_TEXT_MAX];
    if (at_us)
        fprintf(out, " at=%s", view_time(at_us, t, sizeof t));
}

static void print_status(const Hcbus__DispatchStatus *s, FILE *out)
{
    char state[NAME_MAX_CHARS];
    view_word(out, " request=", s->request_id);
    fprintf(out, " %s", name_of(&hcbus__dispatch_state__descriptor, s->state, state));
    if (s->unit_id[0])
        view_word(out, " unit=", s->unit_id);
    print_own_time(s->at_us, out);
    if (s->destination_facility[0])
        view_quoted(out, " facility=", s->destination_facility);
    if (s->reason[0])
        view_quoted(out, " ", s->reason);
}

static void print_alert(const Hcbus__SecurityAlert *a, FILE *out)
{
    char act[NAME_MAX_CHARS], target[NAME_MAX_CHARS], sev[NAME_MAX_CHARS];
    view_word(out, " alert=", a->alert_id);
    fprintf(out, _(" %s against %s severity=%s"), name_of(&hcbus__act__descriptor, a->act, act),
            name_of(&hcbus__target__descriptor, a->target, target),
            name_of(&hcbus__severity__descriptor, a->severity, sev));
    if (a->casualties)
        fprintf(out, " killed=%u injured=%u removed=%u", a->casualties->killed,
                a->casualties->injured, a->casualties->removed);
    if (a->request_id[0])
        view_word(out, " request=", a->request_id);
    if (a->description[0])
        view_quoted(out, " ", a->description);
}

static void print_escort(const Hcbus__EscortRequest *e, FILE *out)
{
    char t[HCBUS_TIME_TEXT_MAX];
    view_word(out, " escort=", e->escort_id);
    view_word(out, " request=", e->request_id);
    if (e->unit_id[0])
        view_word(out, " unit=", e->unit_id);
    if (e->needed_by_us)
        fprintf(out, " needed-by=%s", view_time(e->needed_by_us, t, sizeof t));
    print_place(e->meeting_point, "meeting-point", out);
    if (e->reason[0])
        view_quoted(out, " ", e->reason);
}

static void print_escort_status(const Hcbus__EscortStatus *e, FILE *out)
{
    char state[NAME_MAX_CHARS], t[HCBUS_TIME_TEXT_MAX];
    view_word(out, " escort=", e->escort_id);
    view_word(out, " request=", e->request_id);
    fprintf(out, " %s", name_of(&hcbus__escort_state__descriptor, e->state, state));
    if (e->police_unit[0])
        view_word(out, " police-unit=", e->police_unit);
    print_place(e->meeting_point, "meeting-point", out);
    if (e->eta_us)
        fprintf(out, " eta=%s", view_time(e->eta_us, t, sizeof t));
    print_own_time(e->at_us, out);
    if (e->reason[0])
        view_quoted(out, " ", e->reason);
}

/* "VIOLATION (unknown request)", "CHECKED flagged (no escort assigned yet)", ... */
static void print_notice_kind(const Hcbus__Notice *n, FILE *out)
{
    char kind[NAME_MAX_CHARS], rule[WORDS_MAX];
    enum_words_upper(&hcbus__notice_kind__descriptor, n->kind, kind, sizeof kind);
    fprintf(out, " %s", kind);
    rule_words(n->rule, rule, sizeof rule);
    if (rule[0])
        fprintf(out, n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED ? _(" flagged (%s)") : " (%s)",
                rule);
}

static void print_notice(const Hcbus__Notice *n, FILE *out)
{
    char t[HCBUS_TIME_TEXT_MAX];
    print_notice_kind(n, out);
    if (n->subject_seq)
        fprintf(out, " about=#%llu", (unsigned long long)n->subject_seq);
    if (n->subject_sender[0])
        view_word(out, " sent-by=", n->subject_sender);
    if (n->request_id[0])
        view_word(out, " request=", n->request_id);
    if (n->escort_id[0])
        view_word(out, " escort=", n->escort_id);
    if (n->level != HCBUS__RISK_LEVEL__RISK_LEVEL_UNSPECIFIED)
        print_level(n->level, out);
    print_access(n->access, out);
    if (n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_LEVEL_REVIEW)
        fprintf(out, " alerts=%u", n->alert_count);
    if (n->deadline_us)
        fprintf(out, " due=%s", view_time(n->deadline_us, t, sizeof t));
    if (n->reason[0])
        view_quoted(out, " ", n->reason);
    for (size_t i = 0; i < n->n_recipients; i++)
        view_word(out, i == 0 ? " to=" : ",", n->recipients[i]);
}

static void print_line(const hcbus_delivery_t *d, FILE *out)
{
    const Hcbus__Envelope *env = d->envelope;
    char t[HCBUS_TIME_TEXT_MAX];
    int64_t when = env->received_at_us ? env->received_at_us : env->sent_at_us;
    fprintf(out, "#%llu %s", (unsigned long long)d->seq, view_time(when, t, sizeof t));
    view_word(out, " ", env->topic);
    switch (env->body_case) {
    case HCBUS__ENVELOPE__BODY_ZONE: print_zone(env->zone, out); break;
    case HCBUS__ENVELOPE__BODY_DISPATCH: print_dispatch(env->dispatch, out); break;
    case HCBUS__ENVELOPE__BODY_STATUS: print_status(env->status, out); break;
    case HCBUS__ENVELOPE__BODY_ALERT: print_alert(env->alert, out); break;
    case HCBUS__ENVELOPE__BODY_ESCORT: print_escort(env->escort, out); break;
    case HCBUS__ENVELOPE__BODY_ESCORT_STATUS: print_escort_status(env->escort_status, out); break;
    case HCBUS__ENVELOPE__BODY_NOTICE: print_notice(env->notice, out); break;
    default: fprintf(out, "%s", _(" (no body)")); break;
    }
    if (env->sender[0])
        view_word(out, " from=", env->sender);
    else
        fprintf(out, " anonymous");
    if (d->source != HCBUS_FROM_LIVE)
        fprintf(out, " (%s)", source_name(d->source));
    fputc('\n', out);
}

/* "patient": {...} in place of "patient_redacted": true, when the broker sent them. */
static void json_add_patient(json_t *obj, const hcbus_delivery_t *d)
{
    const Hcbus__Envelope *env = d->envelope;
    if (env->body_case != HCBUS__ENVELOPE__BODY_DISPATCH || !env->dispatch->patient || d->redacted ||
        env->dispatch->patient_redacted)
        return;
    const Hcbus__PatientDetails *p = env->dispatch->patient;
    char age[NAME_MAX_CHARS], sex[NAME_MAX_CHARS], cond[NAME_MAX_CHARS];
    json_t *patient = json_object();
    json_object_set_new(patient, "age_band", json_string(enum_short_name(&hcbus__age_band__descriptor, p->age_band, age, sizeof age)));
    json_object_set_new(patient, "sex", json_string(enum_short_name(&hcbus__sex__descriptor, p->sex, sex, sizeof sex)));
    json_object_set_new(patient, "condition",
                        json_string(enum_short_name(&hcbus__patient_condition__descriptor, p->condition, cond, sizeof cond)));
    if (p->chief_complaint[0])
        json_object_set_new(patient, "chief_complaint", json_string(p->chief_complaint));
    json_object_del(obj, "patient_redacted");
    json_object_set_new(obj, "patient", patient);
}

/* Leave out lat/lon of every location that has no coordinates (both 0). */
static void json_drop_absent_coordinates(json_t *value)
{
    if (json_is_array(value)) {
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) json_drop_absent_coordinates(item);
        return;
    }
    if (!json_is_object(value))
        return;
    json_t *lat = json_object_get(value, "lat"), *lon = json_object_get(value, "lon");
    if (json_is_number(lat) && json_is_number(lon) && json_number_value(lat) == 0 && json_number_value(lon) == 0) {
        json_object_del(value, "lat");
        json_object_del(value, "lon");
    }
    const char *key;
    json_t *member;
    json_object_foreach(value, key, member) json_drop_absent_coordinates(member);
}

int print_json_object(json_t *obj, FILE *out)
{
    /* jansson escapes C0, '"' and '\\'; DEL, C1 and the reordering characters are
     * escaped after it, inside the strings where alone they can appear. */
    char *dumped = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    char *shown = dumped ? hcbus_text_escape_dup(dumped, HCBUS_TEXT_JSON) : NULL;
    free(dumped);
    if (!shown)
        return -1;
    fprintf(out, "%s\n", shown);
    free(shown);
    fflush(out);
    return 0;
}

static int print_json(const hcbus_delivery_t *d, FILE *out)
{
    char *text = hcbus_summary_json(d->envelope);
    json_t *obj = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return -1;
    }
    const Hcbus__Envelope *env = d->envelope;
    json_object_set_new(obj, "seq", json_integer((json_int_t)d->seq));
    json_object_set_new(obj, "msg_id", json_string(env->msg_id));
    json_object_set_new(obj, "sender", json_string(env->sender));
    json_object_set_new(obj, "topic", json_string(env->topic));
    json_object_set_new(obj, "redacted", json_boolean(d->redacted));
    json_object_set_new(obj, "source", json_string(source_name(d->source)));
    json_add_patient(obj, d);
    json_drop_absent_coordinates(obj);
    int rc = print_json_object(obj, out);
    json_decref(obj);
    return rc;
}

int print_delivery(const hcbus_delivery_t *d, bool json, FILE *out)
{
    int rc = 0;
    if (json)
        rc = print_json(d, out);
    else
        print_line(d, out);
    fflush(out);
    return rc;
}
