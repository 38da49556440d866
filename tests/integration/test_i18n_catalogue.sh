#!/usr/bin/env bash
# test_i18n_catalogue — the Spanish catalogue is complete and sound: every string marked
# _(), N_() or P_() in services/ has a non-empty msgstr in po/es/, no entry is fuzzy,
# msgfmt --check accepts every file, and the build compiled what the programs load
# (<build>/locale/es/LC_MESSAGES/hcbus.mo). po/check.sh does the checking; this test also
# proves that it fails when it should (a new untranslated string, a fuzzy entry, a lost
# %s), so that a green run means something.
source "$HCBUS_SOURCE_DIR/tests/lib/harness.sh"

command -v xgettext >/dev/null || hc_fail "xgettext not found (Debian package gettext; deploy/install.sh installs it)"

# 1. The real catalogue against the real sources.
if ! out=$("$HC_SRC/po/check.sh" es 2>&1); then
  hc_fail "untranslated or broken strings in po/es/ (translate them in the file of their area; po/check.sh --po prints them as PO):"$'\n'"$out"
fi
hc_log "$out"
HC_CHECKS=$((HC_CHECKS + 1))

# 2. The build compiled it where the programs look for it, and it holds translations.
mo=$HC_BIN/locale/es/LC_MESSAGES/hcbus.mo
[ -s "$mo" ] || hc_fail "$mo missing: po/CMakeLists.txt did not build the catalogue"
count=$(msgunfmt "$mo" | grep -c '^msgid ' || true)
[ "$count" -gt 1 ] || hc_fail "$mo holds no translation (only its header)"
HC_CHECKS=$((HC_CHECKS + 1))

# 3. The checker fails when it should: on a copy of the tree with one broken thing each.
copy=$HC_WORK/tree
mkdir -p "$copy/po" "$copy/services/probe"
cp -r "$HC_SRC/po/es" "$HC_SRC/po/check.sh" "$copy/po/"
cat >"$copy/services/probe/probe.c" <<'C'
#include "hcbus/i18n.h"
static const char *label[] = { N_("probe label never translated") };
const char *probe(int n) { return n ? _("probe %s was refused") : label[0]; }
C
expect_problem() {
  local what=$1 needle=$2 out
  if out=$("$copy/po/check.sh" es 2>&1); then
    hc_fail "po/check.sh passed with $what"
  fi
  hc_assert_contains "$out" "$needle" "po/check.sh names $what"
}
expect_problem "an untranslated N_() string" 'services/probe/probe.c:2: not translated in po/es/: "probe label never translated"'
expect_problem "an untranslated _() string" 'services/probe/probe.c:3: not translated in po/es/: "probe %s was refused"'

printf '\nmsgid "probe label never translated"\nmsgstr "etiqueta de prueba"\n\n#, fuzzy\nmsgid "probe %%s was refused"\nmsgstr "se rechazó %%s"\n' >"$copy/po/es/zz_probe.po"
sed -n '1,/^$/p' "$HC_SRC/po/es/cli.po" | cat - "$copy/po/es/zz_probe.po" >"$copy/po/es/zz.po"
rm "$copy/po/es/zz_probe.po"
expect_problem "a fuzzy entry" 'po/es/zz.po:'
sed -i '/^#, fuzzy$/d; s/^msgstr "se rechazó %s"$/msgstr "se rechazó %d"/' "$copy/po/es/zz.po"
expect_problem "a translation that changed %s into %d" "services/probe/probe.c:3: the translation's %-directives"
sed -i 's/^msgstr "se rechazó %d"$/msgstr "se rechazó %s"/' "$copy/po/es/zz.po"
printf '\nmsgid "probe label never translated"\nmsgstr "otra etiqueta"\n' >>"$copy/po/es/cli.po"
expect_problem "two files translating one string differently" 'translated differently in two files of po/es/: "probe label never translated"'
sed -i '$d' "$copy/po/es/cli.po"; sed -i '$d' "$copy/po/es/cli.po"; sed -i '$d' "$copy/po/es/cli.po"
if ! out=$("$copy/po/check.sh" es 2>&1); then
  hc_fail "po/check.sh still fails once the probe strings are translated: $out"
fi
HC_CHECKS=$((HC_CHECKS + 1))

hc_pass
