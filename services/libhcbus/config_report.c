/* config_report.c — the optional `report` section of the config file: which
 * institution hcbus-report is on the bus (an anonymous gateway), where it listens for
 * HTTP, its PostgreSQL role, the file of its 32-byte secret, and the limits of the web
 * form (docs/report.md "Configuration (report section)"). The other programs load and
 * check it like any section but use none of it; hcbus-report refuses to start
 * without it (hcbus_config_require_report). */
#include "config_report.h"

#include "hcbus/i18n.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_LISTEN_ADDRESS "127.0.0.1"
#define DEFAULT_LISTEN_PORT 7780u
#define DEFAULT_CONNINFO "dbname=hcbus user=hcbus_report"
#define DAY_S 86400u
#define DEFAULT_RELEASE_DELAY_MIN_S 60u
#define DEFAULT_RELEASE_DELAY_MAX_S 900u
#define DEFAULT_QUEUE_MAX 200u
#define QUEUE_LIMIT 10000u
#define DEFAULT_REPORTS_PER_MINUTE 30u
#define DEFAULT_RECEIPT_CHECKS_PER_MINUTE 60u
#define PER_MINUTE_LIMIT 10000u
#define DEFAULT_MAX_PHOTOS 3u
#define MAX_PHOTOS_LIMIT 5u                    /* REPORT_PHOTOS_MAX in services/report */
#define DEFAULT_MAX_PHOTO_BYTES 2097152u       /* 2 MiB */
#define PHOTO_BYTES_MIN 1024u
#define PHOTO_BYTES_LIMIT 8388608u             /* 8 MiB */
#define DEFAULT_MAX_REQUEST_BYTES 8388608u     /* 8 MiB */
#define REQUEST_BYTES_MIN 4096u
#define REQUEST_BYTES_LIMIT 33554432u          /* 32 MiB */
#define DEFAULT_HASH_MEMORY_KIB 65536u         /* 64 MiB */
#define HASH_MEMORY_MIN_KIB 8192u
#define HASH_MEMORY_LIMIT_KIB 1048576u         /* 1 GiB */
#define DEFAULT_HASH_PASSES 3u
#define HASH_PASSES_LIMIT 10u
#define DEFAULT_CONNECTION_LIMIT 64u
#define CONNECTION_LIMIT_MAX 1024u
#define DEFAULT_CONNECTION_TIMEOUT_S 30u
#define CONNECTION_TIMEOUT_LIMIT_S 600u
#define DEFAULT_REQUEST_DEADLINE_S 60u
#define REQUEST_DEADLINE_LIMIT_S 600u
#define DEFAULT_TOKEN_LIFETIME_S 3600u
#define TOKEN_LIFETIME_MIN_S 60u

static const char *const report_settings[] = {
    "institution",         "secret_key_file",     "broker_public_key_file",   "publish_endpoint",
    "listen_address",      "listen_port",         "public_url",               "conninfo",
    "secret_file",         "release_delay_min_s", "release_delay_max_s",      "queue_max",
    "reports_per_minute",  "receipt_checks_per_minute", "max_photos",         "max_photo_bytes",
    "max_request_bytes",   "receipt_hash_memory_kib", "receipt_hash_passes",  "connection_limit",
    "connection_timeout_s", "token_lifetime_s",   "request_deadline_s",       NULL};

static void set_defaults(hcbus_report_config_t *r, const hcbus_broker_config_t *b)
{
    snprintf(r->publish_endpoint, sizeof r->publish_endpoint, "%s", b->publish_endpoint);
    snprintf(r->listen_address, sizeof r->listen_address, DEFAULT_LISTEN_ADDRESS);
    r->listen_port = DEFAULT_LISTEN_PORT;
    snprintf(r->conninfo, sizeof r->conninfo, DEFAULT_CONNINFO);
    r->release_delay_min_s = DEFAULT_RELEASE_DELAY_MIN_S;
    r->release_delay_max_s = DEFAULT_RELEASE_DELAY_MAX_S;
    r->queue_max = DEFAULT_QUEUE_MAX;
    r->reports_per_minute = DEFAULT_REPORTS_PER_MINUTE;
    r->receipt_checks_per_minute = DEFAULT_RECEIPT_CHECKS_PER_MINUTE;
    r->max_photos = DEFAULT_MAX_PHOTOS;
    r->max_photo_bytes = DEFAULT_MAX_PHOTO_BYTES;
    r->max_request_bytes = DEFAULT_MAX_REQUEST_BYTES;
    r->receipt_hash_memory_kib = DEFAULT_HASH_MEMORY_KIB;
    r->receipt_hash_passes = DEFAULT_HASH_PASSES;
    r->connection_limit = DEFAULT_CONNECTION_LIMIT;
    r->connection_timeout_s = DEFAULT_CONNECTION_TIMEOUT_S;
    r->request_deadline_s = DEFAULT_REQUEST_DEADLINE_S;
    r->token_lifetime_s = DEFAULT_TOKEN_LIFETIME_S;
}

/* listen_address is a numeric IPv4 or IPv6 address: a host name would make the
 * service's address depend on a resolver at start. */
static int read_listen_address(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_report_config_t *r)
{
    if (hcbus_cfg_string(ctx, g, "listen_address", r->listen_address, sizeof r->listen_address, false) < 0)
        return -1;
    unsigned char addr[16];
    if (inet_pton(AF_INET, r->listen_address, addr) == 1 || inet_pton(AF_INET6, r->listen_address, addr) == 1)
        return 0;
    hcbus_cfg_fail(ctx, config_setting_get_member(g, "listen_address"),
                   "\"%.64s\" is not an IPv4 or IPv6 address", r->listen_address);
    return hcbus_error_hint(ctx->err, _("e.g. listen_address = \"127.0.0.1\"; (nginx in front) or \"::1\""));
}

/* public_url: given, it must be an http:// or https:// URL; absent, the address the
 * service listens on (IPv6 in brackets). */
static int read_public_url(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_report_config_t *r)
{
    const config_setting_t *s = config_setting_get_member(g, "public_url");
    if (s) {
        if (hcbus_cfg_string(ctx, g, "public_url", r->public_url, sizeof r->public_url, false) < 0)
            return -1;
        if (strncmp(r->public_url, "http://", 7) != 0 && strncmp(r->public_url, "https://", 8) != 0)
            return hcbus_cfg_fail(ctx, s, "\"%.100s\" is not an http:// or https:// URL", r->public_url);
        return 0;
    }
    bool v6 = strchr(r->listen_address, ':') != NULL;
    snprintf(r->public_url, sizeof r->public_url, "http://%s%s%s:%u/", v6 ? "[" : "", r->listen_address,
             v6 ? "]" : "", (unsigned)r->listen_port);
    return 0;
}

/* The institution must be listed and hold the anonymous_gateway role (the broker
 * strips the sender of what it publishes only then), and must not have clinical
 * access: the form reads nothing from the bus. */
static int check_institution(const cfg_ctx_t *ctx, const config_setting_t *g, const hcbus_config_t *c)
{
    const config_setting_t *s = config_setting_get_member(g, "institution");
    const hcbus_institution_t *inst = hcbus_config_find_institution(c, c->report.institution);
    if (!inst) {
        hcbus_cfg_fail(ctx, s, "no institution \"%s\" in institutions", c->report.institution);
        return hcbus_error_hint(ctx->err, _("add { id = \"%s\"; roles = [\"anonymous_gateway\"]; "
                                          "public_key_files = [...]; } to institutions"),
                                c->report.institution);
    }
    if (!inst->anonymous_gateway) {
        hcbus_cfg_fail(ctx, s, "institution \"%s\" does not hold the anonymous_gateway role; its reports "
                               "would carry its identity", inst->id);
        return hcbus_error_hint(ctx->err, _("give it roles = [\"anonymous_gateway\"] in institutions"));
    }
    if (inst->clinical) {
        hcbus_cfg_fail(ctx, s, "institution \"%s\" has clinical access; hcbus-report must not read "
                               "patient details", inst->id);
        return hcbus_error_hint(ctx->err, _("give it the anonymous_gateway role alone, without clinical = true"));
    }
    return 0;
}

static int read_limits(const cfg_ctx_t *ctx, const config_setting_t *g, hcbus_report_config_t *r)
{
    if (hcbus_cfg_u32(ctx, g, "listen_port", 1, 65535, &r->listen_port) < 0 ||
        hcbus_cfg_u32(ctx, g, "release_delay_min_s", 0, DAY_S, &r->release_delay_min_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "release_delay_max_s", 0, DAY_S, &r->release_delay_max_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "queue_max", 1, QUEUE_LIMIT, &r->queue_max) < 0 ||
        hcbus_cfg_u32(ctx, g, "reports_per_minute", 1, PER_MINUTE_LIMIT, &r->reports_per_minute) < 0 ||
        hcbus_cfg_u32(ctx, g, "receipt_checks_per_minute", 1, PER_MINUTE_LIMIT, &r->receipt_checks_per_minute) < 0 ||
        hcbus_cfg_u32(ctx, g, "max_photos", 0, MAX_PHOTOS_LIMIT, &r->max_photos) < 0 ||
        hcbus_cfg_u32(ctx, g, "max_photo_bytes", PHOTO_BYTES_MIN, PHOTO_BYTES_LIMIT, &r->max_photo_bytes) < 0 ||
        hcbus_cfg_u32(ctx, g, "max_request_bytes", REQUEST_BYTES_MIN, REQUEST_BYTES_LIMIT, &r->max_request_bytes) < 0 ||
        hcbus_cfg_u32(ctx, g, "receipt_hash_memory_kib", HASH_MEMORY_MIN_KIB, HASH_MEMORY_LIMIT_KIB,
                      &r->receipt_hash_memory_kib) < 0 ||
        hcbus_cfg_u32(ctx, g, "receipt_hash_passes", 1, HASH_PASSES_LIMIT, &r->receipt_hash_passes) < 0 ||
        hcbus_cfg_u32(ctx, g, "connection_limit", 1, CONNECTION_LIMIT_MAX, &r->connection_limit) < 0 ||
        hcbus_cfg_u32(ctx, g, "connection_timeout_s", 1, CONNECTION_TIMEOUT_LIMIT_S, &r->connection_timeout_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "request_deadline_s", 1, REQUEST_DEADLINE_LIMIT_S, &r->request_deadline_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "token_lifetime_s", TOKEN_LIFETIME_MIN_S, DAY_S, &r->token_lifetime_s) < 0)
        return -1;
    /* The maximum's range starts at the minimum. */
    if (r->release_delay_max_s < r->release_delay_min_s) {
        const config_setting_t *s = config_setting_get_member(g, "release_delay_max_s");
        return hcbus_cfg_fail(ctx, s ? s : g, "release_delay_max_s %u is out of range %u..%u (it must be at least "
                                              "release_delay_min_s)",
                              (unsigned)r->release_delay_max_s, (unsigned)r->release_delay_min_s, DAY_S);
    }
    return 0;
}

int hcbus_config_read_report(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c)
{
    hcbus_report_config_t *r = &c->report;
    config_setting_t *g;
    memset(r, 0, sizeof *r);
    if (hcbus_cfg_group(ctx, root, "report", &g) < 0)
        return -1;
    if (!g)
        return 0;
    set_defaults(r, &c->broker);
    if (hcbus_cfg_check_known(ctx, g, report_settings) < 0 ||
        hcbus_cfg_string(ctx, g, "institution", r->institution, sizeof r->institution, true) < 0 ||
        hcbus_cfg_path(ctx, g, "secret_key_file", r->secret_key_file, sizeof r->secret_key_file, true) < 0 ||
        hcbus_cfg_path(ctx, g, "broker_public_key_file", r->broker_public_key_file,
                       sizeof r->broker_public_key_file, true) < 0 ||
        hcbus_cfg_connect_endpoint(ctx, g, "publish_endpoint", r->publish_endpoint, sizeof r->publish_endpoint) < 0 ||
        read_listen_address(ctx, g, r) < 0 || read_limits(ctx, g, r) < 0 || read_public_url(ctx, g, r) < 0 ||
        hcbus_cfg_string(ctx, g, "conninfo", r->conninfo, sizeof r->conninfo, false) < 0 ||
        hcbus_cfg_path(ctx, g, "secret_file", r->secret_file, sizeof r->secret_file, true) < 0 ||
        check_institution(ctx, g, c) < 0)
        return -1;
    r->present = true;
    return 0;
}

int hcbus_config_require_report(const hcbus_config_t *self, hcbus_error_t *err)
{
    if (!self)
        return hcbus_error_set(err, HCBUS_ECONFIG, "config", _("no configuration"));
    if (self->report.present)
        return 0;
    hcbus_error_set(err, HCBUS_ECONFIG, self->path,
                    _("no report section: hcbus-report needs report.institution, report.secret_key_file, "
                    "report.broker_public_key_file and report.secret_file"));
    return hcbus_error_hint(err, _("add report = { institution = \"anon-gateway\"; "
                                 "secret_key_file = \"keys/anon-gateway.key\"; "
                                 "broker_public_key_file = \"keys/broker.pub\"; "
                                 "secret_file = \"keys/report.secret\"; }; as in deploy/hcbus.conf"));
}
