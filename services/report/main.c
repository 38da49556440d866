/* main.c — hcbus-report: read the options, the config's report section, the secret
 * and the zone catalogue, start the pipeline (bus and PostgreSQL) and the HTTP server,
 * wait for SIGTERM or SIGINT, then stop the server and release what waits. The work
 * lives in the layers (web/, pipeline/, pages/, photos/; docs/report.md). Nothing here
 * or below logs a client's address, user agent, receipt or report content. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/notify.h"
#include "hcbus/version.h"
#include "hcbus/zones.h"
#include "http.h"
#include "pipeline/pipeline.h"
#include "check.h"
#include "routes.h"
#include "secret.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2                  /* bad options, config, secret or keys: restarting will not help */
#define PIPELINE_STOP_TIMEOUT_MS 10000   /* for the last acknowledgements and mailboxes */


static const char usage_es[] =
    "uso: hcbus-report --config ARCHIVO\n"
    "     hcbus-report --check-config ARCHIVO\n"
    "\n"
    "El formulario anónimo de reportes de incidentes (docs/report.md): un servicio web\n"
    "(HTTP, detrás de nginx o de un servicio onion de Tor) que publica cada reporte en el\n"
    "bus como una alerta de seguridad sin remitente, por una pasarela anónima, después de\n"
    "una demora al azar. No guarda ni registra direcciones, navegadores ni cookies.\n"
    "\n"
    "  -c, --config ARCHIVO  la configuración del despliegue (sección report)\n"
    "  -h, --help            este texto (en inglés si LANG o LC_ALL lo piden: en_US...)\n"
    "      --check-config ARCHIVO  revisa ARCHIVO y los archivos que nombra como al\n"
    "                        arrancar (llaves, secreto, catálogo), muestra cada error,\n"
    "                        sale con 0 si es válido, 1 si no; no abre nada\n"
    "  -V, --version         la versión\n";

static const char usage_en[] =
    "usage: hcbus-report --config FILE\n"
    "       hcbus-report --check-config FILE\n"
    "\n"
    "The anonymous incident reporting form (docs/report.md): a web service (HTTP, behind\n"
    "nginx or a Tor onion service) that publishes each report on the bus as a security\n"
    "alert without a sender, through an anonymous gateway, after a random delay. It keeps\n"
    "and logs no addresses, browsers or cookies.\n"
    "\n"
    "  -c, --config FILE   the deployment's configuration (section report)\n"
    "  -h, --help          this text (in Spanish unless LANG or LC_ALL ask for English)\n"
    "      --check-config FILE  check FILE and the files it names as a start would\n"
    "                      (keys, secret, zone catalogue), print every error, exit 0 if\n"
    "                      valid, 1 if not; opens nothing\n"
    "  -V, --version       the version\n";

/* English when the locale says so (LC_ALL first, then LANG), else Spanish. */
static bool english(void)
{
    const char *lc = getenv("LC_ALL");
    if (!lc || !*lc)
        lc = getenv("LANG");
    return lc && strncmp(lc, "en", 2) == 0;
}

static void usage(FILE *out)
{
    fputs(english() ? usage_en : usage_es, out);
}

static const char *parse_options(int argc, char **argv)
{
    static const struct option longs[] = {{"config", required_argument, NULL, 'c'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {"check-config", required_argument, NULL, 'C'},
                                          {NULL, 0, NULL, 0}};
    const char *config = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:hV", longs, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'C': exit(report_check_config(optarg));
        case 'h': usage(stdout); exit(0);
        case 'V': hcbus_version_print("hcbus-report"); exit(0);
        default: return NULL;
        }
    }
    if (optind < argc || !config) {
        bool en = english();
        fprintf(stderr, "hcbus-report: %s\n",
                optind < argc ? (en ? "unexpected argument" : "argumento inesperado")
                              : (en ? "--config is required" : "falta --config"));
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

/* SIGTERM and SIGINT are blocked in every thread (the ones started later inherit the
 * mask) and waited for by main alone; SIGPIPE is ignored (a client gone mid-answer). */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int wait_for_stop(const sigset_t *set)
{
    int sig = 0;
    while (sigwait(set, &sig) != 0) {
    }
    return sig;
}

/* Serve until a stop signal. Returns the exit code. */
static int serve(const hcbus_config_t *cfg, const unsigned char secret[SECRET_BYTES], const sigset_t *signals)
{
    const hcbus_report_config_t *rc = &cfg->report;
    hcbus_error_t err;
    hcbus_zones_t *zones = hcbus_zones_load(cfg->zones_file, &err);
    if (!zones)
        return fail(&err, EXIT_USAGE);
    report_pipeline_t *pipeline = pipeline_start(cfg, secret, &err);
    routes_t *routes = pipeline ? routes_new(cfg, zones, pipeline, secret, &err) : NULL;
    http_server_t *http = routes ? http_start(cfg, routes, &err) : NULL;
    int rc_exit = EXIT_SUCCESS;
    if (!http) {
        rc_exit = fail(&err, err.code == HCBUS_ECONFIG || err.code == HCBUS_EIO ? EXIT_USAGE : EXIT_RUNTIME);
    } else {
        bool v6 = strchr(rc->listen_address, ':') != NULL;
        hcbus_notice("institución %s, broker %s; %zu distritos en el catálogo; demora %u..%u s", rc->institution,
                     rc->publish_endpoint, hcbus_zones_district_count(zones), (unsigned)rc->release_delay_min_s,
                     (unsigned)rc->release_delay_max_s);
        hcbus_notice("escuchando en http://%s%s%s:%u/", v6 ? "[" : "", rc->listen_address, v6 ? "]" : "",
                     http_port(http));
        hcbus_notify_ready("listening");
        int sig = wait_for_stop(signals);
        hcbus_notify_stopping();
        hcbus_notice("deteniendo (%s): no se aceptan más reportes; se liberan los que esperan",
                     sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    http_stop(&http);
    routes_destroy(&routes);
    size_t waiting = pipeline ? pipeline_queued(pipeline) : 0;
    size_t lost = pipeline_stop(&pipeline, PIPELINE_STOP_TIMEOUT_MS);
    if (lost > 0)
        hcbus_error("%zu de %zu reportes no se pudieron liberar antes de detenerse", lost, waiting);
    else if (rc_exit == EXIT_SUCCESS)
        hcbus_notice("detenido");
    hcbus_zones_destroy(&zones);
    return rc_exit;
}

/* A crash must not write the secret, the gateway's key, waiting reports or receipts to
 * a core file (systemd-coredump keeps them): no core, and not dumpable (no ptrace by
 * the same user either). Failures are logged, not fatal: the unit sets LimitCORE=0 too. */
static void no_core_dumps(void)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        hcbus_warning(_("cannot turn core dumps off: %s"), strerror(errno));
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        hcbus_warning(_("cannot make the process non-dumpable: %s"), strerror(errno));
}

int main(int argc, char **argv)
{
    hcbus_i18n_init(); /* first: every message below is in the user's language */
    hcbus_log_set_ident("hcbus-report");
    no_core_dumps();
    const char *path = parse_options(argc, argv);
    if (!path) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (sodium_init() < 0) {
        hcbus_error(_("libsodium cannot be initialized"));
        return EXIT_RUNTIME;
    }
    sigset_t signals;
    block_signals(&signals);
    hcbus_error_t err;
    hcbus_config_t *cfg = hcbus_config_load(path, &err);
    if (!cfg)
        return fail(&err, EXIT_USAGE);
    hcbus_log_set_level(cfg->log_level);
    unsigned char secret[SECRET_BYTES];
    int rc = hcbus_config_require_report(cfg, &err) != 0           ? fail(&err, EXIT_USAGE)
             : secret_load(cfg->report.secret_file, secret, &err) != 0 ? fail(&err, EXIT_USAGE)
                                                                      : serve(cfg, secret, &signals);
    sodium_memzero(secret, sizeof secret);
    hcbus_config_destroy(&cfg);
    return rc;
}
