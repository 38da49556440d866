/* config_metrics.c — the metrics_listen setting (config_metrics.h): where a service's
 * /metrics and /healthz answer. Every interface (0.0.0.0, [::]) is accepted only when
 * written out; the defaults are localhost. */
#include "config_metrics.h"

#include <stdio.h>
#include <string.h>

#include "hcbus/i18n.h"
#include "hcbus/listen.h"

int hcbus_config_read_metrics(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_metrics_config_t *m)
{
    config_setting_t *s = g ? config_setting_get_member(g, "metrics_listen") : NULL;
    if (!s)
        return 0;
    m->given = true;
    const char *text = config_setting_get_string(s);
    if (!text)
        return hcbus_cfg_fail(ctx, s, "%s", _("must be a string: \"ADDRESS:PORT\", or \"off\""));
    if (text[0] == '\0' || strcmp(text, "off") == 0) {
        m->listen[0] = '\0';
        return 0;
    }
    hcbus_listen_addr_t addr;
    hcbus_error_t why;
    if (hcbus_listen_parse(text, &addr, &why) != 0) {
        hcbus_cfg_fail(ctx, s, "%s", why.message);
        return hcbus_error_hint(ctx->err, "%s", why.hint);
    }
    snprintf(m->listen, sizeof m->listen, "%s", text);
    return 0;
}
