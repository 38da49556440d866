/* signals.c — records SIGTERM/SIGINT and SIGHUP for the loop (see signals.h). Nothing
 * else happens in the handlers: each does one store, which is async-signal-safe. */
#include "signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t reload_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void on_hup(int sig)
{
    (void)sig;
    reload_signal = 1;
}

void coord_signals_init(void)
{
    struct sigaction stop, hup;
    memset(&stop, 0, sizeof stop);
    memset(&hup, 0, sizeof hup);
    stop.sa_handler = on_stop;
    hup.sa_handler = on_hup;
    sigemptyset(&stop.sa_mask);
    sigemptyset(&hup.sa_mask);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGHUP, &hup, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool coord_stop_requested(void)
{
    return stop_signal != 0;
}

const char *coord_stop_signal_name(void)
{
    switch (stop_signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "";
    }
}

bool coord_reload_requested(void)
{
    if (!reload_signal)
        return false;
    reload_signal = 0;
    return true;
}
