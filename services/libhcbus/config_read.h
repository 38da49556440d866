/* config_read.h — internal: typed reading of libconfig settings for config.c and
 * config_institutions.c. Every failure names "file:line setting.path" and the reason;
 * an absent optional setting leaves the caller's default untouched. */
#ifndef HCBUS_CONFIG_READ_H
#define HCBUS_CONFIG_READ_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/config.h"

/* An integer literal libconfig 1.5 would misread (it keeps the low 32 bits of one
 * written without the L suffix, and saturates one with it): config_syntax.c notes it
 * where it is written (file, line, the setting's name), hcbus_cfg_u32 then refuses it
 * as written with the setting's range, instead of the number libconfig made of it. */
#define HCBUS_CFG_BIG_MAX 32
#define HCBUS_CFG_BIG_NAME_MAX 64
#define HCBUS_CFG_BIG_TEXT_MAX 40
typedef struct cfg_big_literal {
    unsigned long file_hash;      /* of the path as libconfig names the file */
    int line;
    char name[HCBUS_CFG_BIG_NAME_MAX];
    char text[HCBUS_CFG_BIG_TEXT_MAX];
} cfg_big_literal_t;
typedef struct cfg_bigs {
    size_t count;
    cfg_big_literal_t items[HCBUS_CFG_BIG_MAX];
} cfg_bigs_t;

typedef struct cfg_ctx {
    const char *path;             /* the config file */
    char dir[HCBUS_PATH_MAX];     /* its directory, for relative paths */
    hcbus_error_t *err;
    /* NULL: stop at the first error (hcbus_config_load). Else (hcbus_config_check) an
     * error in one setting's value is noted here and reading goes on with the default;
     * a function returns -1 only with an error not noted yet. */
    hcbus_config_errors_t *collect;
    cfg_bigs_t *bigs;             /* the literals libconfig misreads (may be NULL) */
} cfg_ctx_t;

/* Note ctx->err in ctx->collect (when collecting). */
void hcbus_cfg_note(const cfg_ctx_t *ctx);

/* rc, except that a failure (-1) is noted and becomes 0 when collecting: for an error
 * that concerns one setting's value, after which reading can go on. */
int hcbus_cfg_soft(const cfg_ctx_t *ctx, int rc);

/* A hash of a file's path, for cfg_big_literal_t. */
unsigned long hcbus_cfg_file_hash(const char *path);

/* Fail naming setting s. Returns -1. */
int hcbus_cfg_fail(const cfg_ctx_t *ctx, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fail naming the absent setting `name` of group. Returns -1. */
int hcbus_cfg_fail_missing(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name);

/* "institutions[2].public_keys[0]" for s. Returns buf. */
const char *hcbus_cfg_setting_path(const config_setting_t *s, char *buf, size_t size);

/* Refuse any member of group whose name is not in names (NULL-terminated). */
int hcbus_cfg_check_known(const cfg_ctx_t *ctx, const config_setting_t *group, const char *const *names);

/* The member `name` of group, which must be a group if present; *out is NULL if absent. */
int hcbus_cfg_group(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name,
              config_setting_t **out);

/* A string member copied into buf (1..size-1 bytes). */
int hcbus_cfg_string(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
               size_t size, bool required);

/* A path member, resolved against the config file's directory. */
int hcbus_cfg_path(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
             size_t size, bool required);

/* A ZeroMQ endpoint member hcbus can bind or connect: tcp://, ipc:// or inproc://. */
int hcbus_cfg_endpoint(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
                       size_t size);

/* An endpoint member a client connects to, defaulting to buf's content (a broker
 * endpoint): when the member is absent and the default binds every interface
 * (tcp://\* or tcp://0.0.0.0), fail asking the section to give the broker's address. */
int hcbus_cfg_connect_endpoint(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
                               size_t size);

/* Resolve text (named by setting s, for errors) against the config directory. */
int hcbus_cfg_resolve(const cfg_ctx_t *ctx, const config_setting_t *s, const char *text, char *buf,
                size_t size);

/* An integer member in [min, max]. */
int hcbus_cfg_u32(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, uint32_t min,
            uint32_t max, uint32_t *out);

/* A boolean member; *present says whether it was there (may be NULL). */
int hcbus_cfg_bool(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, bool *out,
             bool *present);

/* Call fn for each string of the list or array member `name`; *present says whether it
 * was there (may be NULL). fn returns 0 or -1 (having set the error). */
typedef int (*cfg_string_fn)(const cfg_ctx_t *ctx, const config_setting_t *elem, const char *value,
                             void *arg);
int hcbus_cfg_string_list(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name,
                    cfg_string_fn fn, void *arg, bool *present);

/* Read a list of grants into grants (emptied first if the list is present). */
int hcbus_cfg_grants(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name,
               hcbus_grants_t *grants, bool *present);

#endif
