/* notify.h — telling systemd (Type=notify units, sd_notify(3)) what a service is doing:
 * ready once it really serves, reloading and ready again around a reload, stopping.
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing. */
#ifndef HCBUS_NOTIFY_H
#define HCBUS_NOTIFY_H

#ifdef __cplusplus
extern "C" {
#endif

/* READY=1 with STATUS=status (a line `systemctl status` shows). */
void hcbus_notify_ready(const char *status);

/* RELOADING=1: a reload began (send hcbus_notify_ready when it ends, either way). */
void hcbus_notify_reloading(void);

/* STOPPING=1: the service is draining and will exit. */
void hcbus_notify_stopping(void);

#ifdef __cplusplus
}
#endif
#endif
