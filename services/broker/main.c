/* main.c — hcbus-broker: read the options and the configuration, build the broker,
 * run it until SIGTERM or SIGINT. SIGHUP reloads the configuration. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "check.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/reload_result.h"
#include "hcbus/version.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig) { (void)sig; stop_requested = 1; }
static void on_hup(int sig) { (void)sig; reload_requested = 1; }

static void usage(FILE *out)
{
    fprintf(out, _("usage: hcbus-broker --config FILE [--log-level LEVEL]\n"
                 "       hcbus-broker --check-config FILE\n"
                 "       hcbus-broker --reload PID --reload-result FILE\n"
                 "\n"
                 "The hcbus broker: authenticates institutions (CurveZMQ), checks and stamps every\n"
                 "message, has it recorded by hcbus-auditd, then acknowledges and delivers it.\n"
                 "\n"
                 "  -c, --config FILE      the hcbus configuration (see deploy/hcbus.conf)\n"
                 "  -l, --log-level LEVEL  debug, info, notice, warning or error (default: the config's)\n"
                 "      --check-config FILE  check FILE and the files it names as a start would\n"
                 "                         (keys, zone catalogue), print every error, exit 0 if\n"
                 "                         valid, 1 if not; opens no socket\n"
                 "      --reload-result FILE  write the outcome of the start and of every reload\n"
                 "                         there (one line; docs/operations.md, Reloading)\n"
                 "      --reload PID       reload the broker PID (SIGHUP), wait for its outcome\n"
                 "                         in --reload-result FILE, print it; exit 0 reloaded,\n"
                 "                         1 refused (the old configuration stays), 2 no answer\n"
                 "  -V, --version          the version\n"
                 "  -h, --help             this text\n"
                 "\n"
                 "Signals: SIGTERM/SIGINT drain and stop; SIGHUP reloads the configuration.\n"
                 "Exit status: 0 stopped cleanly, 1 stopped with messages not committed, 2 usage or\n"
                 "configuration error.\n"));
}

int main(int argc, char **argv)
{
    hcbus_i18n_init(); /* first: every message below is in the user's language */
    static const struct option options[] = {
        {"config", required_argument, 0, 'c'}, {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'},
        {"check-config", required_argument, 0, 'C'}, {"reload", required_argument, 0, 'R'},
        {"reload-result", required_argument, 0, 'r'}, {0, 0, 0, 0}};
    const char *config_path = NULL, *level_name = NULL, *check_path = NULL, *reload_pid = NULL,
               *reload_result = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:l:hV", options, NULL)) != -1) {
        if (opt == 'c')
            config_path = optarg;
        else if (opt == 'C')
            check_path = optarg;
        else if (opt == 'R')
            reload_pid = optarg;
        else if (opt == 'r')
            reload_result = optarg;
        else if (opt == 'V') {
            hcbus_version_print("hcbus-broker");
            return 0;
        }
        else if (opt == 'l')
            level_name = optarg;
        else {
            usage(opt == 'h' ? stdout : stderr);
            return opt == 'h' ? 0 : 2;
        }
    }
    hcbus_log_set_ident("hcbus-broker");
    if (check_path && optind == argc)
        return broker_check_config(check_path);
    if (reload_pid && reload_result && optind == argc)
        return hcbus_reload_request("hcbus-broker", (pid_t)atol(reload_pid), reload_result, HCBUS_RELOAD_WAIT_MS);
    if (!config_path || optind != argc) {
        usage(stderr);
        return 2;
    }
    hcbus_error_t err = {0};
    char text[1024];
    hcbus_config_t *config = hcbus_config_load(config_path, &err);
    if (!config) {
        hcbus_error("%s", hcbus_error_format(&err, text, sizeof text));
        return 2;
    }
    hcbus_log_level_t level = config->log_level;
    if (level_name && hcbus_log_level_parse(level_name, &level) != 0) {
        fprintf(stderr, _("hcbus-broker: unknown log level \"%s\"\n"), level_name);
        hcbus_config_destroy(&config);
        return 2;
    }
    hcbus_log_set_level(level);
    struct sigaction stop_action = {.sa_handler = on_stop}, hup_action = {.sa_handler = on_hup};
    sigaction(SIGTERM, &stop_action, NULL);
    sigaction(SIGINT, &stop_action, NULL);
    sigaction(SIGHUP, &hup_action, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (reload_result && hcbus_reload_result_init(reload_result) != 0) {
        hcbus_error(_("cannot write the reload result file %s: %s"), reload_result, strerror(errno));
        hcbus_config_destroy(&config);
        return 2;
    }
    broker_t *broker = broker_new(config, &stop_requested, &reload_requested, &err);
    if (!broker) {
        hcbus_error(_("cannot start: %s"), hcbus_error_format(&err, text, sizeof text));
        return 2;
    }
    int rc = broker_run(broker);
    broker_destroy(&broker);
    return rc;
}
