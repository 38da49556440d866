/* config_read.c — typed reading of libconfig settings with errors that name
 * "file:line setting.path" (see config_read.h). No knowledge of hcbus's sections. */
#include "config_read.h"

#include "hcbus/i18n.h"
#include "where.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SETTING_PATH_MAX 160

const char *hcbus_cfg_setting_path(const config_setting_t *s, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!s || !s->parent)   /* the root has no name */
        return buf;
    hcbus_cfg_setting_path(s->parent, buf, size);
    size_t used = strlen(buf);
    const char *name = config_setting_name(s);
    if (name)
        snprintf(buf + used, size - used, "%s%s", used ? "." : "", name);
    else
        snprintf(buf + used, size - used, "[%d]", config_setting_index(s));
    return buf;
}

void hcbus_cfg_note(const cfg_ctx_t *ctx)
{
    if (ctx->collect)
        hcbus_config_errors_add(ctx->collect, ctx->err);
}

int hcbus_cfg_soft(const cfg_ctx_t *ctx, int rc)
{
    if (rc >= 0 || !ctx->collect)
        return rc;
    hcbus_cfg_note(ctx);
    return 0;
}

unsigned long hcbus_cfg_file_hash(const char *path)
{
    unsigned long h = 5381;   /* djb2 */
    for (const unsigned char *p = (const unsigned char *)(path ? path : ""); *p; p++)
        h = h * 33u + *p;
    return h;
}

static int fail_at(const cfg_ctx_t *ctx, int line, const char *file, const char *setting,
                   const char *msg)
{
    char where[HCBUS_ERROR_FIELD_MAX];
    hcbus_where(where, sizeof where, file ? file : ctx->path, line, setting);
    return hcbus_error_set(ctx->err, HCBUS_ECONFIG, where, "%s", msg);
}

int hcbus_cfg_fail(const cfg_ctx_t *ctx, const config_setting_t *s, const char *fmt, ...)
{
    char msg[HCBUS_ERROR_MESSAGE_MAX], setting[SETTING_PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hcbus_cfg_setting_path(s, setting, sizeof setting);
    return fail_at(ctx, (int)config_setting_source_line(s), config_setting_source_file(s), setting, msg);
}

int hcbus_cfg_fail_missing(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name)
{
    char setting[SETTING_PATH_MAX], msg[HCBUS_ERROR_MESSAGE_MAX];
    hcbus_cfg_setting_path(group, setting, sizeof setting);
    size_t used = strlen(setting);
    snprintf(setting + used, sizeof setting - used, "%s%s", used ? "." : "", name);
    snprintf(msg, sizeof msg, "required setting %s is missing", setting);
    return fail_at(ctx, (int)config_setting_source_line(group), config_setting_source_file(group),
                   setting, msg);
}

static bool name_listed(const char *name, const char *const *names)
{
    for (; *names; names++) {
        if (strcmp(name, *names) == 0)
            return true;
    }
    return false;
}

int hcbus_cfg_check_known(const cfg_ctx_t *ctx, const config_setting_t *group, const char *const *names)
{
    for (int i = 0; i < config_setting_length(group); i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        if (!name_listed(config_setting_name(s), names)) {
            char path[SETTING_PATH_MAX];
            hcbus_cfg_fail(ctx, s, "unknown setting %s", hcbus_cfg_setting_path(s, path, sizeof path));
            if (!ctx->collect)
                return -1;
            hcbus_cfg_note(ctx);   /* and the next ones too */
        }
    }
    return 0;
}

static const char *type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_GROUP: return "a group { }";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a float";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array [ ]";
    case CONFIG_TYPE_LIST: return "a list ( )";
    default: return "nothing";
    }
}

static int fail_type(const cfg_ctx_t *ctx, const config_setting_t *s, const char *want)
{
    return hcbus_cfg_fail(ctx, s, "must be %s, not %s", want, type_name(config_setting_type(s)));
}

int hcbus_cfg_group(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name,
              config_setting_t **out)
{
    *out = config_setting_get_member(group, name);
    if (*out && !config_setting_is_group(*out))
        return fail_type(ctx, *out, "a group { }");
    return 0;
}

static int read_string(const cfg_ctx_t *ctx, const config_setting_t *s, char *buf, size_t size)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail_type(ctx, s, "a string");
    const char *value = config_setting_get_string(s);
    size_t len = strlen(value);
    if (len == 0)
        return hcbus_cfg_fail(ctx, s, "must not be empty");
    if (len >= size)
        return hcbus_cfg_fail(ctx, s, "is %zu bytes long; at most %zu are allowed", len, size - 1);
    memcpy(buf, value, len + 1);
    return 0;
}

/* A bad optional string leaves buf as it was (its default) when collecting; a required
 * one stops its section, whose later checks need it. */
int hcbus_cfg_string(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
               size_t size, bool required)
{
    const config_setting_t *s = config_setting_get_member(group, name);
    if (!s)
        return required ? hcbus_cfg_fail_missing(ctx, group, name) : 0;
    int rc = read_string(ctx, s, buf, size);
    return required ? rc : hcbus_cfg_soft(ctx, rc);
}

int hcbus_cfg_endpoint(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
                       size_t size)
{
    if (hcbus_cfg_string(ctx, group, name, buf, size, false) < 0)
        return -1;
    if (strncmp(buf, "tcp://", 6) == 0 || strncmp(buf, "ipc://", 6) == 0 ||
        strncmp(buf, "inproc://", 9) == 0)
        return 0;
    return hcbus_cfg_soft(ctx, hcbus_cfg_fail(ctx, config_setting_get_member(group, name),
                                              "\"%.100s\" is not a tcp://, ipc:// or inproc:// endpoint", buf));
}

/* An endpoint the broker binds on every interface (a tcp star or 0.0.0.0 address)
 * is not an address to connect to: the section must then give its own. */
static bool wildcard(const char *endpoint)
{
    return strncmp(endpoint, "tcp://*:", 8) == 0 || strncmp(endpoint, "tcp://0.0.0.0:", 14) == 0;
}

int hcbus_cfg_connect_endpoint(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
                               size_t size)
{
    bool given = config_setting_get_member(group, name) != NULL;
    if (hcbus_cfg_endpoint(ctx, group, name, buf, size) < 0)
        return -1;
    if (given || !wildcard(buf))
        return 0;
    char section[SETTING_PATH_MAX];
    hcbus_cfg_setting_path(group, section, sizeof section);
    hcbus_cfg_fail(ctx, group, "the broker binds %.100s, which cannot be connected to: %s.%s must give the "
                               "broker's address", buf, section, name);
    return hcbus_error_hint(ctx->err, _("e.g. %s = \"tcp://127.0.0.1:7701\";"), name);
}

int hcbus_cfg_resolve(const cfg_ctx_t *ctx, const config_setting_t *s, const char *text, char *buf,
                size_t size)
{
    int n = text[0] == '/' ? snprintf(buf, size, "%s", text)
                           : snprintf(buf, size, "%s/%s", ctx->dir, text);
    if (n < 0 || (size_t)n >= size)
        return hcbus_cfg_fail(ctx, s, "path \"%.100s\" is too long", text);
    return 0;
}

int hcbus_cfg_path(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, char *buf,
             size_t size, bool required)
{
    char text[HCBUS_PATH_MAX];
    text[0] = '\0';
    if (hcbus_cfg_string(ctx, group, name, text, sizeof text, required) < 0)
        return -1;
    if (!text[0])
        return 0;
    return hcbus_cfg_resolve(ctx, config_setting_get_member(group, name), text, buf, size);
}

/* The literal config_syntax.c noted for s, or NULL. */
static const char *big_literal(const cfg_ctx_t *ctx, const config_setting_t *s)
{
    if (!ctx->bigs)
        return NULL;
    const char *file = config_setting_source_file(s);
    unsigned long hash = hcbus_cfg_file_hash(file ? file : ctx->path);
    int line = (int)config_setting_source_line(s);
    const char *name = config_setting_name(s);
    for (size_t i = 0; name && i < ctx->bigs->count; i++) {
        const cfg_big_literal_t *b = &ctx->bigs->items[i];
        if (b->file_hash == hash && b->line == line && strcmp(b->name, name) == 0)
            return b->text;
    }
    return NULL;
}

static int read_u32(const cfg_ctx_t *ctx, const config_setting_t *s, uint32_t min, uint32_t max, uint32_t *out)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
        return fail_type(ctx, s, "an integer");
    const char *big = big_literal(ctx, s);
    if (big)   /* libconfig holds some other number: say the one written */
        return hcbus_cfg_fail(ctx, s, "%s is out of range %u..%u", big, (unsigned)min, (unsigned)max);
    long long v = config_setting_get_int64(s);
    if (v < (long long)min || v > (long long)max)
        return hcbus_cfg_fail(ctx, s, "%lld is out of range %u..%u", v, (unsigned)min, (unsigned)max);
    *out = (uint32_t)v;
    return 0;
}

int hcbus_cfg_u32(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, uint32_t min,
            uint32_t max, uint32_t *out)
{
    const config_setting_t *s = config_setting_get_member(group, name);
    return s ? hcbus_cfg_soft(ctx, read_u32(ctx, s, min, max, out)) : 0;
}

int hcbus_cfg_bool(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name, bool *out,
             bool *present)
{
    const config_setting_t *s = config_setting_get_member(group, name);
    if (present)
        *present = s != NULL;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return hcbus_cfg_soft(ctx, fail_type(ctx, s, "a boolean (true or false)"));
    *out = config_setting_get_bool(s) != 0;
    return 0;
}

int hcbus_cfg_string_list(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name,
                    cfg_string_fn fn, void *arg, bool *present)
{
    const config_setting_t *s = config_setting_get_member(group, name);
    if (present)
        *present = s != NULL;
    if (!s)
        return 0;
    if (!config_setting_is_array(s) && !config_setting_is_list(s))
        return fail_type(ctx, s, "an array of strings [ ]");
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *elem = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(elem) != CONFIG_TYPE_STRING)
            return fail_type(ctx, elem, "a string");
        if (fn(ctx, elem, config_setting_get_string(elem), arg) < 0)
            return -1;
    }
    return 0;
}

static int add_grant(const cfg_ctx_t *ctx, const config_setting_t *elem, const char *value, void *arg)
{
    hcbus_grant_t grant;
    hcbus_error_t why;
    if (hcbus_grant_parse(value, &grant, &why) < 0 || hcbus_grants_add(arg, &grant, &why) < 0)
        return hcbus_cfg_fail(ctx, elem, "bad grant: %s", why.message);
    return 0;
}

int hcbus_cfg_grants(const cfg_ctx_t *ctx, const config_setting_t *group, const char *name,
               hcbus_grants_t *grants, bool *present)
{
    hcbus_grants_t read = {0};
    bool there = false;
    if (hcbus_cfg_string_list(ctx, group, name, add_grant, &read, &there) < 0)
        return -1;
    if (present)
        *present = there;
    if (there)
        *grants = read;
    return 0;
}
