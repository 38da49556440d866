#!/usr/bin/env bash
# install.sh — install the Debian 12 packages hcbus needs, then configure and build it
# with CMake. Safe to rerun: apt is skipped when every package is already installed.
#
#   deploy/install.sh [CMAKE_OPTION...]      e.g. deploy/install.sh -DHCBUS_SANITIZE=ON
#   HCBUS_BUILD_DIR=/path deploy/install.sh  (default: build/ in the repository)
#   HCBUS_INSTALL_TEST_PACKAGES=1            also what the tests need (deploy/test.sh sets it)
#   deploy/install.sh --bench [CMAKE_OPTION...]   also what the bench needs (BENCH_PACKAGES;
#                                            tests/bench/run.sh calls it so)
#
# It does not start PostgreSQL: tests and operators run private clusters with
# deploy/pg.sh, never the Debian-packaged default cluster.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${HCBUS_BUILD_DIR:-$REPO_DIR/build}
PACKAGES=(
  build-essential cmake pkg-config git
  libzmq3-dev protobuf-c-compiler libprotobuf-c-dev
  libpq-dev libconfig-dev libsodium-dev libcmocka-dev libjansson-dev
  libmicrohttpd-dev        # hcbus-report, the anonymous web form
  libsystemd-dev           # sd_notify: the services' Type=notify units (deploy/systemd)
  libssl-dev               # libcrypto's SHA-256 (SHA-NI) for the audit log's hashes (libhcbus sha256.c)
  postgresql-15 postgresql-client-15 procps
  curl                     # run.sh asks hcbus-report whether it answers; the demo sends a report
  gettext                  # msgcat/msgfmt build the Spanish catalogue (po/es -> hcbus.mo); xgettext checks it
  locales                  # es_SV.UTF-8, generated below: the language of the people at the console
)
# What only the tests need (deploy/test.sh sets HCBUS_INSTALL_TEST_PACKAGES=1): the
# run command does not install a browser, a fuzzing compiler or valgrind.
TEST_PACKAGES=(
  python3 jq               # tests parse CSV and JSON output and decode screenshots
  iputils-ping             # test_netlab measures round trips over the link emulator (tests/lib/netlab.sh)
  time                     # test_field_link: /usr/bin/time -f %M, the field unit's peak memory
  clang libclang-rt-14-dev # the libFuzzer build
  valgrind                 # test_valgrind, test_coordinator_valgrind
  chromium                 # test_audit_report renders the HTML report headless
  libxml2-utils            # test_audit_cap validates the CAP export (xmllint --schema)
  chromium-driver python3-selenium  # test_webform_browser drives the form in Chromium
  libimage-exiftool-perl python3-pil  # test_webform_photos: photos with metadata, and the check
  libjpeg-turbo-progs      # test_webform_photos: jpegtran makes restart markers, arithmetic coding
  nginx-light tor          # test_webform_deploy: the TLS front and the onion service's config
  prometheus               # promtool: test_metrics_deploy checks deploy/prometheus/ (config, rules, rule tests)
  groff-base man-db        # test_cli_help_docs: groff -ww and man -l on docs/man/ (mandoc -Tlint too when installed)
  patroni etcd-server etcd-client  # test_ha_patroni: deploy/ha/'s Patroni and three etcd members, for real
)
# What the bench (tests/bench/run.sh) runs beside hcbus: the peers it is compared with
# and their C client libraries (the bench programs build only with -DHCBUS_BENCH=ON).
BENCH_PACKAGES=(
  nats-server libnats-dev  # NATS core and JetStream (tests/bench/peers/nats_bench.c)
  mosquitto libmosquitto-dev  # MQTT QoS 1 (tests/bench/peers/mqtt_bench.c)
)
# The test suite runs the bench once, quickly (test_bench_smoke), so it needs them too.
TEST_PACKAGES+=("${BENCH_PACKAGES[@]}")
if [ "${HCBUS_INSTALL_TEST_PACKAGES:-0}" = 1 ]; then
  PACKAGES+=("${TEST_PACKAGES[@]}")
fi
if [ "${1:-}" = --bench ]; then
  shift
  PACKAGES+=("${BENCH_PACKAGES[@]}")
fi

say() { echo "install.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "not root and sudo is not installed: run as root, or install sudo"
  fi
}

# Print the packages of PACKAGES that dpkg does not report as installed.
missing_packages() {
  local pkg status
  for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || echo "$pkg"
  done
}

# Keep apt from starting the packaged cluster on a fresh install: nothing here uses
# it, and a stray server on port 5432 only confuses. policy-rc.d is consulted by
# invoke-rc.d at package configuration time; we remove it again afterwards.
install_packages() {
  local missing policy=/usr/sbin/policy-rc.d added_policy=0
  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -eq 0 ]; then
    say "all ${#PACKAGES[@]} Debian packages already installed"
    return 0
  fi
  say "installing: ${missing[*]}"
  if [ ! -e "$policy" ]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    added_policy=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" || { [ "$added_policy" = 1 ] && as_root rm -f "$policy"; die "apt-get install failed"; }
  [ "$added_policy" = 1 ] && as_root rm -f "$policy"
  return 0
}

build() {
  say "configuring $REPO_DIR into $BUILD_DIR ${*:+(options: $*)}"
  cmake -S "$REPO_DIR" -B "$BUILD_DIR" "$@"
  cmake --build "$BUILD_DIR" -j"$(nproc)"
  say "built in $BUILD_DIR; run the tests with: (cd $BUILD_DIR && ctest --output-on-failure)"
}

# The locales hcbus speaks (po/<lang>): generate es_SV.UTF-8 when `locale -a` lacks it,
# so that LANG=es_SV.UTF-8 gives Spanish to the users and to the tests (test_cli_language).
HCBUS_LOCALES=(es_SV.UTF-8)
ensure_locales() {
  local loc have
  have=$(locale -a 2>/dev/null | tr '[:upper:]' '[:lower:]' | sed 's/utf-8/utf8/')
  for loc in "${HCBUS_LOCALES[@]}"; do
    if grep -qx "$(echo "$loc" | tr '[:upper:]' '[:lower:]' | sed 's/utf-8/utf8/')" <<<"$have"; then
      continue
    fi
    say "generating the locale $loc (locale-gen)"
    if grep -q "^# *$loc UTF-8" /etc/locale.gen; then
      as_root sed -i "s/^# *$loc UTF-8/$loc UTF-8/" /etc/locale.gen
    elif ! grep -q "^$loc UTF-8" /etc/locale.gen; then
      as_root sh -c "echo '$loc UTF-8' >> /etc/locale.gen"
    fi
    as_root locale-gen >/dev/null || die "locale-gen failed for $loc"
  done
}

command -v dpkg-query >/dev/null || die "dpkg-query not found: this script is for Debian 12"
install_packages
ensure_locales
build "$@"
