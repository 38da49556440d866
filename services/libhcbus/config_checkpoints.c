/* config_checkpoints.c — the auditd section's settings of the signed tree heads
 * (decision 0014): which key signs them (optional: without one the heads are stored
 * unsigned), the origin line of the notes, and how often a head is written. The key
 * file itself is read by hcbus-auditd at start, not here. */
#include "config_checkpoints.h"

#include "hcbus/i18n.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_LOG_ORIGIN "hcbus.sv/audit"
#define EVENTS_ORIGIN_SUFFIX "/audit"
#define DEFAULT_CHECKPOINT_EVERY_EVENTS 1000u
#define CHECKPOINT_EVERY_EVENTS_MAX 10000000u
#define DEFAULT_CHECKPOINT_EVERY_S 60u
#define CHECKPOINT_EVERY_S_MAX 86400u

/* A note's origin line (c2sp.org/tlog-checkpoint): no spaces, no '+', nothing a
 * terminal or a reader would see differently; the first byte not allowed, or NULL. */
static const char *bad_origin_byte(const char *origin)
{
    for (const char *p = origin; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || c == '+')
            return p;
    }
    return NULL;
}

static int read_origin(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_auditd_config_t *a)
{
    if (hcbus_cfg_string(ctx, g, "log_origin", a->log_origin, sizeof a->log_origin, false) < 0)
        return -1;
    const char *bad = bad_origin_byte(a->log_origin);
    if (bad) {
        hcbus_cfg_fail(ctx, config_setting_get_member(g, "log_origin"),
                       "byte %zu (0x%02x) is not allowed in an origin: visible ASCII only, no space or '+'",
                       (size_t)(bad - a->log_origin) + 1, (unsigned char)*bad);
        return hcbus_error_hint(ctx->err, _("e.g. log_origin = \"%s\";"), DEFAULT_LOG_ORIGIN);
    }
    size_t len = strlen(a->log_origin), suffix = strlen(EVENTS_ORIGIN_SUFFIX);
    if (len > suffix && strcmp(a->log_origin + len - suffix, EVENTS_ORIGIN_SUFFIX) == 0)
        len -= suffix;
    snprintf(a->log_origin_rejections, sizeof a->log_origin_rejections, "%.*s%s", (int)len, a->log_origin,
             HCBUS_REJECTIONS_ORIGIN_SUFFIX);
    return 0;
}

int hcbus_config_read_checkpoints(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_auditd_config_t *a)
{
    a->log_key_file[0] = '\0';
    snprintf(a->log_origin, sizeof a->log_origin, "%s", DEFAULT_LOG_ORIGIN);
    a->checkpoint_every_events = DEFAULT_CHECKPOINT_EVERY_EVENTS;
    a->checkpoint_every_s = DEFAULT_CHECKPOINT_EVERY_S;
    if (hcbus_cfg_path(ctx, g, "log_key_file", a->log_key_file, sizeof a->log_key_file, false) < 0 ||
        hcbus_cfg_u32(ctx, g, "checkpoint_every_events", 1, CHECKPOINT_EVERY_EVENTS_MAX,
                      &a->checkpoint_every_events) < 0 ||
        hcbus_cfg_u32(ctx, g, "checkpoint_every_s", 0, CHECKPOINT_EVERY_S_MAX, &a->checkpoint_every_s) < 0)
        return -1;
    return read_origin(ctx, g, a);
}
