/* audience.c — the delivery rule of notices (see audience.h and decision 0010). */
#include "audience.h"

#include <string.h>

#include "hcbus/config.h"

const Hcbus__Notice audience_nobody = HCBUS__NOTICE__INIT;

bool audience_sees_every_notice(unsigned roles)
{
    return (roles & ((1u << HCBUS_ROLE_FACILITATOR) | (1u << HCBUS_ROLE_COORDINATOR))) != 0;
}

const Hcbus__Notice *audience_notice(const Hcbus__Envelope *env)
{
    return env && env->body_case == HCBUS__ENVELOPE__BODY_NOTICE ? env->notice : NULL;
}

bool audience_admits(const Hcbus__Notice *notice, const char *institution, unsigned roles)
{
    if (!notice || audience_sees_every_notice(roles))
        return true;
    for (size_t i = 0; i < notice->n_recipients; i++)
        if (notice->recipients[i] && institution && strcmp(notice->recipients[i], institution) == 0)
            return true;
    return false;
}
