/* escorts.c — the escort rule and the escorts' lifecycle. On a DispatchRequest into a
 * zone that needs an escort the coordinator publishes an EscortRequest (c.e.<seq>,
 * escort_id esc-<seq>) and an ESCORT_ADVISORY to the requester (c.a.<seq>). Escorts are
 * tracked when their EscortRequest is recorded (the coordinator's or a dispatch
 * centre's); each EscortStatus is checked (UNKNOWN_ESCORT, ZONE_MISMATCH, NOT_INVOLVED,
 * FUTURE_TIME, TRANSITION) and answered with a verdict. */
#include "escorts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "effects.h"
#include "outbox.h"
#include "overdue.h"
#include "requests.h"
#include "spanish.h"
#include "verdicts.h"
#include "zones_state.h"

#define ES(name) HCBUS__ESCORT_STATE__ESCORT_STATE_##name
#define EBIT(name) (1u << ES(name))
#define ESCORT_STATE_MAX ES(WAIVED)
#define LOCATION_TEXT_MAX 256   /* Location.address / reference_point */

/* The escort states that may follow each (index 0: waiting). */
static const unsigned escort_next[ESCORT_STATE_MAX + 1] = {
    [0] = EBIT(ASSIGNED) | EBIT(UNAVAILABLE) | EBIT(WAIVED),
    [ES(UNAVAILABLE)] = EBIT(ASSIGNED) | EBIT(WAIVED),
    [ES(ASSIGNED)] = EBIT(AT_MEETING_POINT) | EBIT(COMPLETED) | EBIT(UNAVAILABLE),
    [ES(AT_MEETING_POINT)] = EBIT(COMPLETED),
    [ES(COMPLETED)] = 0,
    [ES(WAIVED)] = 0,
};

static bool clears(int state)
{
    return state == ES(ASSIGNED) || state == ES(AT_MEETING_POINT) || state == ES(COMPLETED) ||
           state == ES(WAIVED);
}

bool coord_escorts_cleared(const coord_request_t *r)
{
    for (const coord_escort_t *x = r->escorts; x; x = x->request_next)
        if (clears(x->state))
            return true;
    return false;
}

bool coord_escorts_waived(const coord_request_t *r)
{
    for (const coord_escort_t *x = r->escorts; x; x = x->request_next)
        if (x->state == ES(WAIVED))
            return true;
    return false;
}

coord_escort_t *coord_escorts_by_seq(const coord_engine_t *e, uint64_t seq)
{
    char key[32];
    return coord_table_get(e->by_seq, coord_seq_key('e', seq, key, sizeof key));
}

coord_escort_t *coord_escorts_find(const coord_engine_t *e, const char *escort_id, const char *request_id)
{
    for (coord_escort_t *x = coord_table_get(e->escorts_by_id, coord_str(escort_id)); x; x = x->same_id_next)
        if (strcmp(x->request->request_id, coord_str(request_id)) == 0)
            return x;
    return NULL;
}

/* ---- the escort rule ------------------------------------------------------------ */

/* "Soyapango, San Salvador Este, San Salvador (sv.ss.san-salvador-este.soyapango)", or
 * the id alone for a zone the catalogue does not name (a community). */
static const char *zone_label(const coord_engine_t *e, const char *zone_id, char *buf, size_t size)
{
    const char *name = e->catalogue ? hcbus_zones_name(e->catalogue, zone_id) : NULL;
    if (name)
        snprintf(buf, size, "%s (%s)", name, zone_id);
    else
        snprintf(buf, size, "%s", zone_id);
    return buf;
}

/* Where police meet the crew: the zone's meeting point, else the zone named, with the
 * entry instructions as the reference point. */
static void default_meeting_point(const coord_engine_t *e, const coord_request_t *r,
                                  const Hcbus__AccessConditions *access, Hcbus__Location *loc,
                                  char *address, char *reference)
{
    char text[LOCATION_TEXT_MAX * 2];
    snprintf(text, sizeof text, "zona %s", zone_label(e, r->zone_id, address, LOCATION_TEXT_MAX + 1));
    coord_text_copy(address, LOCATION_TEXT_MAX + 1, text);
    coord_text_copy(reference, LOCATION_TEXT_MAX + 1, access ? coord_str(access->entry_instructions) : "");
    loc->address = address;
    loc->reference_point = reference;
}

static void advisory(coord_engine_t *e, const coord_request_t *r, int level,
                     const Hcbus__AccessConditions *access, const char *escort_id)
{
    char msg_id[COORD_ID_MAX + 1], hours[32], zone[2 * HCBUS_ZONE_ID_MAX + 64];
    coord_text_t why = {0};
    coord_text_add(&why, "zona %s en nivel %s: se pidió escolta policial (%s) para la solicitud %s; "
                   "no entre sin ella",
                   zone_label(e, r->zone_id, zone, sizeof zone), coord_es_level(level), escort_id,
                   r->request_id);
    if (access) {
        coord_text_add(&why, ". Horario: %s",
                       coord_es_hours(access->allowed_from_hour, access->allowed_until_hour, hours,
                                      sizeof hours));
        if (coord_str(access->contact)[0])
            coord_text_add(&why, ". Contacto: %s", access->contact);
        if (coord_str(access->entry_instructions)[0])
            coord_text_add(&why, ". Entrada: %s", access->entry_instructions);
    }
    coord_notice_spec_t spec = {
        .msg_id = coord_effect_id('a', r->seq, msg_id, sizeof msg_id),
        .zone_id = r->zone_id,
        .kind = HCBUS__NOTICE_KIND__NOTICE_KIND_ESCORT_ADVISORY,
        .subject_seq = r->seq,
        .request_id = r->request_id,
        .escort_id = escort_id,
        .reason = why.buf,
        .level = level,
        .access = access,
        .subject_sender = r->requester,
        .subject_at_us = r->received_at_us,
    };
    coord_notice_add_recipient(&spec, r->requester);
    e->stats.advisories++;
    coord_outbox_emit(e, coord_effect_notice(&spec), COORD_NEED_ADVISORY, r->seq);
}

void coord_escorts_on_dispatch(coord_engine_t *e, coord_request_t *r, const Hcbus__Envelope *env)
{
    (void)env;
    const Hcbus__AccessConditions *access = NULL;
    int level = coord_zones_level_at(e, r->zone_id, r->received_at_us, &access, NULL);
    bool by_level = level >= HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE;
    if (!by_level && !(access && access->escort_required))
        return;
    r->needs_escort = true;
    char msg_id[COORD_ID_MAX + 1], escort_id[COORD_ID_MAX + 1];
    char address[LOCATION_TEXT_MAX + 1], reference[LOCATION_TEXT_MAX + 1];
    snprintf(escort_id, sizeof escort_id, "esc-%" PRIu64, r->seq);
    Hcbus__Location fallback = HCBUS__LOCATION__INIT;
    const Hcbus__Location *meeting = access ? access->meeting_point : NULL;
    if (!meeting) {
        default_meeting_point(e, r, access, &fallback, address, reference);
        meeting = &fallback;
    }
    char zone[2 * HCBUS_ZONE_ID_MAX + 64];
    coord_text_t why = {0};
    coord_text_add(&why, "zona %s en nivel %s%s: la solicitud %s de %s necesita escolta policial para entrar",
                   zone_label(e, r->zone_id, zone, sizeof zone), coord_es_level(level),
                   by_level ? "" : " con acceso solo con escolta", r->request_id, r->requester);
    e->stats.escort_requests++;
    coord_outbox_emit(e,
                      coord_effect_escort_request(coord_effect_id('e', r->seq, msg_id, sizeof msg_id),
                                                  escort_id, r->request_id, r->zone_id, meeting, why.buf),
                      COORD_NEED_ESCORT_REQUEST, r->seq);
    advisory(e, r, level, access, escort_id);
}

bool coord_escorts_effect_needed(const coord_engine_t *e, uint64_t seq, bool is_advisory)
{
    const coord_request_t *r = coord_requests_by_seq(e, seq);
    if (!r || !coord_request_open(r))
        return false;
    return is_advisory || r->escorts == NULL;
}

/* ---- EscortRequest -------------------------------------------------------------- */

/* The request the coordinator's own EscortRequest (escort_id esc-<seq>) is for. */
static coord_request_t *own_request(const coord_engine_t *e, const Hcbus__EscortRequest *m)
{
    const char *id = coord_str(m->escort_id);
    if (strncmp(id, "esc-", 4) == 0 && id[4] >= '0' && id[4] <= '9') {
        coord_request_t *r = coord_requests_by_seq(e, strtoull(id + 4, NULL, 10));
        if (r)
            return r;
    }
    return coord_requests_find(e, m->request_id, NULL);
}

/* Another institution's EscortRequest came first: the coordinator's own is not needed,
 * and the advisory names that escort instead. */
static void superseded(coord_engine_t *e, const coord_request_t *r, const char *escort_id)
{
    char msg_id[COORD_ID_MAX + 1];
    coord_outbox_pending_drop(e, coord_effect_id('e', r->seq, msg_id, sizeof msg_id));
    Hcbus__Envelope *adv = coord_outbox_pending_find(e, coord_effect_id('a', r->seq, msg_id, sizeof msg_id));
    if (!adv || !adv->notice)
        return;
    char *copy = strdup(escort_id);
    if (!copy) {
        e->stats.out_of_memory++;
        return;
    }
    free(adv->notice->escort_id);
    adv->notice->escort_id = copy;
}

void coord_escorts_apply_request(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq)
{
    const Hcbus__EscortRequest *m = env->escort;
    const char *sender = coord_sender(env);
    bool own = strcmp(sender, e->self) == 0;
    coord_request_t *r = own ? own_request(e, m) : coord_requests_find(e, m->request_id, sender);
    if (!r || strcmp(r->zone_id, coord_str(m->zone_id)) != 0 ||
        strcmp(r->request_id, coord_str(m->request_id)) != 0)
        return; /* not about a request the coordinator tracks */
    for (const coord_escort_t *x = r->escorts; x; x = x->request_next)
        if (strcmp(x->escort_id, coord_str(m->escort_id)) == 0)
            return; /* the same escort again */
    coord_escort_t *x = calloc(1, sizeof *x);
    char key[32];
    if (!x) {
        e->stats.out_of_memory++;
        return;
    }
    x->request = r;
    x->seq = seq;
    x->received_at_us = env->received_at_us ? env->received_at_us : e->clock_us;
    coord_text_copy(x->escort_id, sizeof x->escort_id, coord_str(m->escort_id));
    coord_text_copy(x->owner, sizeof x->owner, sender);
    coord_text_copy(x->zone_id, sizeof x->zone_id, r->zone_id);
    x->same_id_next = coord_table_get(e->escorts_by_id, x->escort_id);
    if (coord_table_put(e->by_seq, coord_seq_key('e', seq, key, sizeof key), x) != 0 ||
        coord_table_put(e->escorts_by_id, x->escort_id, x) != 0) {
        coord_table_remove(e->by_seq, key);
        free(x);
        e->stats.out_of_memory++;
        return;
    }
    bool answered = coord_escorts_cleared(r) || !coord_request_open(r);
    x->request_next = r->escorts;
    r->escorts = x;
    r->needs_escort = true;
    e->escort_count++;
    coord_overdue_start(e, &x->wait, x->received_at_us + e->rules.escort_assigned_within_us, 0, 0,
                        COORD_TIMER_ESCORT, seq);
    if (answered)
        coord_overdue_answer(&x->wait, 0, x->received_at_us);
    if (!own)
        superseded(e, r, x->escort_id);
    coord_requests_touch(e, r);
}

void coord_escorts_request_ended(coord_engine_t *e, coord_request_t *r, int64_t received_us)
{
    (void)e;
    for (coord_escort_t *x = r->escorts; x; x = x->request_next)
        coord_overdue_answer(&x->wait, 0, received_us);
}

static void escort_unlink_by_id(coord_engine_t *e, coord_escort_t *x)
{
    coord_escort_t *head = coord_table_get(e->escorts_by_id, x->escort_id);
    if (head == x) {
        if (x->same_id_next)
            coord_table_put(e->escorts_by_id, x->escort_id, x->same_id_next);
        else
            coord_table_remove(e->escorts_by_id, x->escort_id);
        return;
    }
    for (coord_escort_t *p = head; p; p = p->same_id_next)
        if (p->same_id_next == x) {
            p->same_id_next = x->same_id_next;
            return;
        }
}

void coord_escorts_forget_request(coord_engine_t *e, coord_request_t *r)
{
    char key[32];
    while (r->escorts) {
        coord_escort_t *x = r->escorts;
        r->escorts = x->request_next;
        escort_unlink_by_id(e, x);
        coord_table_remove(e->by_seq, coord_seq_key('e', x->seq, key, sizeof key));
        free(x);
        e->escort_count--;
    }
}

/* ---- EscortStatus --------------------------------------------------------------- */

static bool police_covering(const coord_engine_t *e, const char *institution, const char *zone_id)
{
    const hcbus_institution_t *inst = e->config ? hcbus_config_find_institution(e->config, institution) : NULL;
    return inst && (inst->roles & (1u << HCBUS_ROLE_POLICE)) &&
           hcbus_grants_allow_topic(&inst->subscribe, HCBUS_KIND_ESCORT, zone_id);
}

static bool escort_involved(const coord_engine_t *e, const coord_escort_t *x, const char *sender,
                            int state, coord_text_t *why)
{
    const coord_request_t *r = x->request;
    if (state == ES(WAIVED)) {
        if (strcmp(sender, r->requester) == 0)
            return true;
        coord_text_add(why, "solo %s, que pidió la solicitud %s, puede renunciar a la escolta; %s no",
                       r->requester, r->request_id, sender[0] ? sender : "(anónimo)");
        return false;
    }
    if ((x->state == ES(ASSIGNED) || x->state == ES(AT_MEETING_POINT)) && strcmp(sender, x->police) != 0) {
        coord_text_add(why, "la escolta %s está asignada a %s, no a %s", x->escort_id, x->police,
                       sender[0] ? sender : "(anónimo)");
        return false;
    }
    if (police_covering(e, sender, x->zone_id))
        return true;
    coord_text_add(why, "%s no es una institución policial que cubra la zona %s",
                   sender[0] ? sender : "(anónimo)", x->zone_id);
    return false;
}

static int check_escort_status(const coord_engine_t *e, const coord_escort_t *x, const Hcbus__Envelope *env,
                               coord_text_t *why)
{
    const Hcbus__EscortStatus *st = env->escort_status;
    int state = (int)st->state;
    coord_text_add(why, "estado de escolta \"%s\" rechazado: ", coord_es_escort_state(state));
    if (!x) {
        coord_text_add(why, "no hay escolta %s para la solicitud %s", coord_str(st->escort_id),
                       coord_str(st->request_id));
        return HCBUS__NOTICE_RULE__NOTICE_RULE_UNKNOWN_ESCORT;
    }
    if (strcmp(coord_str(st->zone_id), x->zone_id) != 0) {
        coord_text_add(why, "la escolta %s es de la zona %s, no de %s", x->escort_id, x->zone_id,
                       coord_str(st->zone_id));
        return HCBUS__NOTICE_RULE__NOTICE_RULE_ZONE_MISMATCH;
    }
    if (!escort_involved(e, x, coord_sender(env), state, why))
        return HCBUS__NOTICE_RULE__NOTICE_RULE_NOT_INVOLVED;
    if (coord_verdict_too_far_ahead(e, st->at_us, env->received_at_us, why))
        return HCBUS__NOTICE_RULE__NOTICE_RULE_FUTURE_TIME;
    unsigned allowed = escort_next[x->state];
    if (state < 1 || state > ESCORT_STATE_MAX || !(allowed & (1u << state))) {
        coord_text_add(why, "la escolta %s ya está %s", x->escort_id, coord_es_escort_state(x->state));
        if (allowed) {
            const char *sep = "; de ahí solo puede pasar a: ";
            for (int s = 1; s <= ESCORT_STATE_MAX; s++)
                if (allowed & (1u << s)) {
                    coord_text_add(why, "%s%s", sep, coord_es_escort_state(s));
                    sep = ", ";
                }
        }
        return HCBUS__NOTICE_RULE__NOTICE_RULE_TRANSITION;
    }
    return 0;
}

/* The CHECKED reason of a valid escort status. */
static void checked_reason(const coord_escort_t *x, const Hcbus__EscortStatus *st, coord_text_t *why)
{
    const char *request_id = x->request->request_id;
    switch ((int)st->state) {
    case ES(ASSIGNED):
        coord_text_add(why, "escolta %s asignada para la solicitud %s: %s, unidad %s", x->escort_id,
                       request_id, x->police, coord_str(st->police_unit));
        break;
    case ES(UNAVAILABLE):
        coord_text_add(why, "escolta %s no disponible para la solicitud %s; motivo: %s", x->escort_id,
                       request_id, coord_str(st->reason));
        break;
    case ES(WAIVED):
        coord_text_add(why, "renuncia a la escolta %s registrada: %s va sin escolta a la solicitud %s; "
                       "motivo: %s", x->escort_id, x->request->requester, request_id, coord_str(st->reason));
        break;
    default:
        coord_text_add(why, "escolta %s %s (solicitud %s)", x->escort_id,
                       coord_es_escort_state((int)st->state), request_id);
        break;
    }
}

void coord_escorts_apply_status(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq)
{
    const Hcbus__EscortStatus *st = env->escort_status;
    coord_escort_t *x = coord_escorts_find(e, st->escort_id, st->request_id);
    coord_text_t why = {0};
    int rule = check_escort_status(e, x, env, &why);
    coord_request_t *r = x ? x->request : NULL;
    /* An unknown escort of a known request: its requester is told too. */
    const coord_request_t *named = r ? r : coord_requests_find(e, st->request_id, coord_sender(env));
    coord_verdict_t v = {.subject = env, .seq = seq, .zone_id = coord_str(st->zone_id),
                         .request_id = coord_str(st->request_id), .escort_id = coord_str(st->escort_id),
                         .requester = named ? named->requester : "", .at_us = st->at_us,
                         .violation = rule != 0, .rule = rule, .reason = why.buf};
    if (r)
        coord_requests_touch(e, r);
    if (rule != 0) {
        if (r)
            r->violations++;
        coord_verdict_emit(e, &v);
        return;
    }
    int state = (int)st->state;
    x->state = state;
    if (state == ES(ASSIGNED))
        coord_text_copy(x->police, sizeof x->police, coord_sender(env));
    if (clears(state))
        for (coord_escort_t *y = r->escorts; y; y = y->request_next)
            coord_overdue_answer(&y->wait, st->at_us, env->received_at_us ? env->received_at_us : e->clock_us);
    why = (coord_text_t){0};
    checked_reason(x, st, &why);
    r->checked++;
    coord_verdict_emit(e, &v);
}
