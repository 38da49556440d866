/* stop.c — stop signals as a readable pipe (see stop.h). The handler only records the
 * signal and writes one byte, both async-signal-safe. */
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signo;

static void on_signal(int signo)
{
    int saved = errno;
    stop_signo = signo;
    char byte = 1;
    if (write(stop_pipe[1], &byte, 1) < 0) {
        /* The pipe is full: a byte is already waiting, which is all we need. */
    }
    errno = saved;
}

int auditd_stop_init(hcbus_error_t *err)
{
    if (pipe(stop_pipe) != 0)
        return hcbus_error_set(err, HCBUS_EIO, NULL, "cannot make the signal pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(stop_pipe[i], F_SETFL, O_NONBLOCK);
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return hcbus_error_set(err, HCBUS_EIO, NULL, "cannot install signal handlers: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int auditd_stop_fd(void)
{
    return stop_pipe[0];
}

int auditd_stop_signal(void)
{
    return stop_signo;
}
