/* config.h — the one configuration file of an hcbus deployment (libconfig syntax; see
 * deploy/hcbus.conf): endpoints, key files, PostgreSQL conninfo, batching, log level,
 * the roles and the institutions with their keys and rights. Loading refuses unknown
 * settings and names file:line and the setting for every error. Relative paths are
 * resolved against the directory of the config file. An institution's
 * `limit_to_zones` is checked against the zone catalogue (zones_file), which is read
 * only when some institution has one. The `coordinator` section is optional: only
 * hcbus-coordinator needs it (hcbus_config_require_coordinator); so is `report`, which
 * only hcbus-report needs (hcbus_config_require_report). */
#ifndef HCBUS_CONFIG_H
#define HCBUS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "hcbus/log.h"
#include "hcbus/rights.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_PATH_MAX 4096
#define HCBUS_ENDPOINT_MAX 256
#define HCBUS_CONNINFO_MAX 1024
#define HCBUS_KEY_TEXT_LEN 40        /* a Z85 CurveZMQ key */
#define HCBUS_INSTITUTION_ID_MAX 32  /* [a-z0-9_-], 1..32 */
#define HCBUS_NAME_MAX 128
#define HCBUS_KEYS_PER_INSTITUTION 2 /* two during a rotation */
#define HCBUS_INSTITUTIONS_MAX 64
#define HCBUS_ROLES_MAX 16
#define HCBUS_LIMIT_ZONES_MAX 16     /* zones in one institution's limit_to_zones */
#define HCBUS_LOG_ORIGIN_MAX 128     /* auditd.log_origin: visible ASCII but '+' */
#define HCBUS_NODE_NAME_MAX 64       /* auditd.node_name: [A-Za-z0-9._-], 1..64 */
#define HCBUS_REJECTIONS_ORIGIN_SUFFIX "/rejections"

/* The roles an institution may hold; each gives default grants and flags. */
typedef enum {
    HCBUS_ROLE_DISPATCH_CENTRE = 0,
    HCBUS_ROLE_HEALTH_PROVIDER,
    HCBUS_ROLE_POLICE,
    HCBUS_ROLE_ZONE_AUTHORITY,
    HCBUS_ROLE_FACILITATOR,
    HCBUS_ROLE_ANONYMOUS_GATEWAY,
    HCBUS_ROLE_COORDINATOR,      /* hcbus-coordinator: the only publisher of notices */
    HCBUS_ROLE_COUNT
} hcbus_role_t;

/* "dispatch_centre", "health_provider", "police", "zone_authority", "facilitator",
 * "anonymous_gateway", "coordinator". */
const char *hcbus_role_name(hcbus_role_t role);

/* Defaults a role gives; a `roles` section in the file may replace any of them. */
typedef struct hcbus_role_rights {
    hcbus_grants_t publish;
    hcbus_grants_t subscribe;
    bool clinical;           /* may read patient details */
} hcbus_role_rights_t;

typedef struct hcbus_institution {
    char id[HCBUS_INSTITUTION_ID_MAX + 1];       /* "sem", "pnc", ... */
    char name[HCBUS_NAME_MAX + 1];
    size_t key_count;                            /* 1..HCBUS_KEYS_PER_INSTITUTION */
    char public_keys[HCBUS_KEYS_PER_INSTITUTION][HCBUS_KEY_TEXT_LEN + 1];
    unsigned roles;                              /* bit (1u << hcbus_role_t) */
    hcbus_grants_t publish;                      /* roles' defaults plus own grants, */
    hcbus_grants_t subscribe;                    /* limited to limit_to_zones if given */
    size_t limit_count;                          /* 0: no limit (the whole catalogue) */
    char limit_to_zones[HCBUS_LIMIT_ZONES_MAX][HCBUS_ZONE_ID_MAX + 1];   /* catalogue zones */
    bool clinical;                               /* from roles, or the own `clinical` setting */
    bool anonymous_gateway;                      /* holds HCBUS_ROLE_ANONYMOUS_GATEWAY */
} hcbus_institution_t;

/* Where a service answers /metrics and /healthz (docs/operations.md, "Monitoring"). */
typedef struct hcbus_metrics_config {
    char listen[64];                              /* "ADDR:PORT" (hcbus/listen.h), "" = off */
    bool given;                                   /* metrics_listen was in the file */
} hcbus_metrics_config_t;

typedef struct hcbus_broker_config {
    char publish_endpoint[HCBUS_ENDPOINT_MAX];    /* ROUTER for publishers and requests */
    char subscribe_endpoint[HCBUS_ENDPOINT_MAX];  /* ROUTER for subscribers */
    char secret_key_file[HCBUS_PATH_MAX];         /* the broker's key pair (hcbus keygen) */
    uint32_t max_message_bytes;                   /* default 65536 */
    uint32_t max_in_flight;                       /* messages awaiting commit, default 8192 */
    uint32_t subscriber_queue_max;                /* messages per subscriber, default 10000 */
    uint32_t subscriber_queue_max_bytes;          /* bytes per subscriber (envelope + 176 per
                                                     message), 1024..1 GiB, default 1 MiB */
    uint32_t ack_timeout_ms;                      /* NOT_PERSISTED after this, default 5000 */
    uint32_t audit_resend_ms;                     /* resend unconfirmed to auditd, default 1000 */
    hcbus_metrics_config_t metrics;               /* metrics_listen, default 127.0.0.1:9701 */
    /* Bad networks (docs/field.md, hcbus/link.h): both endpoints' sockets, at start. */
    uint32_t handshake_ms;                        /* CurveZMQ handshake bound, 1000..600000, default 5000 */
    uint32_t heartbeat_ms;                        /* ZMTP PING every, 0 (none, default)..600000 */
    uint32_t heartbeat_timeout_ms;                /* dead after, 0 (= 3 x heartbeat_ms)..3600000 */
    uint32_t tcp_keepalive_s;                     /* TCP keepalive idle, 0 (system's, default)..7200 */
    /* A pair (docs/ha.md): passive, as on LinkReply.standby, once the audit link has
     * answered nothing at all this long while an answer was awaited; 0 = never (default). */
    uint32_t standby_after_ms;
} hcbus_broker_config_t;

typedef struct hcbus_auditd_config {
    char endpoint[HCBUS_ENDPOINT_MAX];            /* where auditd listens for the broker */
    char secret_key_file[HCBUS_PATH_MAX];
    char conninfo[HCBUS_CONNINFO_MAX];            /* libpq connection string */
    char migrations_dir[HCBUS_PATH_MAX];          /* default: deploy/sql next to the config */
    uint32_t batch_max_rows;                      /* default 1000 */
    uint32_t batch_max_delay_ms;                  /* default 0: no extra wait (decision 0025) */
    /* The signed tree heads (decision 0014, docs/operations.md "Checkpoints"). */
    char log_key_file[HCBUS_PATH_MAX];            /* note signer key text; "" = heads unsigned */
    char log_origin[HCBUS_LOG_ORIGIN_MAX + 1];    /* events tree, default "hcbus.sv/audit" */
    /* The rejections tree: log_origin with a final "/audit" replaced by "/rejections"
     * (the default gives "hcbus.sv/rejections"), else log_origin + "/rejections". */
    char log_origin_rejections[HCBUS_LOG_ORIGIN_MAX + sizeof HCBUS_REJECTIONS_ORIGIN_SUFFIX];
    uint32_t checkpoint_every_events;             /* a head every N leaves, 1..10000000, default 1000 */
    uint32_t checkpoint_every_s;                  /* and after S s if grown, 0 (never)..86400, default 60 */
    hcbus_metrics_config_t metrics;               /* metrics_listen, default 127.0.0.1:9703 */
    /* The standby pair (docs/ha.md, decision 0037): with standby, an auditd that finds
     * the writer lock held runs passive instead of exiting, and asks for the lock again
     * every standby_poll_ms (50..60000, default 500; the broker's hello is repeated as
     * often while its auditd is passive). node_name names it in logs and in
     * LinkReply.standby (default: the host name). */
    bool standby;                                 /* default false */
    uint32_t standby_poll_ms;
    char node_name[HCBUS_NODE_NAME_MAX + 1];
} hcbus_auditd_config_t;

/* The `coordinator` section (services/coordinator, docs/operations.md): who
 * hcbus-coordinator is on the bus and the times of its rules. Every time is in
 * seconds; the ranges are checked at load (config_coordinator.c). */
typedef struct hcbus_coordinator_config {
    bool present;                                 /* the file has a coordinator section */
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];  /* holds the coordinator role */
    char secret_key_file[HCBUS_PATH_MAX];         /* the institution's key pair */
    char broker_public_key_file[HCBUS_PATH_MAX];  /* the broker's .pub (or secret key file) */
    char publish_endpoint[HCBUS_ENDPOINT_MAX];    /* default: broker.publish_endpoint */
    char subscribe_endpoint[HCBUS_ENDPOINT_MAX];  /* default: broker.subscribe_endpoint */
    uint32_t status_max_skew_s;                   /* 0..86400, default 120 */
    uint32_t accept_within_s;                     /* 1..86400, default 300 */
    uint32_t on_scene_within_s;                   /* 1..86400, default 1800 */
    uint32_t escort_assigned_within_s;            /* 1..86400, default 600 */
    uint32_t alert_window_s;                      /* 1..2592000 (30 days), default 86400 */
    int default_level;                            /* an Hcbus__RiskLevel, default GREEN */
    uint32_t forget_closed_after_s;               /* 1..7776000 (90 days), default 259200 */
    hcbus_metrics_config_t metrics;               /* metrics_listen, default 127.0.0.1:9704 */
} hcbus_coordinator_config_t;

/* The `report` section (services/report, docs/report.md): hcbus-report, the anonymous
 * web form, on the bus (an anonymous gateway), on the web and in PostgreSQL. Ranges are
 * checked at load (config_report.c). */
typedef struct hcbus_report_config {
    bool present;                                 /* the file has a report section */
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];  /* holds the anonymous_gateway role */
    char secret_key_file[HCBUS_PATH_MAX];         /* the gateway's key pair */
    char broker_public_key_file[HCBUS_PATH_MAX];  /* the broker's .pub (or secret key file) */
    char publish_endpoint[HCBUS_ENDPOINT_MAX];    /* default: broker.publish_endpoint */
    char listen_address[64];                      /* IPv4/IPv6 literal, default "127.0.0.1" */
    uint32_t listen_port;                         /* 1..65535, default 7780 */
    char public_url[256];                         /* what run.sh prints; default http://ADDR:PORT/ */
    char conninfo[HCBUS_CONNINFO_MAX];            /* libpq, as role hcbus_report; default "dbname=hcbus user=hcbus_report" */
    char secret_file[HCBUS_PATH_MAX];             /* 32 random bytes, 0600: form-token and receipt-salt key; required */
    uint32_t release_delay_min_s;                 /* 0..86400, default 60 */
    uint32_t release_delay_max_s;                 /* min..86400, default 900 */
    uint32_t queue_max;                           /* 1..10000 reports waiting for release, default 200 */
    uint32_t reports_per_minute;                  /* 1..10000 accepted reports, all reporters together, default 30 */
    uint32_t receipt_checks_per_minute;           /* 1..10000 receipt look-ups and answers, default 60 */
    uint32_t max_photos;                          /* 0..5 per report, default 3 */
    uint32_t max_photo_bytes;                     /* 1024..8388608 each, default 2097152 */
    uint32_t max_request_bytes;                   /* 4096..33554432 a whole request, default 8388608 */
    uint32_t receipt_hash_memory_kib;             /* Argon2id memory 8192..1048576, default 65536 */
    uint32_t receipt_hash_passes;                 /* Argon2id passes 1..10, default 3 */
    uint32_t connection_limit;                    /* 1..1024 open connections, default 64 */
    uint32_t connection_timeout_s;                /* 1..600 idle connection closed, default 30 */
    uint32_t request_deadline_s;                  /* 1..600 from accept to a request's last byte, default 60 */
    uint32_t token_lifetime_s;                    /* 60..86400 a form token stays valid, default 3600 */
} hcbus_report_config_t;

typedef struct hcbus_config {
    char path[HCBUS_PATH_MAX];                    /* the file it came from */
    char zones_file[HCBUS_PATH_MAX];              /* default: sv-districts.csv next to the config */
    hcbus_log_level_t log_level;                  /* default info */
    hcbus_broker_config_t broker;
    hcbus_auditd_config_t auditd;
    hcbus_coordinator_config_t coordinator;       /* present only if the file has one */
    hcbus_report_config_t report;                 /* present only if the file has one */
    hcbus_role_rights_t roles[HCBUS_ROLE_COUNT];
    size_t institution_count;
    hcbus_institution_t institutions[HCBUS_INSTITUTIONS_MAX];
} hcbus_config_t;

/* Load and check path. Returns a new config (free with hcbus_config_destroy), or NULL
 * with err (HCBUS_ECONFIG, field "file:line setting", message the reason). */
hcbus_config_t *hcbus_config_load(const char *path, hcbus_error_t *err);

/* Every error a check found (hcbus_config_check), in the order found. */
#define HCBUS_CONFIG_ERRORS_MAX 64
typedef struct hcbus_config_errors {
    size_t count;                                 /* kept in items */
    size_t dropped;                               /* found beyond HCBUS_CONFIG_ERRORS_MAX */
    hcbus_error_t items[HCBUS_CONFIG_ERRORS_MAX];
} hcbus_config_errors_t;

/* Append a copy of err (a count of it beyond the capacity). */
void hcbus_config_errors_add(hcbus_config_errors_t *errors, const hcbus_error_t *err);

/* Check path as hcbus_config_load does, for `--check-config`, but go on after an
 * error wherever the rest can still be read: every bad value, unknown setting and bad
 * institution is added to errors (emptied first), each naming "file:line setting";
 * a syntax error stops there (libconfig reads no further). Returns the config as read
 * (bad values left at their defaults; free with hcbus_config_destroy) when the file
 * could be parsed, else NULL. The file is valid when errors->count is 0. */
hcbus_config_t *hcbus_config_check(const char *path, hcbus_config_errors_t *errors);

/* Free the config and set *self_p to NULL. NULL-safe. */
void hcbus_config_destroy(hcbus_config_t **self_p);

/* The institution holding this Z85 public key, or NULL. */
const hcbus_institution_t *hcbus_config_find_key(const hcbus_config_t *self, const char *key_z85);

/* For a refusal of an institution limited by limit_to_zones: a hint naming the zones
 * and an example in them for kind_name ("alert"), written into buf. Returns buf, or
 * NULL (buf untouched) if inst has no limit. Never call it for an anonymous gateway,
 * whose id must not appear in answers. */
const char *hcbus_institution_limit_hint(const hcbus_institution_t *inst, const char *kind_name, char *buf,
                                         size_t size);

/* The institution with this id, or NULL. */
const hcbus_institution_t *hcbus_config_find_institution(const hcbus_config_t *self, const char *id);

/* For hcbus-coordinator: 0 if the file has a coordinator section, else -1 with err
 * (HCBUS_ECONFIG, the file, what to add). The section's contents were checked at load. */
int hcbus_config_require_coordinator(const hcbus_config_t *self, hcbus_error_t *err);

/* For hcbus-report: 0 if the file has a report section, else -1 with err
 * (HCBUS_ECONFIG, the file, what to add). The section's contents were checked at load. */
int hcbus_config_require_report(const hcbus_config_t *self, hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
