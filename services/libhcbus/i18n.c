/* i18n.c — choose the language from the locale and find the catalogues (i18n.h). */
#include "hcbus/i18n.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#ifndef HCBUS_LOCALEDIR
#define HCBUS_LOCALEDIR "/usr/local/share/locale"
#endif

void hcbus_i18n_init(void)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    const char *dir = getenv("HCBUS_LOCALEDIR");
    bindtextdomain(HCBUS_TEXT_DOMAIN, dir && *dir ? dir : HCBUS_LOCALEDIR);
    bind_textdomain_codeset(HCBUS_TEXT_DOMAIN, "UTF-8");
}

const char *hcbus_i18n_ctx(const char *context_and_text)
{
    const char *t = dgettext(HCBUS_TEXT_DOMAIN, context_and_text);
    if (t != context_and_text)
        return t;
    const char *sep = strchr(context_and_text, '\004');
    return sep ? sep + 1 : context_and_text;
}
