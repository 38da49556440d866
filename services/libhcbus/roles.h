/* roles.h — internal: parsing role names and the built-in defaults of each role. */
#ifndef HCBUS_ROLES_H
#define HCBUS_ROLES_H

#include "hcbus/config.h"

/* Parse a role name ("police"). Returns 0, or -1 if unknown. */
int hcbus_role_parse(const char *name, hcbus_role_t *role);

/* Fill roles[] with the built-in defaults (see roles.c). */
void hcbus_role_defaults(hcbus_role_rights_t roles[HCBUS_ROLE_COUNT]);

#endif
