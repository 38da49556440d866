#!/usr/bin/env bash
# po/check.sh — is every string a person reads translated? Extracts every string marked
# _(), N_(), P_() or NC_() in services/ (xgettext) and checks the catalogue of a language
# (po/<lang>/*.po, default es) against it. Fails (exit 1), naming file:line and the
# string, on: a marked string with no non-empty msgstr; a fuzzy entry; a PO file msgfmt
# --check refuses (syntax, header, a %d or %s the translation lost or added); a msgid two
# area files translate differently. Run by test_i18n_catalogue; run it yourself too:
#   po/check.sh              the problems, one a line ("services/cli/main.c:42: ...")
#   po/check.sh --po         the untranslated entries as PO text, ready to translate
#                            and append to po/es/<area>.po
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=report
if [ "${1:-}" = --po ]; then
  mode=po
  shift
fi
lang=${1:-es}
work=$(mktemp -d)
[ -n "${PO_CHECK_KEEP:-}" ] || trap 'rm -rf -- "$work"' EXIT
cd "$root"

po_files=(po/"$lang"/*.po)
[ -e "${po_files[0]}" ] || { echo "po/check.sh: no PO file in po/$lang/" >&2; exit 1; }

# Every marked string, with the file:line of each use (relative to the repository).
mapfile -t sources < <(find services \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=NC_:1c,2 \
  --add-comments=TRANSLATORS: --force-po --no-wrap -o "$work/hcbus.pot" "${sources[@]}"

problems=0
problem() {
  if [ "$mode" = po ]; then echo "$*" >&2; else echo "$*"; fi
  problems=$((problems + 1))
}

# Turn PO text on stdin into "file:line: WHAT: "msgid"" lines (every use of each msgid).
po_to_lines() {
  local what=$1
  awk -v what="$what" '
    function flush() {
      if (id != "") {
        n = split(refs, r, " ")
        if (n == 0) { print "(no source reference): " what ": \"" id "\"" }
        for (i = 1; i <= n; i++) if (r[i] != "") print r[i] ": " what ": \"" id "\""
      }
      refs = ""; id = ""; inid = 0
    }
    /^#: / { refs = refs " " substr($0, 4); next }
    /^msgid "/ { id = substr($0, 8, length($0) - 8); inid = 1; next }
    /^msgid_plural / { inid = 0; next }
    /^"/ { if (inid) id = id substr($0, 2, length($0) - 2); next }
    /^msgstr/ { inid = 0; next }
    /^$/ { flush(); next }
    END { flush() }'
}

# 1. Each area file on its own: msgfmt's checks, and no fuzzy entry.
for f in "${po_files[@]}"; do
  if ! msgfmt --check -o /dev/null "$f" 2>"$work/msgfmt.err"; then
    while IFS= read -r line; do problem "$line"; done <"$work/msgfmt.err"
  fi
  rm -f "$work/fuzzy.po"
  msgattrib --only-fuzzy --no-obsolete --no-wrap "$f" -o "$work/fuzzy.po" 2>/dev/null || true
  if [ -s "$work/fuzzy.po" ] && grep -q '^msgid "[^"]' "$work/fuzzy.po"; then
    while IFS= read -r id; do
      ln=$(grep -n -F -x "$id" "$f" | head -n 1 | cut -d: -f1)
      problem "$f:${ln:-?}: fuzzy entry (check the translation, then delete its '#, fuzzy' line): ${id#msgid }"
    done < <(grep '^msgid "[^"]' "$work/fuzzy.po")
  fi
done

# 2. One msgid translated differently by two areas: msgcat marks it fuzzy when it merges.
if ! msgcat --force-po --to-code=UTF-8 --no-wrap -o "$work/all.po" "${po_files[@]}" 2>"$work/msgcat.err"; then
  echo "po/check.sh: msgcat cannot merge po/$lang/*.po (fix the errors above first)" >&2
  exit 1
fi
rm -f "$work/conflicts.po"
msgattrib --only-fuzzy --no-obsolete --no-wrap "$work/all.po" -o "$work/conflicts.po" 2>/dev/null || true
if [ -s "$work/conflicts.po" ]; then
  while IFS= read -r line; do
    case $line in *': ""') continue ;; esac   # the headers, which differ by design
    problem "$line"
  done < <(po_to_lines "translated differently in two files of po/$lang/" <"$work/conflicts.po")
fi

# 3. The catalogue as the build merges it, against the sources: every marked string
# translated, and each translation's %-directives those of its msgid (the c-format
# flags come from xgettext, so they are checked even when an area file omits them).
msgcat --force-po --use-first --to-code=UTF-8 --no-wrap -o "$work/merged.po" "${po_files[@]}"
msgmerge --quiet --force-po --no-fuzzy-matching --no-wrap -o "$work/check.po" "$work/merged.po" "$work/hcbus.pot"
if ! msgfmt --check -o /dev/null "$work/check.po" 2>"$work/format.err"; then
  # msgfmt names the line of the merged file; show the entry's source reference too.
  while IFS= read -r line; do
    ln=$(sed -n 's/^[^:]*:\([0-9][0-9]*\):.*/\1/p' <<<"$line")
    ref=""
    [ -n "$ln" ] && ref=$(head -n "$ln" "$work/check.po" | grep '^#: ' | tail -n 1 | cut -c4-)
    problem "${ref:+$ref: }$line"
  done <"$work/format.err"
fi
# msgmerge marks fuzzy (and msgfmt then drops) a translation whose %-directives are not
# those of the msgid, or one two area files disagree on (reported above too).
rm -f "$work/mismatch.po"
msgattrib --only-fuzzy --no-obsolete --no-wrap "$work/check.po" -o "$work/mismatch.po" 2>/dev/null || true
if [ -s "$work/mismatch.po" ]; then
  while IFS= read -r line; do problem "$line"; done \
    < <(po_to_lines "the translation's %-directives (%s, %d, %zu...) are not the msgid's" <"$work/mismatch.po")
fi
msgattrib --untranslated --no-obsolete --no-wrap "$work/check.po" -o "$work/untranslated.po" 2>/dev/null || true
if [ "$mode" = po ]; then
  # Without the header entry (the first paragraph): the area file has its own.
  [ -s "$work/untranslated.po" ] && awk 'BEGIN { h = 1 } h && /^$/ { h = 0; next } !h' "$work/untranslated.po" || true
  exit 0
fi
if [ -s "$work/untranslated.po" ]; then
  while IFS= read -r line; do problem "$line"; done \
    < <(po_to_lines "not translated in po/$lang/" <"$work/untranslated.po")
fi

if [ "$problems" -gt 0 ]; then
  echo "po/check.sh: $problems problem(s) in the $lang catalogue (po/$lang/*.po); po/check.sh --po lists the untranslated entries as PO" >&2
  exit 1
fi
marked=$(($(grep -c '^msgid ' "$work/hcbus.pot") - 1))   # less the header entry
echo "po/check.sh: all $marked marked strings translated in po/$lang/ (${#po_files[@]} files)"
