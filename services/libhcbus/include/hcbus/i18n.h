/* i18n.h — the language of what hcbus programs print. Every string a person reads
 * (help, errors, notices, log lines) is written in English in the source and marked:
 *   _("text")   translated now, by the locale (gettext, text domain "hcbus");
 *   N_("text")  only marked, for tables translated later with _(table[i].text).
 * Catalogues live in po/<lang>/ (one .po file per area, merged at build time); the
 * build compiles them into <localedir>/<lang>/LC_MESSAGES/hcbus.mo. A program calls
 * hcbus_i18n_init() first thing in main(): LANG=es_SV.UTF-8 then gives Spanish, any
 * locale without a catalogue gives English. Never translate wire names, topics, config
 * keys or the words a script matches (JSON keys, exit codes). */
#ifndef HCBUS_I18N_H
#define HCBUS_I18N_H

#include <libintl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_TEXT_DOMAIN "hcbus"

#define _(text) dgettext(HCBUS_TEXT_DOMAIN, text)
#define N_(text) text

/* setlocale(LC_ALL, "") (LC_NUMERIC stays "C", so numbers on the wire and in JSON keep
 * their '.'), then binds the text domain to the catalogue directory: $HCBUS_LOCALEDIR
 * if set (the tests and the build tree use it), else the installed localedir. */
void hcbus_i18n_init(void);

#ifdef __cplusplus
}
#endif

#endif
