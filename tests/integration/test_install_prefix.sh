#!/usr/bin/env bash
# test_install_prefix.sh — `cmake --install` into a fresh prefix gives programs that
# run from there: each finds libhcbus.so.0 in the prefix's lib directory (RUNPATH
# $ORIGIN/../lib, set by CMAKE_INSTALL_RPATH), with no ldconfig and no
# LD_LIBRARY_PATH; `hcbus --version` prints the project's version and `hcbus keygen`
# writes a key pair (the secret 0600). Was: "libhcbus.so.0: cannot open shared object
# file" after a system-wide install.
source "${HCBUS_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/harness.sh"
export LC_ALL=C
unset LD_LIBRARY_PATH

prefix="$HC_WORK/prefix with space"
cmake --install "$HC_BIN" --prefix "$prefix" >"$HC_WORK/install.log" 2>&1 ||
  hc_fail "cmake --install failed: $(tail -5 "$HC_WORK/install.log")"
bin="$prefix/bin"
lib=$(dirname "$(find "$prefix" -name 'libhcbus.so.0' | head -1)")
[ -n "$lib" ] && [ -e "$lib/libhcbus.so.0" ] || hc_fail "no libhcbus.so.0 installed under $prefix"
for prog in hcbus hcbus-broker hcbus-auditd hcbus-coordinator; do
  [ -x "$bin/$prog" ] || hc_fail "$prog is not installed in $bin"
  resolved=$(ldd "$bin/$prog" | sed -n 's/^[[:space:]]*libhcbus.so.0 => \(.*\) (0x.*/\1/p')
  [ "$(readlink -f "$resolved")" = "$(readlink -f "$lib/libhcbus.so.0")" ] ||
    hc_fail "$prog does not find the installed libhcbus.so.0 (ldd: $(ldd "$bin/$prog" | grep libhcbus))"
  HC_CHECKS=$((HC_CHECKS + 1))
done
# Moved elsewhere, the prefix still works: the path is relative to the program.
mv "$prefix" "$HC_WORK/moved"
bin="$HC_WORK/moved/bin"

version=$(sed -n 's/^project(hcbus VERSION \([0-9.]*\).*/\1/p' "$HC_SRC/CMakeLists.txt")
set +e
out=$("$bin/hcbus" --version 2>&1); rc=$?
set -e
hc_assert_eq 0 "$rc" "the installed hcbus runs ($out)"
hc_assert_eq "hcbus $version" "$out" "hcbus --version from the prefix"
out=$("$bin/hcbus-broker" --version 2>&1) || hc_fail "hcbus-broker --version: $out"
hc_assert_eq "hcbus-broker $version" "$out" "hcbus-broker --version from the prefix"

mkdir -p "$HC_WORK/keys"
set +e
out=$("$bin/hcbus" keygen sem --dir "$HC_WORK/keys" 2>&1); rc=$?
set -e
hc_assert_eq 0 "$rc" "hcbus keygen from the prefix ($out)"
[ -s "$HC_WORK/keys/sem.key" ] && [ -s "$HC_WORK/keys/sem.pub" ] || hc_fail "keygen wrote no key pair: $(ls -l "$HC_WORK/keys")"
hc_assert_eq 600 "$(stat -c '%a' "$HC_WORK/keys/sem.key")" "the secret key is 0600"
hc_pass
