/* test_config.c — the configuration file: defaults, every section read, relative paths,
 * role defaults and overrides, institutions with inline keys and key files, rights
 * narrowed by limit_to_zones (checked against the zone catalogue), the demo
 * deploy/hcbus.conf (with generated key files), and each refused file, whose error must
 * name "file:line" and the setting. Files are written to a temporary directory. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "hcbus/config.h"

#define K1 "(/&6x*l&wlE%C7VzcIdqf}?)?6fStLBrFvA4gav7"
#define K2 "G{d74R<X?#)}i:MmxSY.5S!*JX5Ggy>#0-CT-L%R"
#define K3 "alB2[]&fw@}kP8jc&Z@<3$O7DOzykFM8EMlHuTjF"
/* Line 1 of most test files: the two required key files. */
#define BASE "broker = { secret_key_file = \"keys/broker.key\"; }; auditd = { secret_key_file = \"k\"; };\n"
/* BASE with the real zone catalogue, which limit_to_zones is checked against. */
#define ZBASE "zones_file = \"" HCBUS_SOURCE_DIR "/deploy/sv-districts.csv\"; " BASE
/* An institution on lines 2-3 (3: `rest`) with limit_to_zones and more settings given as `rest`. */
#define LIMITED(rest) ZBASE "institutions = ({ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n" rest " });\n"
#define INST(id, key) "{ id = \"" id "\"; roles = [\"police\"]; public_keys = [\"" key "\"]; }"

static char tmpdir[64];

/* ---- files ----------------------------------------------------------------------- */

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void write_new_pub(const char *rel, char *key_out)
{
    char pub[41], sec[41], text[128];
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    snprintf(text, sizeof text, "# a test key\npublic-key %s\n", pub);
    write_file(rel, text);
    if (key_out)
        memcpy(key_out, pub, sizeof pub);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hcbus-test-config-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char keys[128];
    snprintf(keys, sizeof keys, "%s/keys", tmpdir);
    if (mkdir(keys, 0700) != 0)
        return -1;
    write_file("keys/short.pub", "# too short\npublic-key abc\n");
    write_file("keys/nokey.pub", "# only a comment\n");
    return 0;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static hcbus_config_t *load_text(const char *text, hcbus_error_t *err)
{
    char path[512];
    write_file("hcbus.conf", text);
    snprintf(path, sizeof path, "%s/hcbus.conf", tmpdir);
    return hcbus_config_load(path, err);
}

static hcbus_config_t *load_ok(const char *text)
{
    hcbus_error_t err;
    hcbus_config_t *c = load_text(text, &err);
    if (!c)
        fail_msg("refused: %s: %s", err.field, err.message);
    return c;
}

/* ---- accepted files ---------------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(BASE);
    char want[512];
    snprintf(want, sizeof want, "%s/hcbus.conf", tmpdir);
    assert_string_equal(c->path, want);
    snprintf(want, sizeof want, "%s/sv-districts.csv", tmpdir);
    assert_string_equal(c->zones_file, want);
    snprintf(want, sizeof want, "%s/sql", tmpdir);
    assert_string_equal(c->auditd.migrations_dir, want);
    snprintf(want, sizeof want, "%s/keys/broker.key", tmpdir);
    assert_string_equal(c->broker.secret_key_file, want);
    assert_int_equal(c->log_level, HCBUS_LOG_INFO);
    assert_string_equal(c->broker.publish_endpoint, "tcp://127.0.0.1:7701");
    assert_string_equal(c->broker.subscribe_endpoint, "tcp://127.0.0.1:7702");
    assert_string_equal(c->auditd.endpoint, "tcp://127.0.0.1:7703");
    assert_int_equal(c->broker.max_message_bytes, 65536);
    assert_int_equal(c->broker.max_in_flight, 8192);
    assert_int_equal(c->broker.subscriber_queue_max, 10000);
    assert_int_equal(c->broker.subscriber_queue_max_bytes, 1048576);
    assert_int_equal(c->broker.ack_timeout_ms, 5000);
    assert_int_equal(c->broker.audit_resend_ms, 1000);
    assert_int_equal(c->broker.handshake_ms, 5000); /* the link settings: as on a LAN */
    assert_int_equal(c->broker.heartbeat_ms, 0);
    assert_int_equal(c->broker.heartbeat_timeout_ms, 0);
    assert_int_equal(c->broker.tcp_keepalive_s, 0);
    assert_int_equal(c->auditd.batch_max_rows, 1000);
    assert_int_equal(c->auditd.batch_max_delay_ms, 0);
    assert_true(c->auditd.conninfo[0] != '\0');
    assert_int_equal(c->institution_count, 0);
    hcbus_config_destroy(&c);
    assert_null(c);
    hcbus_config_destroy(&c);
    hcbus_config_destroy(NULL);
}

static void test_role_defaults(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(BASE);
    char buf[512];
    const hcbus_role_rights_t *r = c->roles;
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_DISPATCH_CENTRE].publish, buf, sizeof buf),
                        "dispatch:* status:* alert:* escort:* escort_status:*");
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_DISPATCH_CENTRE].subscribe, buf, sizeof buf),
                        "zone:* dispatch:* status:* alert:* escort:* escort_status:* notice:*");
    assert_true(r[HCBUS_ROLE_DISPATCH_CENTRE].clinical);
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_HEALTH_PROVIDER].publish, buf, sizeof buf),
                        "status:* alert:*");
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_HEALTH_PROVIDER].subscribe, buf, sizeof buf),
                        "zone:* dispatch:* status:* alert:* escort_status:* notice:*");
    assert_true(r[HCBUS_ROLE_HEALTH_PROVIDER].clinical);
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_POLICE].publish, buf, sizeof buf),
                        "alert:* escort:* escort_status:*");
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_POLICE].subscribe, buf, sizeof buf),
                        "zone:* alert:* escort:* dispatch:* status:* escort_status:* notice:*");
    assert_false(r[HCBUS_ROLE_POLICE].clinical);
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_ZONE_AUTHORITY].publish, buf, sizeof buf),
                        "zone:* alert:*");
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_ZONE_AUTHORITY].subscribe, buf, sizeof buf),
                        "zone:* alert:* escort:* escort_status:* notice:*");
    assert_false(r[HCBUS_ROLE_ZONE_AUTHORITY].clinical);
    assert_int_equal(r[HCBUS_ROLE_FACILITATOR].publish.count, 0);
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_FACILITATOR].subscribe, buf, sizeof buf), "*:*");
    assert_false(r[HCBUS_ROLE_FACILITATOR].clinical);
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_ANONYMOUS_GATEWAY].publish, buf, sizeof buf), "alert:*");
    assert_int_equal(r[HCBUS_ROLE_ANONYMOUS_GATEWAY].subscribe.count, 0);
    assert_false(r[HCBUS_ROLE_ANONYMOUS_GATEWAY].clinical);
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_COORDINATOR].publish, buf, sizeof buf),
                        "zone:* escort:* notice:*");
    assert_string_equal(hcbus_grants_format(&r[HCBUS_ROLE_COORDINATOR].subscribe, buf, sizeof buf), "*:*");
    assert_false(r[HCBUS_ROLE_COORDINATOR].clinical);
    const char *names[] = {"dispatch_centre", "health_provider", "police", "zone_authority", "facilitator",
                           "anonymous_gateway", "coordinator"};
    assert_int_equal(sizeof names / sizeof names[0], HCBUS_ROLE_COUNT);
    for (int i = 0; i < HCBUS_ROLE_COUNT; i++)
        assert_string_equal(hcbus_role_name((hcbus_role_t)i), names[i]);
    hcbus_config_destroy(&c);
}

static void test_every_setting(void **state)
{
    (void)state;
    char key_a[41], key_anon[41], text[4096];
    write_new_pub("keys/a.pub", key_a);
    write_new_pub("keys/anon.pub", key_anon);
    snprintf(text, sizeof text,
             "log_level = \"debug\";\n"
             "zones_file = \"/opt/zones.csv\";\n"
             "broker = { publish_endpoint = \"ipc:///tmp/p\"; subscribe_endpoint = \"ipc:///tmp/s\";\n"
             "  secret_key_file = \"/etc/hcbus/broker.key\"; max_message_bytes = 1024; max_in_flight = 1;\n"
             "  subscriber_queue_max = 2; subscriber_queue_max_bytes = 2048; ack_timeout_ms = 3;\n"
             "  audit_resend_ms = 4; handshake_ms = 60000; heartbeat_ms = 10000;\n"
             "  heartbeat_timeout_ms = 60000; tcp_keepalive_s = 30; };\n"
             "auditd = { endpoint = \"inproc://audit\"; secret_key_file = \"a.key\"; conninfo = \"host=/x dbname=y\";\n"
             "  migrations_dir = \"../sql\"; batch_max_rows = 5; batch_max_delay_ms = 0; };\n"
             "roles = { facilitator = { subscribe = [\"zone:*\"]; }; police = { clinical = true; publish = []; }; };\n"
             "institutions = (\n"
             "  { id = \"a\"; name = \"Alpha\"; roles = [\"police\"]; public_keys = [\"%s\"];\n"
             "    public_key_files = [\"keys/a.pub\"]; publish = [\"dispatch:sv.ss\"]; clinical = false; },\n"
             "  { id = \"b_2\"; roles = [\"dispatch_centre\", \"health_provider\"]; public_keys = [\"%s\"];\n"
             "    subscribe = [\"zone:*\", \"*:sv.ss\"]; },\n"
             "  { id = \"fac\"; roles = (\"facilitator\"); public_keys = (\"%s\"); },\n"
             "  { id = \"anon\"; roles = [\"anonymous_gateway\"]; public_key_files = [\"%s/keys/anon.pub\"]; }\n"
             ");\n",
             K1, K2, K3, tmpdir);
    hcbus_config_t *c = load_ok(text);
    char buf[512], want[512];
    assert_int_equal(c->log_level, HCBUS_LOG_DEBUG);
    assert_string_equal(c->zones_file, "/opt/zones.csv");
    assert_string_equal(c->broker.publish_endpoint, "ipc:///tmp/p");
    assert_string_equal(c->broker.subscribe_endpoint, "ipc:///tmp/s");
    assert_string_equal(c->broker.secret_key_file, "/etc/hcbus/broker.key");
    assert_int_equal(c->broker.max_message_bytes, 1024);
    assert_int_equal(c->broker.max_in_flight, 1);
    assert_int_equal(c->broker.subscriber_queue_max, 2);
    assert_int_equal(c->broker.subscriber_queue_max_bytes, 2048);
    assert_int_equal(c->broker.ack_timeout_ms, 3);
    assert_int_equal(c->broker.audit_resend_ms, 4);
    assert_int_equal(c->broker.handshake_ms, 60000);
    assert_int_equal(c->broker.heartbeat_ms, 10000);
    assert_int_equal(c->broker.heartbeat_timeout_ms, 60000);
    assert_int_equal(c->broker.tcp_keepalive_s, 30);
    assert_string_equal(c->auditd.endpoint, "inproc://audit");
    snprintf(want, sizeof want, "%s/a.key", tmpdir);
    assert_string_equal(c->auditd.secret_key_file, want);
    snprintf(want, sizeof want, "%s/../sql", tmpdir);
    assert_string_equal(c->auditd.migrations_dir, want);
    assert_string_equal(c->auditd.conninfo, "host=/x dbname=y");
    assert_int_equal(c->auditd.batch_max_rows, 5);
    assert_int_equal(c->auditd.batch_max_delay_ms, 0);
    assert_int_equal(c->institution_count, 4);

    /* Role overrides replace only what they name. */
    assert_string_equal(hcbus_grants_format(&c->roles[HCBUS_ROLE_FACILITATOR].subscribe, buf, sizeof buf), "zone:*");
    assert_int_equal(c->roles[HCBUS_ROLE_POLICE].publish.count, 0);
    assert_true(c->roles[HCBUS_ROLE_POLICE].clinical);
    assert_int_equal(c->roles[HCBUS_ROLE_POLICE].subscribe.count, 7);

    const hcbus_institution_t *a = hcbus_config_find_institution(c, "a");
    assert_non_null(a);
    assert_string_equal(a->name, "Alpha");
    assert_int_equal(a->key_count, 2);
    assert_string_equal(a->public_keys[0], K1);
    assert_string_equal(a->public_keys[1], key_a);
    assert_int_equal(a->roles, 1u << HCBUS_ROLE_POLICE);
    assert_string_equal(hcbus_grants_format(&a->publish, buf, sizeof buf), "dispatch:sv.ss");
    assert_false(a->clinical);   /* its own setting wins over the (overridden) role */
    assert_false(a->anonymous_gateway);
    assert_ptr_equal(hcbus_config_find_key(c, key_a), a);
    assert_ptr_equal(hcbus_config_find_key(c, K1), a);

    const hcbus_institution_t *b = hcbus_config_find_institution(c, "b_2");
    assert_string_equal(b->name, "b_2");   /* the id when no name is given */
    assert_string_equal(hcbus_grants_format(&b->publish, buf, sizeof buf),
                        "dispatch:* status:* alert:* escort:* escort_status:*");
    assert_string_equal(hcbus_grants_format(&b->subscribe, buf, sizeof buf),
                        "zone:* dispatch:* status:* alert:* escort:* escort_status:* notice:* *:sv.ss");
    assert_true(b->clinical);
    assert_ptr_equal(hcbus_config_find_key(c, K2), b);

    const hcbus_institution_t *fac = hcbus_config_find_institution(c, "fac");
    assert_string_equal(hcbus_grants_format(&fac->subscribe, buf, sizeof buf), "zone:*");
    assert_int_equal(fac->publish.count, 0);

    const hcbus_institution_t *anon = hcbus_config_find_institution(c, "anon");
    assert_true(anon->anonymous_gateway);
    assert_false(anon->clinical);
    assert_string_equal(anon->public_keys[0], key_anon);

    assert_null(hcbus_config_find_institution(c, "zzz"));
    assert_null(hcbus_config_find_key(c, "nope"));
    assert_null(hcbus_config_find_key(NULL, K1));
    hcbus_config_destroy(&c);
}

static void test_limit_to_zones(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(ZBASE "institutions = (\n"
                                "{ id = \"pnc-ss\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n"
                                "  limit_to_zones = [\"sv.ss.\", \"sv.li.la-libertad-sur\"];\n"
                                "  subscribe = [\"dispatch:sv.ss.san-salvador-centro\", \"zone:*\"]; },\n"
                                "{ id = \"fac\"; roles = [\"facilitator\"]; public_keys = [\"" K2 "\"];\n"
                                "  limit_to_zones = [\"sv.ss.san-salvador-centro.san-salvador\"]; },\n"
                                "{ id = \"free\"; roles = [\"police\"]; public_keys = [\"" K3 "\"]; });\n");
    char buf[1024];
    const hcbus_institution_t *pnc = hcbus_config_find_institution(c, "pnc-ss");
    assert_int_equal(pnc->limit_count, 2);
    assert_string_equal(pnc->limit_to_zones[0], "sv.ss");   /* the trailing '.' of a prefix is dropped */
    assert_string_equal(pnc->limit_to_zones[1], "sv.li.la-libertad-sur");
    assert_string_equal(hcbus_grants_format(&pnc->publish, buf, sizeof buf),
                        "alert:sv.ss alert:sv.li.la-libertad-sur escort:sv.ss escort:sv.li.la-libertad-sur "
                        "escort_status:sv.ss escort_status:sv.li.la-libertad-sur");
    assert_string_equal(hcbus_grants_format(&pnc->subscribe, buf, sizeof buf),
                        "zone:sv.ss zone:sv.li.la-libertad-sur alert:sv.ss alert:sv.li.la-libertad-sur "
                        "escort:sv.ss escort:sv.li.la-libertad-sur dispatch:sv.ss dispatch:sv.li.la-libertad-sur "
                        "status:sv.ss status:sv.li.la-libertad-sur escort_status:sv.ss "
                        "escort_status:sv.li.la-libertad-sur notice:sv.ss notice:sv.li.la-libertad-sur "
                        "dispatch:sv.ss.san-salvador-centro");
    assert_true(hcbus_grants_allow_prefix(&pnc->subscribe, "alert.sv.ss."));
    assert_false(hcbus_grants_allow_prefix(&pnc->subscribe, "alert."));
    assert_false(hcbus_grants_allow_prefix(&pnc->subscribe, "alert.sv.ah."));
    assert_false(hcbus_grants_allow_topic(&pnc->publish, HCBUS_KIND_ALERT, "sv.ah.ahuachapan-centro.apaneca"));
    assert_false(pnc->clinical);
    char hint[256];
    assert_non_null(hcbus_institution_limit_hint(pnc, "alert", hint, sizeof hint));
    assert_string_equal(hint, "pnc-ss is limited to sv.ss, sv.li.la-libertad-sur (limit_to_zones in the broker's "
                              "configuration): ask within it, e.g. alert.sv.ss.");

    const hcbus_institution_t *fac = hcbus_config_find_institution(c, "fac");
    assert_string_equal(hcbus_grants_format(&fac->subscribe, buf, sizeof buf),
                        "*:sv.ss.san-salvador-centro.san-salvador");
    assert_int_equal(fac->publish.count, 0);

    const hcbus_institution_t *free_ = hcbus_config_find_institution(c, "free");   /* no limit: the roles' all */
    assert_int_equal(free_->limit_count, 0);
    assert_null(hcbus_institution_limit_hint(free_, "alert", hint, sizeof hint));
    assert_true(hcbus_grants_allow_prefix(&free_->subscribe, "alert."));
    hcbus_config_destroy(&c);
}

static void test_relative_config_path(void **state)
{
    (void)state;
    write_file("hcbus.conf", BASE);
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(tmpdir), 0);
    hcbus_error_t err;
    hcbus_config_t *c = hcbus_config_load("hcbus.conf", &err);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(c);
    assert_string_equal(c->zones_file, "./sv-districts.csv");
    assert_string_equal(c->broker.secret_key_file, "./keys/broker.key");
    hcbus_config_destroy(&c);
}

/* ---- the demo deployment ------------------------------------------------------------ */

static const char *const demo_ids[] = {"minsal", "cruz-roja", "comandos", "bomberos", "fosalud", "sem", "pnc",
                                       "cruz-verde", "cosam", "hospitales-privados", "isss", "facilitator",
                                       "anon-gateway", "coordinator", "webform"};
#define DEMO_COUNT (sizeof demo_ids / sizeof demo_ids[0])

/* Copy deploy/hcbus.conf into the temporary directory; returns the line of needle. */
static int copy_demo(const char *needle)
{
    FILE *in = fopen(HCBUS_SOURCE_DIR "/deploy/hcbus.conf", "r");
    assert_non_null(in);
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/hcbus.conf", tmpdir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    int lineno = 0, found = 0;
    while (fgets(line, sizeof line, in)) {
        lineno++;
        if (!found && needle && strstr(line, needle))
            found = lineno;
        fputs(line, out);
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
    return found;
}

static void test_demo_config(void **state)
{
    (void)state;
    char keys[DEMO_COUNT][41], rel[128], path[512];
    for (size_t i = 0; i < DEMO_COUNT; i++) {
        snprintf(rel, sizeof rel, "keys/%s.pub", demo_ids[i]);
        write_new_pub(rel, keys[i]);
    }
    copy_demo(NULL);
    snprintf(path, sizeof path, "%s/hcbus.conf", tmpdir);
    hcbus_error_t err;
    hcbus_config_t *c = hcbus_config_load(path, &err);
    if (!c)
        fail_msg("demo config refused: %s: %s", err.field, err.message);
    assert_int_equal(c->institution_count, DEMO_COUNT);
    for (size_t i = 0; i < DEMO_COUNT; i++) {
        const hcbus_institution_t *inst = hcbus_config_find_key(c, keys[i]);
        assert_non_null(inst);
        assert_string_equal(inst->id, demo_ids[i]);
        assert_true(inst->name[0] != '\0');
    }
    const hcbus_institution_t *sem = hcbus_config_find_institution(c, "sem");
    assert_string_equal(sem->name, "Sistema de Emergencias Médicas");
    assert_int_equal(sem->roles, (1u << HCBUS_ROLE_DISPATCH_CENTRE) | (1u << HCBUS_ROLE_HEALTH_PROVIDER));
    assert_true(sem->clinical);
    assert_true(hcbus_grants_allow_topic(&sem->publish, HCBUS_KIND_DISPATCH, "sv.ss"));
    const hcbus_institution_t *pnc = hcbus_config_find_institution(c, "pnc");
    assert_false(pnc->clinical);
    assert_false(hcbus_grants_allow_topic(&pnc->publish, HCBUS_KIND_DISPATCH, "sv.ss"));
    assert_true(hcbus_grants_allow_prefix(&pnc->subscribe, "dispatch.sv.ss."));
    const hcbus_institution_t *minsal = hcbus_config_find_institution(c, "minsal");
    assert_true(hcbus_grants_allow_topic(&minsal->publish, HCBUS_KIND_ZONE, "sv.ss"));
    assert_true(minsal->clinical);
    const hcbus_institution_t *anon = hcbus_config_find_institution(c, "anon-gateway");
    assert_true(anon->anonymous_gateway);
    assert_int_equal(anon->subscribe.count, 0);
    const hcbus_institution_t *fac = hcbus_config_find_institution(c, "facilitator");
    assert_true(hcbus_grants_allow_prefix(&fac->subscribe, "alert."));
    assert_false(fac->clinical);
    assert_false(hcbus_config_find_institution(c, "bomberos")->roles & (1u << HCBUS_ROLE_HEALTH_PROVIDER));
    /* hcbus-coordinator's section names its institution, which holds the role. */
    assert_true(c->coordinator.present);
    assert_string_equal(c->coordinator.institution, "coordinator");
    assert_int_equal(hcbus_config_find_institution(c, "coordinator")->roles, 1u << HCBUS_ROLE_COORDINATOR);
    assert_string_equal(c->coordinator.publish_endpoint, c->broker.publish_endpoint);
    assert_int_equal(c->coordinator.accept_within_s, 300);
    /* hcbus-report's section names the web form's gateway, with the shipped defaults. */
    assert_true(c->report.present);
    assert_string_equal(c->report.institution, "webform");
    assert_true(hcbus_config_find_institution(c, "webform")->anonymous_gateway);
    assert_string_equal(c->report.publish_endpoint, c->broker.publish_endpoint);
    assert_int_equal(c->report.listen_port, 7780);
    assert_int_equal(c->report.release_delay_min_s, 60);
    assert_int_equal(c->report.release_delay_max_s, 900);
    assert_int_equal(c->report.max_request_bytes, 8388608);
    snprintf(path, sizeof path, "%s/sv-districts.csv", tmpdir);
    assert_string_equal(c->zones_file, path);
    hcbus_config_destroy(&c);

    /* A missing key file is named, with the config line that refers to it. */
    int line = copy_demo("keys/sem.pub");
    assert_true(line > 0);
    snprintf(path, sizeof path, "%s/keys/sem.pub", tmpdir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/hcbus.conf", tmpdir);
    assert_null(hcbus_config_load(path, &err));
    char where[64];
    snprintf(where, sizeof where, "hcbus.conf:%d institutions[5].public_key_files[0]", line);
    assert_non_null(strstr(err.field, where));
    assert_non_null(strstr(err.message, "keys/sem.pub"));
}

/* ---- refused files ------------------------------------------------------------------ */

typedef struct bad_case {
    const char *text;
    int line;              /* 0: the error has no line */
    const char *setting;
    const char *reason;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {BASE "broker2 = 1;\n", 2, "broker2", "unknown setting broker2"},
    {"broker = { secret_key_file = \"k\";\n  max_inflight = 5; };\nauditd = { secret_key_file = \"k\"; };\n", 2,
     "broker.max_inflight", "unknown setting broker.max_inflight"},
    {BASE "broker = { max_message_bytes = \"big\"; };\n", 0, NULL, "cannot parse"},   /* duplicate group */
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\";\n max_message_bytes = \"big\"; };\n",
     3, "broker.max_message_bytes", "must be an integer"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\";\n max_message_bytes = 10; };\n", 3,
     "broker.max_message_bytes", "out of range"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\";\n ack_timeout_ms = 0; };\n", 3,
     "broker.ack_timeout_ms", "out of range"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\";\n max_in_flight = 5000000000L; };\n",
     3, "broker.max_in_flight", "out of range"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\";\n subscriber_queue_max_bytes = 100; };\n",
     3, "broker.subscriber_queue_max_bytes", "out of range"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\";\n handshake_ms = 999; };\n",
     3, "broker.handshake_ms", "out of range"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\";\n tcp_keepalive_s = 7201; };\n",
     3, "broker.tcp_keepalive_s", "out of range"},
    {"broker = { secret_key_file = \"k\"; };\nauditd = { secret_key_file = \"k\";\n batch_max_rows = 1.5; };\n", 3,
     "auditd.batch_max_rows", "must be an integer"},
    {"broker = { secret_key_file = \"k\"; };\nauditd = { secret_key_file = \"k\";\n conninfo = \"\"; };\n", 3,
     "auditd.conninfo", "must not be empty"},
    {"broker = { secret_key_file = \"k\"; };\nauditd = { secret_key_file = \"k\";\n endpoint = \"127.0.0.1:1\"; };\n",
     3, "auditd.endpoint", "not a tcp://"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { secret_key_file = \"k\"; publish_endpoint = \"tcp://a:1\";\n"
     " subscribe_endpoint = \"tcp://a:1\"; };\n", 2, "broker", "must differ"},
    {BASE "log_level = \"loud\";\n", 2, "log_level", "unknown level"},
    {BASE "log_level = 3;\n", 2, "log_level", "must be a string"},
    {BASE "broker3 = {};\n", 2, "broker3", "unknown setting"},
    {"auditd = { secret_key_file = \"k\"; };\n", 0, "broker", "required setting broker is missing"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = { };\n", 2, "broker.secret_key_file", "required"},
    {"auditd = { secret_key_file = \"k\"; };\nbroker = 5;\n", 2, "broker", "must be a group"},
    {"broker = { secret_key_file = \"k\"; };\n", 0, "auditd", "required setting auditd is missing"},
    {BASE "roles = {\n pilots = { clinical = true; }; };\n", 3, "roles.pilots", "unknown role pilots"},
    {BASE "roles = { police = {\n color = 1; }; };\n", 3, "roles.police.color", "unknown setting"},
    {BASE "roles = { police = {\n publish = [\"alert:sv..ss\"]; }; };\n", 3, "roles.police.publish[0]", "bad grant"},
    {BASE "roles = { police = {\n publish = \"alert:*\"; }; };\n", 3, "roles.police.publish", "must be an array"},
    {BASE "roles = {\n police = 5; };\n", 3, "roles.police", "must be a group"},
    {BASE "roles = { police = {\n clinical = \"yes\"; }; };\n", 3, "roles.police.clinical", "must be a boolean"},
    {BASE "institutions = {};\n", 2, "institutions", "must be a list"},
    {BASE "institutions = (\n \"x\" );\n", 3, "institutions[0]", "must be a group"},
    {BASE "institutions = (" INST("a", K1) ",\n{ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K2 "\"]; });\n",
     3, "institutions[1].id", "duplicate institution id"},
    {BASE "institutions = ({\n id = \"SEM\"; roles = [\"police\"]; public_keys = [\"" K1 "\"]; });\n", 3,
     "institutions[0].id", "may only hold"},
    {BASE "institutions = ({\n id = \"abcdefghijabcdefghijabcdefghijabc\"; roles = [\"police\"]; });\n", 3,
     "institutions[0].id", "at most 32"},
    {BASE "institutions = (\n{ roles = [\"police\"]; public_keys = [\"" K1 "\"]; });\n", 3, "institutions[0].id",
     "required"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\",\n \"pilot\"]; public_keys = [\"" K1 "\"]; });\n", 3,
     "institutions[0].roles[1]", "unknown role"},
    {BASE "institutions = ({ id = \"a\"; roles = [\n 1]; public_keys = [\"" K1 "\"]; });\n", 3,
     "institutions[0].roles[0]", "must be a string"},
    {BASE "institutions = (\n{ id = \"a\"; roles = []; public_keys = [\"" K1 "\"]; });\n", 3, "institutions[0]",
     "has no roles"},
    {BASE "institutions = (\n{ id = \"a\"; roles = [\"police\"]; });\n", 3, "institutions[0]", "has no public_keys"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"];\n public_keys = [\"" K1 "\", \"" K2 "\", \"" K3 "\"]; });\n",
     3, "institutions[0].public_keys[2]", "more than 2"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"];\n public_keys = [\"abc\"]; });\n", 3,
     "institutions[0].public_keys[0]", "40 characters of Z85"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"];\n public_keys = [\"~/&6x*l&wlE%C7VzcIdqf}?)?6fStLBrFvA4gav7\"]; });\n",
     3, "institutions[0].public_keys[0]", "40 characters of Z85"},
    {BASE "institutions = (" INST("a", K1) ",\n" INST("b", K1) ");\n", 3, "institutions[1].public_keys[0]",
     "already held by a"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"];\n public_keys = [\"" K1 "\", \"" K1 "\"]; });\n", 3,
     "institutions[0].public_keys[1]", "already held by a"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"];\n public_key_files = [\"keys/missing.pub\"]; });\n", 3,
     "institutions[0].public_key_files[0]", "keys/missing.pub"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"];\n public_key_files = [\"keys/short.pub\"]; });\n", 3,
     "institutions[0].public_key_files[0]", "keys/short.pub:2"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"];\n public_key_files = [\"keys/nokey.pub\"]; });\n", 3,
     "institutions[0].public_key_files[0]", "no public-key line"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n publish = [\"alert\"]; });\n",
     3, "institutions[0].publish[0]", "bad grant"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n subscribe = [\"*:sv.\"]; });\n",
     3, "institutions[0].subscribe[0]", "bad grant"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n clinical = \"yes\"; });\n",
     3, "institutions[0].clinical", "must be a boolean"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n colour = \"red\"; });\n",
     3, "institutions[0].colour", "unknown setting institutions[0].colour"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n name = 5; });\n",
     3, "institutions[0].name", "must be a string"},
    {LIMITED("limit_to_zones = [\"sv.xx\"];"), 3, "institutions[0].limit_to_zones[0]", "not in the zone catalogue"},
    {LIMITED("limit_to_zones = [\"sv.ss.nowhere\"];"), 3, "institutions[0].limit_to_zones[0]",
     "\"sv.ss.nowhere\" is not in the zone catalogue"},
    {LIMITED("limit_to_zones = [\"*\"];"), 3, "institutions[0].limit_to_zones[0]", "is no limit"},
    {LIMITED("limit_to_zones = [\"sv\"];"), 3, "institutions[0].limit_to_zones[0]", "whole country"},
    {LIMITED("limit_to_zones = [\"SV.SS\"];"), 3, "institutions[0].limit_to_zones[0]", "is not a zone id"},
    {LIMITED("limit_to_zones = [\"sv..ss\"];"), 3, "institutions[0].limit_to_zones[0]", "is not a zone id"},
    {LIMITED("limit_to_zones = [\"sv.ss\", \"sv.ss.san-salvador-centro\"];"), 3, "institutions[0].limit_to_zones[1]",
     "overlaps \"sv.ss\""},
    {LIMITED("limit_to_zones = [];"), 3, "institutions[0].limit_to_zones", "empty limit_to_zones"},
    {LIMITED("limit_to_zones = \"sv.ss\";"), 3, "institutions[0].limit_to_zones", "must be an array"},
    {LIMITED("limit_to_zones = [\"sv.ss\"]; publish = [\"alert:sv.ah\"];"), 3, "institutions[0].publish",
     "grant alert:sv.ah lies wholly outside limit_to_zones (sv.ss)"},
    {LIMITED("limit_to_zones = [\"sv.ss\"]; subscribe = [\"*:sv.ssx\"];"), 3, "institutions[0].subscribe",
     "grant *:sv.ssx lies wholly outside"},
    {BASE "institutions = ({ id = \"a\"; roles = [\"police\"]; public_keys = [\"" K1 "\"];\n"
     " limit_to_zones = [\"sv.ss\"]; });\n", 3, "institutions[0].limit_to_zones[0]", "needs the zone catalogue"},
    {BASE "broker = { ;\n", 2, NULL, "cannot parse"},
    {BASE "\nlog_level = ;\n", 3, NULL, "cannot parse"},
    {BASE "log_level = \"unterminated;\n", 3, NULL, "cannot parse"},   /* libconfig notices at the end */
};

static void expect_refused(const bad_case_t *bad, size_t index)
{
    hcbus_error_t err;
    hcbus_config_t *c = load_text(bad->text, &err);
    if (c) {
        hcbus_config_destroy(&c);
        fail_msg("case %zu accepted:\n%s", index, bad->text);
    }
    char where[256];
    if (bad->line > 0)
        snprintf(where, sizeof where, "%s/hcbus.conf:%d%s%s", tmpdir, bad->line, bad->setting ? " " : "",
                 bad->setting ? bad->setting : "");
    else
        snprintf(where, sizeof where, "%s/hcbus.conf", tmpdir);
    bool ok = err.code == HCBUS_ECONFIG && strstr(err.field, where) && strstr(err.message, bad->reason);
    if (ok && bad->line == 0 && bad->setting)
        ok = strstr(err.field, bad->setting) != NULL;
    if (!ok)
        fail_msg("case %zu: got \"%s\" / \"%s\", wanted \"%s\" / \"%s\"", index, err.field, err.message, where,
                 bad->reason);
}

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
        expect_refused(&bad_cases[i], i);
}

static void test_unreadable(void **state)
{
    (void)state;
    hcbus_error_t err;
    assert_null(hcbus_config_load("/nonexistent/hcbus.conf", &err));
    assert_int_equal(err.code, HCBUS_ECONFIG);
    assert_string_equal(err.field, "/nonexistent/hcbus.conf");
    assert_null(hcbus_config_load(NULL, &err));
    assert_null(hcbus_config_load("", &err));
    /* A FIFO (or /dev/zero, a directory) is refused at once, never opened and waited on. */
    char fifo[sizeof tmpdir + 16];
    snprintf(fifo, sizeof fifo, "%s/fifo.conf", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *not_files[] = {fifo, "/dev/zero", "/tmp"};
    for (size_t i = 0; i < sizeof not_files / sizeof not_files[0]; i++) {
        assert_null(hcbus_config_load(not_files[i], &err));
        assert_int_equal(err.code, HCBUS_ECONFIG);
        assert_string_equal(err.field, not_files[i]);
        assert_non_null(strstr(err.message, "not a regular file"));
    }
    unlink(fifo);
}

static void test_too_many_institutions(void **state)
{
    (void)state;
    size_t size = 200 * (HCBUS_INSTITUTIONS_MAX + 1) + 256;
    char *text = malloc(size);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, size, BASE "institutions = (\n");
    for (int i = 0; i <= HCBUS_INSTITUTIONS_MAX; i++) {
        char pub[41], sec[41];
        assert_int_equal(zmq_curve_keypair(pub, sec), 0);
        used += (size_t)snprintf(text + used, size - used,
                                 "%s{ id = \"i%d\"; roles = [\"police\"]; public_keys = [\"%s\"]; }\n", i ? "," : "", i,
                                 pub);
    }
    snprintf(text + used, size - used, ");\n");
    hcbus_error_t err;
    assert_null(load_text(text, &err));
    char where[64];
    snprintf(where, sizeof where, "hcbus.conf:%d institutions[%d]", HCBUS_INSTITUTIONS_MAX + 3,
             HCBUS_INSTITUTIONS_MAX);
    assert_non_null(strstr(err.field, where));
    assert_non_null(strstr(err.message, "more than 64 institutions"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),         cmocka_unit_test(test_role_defaults),
        cmocka_unit_test(test_every_setting),    cmocka_unit_test(test_limit_to_zones),
        cmocka_unit_test(test_relative_config_path),
        cmocka_unit_test(test_demo_config),      cmocka_unit_test(test_refused),
        cmocka_unit_test(test_unreadable),       cmocka_unit_test(test_too_many_institutions),
    };
    return cmocka_run_group_tests_name("config", tests, make_tmpdir, remove_tmpdir);
}
