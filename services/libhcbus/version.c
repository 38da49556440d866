/* version.c — the version every program prints (see include/hcbus/version.h). The
 * number comes from CMake (HCBUS_PROJECT_VERSION, services/libhcbus/CMakeLists.txt). */
#include "hcbus/version.h"

#include <stdio.h>

#ifndef HCBUS_PROJECT_VERSION
#error "HCBUS_PROJECT_VERSION is set by services/libhcbus/CMakeLists.txt"
#endif

const char *hcbus_version(void)
{
    return HCBUS_PROJECT_VERSION;
}

void hcbus_version_print(const char *program)
{
    printf("%s %s\n", program, HCBUS_PROJECT_VERSION);
}
