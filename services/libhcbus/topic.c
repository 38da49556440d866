/* topic.c — topic names "<kind>.<zone_id>" and subscription prefixes (see
 * include/hcbus/topic.h). Only syntax here: whether a zone exists is zones.c's job,
 * whether an institution may use a topic is rights.c's. */
#include "hcbus/topic.h"

#include "hcbus/i18n.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[HCBUS_KIND_COUNT] = {
    [HCBUS_KIND_NONE] = "none",         [HCBUS_KIND_ZONE] = "zone",
    [HCBUS_KIND_DISPATCH] = "dispatch", [HCBUS_KIND_STATUS] = "status",
    [HCBUS_KIND_ALERT] = "alert",       [HCBUS_KIND_ESCORT] = "escort",
    [HCBUS_KIND_ESCORT_STATUS] = "escort_status", [HCBUS_KIND_NOTICE] = "notice",
};

const char *hcbus_kind_name(hcbus_kind_t kind)
{
    if ((unsigned)kind >= HCBUS_KIND_COUNT)
        return "none";
    return kind_names[kind];
}

/* The kind named by the first len bytes of text; NONE if none is. */
static hcbus_kind_t kind_parse_n(const char *text, size_t len)
{
    for (int k = HCBUS_KIND_NONE + 1; k < HCBUS_KIND_COUNT; k++) {
        if (strlen(kind_names[k]) == len && strncmp(text, kind_names[k], len) == 0)
            return (hcbus_kind_t)k;
    }
    return HCBUS_KIND_NONE;
}

hcbus_kind_t hcbus_kind_parse(const char *name)
{
    return name ? kind_parse_n(name, strlen(name)) : HCBUS_KIND_NONE;
}

int hcbus_topic_build(hcbus_kind_t kind, const char *zone_id, char *buf, size_t size,
                      hcbus_error_t *err)
{
    if (kind <= HCBUS_KIND_NONE || kind >= HCBUS_KIND_COUNT)
        return hcbus_error_set(err, HCBUS_EINVALID, "topic", _("no message kind for the topic"));
    if (!hcbus_zone_id_well_formed(zone_id))
        return hcbus_error_set(err, HCBUS_EINVALID, "zone_id", _("\"%.128s\" is not a well-formed zone id"),
                               zone_id ? zone_id : "");
    int n = snprintf(buf, size, "%s.%s", kind_names[kind], zone_id);
    if (n < 0 || (size_t)n >= size)
        return hcbus_error_set(err, HCBUS_EINVALID, "topic", _("topic buffer of %zu bytes is too small"), size);
    return 0;
}

int hcbus_topic_split(const char *topic, hcbus_kind_t *kind, const char **zone_id,
                      hcbus_error_t *err)
{
    const char *dot = topic ? strchr(topic, '.') : NULL;
    hcbus_kind_t k = dot ? kind_parse_n(topic, (size_t)(dot - topic)) : HCBUS_KIND_NONE;
    if (k == HCBUS_KIND_NONE)
        return hcbus_error_set(err, HCBUS_EINVALID, "topic",
                               _("\"%.160s\" does not start with a message kind and a dot"),
                               topic ? topic : "");
    if (!hcbus_zone_id_well_formed(dot + 1))
        return hcbus_error_set(err, HCBUS_EINVALID, "topic", _("\"%.160s\" has no well-formed zone id"),
                               topic);
    *kind = k;
    *zone_id = dot + 1;
    return 0;
}

static int prefix_refused(const char *prefix, const char *why, hcbus_error_t *err)
{
    hcbus_error_set(err, HCBUS_EINVALID, "prefix", _("subscription prefix \"%.160s\" %s"), prefix, why);
    return hcbus_error_hint(err, _("write a kind (zone, dispatch, status, alert, escort, "
                                 "escort_status, notice), "
                                 "optionally followed by a dot and a zone, e.g. alert.sv.ss."));
}

int hcbus_prefix_parse(const char *prefix, hcbus_kind_t *kind, char *zone_scope,
                       hcbus_error_t *err)
{
    if (!prefix || !*prefix)
        return prefix_refused("", "is empty", err);
    const char *dot = strchr(prefix, '.');
    size_t kind_len = dot ? (size_t)(dot - prefix) : strlen(prefix);
    hcbus_kind_t k = kind_parse_n(prefix, kind_len);
    if (k == HCBUS_KIND_NONE)
        return prefix_refused(prefix, "does not start with a whole message kind", err);
    const char *zone = dot ? dot + 1 : "";
    size_t zone_len = strlen(zone);
    if (zone_len > 0 && zone[zone_len - 1] == '.')
        zone_len--;   /* "alert.sv.ss." names the same area as "alert.sv.ss" */
    if (zone_len > HCBUS_ZONE_ID_MAX)
        return prefix_refused(prefix, "has a zone part that is too long", err);
    char scope[HCBUS_ZONE_ID_MAX + 1];
    memcpy(scope, zone, zone_len);
    scope[zone_len] = '\0';
    if (zone_len > 0 && !hcbus_zone_id_well_formed(scope))
        return prefix_refused(prefix, "has a zone part that is not whole well-formed components", err);
    if (zone_len == 0 && zone[0] == '.')
        return prefix_refused(prefix, "has an empty zone component", err);
    *kind = k;
    memcpy(zone_scope, scope, zone_len + 1);
    return 0;
}

bool hcbus_topic_matches(const char *topic, const char *prefix)
{
    if (!topic || !prefix)
        return false;
    size_t n = strlen(prefix);
    if (strncmp(topic, prefix, n) != 0)
        return false;
    /* By whole components: "alert.sv.ss" matches "alert.sv.ss.x" but not "alert.sv.ssx". */
    return n == 0 || prefix[n - 1] == '.' || topic[n] == '\0' || topic[n] == '.';
}
