/* i18n.c — choose the language from the locale and find the catalogues (i18n.h). */
#include "hcbus/i18n.h"

#include <locale.h>
#include <stdlib.h>

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
