/* main.c — hcbus-auditd: read the options and the config's auditd section, open the
 * database session, load the head and the Merkle trees, run the server. Everything
 * else lives in the files a test can link (db, migrate, writer, chain, tree,
 * checkpoint, replay, server, zap). */
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalogue.h"
#include "chain.h"
#include "check.h"
#include "checkpoint.h"
#include "db.h"
#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/keys.h"
#include "hcbus/log.h"
#include "hcbus/version.h"
#include "server.h"
#include "stop.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fprintf(out,
            _("usage: hcbus-auditd --config FILE [--broker-key FILE] [--check-trees]\n"
            "       hcbus-auditd --check-config FILE [--broker-key FILE]\n"
            "\n"
            "The audit service of hcbus: records every message the broker accepts in\n"
            "PostgreSQL (hash-chained, numbered without holes) and serves replay.\n"
            "\n"
            "  -c, --config FILE      the deployment's configuration (section auditd)\n"
            "  -b, --broker-key FILE  the broker's public key file (.pub or secret key file);\n"
            "                         the only client accepted\n"
            "      --check-trees      rebuild the Merkle trees from every stored leaf hash\n"
            "                         and check them against the last heads (slow on a long\n"
            "                         log); by default they resume from the last head's\n"
            "                         frontier and read only the leaves after it\n"
            "      --check-config FILE  check FILE and the files it names as a start would\n"
            "                         (keys, migrations directory), print every error, exit 0\n"
            "                         if valid, 1 if not; connects to no database\n"
            "  -V, --version          the version\n"
            "  -h, --help             this text\n"));
}

typedef struct options {
    const char *config;
    const char *broker_key;
    const char *check_config;
    bool check_trees;
} options_t;

#define OPT_CHECK_TREES 1000
#define OPT_CHECK_CONFIG 1001

static int parse_options(int argc, char **argv, options_t *o)
{
    static const struct option longs[] = {{"config", required_argument, NULL, 'c'},
                                          {"broker-key", required_argument, NULL, 'b'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"check-trees", no_argument, NULL, OPT_CHECK_TREES},
                                          {"check-config", required_argument, NULL, OPT_CHECK_CONFIG},
                                          {"version", no_argument, NULL, 'V'},
                                          {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:b:hV", longs, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case OPT_CHECK_CONFIG: o->check_config = optarg; break;
        case 'V': hcbus_version_print("hcbus-auditd"); exit(0);
        case 'b': o->broker_key = optarg; break;
        case OPT_CHECK_TREES: o->check_trees = true; break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
    }
    if (optind < argc || (!o->config && !o->check_config)) {
        fprintf(stderr, "hcbus-auditd: %s\n", optind < argc ? _("unexpected argument") : _("--config is required"));
        return -1;
    }
    return 0;
}

static int fail(const hcbus_error_t *err, int code)
{
    char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_HINT_MAX + 32];
    hcbus_error("%s", hcbus_error_format(err, line, sizeof line));
    return code;
}

/* The writer's session. Without auditd.standby a held lock is waited for a moment
 * (AUDITD_START_LOCK_WAIT_MS), then the start fails; with it the service starts
 * passive at once (standby.h) and asks for the lock every standby_poll_ms. */
static int open_db(auditd_db_t *db, const hcbus_config_t *cfg, bool *passive, hcbus_error_t *err)
{
    if (!cfg->auditd.standby)
        return auditd_db_open_wait(db, AUDITD_START_LOCK_WAIT_MS, err);
    auditd_db_keep_waiting(db, true);
    if (auditd_db_open(db, err) == 0)
        return 0;
    *passive = auditd_db_lock_held(db);
    return *passive ? 0 : -1;
}

/* Open the session, migrate, load the head and the trees, serve. */
static int run(const hcbus_config_t *cfg, const char *broker_key_file, bool check_trees)
{
    hcbus_error_t err;
    hcbus_keypair_t own;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    static auditd_checkpoints_t checkpoints; /* the signer key: wiped below */
    if (hcbus_keypair_load(cfg->auditd.secret_key_file, &own, &err) < 0 ||
        hcbus_public_key_load(broker_key_file, broker_key, &err) < 0 ||
        auditd_checkpoints_init(&checkpoints, &cfg->auditd, &err) < 0 || auditd_stop_init(&err) < 0) {
        sodium_memzero(&own, sizeof own);
        return fail(&err, EXIT_USAGE);
    }
    auditd_db_t *db = auditd_db_new(cfg->auditd.conninfo, cfg->auditd.migrations_dir);
    auditd_chain_t head = {0};
    static auditd_trees_t trees;
    trees.signer = &checkpoints; /* a resumed head's note must be ours when we sign */
    trees.full_check = check_trees;
    bool passive = false;
    int rc = !db ? hcbus_error_set(&err, HCBUS_ENOMEM, NULL, _("out of memory")) : open_db(db, cfg, &passive, &err);
    if (rc == 0 && !passive) {
        auditd_catalogue_load(auditd_db_conn(db), cfg->zones_file);
        rc = auditd_chain_load(auditd_db_conn(db), &head, &err);
        if (rc == 0)
            rc = auditd_trees_load(auditd_db_conn(db), &trees, &err);
    }
    if (rc == 0) {
        auditd_server_opts_t opts = {cfg->auditd.endpoint, own.secret_z85, broker_key,
                                     cfg->auditd.batch_max_rows, cfg->auditd.batch_max_delay_ms,
                                     cfg->auditd.conninfo, cfg->broker.max_message_bytes,
                                     cfg->auditd.metrics.listen, cfg->auditd.metrics.given};
        opts.standby = cfg->auditd.standby;
        opts.start_passive = passive;
        opts.standby_poll_ms = cfg->auditd.standby_poll_ms;
        opts.node_name = cfg->auditd.node_name;
        opts.zones_file = cfg->zones_file;
        rc = auditd_server_run(&opts, db, &head, &trees, &checkpoints, &err);
    }
    auditd_db_destroy(&db);
    sodium_memzero(&own, sizeof own);
    auditd_checkpoints_clear(&checkpoints);
    return rc < 0 ? fail(&err, EXIT_RUNTIME) : 0;
}

int main(int argc, char **argv)
{
    hcbus_i18n_init(); /* first: every message below is in the user's language */
    options_t o = {0};
    hcbus_log_set_ident("hcbus-auditd");
    if (parse_options(argc, argv, &o) < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o.check_config)
        return auditd_check_config(o.check_config, o.broker_key);
    if (sodium_init() < 0) {
        hcbus_error("%s", _("libsodium cannot be initialized"));
        return EXIT_RUNTIME;
    }
    hcbus_error_t err;
    hcbus_config_t *cfg = hcbus_config_load(o.config, &err);
    if (!cfg)
        return fail(&err, EXIT_USAGE);
    hcbus_log_set_level(cfg->log_level);
    if (!o.broker_key) {
        hcbus_error("%s", _("the broker's public key is needed: give --broker-key FILE"));
        hcbus_config_destroy(&cfg);
        return EXIT_USAGE;
    }
    int rc = run(cfg, o.broker_key, o.check_trees);
    hcbus_config_destroy(&cfg);
    return rc;
}
