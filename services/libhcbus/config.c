/* config.c — loading the deployment's configuration file (see include/hcbus/config.h
 * and deploy/hcbus.conf): the top-level settings, broker, auditd and roles sections.
 * Institutions are read by config_institutions.c, the coordinator section by
 * config_coordinator.c, the report section by config_report.c, role defaults live in
 * roles.c. */
#include "hcbus/config.h"
#include "hcbus/codec.h"
#include "hcbus/i18n.h"
#include "hcbus/socket_limits.h"

#include "config_checkpoints.h"
#include "config_metrics.h"
#include "config_coordinator.h"
#include "config_institutions.h"
#include "config_read.h"
#include "config_report.h"
#include "config_standby.h"
#include "config_syntax.h"
#include "roles.h"
#include "where.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ZONES_FILE "sv-districts.csv"
#define DEFAULT_MIGRATIONS_DIR "sql"
#define DEFAULT_PUBLISH_ENDPOINT "tcp://127.0.0.1:7701"
#define DEFAULT_SUBSCRIBE_ENDPOINT "tcp://127.0.0.1:7702"
#define DEFAULT_AUDITD_ENDPOINT "tcp://127.0.0.1:7703"
#define DEFAULT_CONNINFO "dbname=hcbus"

#define DEFAULT_MAX_MESSAGE_BYTES 65536u
#define MIN_MESSAGE_BYTES 1024u
/* No more than every reader of the log decodes (hcbus/codec.h): one size limit. */
#define MAX_MESSAGE_BYTES ((uint32_t)HCBUS_MESSAGE_MAX_BYTES)
#define DEFAULT_MAX_IN_FLIGHT 8192u
#define DEFAULT_SUBSCRIBER_QUEUE_MAX 10000u
#define COUNT_LIMIT 10000000u
#define DEFAULT_SUBSCRIBER_QUEUE_MAX_BYTES 1048576u   /* 1 MiB */
#define MIN_SUBSCRIBER_QUEUE_BYTES 1024u
#define MAX_SUBSCRIBER_QUEUE_BYTES 1073741824u        /* 1 GiB */
#define DEFAULT_ACK_TIMEOUT_MS 5000u
#define DEFAULT_AUDIT_RESEND_MS 1000u
#define TIMEOUT_LIMIT_MS 600000u               /* ten minutes */
#define HEARTBEAT_TIMEOUT_LIMIT_MS 3600000u    /* an hour */
#define KEEPALIVE_LIMIT_S 7200u                /* Linux's default idle time */
#define DEFAULT_BATCH_MAX_ROWS 1000u
#define BATCH_ROWS_LIMIT 100000u
#define DEFAULT_BATCH_MAX_DELAY_MS 0u             /* natural group commit (decision 0025) */
#define BATCH_DELAY_LIMIT_MS 10000u

static const char *const top_settings[] = {"log_level", "zones_file", "broker", "auditd", "roles",
                                           "institutions", "coordinator", "report", NULL};
static const char *const broker_settings[] = {
    "publish_endpoint", "subscribe_endpoint", "secret_key_file", "max_message_bytes",
    "max_in_flight", "subscriber_queue_max", "subscriber_queue_max_bytes", "ack_timeout_ms", "audit_resend_ms",
    "metrics_listen", "handshake_ms", "heartbeat_ms", "heartbeat_timeout_ms", "tcp_keepalive_s", "standby_after_ms",
    NULL};
static const char *const auditd_settings[] = {"endpoint", "secret_key_file", "conninfo",
                                              "migrations_dir", "batch_max_rows",
                                              "batch_max_delay_ms", "log_key_file", "log_origin",
                                              "checkpoint_every_events", "checkpoint_every_s",
                                              "metrics_listen", "standby", "standby_poll_ms", "node_name", NULL};
static const char *const role_settings[] = {"publish", "subscribe", "clinical", NULL};

static int read_broker(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_broker_config_t *b)
{
    config_setting_t *g;
    if (hcbus_cfg_group(ctx, root, "broker", &g) < 0)
        return -1;
    if (!g)
        return hcbus_cfg_fail_missing(ctx, root, "broker");
    if (hcbus_cfg_check_known(ctx, g, broker_settings) < 0 ||
        hcbus_cfg_endpoint(ctx, g, "publish_endpoint", b->publish_endpoint, sizeof b->publish_endpoint) < 0 ||
        hcbus_cfg_endpoint(ctx, g, "subscribe_endpoint", b->subscribe_endpoint, sizeof b->subscribe_endpoint) < 0 ||
        hcbus_cfg_path(ctx, g, "secret_key_file", b->secret_key_file, sizeof b->secret_key_file, true) < 0 ||
        hcbus_cfg_u32(ctx, g, "max_message_bytes", MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES, &b->max_message_bytes) < 0 ||
        hcbus_cfg_u32(ctx, g, "max_in_flight", 1, COUNT_LIMIT, &b->max_in_flight) < 0 ||
        hcbus_cfg_u32(ctx, g, "subscriber_queue_max", 1, COUNT_LIMIT, &b->subscriber_queue_max) < 0 ||
        hcbus_cfg_u32(ctx, g, "subscriber_queue_max_bytes", MIN_SUBSCRIBER_QUEUE_BYTES, MAX_SUBSCRIBER_QUEUE_BYTES,
                      &b->subscriber_queue_max_bytes) < 0 ||
        hcbus_cfg_u32(ctx, g, "ack_timeout_ms", 1, TIMEOUT_LIMIT_MS, &b->ack_timeout_ms) < 0 ||
        hcbus_cfg_u32(ctx, g, "audit_resend_ms", 1, TIMEOUT_LIMIT_MS, &b->audit_resend_ms) < 0 ||
        hcbus_cfg_u32(ctx, g, "handshake_ms", 1000, TIMEOUT_LIMIT_MS, &b->handshake_ms) < 0 ||
        hcbus_cfg_u32(ctx, g, "heartbeat_ms", 0, TIMEOUT_LIMIT_MS, &b->heartbeat_ms) < 0 ||
        hcbus_cfg_u32(ctx, g, "heartbeat_timeout_ms", 0, HEARTBEAT_TIMEOUT_LIMIT_MS, &b->heartbeat_timeout_ms) < 0 ||
        hcbus_cfg_u32(ctx, g, "tcp_keepalive_s", 0, KEEPALIVE_LIMIT_S, &b->tcp_keepalive_s) < 0 ||
        hcbus_cfg_u32(ctx, g, "standby_after_ms", 0, TIMEOUT_LIMIT_MS, &b->standby_after_ms) < 0 ||
        hcbus_cfg_soft(ctx, hcbus_config_read_metrics(ctx, g, &b->metrics)) < 0)
        return -1;
    if (strcmp(b->publish_endpoint, b->subscribe_endpoint) == 0)
        return hcbus_cfg_fail(ctx, g, "publish_endpoint and subscribe_endpoint must differ");
    return 0;
}

static int read_auditd(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_auditd_config_t *a)
{
    config_setting_t *g;
    if (hcbus_cfg_group(ctx, root, "auditd", &g) < 0)
        return -1;
    if (!g)
        return hcbus_cfg_fail_missing(ctx, root, "auditd");
    if (hcbus_cfg_check_known(ctx, g, auditd_settings) < 0 ||
        hcbus_cfg_endpoint(ctx, g, "endpoint", a->endpoint, sizeof a->endpoint) < 0 ||
        hcbus_cfg_path(ctx, g, "secret_key_file", a->secret_key_file, sizeof a->secret_key_file, true) < 0 ||
        hcbus_cfg_string(ctx, g, "conninfo", a->conninfo, sizeof a->conninfo, false) < 0 ||
        hcbus_cfg_path(ctx, g, "migrations_dir", a->migrations_dir, sizeof a->migrations_dir, false) < 0 ||
        hcbus_cfg_u32(ctx, g, "batch_max_rows", 1, BATCH_ROWS_LIMIT, &a->batch_max_rows) < 0 ||
        hcbus_cfg_u32(ctx, g, "batch_max_delay_ms", 0, BATCH_DELAY_LIMIT_MS, &a->batch_max_delay_ms) < 0 ||
        hcbus_config_read_checkpoints(ctx, g, a) < 0 || hcbus_cfg_soft(ctx, hcbus_config_read_metrics(ctx, g, &a->metrics)) < 0 ||
        hcbus_config_read_standby(ctx, g, a) < 0)
        return -1;
    return 0;
}

/* roles = { police = { publish = [...]; subscribe = [...]; clinical = false; }; ... }:
 * each setting given replaces that part of the role's built-in defaults. */
static int read_roles(const cfg_ctx_t *ctx, const config_setting_t *root,
                      hcbus_role_rights_t roles[HCBUS_ROLE_COUNT])
{
    config_setting_t *g;
    if (hcbus_cfg_group(ctx, root, "roles", &g) < 0)
        return -1;
    for (int i = 0; g && i < config_setting_length(g); i++) {
        config_setting_t *r = config_setting_get_elem(g, (unsigned)i);
        hcbus_role_t role;
        if (hcbus_role_parse(config_setting_name(r), &role) < 0)
            return hcbus_cfg_fail(ctx, r, "unknown role %s (roles are dispatch_centre, health_provider, "
                                    "police, zone_authority, facilitator, anonymous_gateway, coordinator)",
                            config_setting_name(r));
        if (!config_setting_is_group(r))
            return hcbus_cfg_fail(ctx, r, "a role must be a group { publish; subscribe; clinical; }");
        if (hcbus_cfg_check_known(ctx, r, role_settings) < 0 ||
            hcbus_cfg_grants(ctx, r, "publish", &roles[role].publish, NULL) < 0 ||
            hcbus_cfg_grants(ctx, r, "subscribe", &roles[role].subscribe, NULL) < 0 ||
            hcbus_cfg_bool(ctx, r, "clinical", &roles[role].clinical, NULL) < 0)
            return -1;
    }
    return 0;
}

static int read_top(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c)
{
    char level[16] = "info";
    if (hcbus_cfg_check_known(ctx, root, top_settings) < 0 ||
        hcbus_cfg_string(ctx, root, "log_level", level, sizeof level, false) < 0 ||
        hcbus_cfg_path(ctx, root, "zones_file", c->zones_file, sizeof c->zones_file, false) < 0)
        return -1;
    if (hcbus_log_level_parse(level, &c->log_level) < 0)
        return hcbus_cfg_fail(ctx, config_setting_get_member(root, "log_level"),
                        "unknown level \"%s\" (debug, info, notice, warning or error)", level);
    return 0;
}

/* Defaults for everything not in the file; paths next to the config file. */
static int set_defaults(const cfg_ctx_t *ctx, hcbus_config_t *c)
{
    hcbus_broker_config_t *b = &c->broker;
    hcbus_auditd_config_t *a = &c->auditd;
    c->log_level = HCBUS_LOG_INFO;
    snprintf(b->publish_endpoint, sizeof b->publish_endpoint, DEFAULT_PUBLISH_ENDPOINT);
    snprintf(b->subscribe_endpoint, sizeof b->subscribe_endpoint, DEFAULT_SUBSCRIBE_ENDPOINT);
    b->max_message_bytes = DEFAULT_MAX_MESSAGE_BYTES;
    b->max_in_flight = DEFAULT_MAX_IN_FLIGHT;
    b->subscriber_queue_max = DEFAULT_SUBSCRIBER_QUEUE_MAX;
    b->subscriber_queue_max_bytes = DEFAULT_SUBSCRIBER_QUEUE_MAX_BYTES;
    b->ack_timeout_ms = DEFAULT_ACK_TIMEOUT_MS;
    b->audit_resend_ms = DEFAULT_AUDIT_RESEND_MS;
    b->handshake_ms = HCBUS_HANDSHAKE_IVL_MS;
    snprintf(b->metrics.listen, sizeof b->metrics.listen, HCBUS_METRICS_LISTEN_BROKER);
    snprintf(a->endpoint, sizeof a->endpoint, DEFAULT_AUDITD_ENDPOINT);
    snprintf(a->conninfo, sizeof a->conninfo, DEFAULT_CONNINFO);
    a->batch_max_rows = DEFAULT_BATCH_MAX_ROWS;
    a->batch_max_delay_ms = DEFAULT_BATCH_MAX_DELAY_MS;
    snprintf(a->metrics.listen, sizeof a->metrics.listen, HCBUS_METRICS_LISTEN_AUDITD);
    hcbus_role_defaults(c->roles);
    int n1 = snprintf(c->zones_file, sizeof c->zones_file, "%s/" DEFAULT_ZONES_FILE, ctx->dir);
    int n2 = snprintf(a->migrations_dir, sizeof a->migrations_dir, "%s/" DEFAULT_MIGRATIONS_DIR, ctx->dir);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof c->zones_file || (size_t)n2 >= sizeof a->migrations_dir)
        return hcbus_error_set(ctx->err, HCBUS_ECONFIG, ctx->path, _("the config file's path is too long"));
    return 0;
}

static int set_dir(cfg_ctx_t *ctx)
{
    const char *slash = strrchr(ctx->path, '/');
    int n = !slash ? snprintf(ctx->dir, sizeof ctx->dir, ".")
            : slash == ctx->path ? snprintf(ctx->dir, sizeof ctx->dir, "/")
                                 : snprintf(ctx->dir, sizeof ctx->dir, "%.*s", (int)(slash - ctx->path), ctx->path);
    if (n < 0 || (size_t)n >= sizeof ctx->dir || strlen(ctx->path) >= HCBUS_PATH_MAX)
        return hcbus_error_set(ctx->err, HCBUS_ECONFIG, "config", _("the config file's path is too long"));
    return 0;
}

/* Syntax errors and unreadable files, as libconfig reports them. */
static int fail_read(const cfg_ctx_t *ctx, const config_t *cfg)
{
    char where[HCBUS_ERROR_FIELD_MAX];
    if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
        hcbus_error_set(ctx->err, HCBUS_ECONFIG, ctx->path, _("cannot read the configuration file"));
        return hcbus_error_hint(ctx->err, _("check that the file exists and is readable"));
    }
    const char *file = config_error_file(cfg) ? config_error_file(cfg) : ctx->path;
    hcbus_where(where, sizeof where, file, config_error_line(cfg), NULL);
    hcbus_error_set(ctx->err, HCBUS_ECONFIG, where, _("cannot parse the file: %s"), config_error_text(cfg));
    return hcbus_error_hint(ctx->err, _("libconfig syntax: name = value; groups { }, arrays [ ], lists ( )"));
}

typedef int (*section_reader_t)(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c);

static int read_broker_section(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c)
{
    return read_broker(ctx, root, &c->broker);
}

static int read_auditd_section(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c)
{
    return read_auditd(ctx, root, &c->auditd);
}

static int read_roles_section(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c)
{
    return read_roles(ctx, root, c->roles);
}

/* Roles before institutions: an institution's rights start from its roles'. The
 * coordinator and the report sections last: their endpoints default to the broker's,
 * their institutions must be listed. When collecting, a section that fails is noted
 * and the next one read. */
static int read_sections(const cfg_ctx_t *ctx, const config_setting_t *root, hcbus_config_t *c)
{
    static const section_reader_t sections[] = {
        read_top, read_broker_section, read_auditd_section, read_roles_section,
        hcbus_config_read_institutions, hcbus_config_read_coordinator, hcbus_config_read_report,
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (sections[i](ctx, root, c) < 0) {
            if (!ctx->collect)
                return -1;
            hcbus_cfg_note(ctx);
        }
    }
    return ctx->collect && ctx->collect->count + ctx->collect->dropped > 0 ? -1 : 0;
}

static int load_into(cfg_ctx_t *ctx, hcbus_config_t *c, bool *parsed)
{
    config_t cfg;
    config_init(&cfg);
    config_set_include_dir(&cfg, ctx->dir);
    /* The syntax check first: libconfig leaks on the error it catches (config_syntax.h). */
    int rc = hcbus_cfg_syntax_check(ctx) < 0                       ? -1
             : config_read_file(&cfg, ctx->path) == CONFIG_TRUE ? 0
                                                               : fail_read(ctx, &cfg);
    *parsed = rc == 0;
    if (rc == 0)
        rc = read_sections(ctx, config_root_setting(&cfg), c);
    config_destroy(&cfg);
    return rc;
}

/* Load path into a new config; with ctx->collect, every error is noted there. NULL
 * when the file could not be parsed (or, without collect, on any error). */
static hcbus_config_t *load(cfg_ctx_t *ctx, hcbus_error_t *err)
{
    hcbus_config_t *c = calloc(1, sizeof *c);
    if (!c) {
        hcbus_error_set(err, HCBUS_ENOMEM, ctx->path, _("out of memory"));
        return NULL;
    }
    cfg_bigs_t bigs = {0};
    ctx->bigs = &bigs;
    bool parsed = false;
    int rc = set_dir(ctx) < 0 || set_defaults(ctx, c) < 0 ? -1 : load_into(ctx, c, &parsed);
    ctx->bigs = NULL;
    if (rc < 0 && !(ctx->collect && parsed)) {
        free(c);
        return NULL;
    }
    snprintf(c->path, sizeof c->path, "%s", ctx->path);
    return c;
}

void hcbus_config_errors_add(hcbus_config_errors_t *errors, const hcbus_error_t *err)
{
    if (!errors || !err)
        return;
    if (errors->count < HCBUS_CONFIG_ERRORS_MAX)
        errors->items[errors->count++] = *err;
    else
        errors->dropped++;
}

hcbus_config_t *hcbus_config_check(const char *path, hcbus_config_errors_t *errors)
{
    hcbus_error_t err;
    hcbus_error_clear(&err);
    errors->count = errors->dropped = 0;
    cfg_ctx_t ctx = {.path = path ? path : "", .err = &err, .collect = errors};
    if (!path || !*path) {
        hcbus_error_set(&err, HCBUS_ECONFIG, "config", _("no configuration file given"));
        hcbus_config_errors_add(errors, &err);
        return NULL;
    }
    const size_t noted = errors->count;
    hcbus_config_t *c = load(&ctx, &err);
    if (!c && errors->count == noted)   /* a syntax or read error: not noted yet */
        hcbus_config_errors_add(errors, &err);
    return c;
}

hcbus_config_t *hcbus_config_load(const char *path, hcbus_error_t *err)
{
    cfg_ctx_t ctx = {.path = path ? path : "", .err = err};
    if (!path || !*path) {
        hcbus_error_set(err, HCBUS_ECONFIG, "config", _("no configuration file given"));
        return NULL;
    }
    return load(&ctx, err);
}

void hcbus_config_destroy(hcbus_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

const hcbus_institution_t *hcbus_config_find_key(const hcbus_config_t *self, const char *key_z85)
{
    for (size_t i = 0; self && key_z85 && i < self->institution_count; i++) {
        const hcbus_institution_t *inst = &self->institutions[i];
        for (size_t k = 0; k < inst->key_count; k++) {
            if (strcmp(inst->public_keys[k], key_z85) == 0)
                return inst;
        }
    }
    return NULL;
}

const hcbus_institution_t *hcbus_config_find_institution(const hcbus_config_t *self, const char *id)
{
    for (size_t i = 0; self && id && i < self->institution_count; i++) {
        if (strcmp(self->institutions[i].id, id) == 0)
            return &self->institutions[i];
    }
    return NULL;
}
