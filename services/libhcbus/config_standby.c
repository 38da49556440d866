/* config_standby.c — the auditd section's settings of the standby pair (decision 0037,
 * docs/ha.md): whether an auditd that finds the writer lock held waits passive for it,
 * how often it asks again, and the name it gives itself. The lock itself is taken by
 * hcbus-auditd (services/auditd/db.c), not here. */
#include "config_standby.h"

#include "hcbus/i18n.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FALLBACK_NODE_NAME "hcbus-auditd"

/* A node name goes into log lines and onto the wire: letters, digits, '.', '_' and '-'
 * only (a host name is). The first byte not allowed, or NULL. */
static const char *bad_name_byte(const char *name)
{
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return p;
    }
    return NULL;
}

/* The host name, cut at HCBUS_NODE_NAME_MAX, or FALLBACK_NODE_NAME if there is none
 * usable (the name is for people reading logs: a start never fails on it). */
static void default_name(char *buf, size_t size)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0' || bad_name_byte(host))
        snprintf(host, sizeof host, "%s", FALLBACK_NODE_NAME);
    snprintf(buf, size, "%.*s", HCBUS_NODE_NAME_MAX, host);
}

static int read_name(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_auditd_config_t *a)
{
    const config_setting_t *s = config_setting_get_member(g, "node_name");
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return hcbus_cfg_soft(ctx, hcbus_cfg_fail(ctx, s, "must be a string"));
    const char *name = config_setting_get_string(s);
    const char *bad = bad_name_byte(name);
    if (name[0] == '\0' || strlen(name) > HCBUS_NODE_NAME_MAX || bad) {
        if (bad)
            hcbus_cfg_fail(ctx, s, "byte %zu (0x%02x) is not allowed in a node name: letters, digits, '.', '_' and "
                           "'-' only", (size_t)(bad - name) + 1, (unsigned char)*bad);
        else
            hcbus_cfg_fail(ctx, s, "a node name has 1 to %d characters (%zu given)", HCBUS_NODE_NAME_MAX,
                           strlen(name));
        hcbus_error_hint(ctx->err, _("e.g. node_name = \"auditd-site-b\"; (the default is the host name)"));
        return hcbus_cfg_soft(ctx, -1);
    }
    snprintf(a->node_name, sizeof a->node_name, "%s", name);
    return 0;
}

int hcbus_config_read_standby(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_auditd_config_t *a)
{
    a->standby = false;
    a->standby_poll_ms = HCBUS_STANDBY_POLL_MS_DEFAULT;
    default_name(a->node_name, sizeof a->node_name);
    if (hcbus_cfg_bool(ctx, g, "standby", &a->standby, NULL) < 0 ||
        hcbus_cfg_u32(ctx, g, "standby_poll_ms", HCBUS_STANDBY_POLL_MS_MIN, HCBUS_STANDBY_POLL_MS_MAX,
                      &a->standby_poll_ms) < 0)
        return -1;
    return read_name(ctx, g, a);
}
