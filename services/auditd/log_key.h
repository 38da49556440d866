/* log_key.h — the key that signs auditd's tree heads (auditd.log_key_file): one line,
 * the signer key text "PRIVATE+KEY+<name>+<key id>+<base64>" that `hcbus keygen
 * --log-signer` writes. Like the CurveZMQ secret key it must be a regular file closed
 * to group and others. */
#ifndef AUDITD_LOG_KEY_H
#define AUDITD_LOG_KEY_H

#include "hcbus/error.h"
#include "hcbus/tlog.h"

/* Read and parse path into out. Returns 0, or -1 with err naming the file and what is
 * wrong (not a regular file, mode, size, not a signer key). Clear out with
 * sodium_memzero when done. */
int auditd_log_key_load(const char *path, hcbus_tlog_signer_t *out, hcbus_error_t *err);

#endif
