/* notify.c — sd_notify(3) for the Type=notify units (see include/hcbus/notify.h). The
 * protocol's one datagram per state change goes through libsystemd, which does nothing
 * when NOTIFY_SOCKET is unset (run.sh, the tests). */
#include "hcbus/notify.h"

#include <stdio.h>
#include <systemd/sd-daemon.h>

#define STATUS_MAX 256

void hcbus_notify_ready(const char *status)
{
    char text[STATUS_MAX + 32];
    snprintf(text, sizeof text, "READY=1\nSTATUS=%.*s", STATUS_MAX, status ? status : "");
    sd_notify(0, text);
}

void hcbus_notify_reloading(void)
{
    sd_notify(0, "RELOADING=1");
}

void hcbus_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}
