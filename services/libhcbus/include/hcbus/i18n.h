/* i18n.h — the language of what hcbus programs print. Every string a person reads
 * (help, errors, notices, log lines) is written in English in the source and marked:
 *   _("text")   translated now, by the locale (gettext, text domain "hcbus");
 *   N_("text")  only marked, for tables translated later with _(table[i].text);
 *   P_("one", "many", n)  the form for n (dngettext: "1 message", "2 messages");
 *   NC_("context", "text")  marked with a context, for one English word that Spanish
 *               says two ways ("critical": prioridad crítica, estado crítico); translated
 *               at use with hcbus_i18n_ctx(table[i].text).
 * Catalogues live in po/<lang>/ (one .po file per area, merged at build time); the
 * build compiles them into <localedir>/<lang>/LC_MESSAGES/hcbus.mo; po/check.sh (and
 * test_i18n_catalogue) fails on a marked string left untranslated. A program calls
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
#define P_(one, many, n) dngettext(HCBUS_TEXT_DOMAIN, one, many, n)
#define NC_(context, text) context "\004" text

/* setlocale(LC_ALL, "") (LC_NUMERIC stays "C", so numbers on the wire and in JSON keep
 * their '.'), then binds the text domain to the catalogue directory: $HCBUS_LOCALEDIR
 * if set (the tests and the build tree use it), else the installed localedir. */
void hcbus_i18n_init(void);

/* The translation of an NC_("context", "text") string; its text part when the catalogue
 * has none (English). Never NULL; points into the catalogue or into the argument. */
const char *hcbus_i18n_ctx(const char *context_and_text);

#ifdef __cplusplus
}
#endif

#endif
