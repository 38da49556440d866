/* roles.c — the roles an institution may hold and what each gives by default. A
 * `roles` section in the config file may replace any of these (see config.c). */
#include "roles.h"

#include <string.h>

/* The built-in defaults, as written in deploy/hcbus.conf's comments:
 *   dispatch_centre    publish dispatch, status, alert, escort, escort_status everywhere;
 *                      subscribe to those, zone levels and notices; clinical.
 *   health_provider    publish status and alerts; subscribe zone, dispatch, status,
 *                      alert, escort_status, notice; clinical.
 *   police             publish alerts, escorts and escort statuses; subscribe zone, alert,
 *                      escort, escort_status, notice, and dispatch and status (delivered
 *                      without patient details).
 *   zone_authority     publish zone levels and alerts; subscribe zone, alert, escort,
 *                      escort_status, notice.
 *   facilitator        publish nothing; subscribe to everything (without patient details).
 *   anonymous_gateway  publish alerts; subscribe to nothing.
 *   coordinator        publish zone levels (reverts), escorts and notices; subscribe to
 *                      everything; no clinical access.
 * Notices reach only their recipients, facilitators and coordinators (the broker). */
#define ROLE_GRANTS_MAX 10 /* grants in one list of a role's defaults, NULL included */

typedef struct role_default {
    const char *name;
    const char *publish[ROLE_GRANTS_MAX];   /* NULL-terminated */
    const char *subscribe[ROLE_GRANTS_MAX];
    bool clinical;
} role_default_t;

static const role_default_t role_defaults[HCBUS_ROLE_COUNT] = {
    [HCBUS_ROLE_DISPATCH_CENTRE] = {"dispatch_centre",
                                    {"dispatch:*", "status:*", "alert:*", "escort:*", "escort_status:*", NULL},
                                    {"zone:*", "dispatch:*", "status:*", "alert:*", "escort:*", "escort_status:*",
                                     "notice:*", NULL},
                                    true},
    [HCBUS_ROLE_HEALTH_PROVIDER] = {"health_provider",
                                    {"status:*", "alert:*", NULL},
                                    {"zone:*", "dispatch:*", "status:*", "alert:*", "escort_status:*", "notice:*",
                                     NULL},
                                    true},
    [HCBUS_ROLE_POLICE] = {"police",
                           {"alert:*", "escort:*", "escort_status:*", NULL},
                           {"zone:*", "alert:*", "escort:*", "dispatch:*", "status:*", "escort_status:*",
                            "notice:*", NULL},
                           false},
    [HCBUS_ROLE_ZONE_AUTHORITY] = {"zone_authority",
                                   {"zone:*", "alert:*", NULL},
                                   {"zone:*", "alert:*", "escort:*", "escort_status:*", "notice:*", NULL},
                                   false},
    [HCBUS_ROLE_FACILITATOR] = {"facilitator", {NULL}, {"*:*", NULL}, false},
    [HCBUS_ROLE_ANONYMOUS_GATEWAY] = {"anonymous_gateway", {"alert:*", NULL}, {NULL}, false},
    [HCBUS_ROLE_COORDINATOR] = {"coordinator", {"zone:*", "escort:*", "notice:*", NULL}, {"*:*", NULL}, false},
};

const char *hcbus_role_name(hcbus_role_t role)
{
    if ((unsigned)role >= HCBUS_ROLE_COUNT)
        return "unknown";
    return role_defaults[role].name;
}

int hcbus_role_parse(const char *name, hcbus_role_t *role)
{
    for (int r = 0; name && r < HCBUS_ROLE_COUNT; r++) {
        if (strcmp(name, role_defaults[r].name) == 0) {
            *role = (hcbus_role_t)r;
            return 0;
        }
    }
    return -1;
}

/* The tables above are constants that always parse; a failure is a bug caught by the
 * unit tests, so it is not reported further. */
static void add_all(hcbus_grants_t *grants, const char *const *texts)
{
    memset(grants, 0, sizeof *grants);
    for (; *texts; texts++) {
        hcbus_grant_t grant;
        if (hcbus_grant_parse(*texts, &grant, NULL) == 0)
            hcbus_grants_add(grants, &grant, NULL);
    }
}

void hcbus_role_defaults(hcbus_role_rights_t roles[HCBUS_ROLE_COUNT])
{
    for (int r = 0; r < HCBUS_ROLE_COUNT; r++) {
        add_all(&roles[r].publish, role_defaults[r].publish);
        add_all(&roles[r].subscribe, role_defaults[r].subscribe);
        roles[r].clinical = role_defaults[r].clinical;
    }
}
