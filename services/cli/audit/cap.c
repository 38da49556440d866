/* cap.c — one event as one CAP 1.2 document (cap.h). The element order is the schema's
 * (tests/data/cap-v1.2.xsd is a strict sequence); the words and grades come from
 * cap_map.c, escaping from cap_xml.c. Free text is composed in memory first, then
 * escaped as a whole. */
#include "cap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cap_map.h"
#include "cap_xml.h"
#include "report_labels.h"
#include "timefmt.h"

#define UTC_SUFFIX "-00:00"
#define CAP_RESTRICTION                                                                     \
    "Uso restringido: instituciones de la red de coordinación de la atención prehospitalaria " \
    "y facilitadores del protocolo. Exportado del registro de auditoría de hcbus; no contiene " \
    "datos de pacientes."

const char *cap_identifier(int64_t seq, char *buf, size_t size)
{
    snprintf(buf, size, CAP_DOMAIN "-%" PRId64, seq);
    return buf;
}

const char *cap_sender(const char *institution, char *buf, size_t size)
{
    if (!institution || !*institution)
        snprintf(buf, size, "%s", CAP_ANONYMOUS_SENDER);
    else
        snprintf(buf, size, "%s." CAP_DOMAIN, institution);
    return buf;
}

const char *cap_time(int64_t t_us, bool utc, char *buf, size_t size)
{
    char text[HCBUS_TIME_TEXT_MAX];
    audit_time_format(t_us, utc, false, text, sizeof text);
    size_t len = strlen(text);
    if (utc && len > 0 && text[len - 1] == 'Z') {
        text[len - 1] = '\0';
        snprintf(buf, size, "%s" UTC_SUFFIX, text);
    } else if (size > 0) {
        size_t n = strnlen(text, sizeof text); /* truncated to the caller's size, as documented */
        if (n >= size)
            n = size - 1;
        memcpy(buf, text, n);
        buf[n] = '\0';
    }
    return buf;
}

static const char *or_label(const char *words, const char *label)
{
    return words ? words : label ? label : "?";
}

/* The text of a file stream built in memory; NULL when out of memory. */
typedef struct text {
    char *buf;
    size_t len;
    FILE *f;
} text_t;

static bool text_open(text_t *t)
{
    memset(t, 0, sizeof *t);
    t->f = open_memstream(&t->buf, &t->len);
    return t->f != NULL;
}

/* Close the stream; returns the text (owned by t: text_free), or NULL on failure. */
static const char *text_close(text_t *t)
{
    if (!t->f)
        return NULL;
    int bad = ferror(t->f);
    fclose(t->f);
    t->f = NULL;
    return bad ? NULL : t->buf;
}

static void text_free(text_t *t)
{
    if (t->f)
        fclose(t->f);
    free(t->buf);
    memset(t, 0, sizeof *t);
}

static bool casualties(const cap_event_t *ev)
{
    const char *counts[] = {ev->killed, ev->injured, ev->removed};
    for (size_t i = 0; i < 3; i++)
        if (counts[i] && *counts[i] && strcmp(counts[i], "0") != 0)
            return true;
    return false;
}

static void alert_headline(FILE *f, const cap_event_t *ev, const char *area)
{
    fprintf(f, "%s — %s — %s", report_act_es(ev->act),
            report_target_es(ev->target), area);
}

static void alert_description(FILE *f, const cap_event_t *ev, const char *area, bool utc)
{
    char when[CAP_TIME_MAX];
    fprintf(f, "%s en %s; afectado: %s; severidad %s.",
            report_act_es(ev->act), area,
            report_target_es(ev->target),
            report_severity_es(ev->severity));
    if (casualties(ev))
        fprintf(f, " Fallecidos: %s; heridos: %s; secuestrados o detenidos: %s.",
                ev->killed ? ev->killed : "0", ev->injured ? ev->injured : "0",
                ev->removed ? ev->removed : "0");
    if (ev->occurred_us)
        fprintf(f, " Ocurrió el %s.", cap_time(ev->occurred_us, utc, when, sizeof when));
    if (ev->request_id && *ev->request_id)
        fprintf(f, " Durante la solicitud de despacho %s.", ev->request_id);
    if (!ev->sender || !*ev->sender)
        fputs(" Denuncia anónima: recibida por un canal de denuncia anónima, sin identidad del "
              "informante ni verificación de una institución.", f);
    if (ev->description && *ev->description)
        fprintf(f, " Relato: %s", ev->description);
}

static void level_headline(FILE *f, const cap_event_t *ev, const char *area)
{
    fprintf(f, "Nivel de riesgo %s en %s", or_label(cap_map_level_es(ev->level), ev->level),
            area);
}

static void level_description(FILE *f, const cap_event_t *ev, const char *area, bool utc)
{
    char from[CAP_TIME_MAX], until[CAP_TIME_MAX];
    fprintf(f, "Nivel de riesgo %s para la atención prehospitalaria en %s",
            or_label(cap_map_level_es(ev->level), ev->level), area);
    if (ev->valid_from_us)
        fprintf(f, ", vigente desde el %s", cap_time(ev->valid_from_us, utc, from, sizeof from));
    if (ev->valid_until_us)
        fprintf(f, " hasta el %s.", cap_time(ev->valid_until_us, utc, until, sizeof until));
    else
        fputs(" hasta que se publique otro nivel.", f);
    if (ev->escort_required)
        fputs(" Se requiere escolta policial para entrar.", f);
    if (ev->prev_seq)
        fprintf(f, " Reemplaza el nivel anterior de la zona (%s-%" PRId64 ").", CAP_DOMAIN,
                ev->prev_seq);
    if (ev->reason && *ev->reason)
        fprintf(f, " Motivo: %s", ev->reason);
}

/* <headline> and <description>, composed then escaped. */
static size_t write_texts(FILE *out, const cap_event_t *ev, const char *area, bool utc,
                          bool *oom)
{
    text_t head, desc;
    size_t replaced = 0;
    if (!text_open(&head) || !text_open(&desc)) {
        text_free(&head);
        *oom = true;
        return 0;
    }
    if (ev->zone) {
        level_headline(head.f, ev, area);
        level_description(desc.f, ev, area, utc);
    } else {
        alert_headline(head.f, ev, area);
        alert_description(desc.f, ev, area, utc);
    }
    const char *h = text_close(&head), *d = text_close(&desc);
    if (!h || !d)
        *oom = true;
    else {
        replaced += cap_xml_element(out, 2, "headline", h);
        replaced += cap_xml_element(out, 2, "description", d);
    }
    text_free(&head);
    text_free(&desc);
    return replaced;
}

/* <references>: "sender,identifier,sent" of the level this one replaces. */
static void write_references(FILE *out, const cap_event_t *ev, bool utc)
{
    char sender[CAP_SENDER_MAX], id[CAP_ID_MAX], sent[CAP_TIME_MAX], refs[256];
    snprintf(refs, sizeof refs, "%s,%s,%s", cap_sender(ev->prev_sender, sender, sizeof sender),
             cap_identifier(ev->prev_seq, id, sizeof id),
             cap_time(ev->prev_received_us, utc, sent, sizeof sent));
    cap_xml_element(out, 1, "references", refs);
}

static size_t write_event_code_and_times(FILE *out, const cap_event_t *ev, bool utc)
{
    char t[CAP_TIME_MAX];
    size_t replaced = cap_xml_pair(out, 2, "eventCode", ev->zone ? "hcbus.level" : "hcbus.act",
                                   ev->zone ? ev->level : ev->act);
    if (ev->zone && ev->valid_from_us)
        cap_xml_element(out, 2, "effective", cap_time(ev->valid_from_us, utc, t, sizeof t));
    if (!ev->zone && ev->occurred_us)
        cap_xml_element(out, 2, "onset", cap_time(ev->occurred_us, utc, t, sizeof t));
    if (ev->zone && ev->valid_until_us)
        cap_xml_element(out, 2, "expires", cap_time(ev->valid_until_us, utc, t, sizeof t));
    return replaced;
}

static size_t write_parameters(FILE *out, const cap_event_t *ev)
{
    char seq[24];
    snprintf(seq, sizeof seq, "%" PRId64, ev->seq);
    size_t r = cap_xml_pair(out, 2, "parameter", "hcbus.seq", seq);
    if (ev->zone) {
        r += cap_xml_pair(out, 2, "parameter", "hcbus.escort_required",
                          ev->escort_required ? "true" : "false");
        return r;
    }
    r += cap_xml_pair(out, 2, "parameter", "hcbus.alert_id", ev->alert_id);
    r += cap_xml_pair(out, 2, "parameter", "hcbus.target", ev->target);
    r += cap_xml_pair(out, 2, "parameter", "hcbus.severity", ev->severity);
    r += cap_xml_pair(out, 2, "parameter", "hcbus.killed", ev->killed);
    r += cap_xml_pair(out, 2, "parameter", "hcbus.injured", ev->injured);
    r += cap_xml_pair(out, 2, "parameter", "hcbus.removed", ev->removed);
    r += cap_xml_pair(out, 2, "parameter", "hcbus.anonymous",
                      ev->sender && *ev->sender ? "false" : "true");
    r += cap_xml_pair(out, 2, "parameter", "hcbus.request_id", ev->request_id);
    return r;
}

static size_t write_area(FILE *out, const cap_event_t *ev, const char *area)
{
    cap_xml_open(out, 2, "area");
    size_t r = cap_xml_element(out, 3, "areaDesc", area);
    r += cap_xml_pair(out, 3, "geocode", "ISO3166-2", ev->department_iso);
    r += cap_xml_pair(out, 3, "geocode", "hcbus.zone_id", ev->zone_id);
    cap_xml_close(out, 2, "area");
    return r;
}

static size_t write_info(FILE *out, const cap_event_t *ev, bool utc, bool *oom)
{
    cap_grade_t g = ev->zone ? cap_map_level(ev->level)
                             : cap_map_alert(ev->severity, !ev->sender || !*ev->sender);
    const char *area = ev->area_name && *ev->area_name ? ev->area_name : ev->zone_id;
    char event[160];
    if (ev->zone)
        snprintf(event, sizeof event, "Nivel de riesgo de zona %s",
                 or_label(cap_map_level_es(ev->level), ev->level));
    else
        snprintf(event, sizeof event, "Ataque contra la atención de salud: %s",
                 report_act_es(ev->act));
    size_t r = 0;
    cap_xml_open(out, 1, "info");
    cap_xml_element(out, 2, "language", CAP_LANGUAGE);
    cap_xml_element(out, 2, "category", ev->zone ? "Safety" : "Security");
    cap_xml_element(out, 2, "category", "Health");
    r += cap_xml_element(out, 2, "event", event);
    cap_xml_element(out, 2, "responseType", g.response);
    cap_xml_element(out, 2, "urgency", g.urgency);
    cap_xml_element(out, 2, "severity", g.severity);
    cap_xml_element(out, 2, "certainty", g.certainty);
    r += write_event_code_and_times(out, ev, utc);
    r += write_texts(out, ev, area, utc, oom);
    if (ev->zone)
        cap_xml_element(out, 2, "instruction", cap_map_level_meaning_es(ev->level));
    r += write_parameters(out, ev);
    r += write_area(out, ev, area);
    cap_xml_close(out, 1, "info");
    return r;
}

size_t cap_write(FILE *out, const cap_event_t *ev, bool utc)
{
    char id[CAP_ID_MAX], sender[CAP_SENDER_MAX], sent[CAP_TIME_MAX];
    bool oom = false;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<alert xmlns=\"" CAP_NAMESPACE "\">\n", out);
    cap_xml_element(out, 1, "identifier", cap_identifier(ev->seq, id, sizeof id));
    cap_xml_element(out, 1, "sender", cap_sender(ev->sender, sender, sizeof sender));
    cap_xml_element(out, 1, "sent", cap_time(ev->received_us, utc, sent, sizeof sent));
    cap_xml_element(out, 1, "status", "Actual");
    cap_xml_element(out, 1, "msgType", ev->zone && ev->prev_seq ? "Update" : "Alert");
    cap_xml_element(out, 1, "scope", "Restricted");
    cap_xml_element(out, 1, "restriction", CAP_RESTRICTION);
    if (ev->zone && ev->prev_seq)
        write_references(out, ev, utc);
    size_t replaced = write_info(out, ev, utc, &oom);
    fputs("</alert>\n", out);
    return oom ? (size_t)-1 : replaced;
}
