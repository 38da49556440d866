/* main.c — hcbus-coordinator: read the options, the config's coordinator section and
 * the zone catalogue, build the engine and the bus connection, run the loop. The
 * rules live in the engine (engine.h), the bus and the loop in bus.c and loop.c. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "check.h"
#include "engine.h"
#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/reload_result.h"
#include "hcbus/version.h"
#include "hcbus/zones.h"
#include "loop.h"
#include "signals.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2          /* bad options, config or keys: restarting will not help */
#define JOIN_TIMEOUT_MS 5000  /* one attempt to subscribe */
#define US_PER_S INT64_C(1000000)


static void usage(FILE *out)
{
    fprintf(out,
            _("usage: hcbus-coordinator --config FILE\n"
            "       hcbus-coordinator --check-config FILE\n"
            "       hcbus-coordinator --reload PID --reload-result FILE\n"
            "\n"
            "The protocol's rules on the bus: checks every dispatch status and escort\n"
            "status, asks the police for an escort into ORANGE and RED zones, raises\n"
            "overdue notices, asks zone authorities to review levels after alerts and\n"
            "reverts expired levels. An authenticated client of the broker; it rebuilds\n"
            "its state from the log at every start (docs/operations.md).\n"
            "\n"
            "  -c, --config FILE   the deployment's configuration (section coordinator)\n"
            "  -h, --help          this text\n"
            "      --check-config FILE  check FILE and the files it names as a start would\n"
            "                      (keys, zone catalogue), print every error, exit 0 if valid,\n"
            "                      1 if not; connects to nothing\n"
            "      --reload-result FILE  write the outcome of the start and of every reload\n"
            "                      there (one line; docs/operations.md, Reloading)\n"
            "      --reload PID    reload the coordinator PID (SIGHUP), wait for its outcome in\n"
            "                      --reload-result FILE, print it; exit 0 reloaded, 1 refused\n"
            "                      (the old configuration stays), 2 no answer\n"
            "  -V, --version       the version\n"));
}

static const char *reload_result_path; /* --reload-result */
static const char *reload_pid;         /* --reload */

static const char *parse_options(int argc, char **argv)
{
    static const struct option longs[] = {{"config", required_argument, NULL, 'c'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {"check-config", required_argument, NULL, 'C'},
                                          {"reload", required_argument, NULL, 'R'},
                                          {"reload-result", required_argument, NULL, 'r'},
                                          {NULL, 0, NULL, 0}};
    const char *config = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:hV", longs, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'C': exit(coord_check_config(optarg));
        case 'R': reload_pid = optarg; break;
        case 'r': reload_result_path = optarg; break;
        case 'h': usage(stdout); exit(0);
        case 'V': hcbus_version_print("hcbus-coordinator"); exit(0);
        default: return NULL;
        }
    }
    if (reload_pid && reload_result_path && optind == argc)
        exit(hcbus_reload_request("hcbus-coordinator", (pid_t)atol(reload_pid), reload_result_path,
                                  HCBUS_RELOAD_WAIT_MS));
    if (optind < argc || !config) {
        fprintf(stderr, "hcbus-coordinator: %s\n", optind < argc ? _("unexpected argument") : _("--config is required"));
        return NULL;
    }
    return config;
}

static int fail(const hcbus_error_t *err, int code)
{
    char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_HINT_MAX + 32];
    hcbus_error("%s", hcbus_error_format(err, line, sizeof line));
    return code;
}

static coord_rules_t rules_of(const hcbus_coordinator_config_t *k)
{
    coord_rules_t r = {
        .status_max_skew_us = k->status_max_skew_s * US_PER_S,
        .accept_within_us = k->accept_within_s * US_PER_S,
        .on_scene_within_us = k->on_scene_within_s * US_PER_S,
        .escort_assigned_within_us = k->escort_assigned_within_s * US_PER_S,
        .alert_window_us = k->alert_window_s * US_PER_S,
        .forget_closed_after_us = k->forget_closed_after_s * US_PER_S,
        .default_level = k->default_level,
    };
    return r;
}

/* The broker may not be up yet (or restarting): try again until it answers or a stop
 * signal comes. A refusal (unknown key, rights) is final. */
static int subscribe(coord_bus_t *bus, const hcbus_coordinator_config_t *k, hcbus_error_t *err)
{
    for (;;) {
        if (coord_bus_subscribe(bus, JOIN_TIMEOUT_MS, err) == 0)
            return 0;
        if (err->code != HCBUS_ETIMEOUT && err->code != HCBUS_EUNAVAILABLE)
            return -1;
        if (coord_stop_requested())
            return 1;
        hcbus_warning(_("no answer from the broker at %s yet (%s); trying again"), k->subscribe_endpoint,
                      err->message);
    }
}

/* The config is the engine's (borrowed) and may be replaced by a reload: main frees
 * whatever *cfg_p is at the end. k is a copy: the section never changes in a reload. */
static int run(hcbus_config_t **cfg_p)
{
    const hcbus_config_t *cfg = *cfg_p;
    hcbus_coordinator_config_t k_copy = cfg->coordinator;
    const hcbus_coordinator_config_t *k = &k_copy;
    hcbus_error_t err;
    hcbus_zones_t *zones = hcbus_zones_load(cfg->zones_file, &err);
    coord_bus_t *bus = zones ? coord_bus_new(cfg, &err) : NULL;
    coord_rules_t rules = rules_of(k);
    coord_engine_t *engine = bus ? coord_engine_new(&rules, cfg, zones, k->institution, &err) : NULL;
    static coord_monitor_t monitor; /* the endpoint's thread reads it until coord_monitor_stop */
    int rc = engine ? EXIT_SUCCESS : fail(&err, EXIT_USAGE);
    if (engine && coord_monitor_start(&monitor, &k->metrics, &err) != 0) {
        rc = fail(&err, EXIT_USAGE);
        coord_engine_destroy(&engine);
    }
    if (engine) {
        hcbus_notice(_("institution %s, broker %s and %s; %zu districts in the catalogue"), k->institution,
                     k->publish_endpoint, k->subscribe_endpoint, hcbus_zones_district_count(zones));
        int joined = subscribe(bus, k, &err);
        if (joined < 0)
            rc = fail(&err, err.code == HCBUS_EUNAUTHORIZED || err.code == HCBUS_EINVALID ? EXIT_USAGE
                                                                                         : EXIT_RUNTIME);
        else if (joined > 0)
            hcbus_notice(_("stopping (%s) before the broker answered"), coord_stop_signal_name());
        else if (joined == 0 && coord_loop_run(engine, bus, cfg_p, &monitor, &err) < 0)
            rc = fail(&err, EXIT_RUNTIME);
    }
    coord_monitor_stop(&monitor);
    coord_engine_destroy(&engine);
    coord_bus_destroy(&bus);
    hcbus_zones_destroy(&zones);
    return rc;
}

int main(int argc, char **argv)
{
    hcbus_i18n_init(); /* first: every message below is in the user's language */
    hcbus_log_set_ident("hcbus-coordinator");
    const char *path = parse_options(argc, argv);
    if (!path) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (sodium_init() < 0) {
        hcbus_error("%s", _("libsodium cannot be initialized"));
        return EXIT_RUNTIME;
    }
    coord_signals_init();
    hcbus_error_t err;
    hcbus_config_t *cfg = hcbus_config_load(path, &err);
    if (!cfg)
        return fail(&err, EXIT_USAGE);
    hcbus_log_set_level(cfg->log_level);
    if (reload_result_path && hcbus_reload_result_init(reload_result_path) != 0) {
        hcbus_error(_("cannot write the reload result file %s: %s"), reload_result_path, strerror(errno));
        hcbus_config_destroy(&cfg);
        return EXIT_USAGE;
    }
    int rc = hcbus_config_require_coordinator(cfg, &err) < 0 ? fail(&err, EXIT_USAGE) : run(&cfg);
    hcbus_config_destroy(&cfg);
    return rc;
}
