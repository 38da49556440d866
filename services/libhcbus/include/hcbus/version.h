/* version.h — the version of hcbus, the CMake project's (CMakeLists.txt, project()),
 * which every program prints for --version. */
#ifndef HCBUS_VERSION_H
#define HCBUS_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/* "0.1.0": the version libhcbus was built as. */
const char *hcbus_version(void);

/* Print "program 0.1.0" and a newline to stdout, for --version. */
void hcbus_version_print(const char *program);

#ifdef __cplusplus
}
#endif
#endif
