/* common.c — connection options, error printing and enum names for every `hcbus`
 * command (common.h). Nothing here talks to the broker. Errors are printed for a person:
 * what went wrong in words (not the wire code), the flag rather than the proto field,
 * and, when the broker could not be reached, what was tried (endpoint and key files). */
#include "common.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hcbus/i18n.h"
#include "hcbus/suggest.h"
#include "hcbus/text.h"
#include "publish_flags.h"
#include "words.h"

#define PUBLISH_ENDPOINT_DEFAULT "tcp://127.0.0.1:7701"
#define SUBSCRIBE_ENDPOINT_DEFAULT "tcp://127.0.0.1:7702"
#define TIMEOUT_MS_MAX 86400000L

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && v[0] ? v : fallback;
}

void conn_defaults(cli_conn_t *conn, bool publish)
{
    conn->endpoint = publish ? env_or("HCBUS_PUBLISH_ENDPOINT", PUBLISH_ENDPOINT_DEFAULT)
                             : env_or("HCBUS_SUBSCRIBE_ENDPOINT", SUBSCRIBE_ENDPOINT_DEFAULT);
    conn->broker_key_file = env_or("HCBUS_BROKER_KEY", NULL);
    conn->key_file = env_or("HCBUS_KEY", NULL);
    conn->timeout_ms = CLI_TIMEOUT_MS_DEFAULT;
    conn->timeout_given = false;
    conn->link = env_or("HCBUS_LINK", HCBUS_LINK_PROFILE_DEFAULT);
    if (strcmp(conn->link, "field") == 0)
        conn->timeout_ms = CLI_TIMEOUT_MS_FIELD;
}

int conn_flag_take(const char *cmd, cli_conn_t *conn, const char *name, const char *value)
{
    if (strcmp(name, "endpoint") == 0)
        conn->endpoint = value;
    else if (strcmp(name, "broker-key") == 0)
        conn->broker_key_file = value;
    else if (strcmp(name, "key") == 0)
        conn->key_file = value;
    else if (strcmp(name, "timeout-ms") == 0) {
        long ms;
        if (parse_count(cmd, "--timeout-ms", value, TIMEOUT_MS_MAX, &ms) != 0)
            return -1;
        conn->timeout_ms = (int)ms;
        conn->timeout_given = true;
    } else if (strcmp(name, "link") == 0) {
        hcbus_error_t err;
        if (!hcbus_link_profile_find(value, &err)) {
            usage_error(cmd, _("--link: unknown network \"%s\" (give %s)"), value,
                        hcbus_link_profile_names());
            return -1;
        }
        conn->link = value;
        if (!conn->timeout_given)
            conn->timeout_ms = strcmp(value, "field") == 0 ? CLI_TIMEOUT_MS_FIELD : CLI_TIMEOUT_MS_DEFAULT;
    } else
        return 0;
    return 1;
}

/* Whether a proto field in an error is named by its publish flag (--zone for
 * dispatch.zone_id): yes, unless the input named the fields itself (JSON). */
static bool fields_as_flags = true;

void errors_name_flags(bool on) { fields_as_flags = on; }

/* The connection the command is using, named when the broker cannot be reached. */
static const cli_conn_t *conn_tried;

int conn_options(const char *cmd, const cli_conn_t *conn, hcbus_client_options_t *options)
{
    static char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_error_t err;
    if (!conn->broker_key_file)
        return usage_error(cmd, _("no broker key: give --broker-key FILE or set HCBUS_BROKER_KEY"));
    if (!conn->key_file)
        return usage_error(cmd, _("no institution key: give --key FILE or set HCBUS_KEY"));
    memset(options, 0, sizeof *options);
    if (hcbus_public_key_load(conn->broker_key_file, broker_key, &err) != 0 ||
        hcbus_keypair_load(conn->key_file, &options->keypair, &err) != 0) {
        print_error(cmd, &err);
        return EXIT_REFUSED;
    }
    if (hcbus_client_options_set_link(options, conn->link, &err) != 0) {
        print_error(cmd, &err); /* HCBUS_LINK names an unknown profile */
        return EXIT_USAGE;
    }
    options->endpoint = conn->endpoint;
    options->broker_public_key = broker_key;
    conn_tried = conn;
    return 0;
}

int conn_subscriber(const char *cmd, const cli_conn_t *conn, char *const *prefixes, size_t n,
                    bool snapshot, hcbus_subscriber_t **out)
{
    hcbus_client_options_t options;
    int rc = conn_options(cmd, conn, &options);
    if (rc != 0)
        return rc;
    hcbus_error_t err;
    *out = hcbus_subscriber_new(&options, (const char *const *)prefixes, n, snapshot,
                                conn->timeout_ms, &err);
    if (*out)
        return 0;
    print_error(cmd, &err);
    return exit_code_for(&err);
}

/* What went wrong, by the kind of error, in a person's words. */
static const char *cause_words(int code)
{
    switch (code) {
    case HCBUS_EMALFORMED: return _("the message could not be read");
    case HCBUS_ETOOLARGE: return _("too large");
    case HCBUS_EINVALID: return _("invalid value");
    case HCBUS_EUNKNOWN_ZONE: return _("unknown zone");
    case HCBUS_EUNAUTHORIZED: return _("not allowed");
    case HCBUS_ENOT_PERSISTED: return _("the database could not record the message");
    case HCBUS_EOVERLOADED: return _("the broker is overloaded");
    case HCBUS_EINTERNAL: return _("internal error");
    case HCBUS_EUNAVAILABLE: return _("the service is unavailable");
    case HCBUS_ECONFIG: return _("configuration error");
    case HCBUS_EIO: return _("cannot read or write");
    case HCBUS_ETIMEOUT: return _("no answer in time");
    case HCBUS_ENOMEM: return _("out of memory");
    case HCBUS_EDATABASE: return _("database error");
    case HCBUS_EFULL: return _("the outbox is full");
    default: return _("error");
    }
}

/* The flag of `hcbus publish` that sets the proto field path ("--zone" for
 * "dispatch.zone_id"), or NULL. */
static const char *flag_of_field(const char *path, char *buf, size_t size)
{
    for (const pub_kind_t *k = pub_kinds; path[0] && k->name; k++)
        for (const pub_flag_t *f = k->flags; f->flag; f++)
            if (strcmp(f->path, path) == 0) {
                snprintf(buf, size, "--%s", f->flag);
                return buf;
            }
    return NULL;
}

/* Copy text into out with every "from" replaced by "to". */
static void replace_all(const char *text, const char *from, const char *to, char *out,
                        size_t size)
{
    size_t used = 0, from_len = strlen(from);
    out[0] = '\0';
    while (*text && used + 1 < size) {
        const char *hit = from_len ? strstr(text, from) : NULL;
        size_t keep = hit ? (size_t)(hit - text) : strlen(text);
        used += (size_t)snprintf(out + used, size - used, "%.*s%s", (int)keep, text,
                                 hit ? to : "");
        if (!hit || used >= size)
            break;
        text = hit + from_len;
    }
}

/* The error may repeat what the broker or a file said: escaped, it stays one line
 * that cannot drive the terminal. */
void print_error(const char *cmd, const hcbus_error_t *err)
{
    char flag[64], message[HCBUS_ERROR_MESSAGE_MAX + 64], hint[HCBUS_ERROR_HINT_MAX + 64];
    const char *field = fields_as_flags ? flag_of_field(err->field, flag, sizeof flag) : NULL;
    if (field) { /* the person typed --zone, not dispatch.zone_id */
        replace_all(err->message, err->field, field, message, sizeof message);
        replace_all(err->hint, err->field, field, hint, sizeof hint);
    } else {
        field = err->field;
        snprintf(message, sizeof message, "%s", err->message);
        snprintf(hint, sizeof hint, "%s", err->hint);
    }
    char line[HCBUS_ERROR_FIELD_MAX + sizeof message + sizeof hint + 256];
    int n = snprintf(line, sizeof line, "%s: %s%s%s", cause_words(err->code), field,
                     field[0] ? ": " : "", message);
    if (hint[0] && n >= 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - (size_t)n, " (%s)", hint);
    char shown[sizeof line * 2];
    fprintf(stderr, "hcbus%s%s: %s\n", cmd[0] ? " " : "", cmd,
            hcbus_text_escape(line, HCBUS_TEXT_PLAIN, shown, sizeof shown));
    if (conn_tried && exit_code_for(err) == EXIT_UNREACHABLE) {
        char endpoint[512], broker_key[512], key[512];
        fprintf(stderr, _("hcbus%s%s: tried the broker at %s with its public key %s and this "
                          "institution's key %s\n"),
                cmd[0] ? " " : "", cmd,
                hcbus_text_escape(conn_tried->endpoint, HCBUS_TEXT_QUOTED, endpoint, sizeof endpoint),
                hcbus_text_escape(conn_tried->broker_key_file, HCBUS_TEXT_QUOTED, broker_key,
                                  sizeof broker_key),
                hcbus_text_escape(conn_tried->key_file, HCBUS_TEXT_QUOTED, key, sizeof key));
    }
}

int exit_code_for(const hcbus_error_t *err)
{
    switch (err->code) {
    case HCBUS_ETIMEOUT:
    case HCBUS_EUNAVAILABLE:
    case HCBUS_EIO:
        return EXIT_UNREACHABLE;
    case HCBUS_EINTERNAL:
    case HCBUS_ENOMEM:
        return EXIT_INTERNAL;
    default:
        return EXIT_REFUSED;
    }
}

int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hcbus%s%s: ", cmd[0] ? " " : "", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, _("; see hcbus %s --help\n"), cmd);
    va_end(ap);
    return EXIT_USAGE;
}

/* The long options of the last cli_getopt call: what bad_flag suggests from. */
static const struct option *flags_known;

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *opts,
               int *index)
{
    flags_known = opts;
    return getopt_long(argc, argv, shortopts, opts, index);
}

const char *suggest_among(const char *what, const char *const *names, size_t n, char *buf,
                          size_t size)
{
    const char *near = hcbus_suggest(what, names, n);
    char shown[128];
    if (!near || size == 0) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    snprintf(buf, size, _("; did you mean '%s'?"),
             hcbus_text_escape(near, HCBUS_TEXT_PLAIN, shown, sizeof shown));
    return buf;
}

/* "; did you mean '--zone'?" for a mistyped long flag name (without "--"), or "". */
static const char *flag_suggestion(const char *name, char *buf, size_t size)
{
    const char *names[LONG_OPTIONS_MAX];
    char dashed[LONG_OPTIONS_MAX][64];
    size_t n = 0;
    for (const struct option *o = flags_known; o && o->name && n < LONG_OPTIONS_MAX; o++, n++) {
        snprintf(dashed[n], sizeof dashed[n], "--%s", o->name);
        names[n] = dashed[n];
    }
    char typed[128];
    snprintf(typed, sizeof typed, "--%s", name);
    return suggest_among(typed, names, n, buf, size);
}

/* The known long flag that name (up to its '=') names, exactly or as the unambiguous
 * abbreviation getopt_long accepts; NULL if none. */
static const char *flag_known(const char *name, size_t len)
{
    const char *found = NULL;
    size_t matches = 0;
    for (const struct option *o = flags_known; o && o->name; o++) {
        if (strncmp(o->name, name, len) != 0)
            continue;
        if (strlen(o->name) == len)
            return o->name;
        found = o->name;
        matches++;
    }
    return matches == 1 ? found : NULL;
}

int bad_flag(const char *cmd, char *const argv[])
{
    const char *arg = argv[optind - 1];
    char shown[128], hint[192];
    if (optopt && strncmp(arg, "--", 2) != 0)
        return usage_error(cmd, _("flag '-%c' is not known or lacks its value"), optopt);
    if (strncmp(arg, "--", 2) != 0) /* getopt pointed past a value it took */
        return usage_error(cmd, _("flag '%s' is not known or lacks its value"),
                           hcbus_text_escape(arg, HCBUS_TEXT_PLAIN, shown, sizeof shown));
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    char bare[96];
    snprintf(bare, sizeof bare, "%.*s", (int)(len < 90 ? len : 90), name);
    hcbus_text_escape(bare, HCBUS_TEXT_PLAIN, shown, sizeof shown);
    const char *known = flag_known(name, len);
    if (known)
        return usage_error(cmd, _("flag '--%s' needs a value"), known);
    return usage_error(cmd, _("flag '--%s' is not known%s"), shown,
                       flag_suggestion(bare, hint, sizeof hint));
}

int parse_count(const char *cmd, const char *flag, const char *text, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > max) {
        usage_error(cmd, _("%s \"%s\" is not a number from 0 to %ld"), flag, text, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* The prefix shared by an enum's value names: "RISK_LEVEL_" from RISK_LEVEL_UNSPECIFIED. */
static size_t enum_prefix_len(const ProtobufCEnumDescriptor *desc)
{
    const char *zero = desc->n_values ? desc->values[0].name : "";
    const char *suffix = strstr(zero, "UNSPECIFIED");
    return suffix ? (size_t)(suffix - zero) : 0;
}

#define ENUM_VALUES_MAX 64

/* The short name of desc's value closest to text, into buf ("" when none is close). */
static void enum_suggestion(const ProtobufCEnumDescriptor *desc, const char *text, char *buf,
                            size_t size)
{
    char short_names[ENUM_VALUES_MAX][64];
    const char *names[ENUM_VALUES_MAX];
    size_t n = 0;
    for (unsigned i = 1; i < desc->n_values && n < ENUM_VALUES_MAX; i++, n++)
        names[n] = enum_short_name(desc, desc->values[i].value, short_names[n],
                                   sizeof short_names[n]);
    const char *near = hcbus_suggest(text, names, n);
    snprintf(buf, size, "%s", near ? near : "");
}

int enum_parse(const ProtobufCEnumDescriptor *desc, const char *text, int *value,
               hcbus_error_t *err)
{
    size_t skip = enum_prefix_len(desc);
    char names[HCBUS_ERROR_HINT_MAX] = "";
    for (unsigned i = 0; i < desc->n_values; i++) {
        const char *name = desc->values[i].name + skip;
        if (strcasecmp(name, text) == 0 || strcasecmp(desc->values[i].name, text) == 0) {
            *value = desc->values[i].value;
            return 0;
        }
        if (i > 0) {
            char low[64];
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                     i > 1 ? ", " : "", enum_short_name(desc, desc->values[i].value, low, sizeof low));
        }
    }
    hcbus_error_set(err, HCBUS_EINVALID, NULL, _("\"%.80s\" is not a known %s"), text,
                    enum_noun(desc));
    char near[160];
    enum_suggestion(desc, text, near, sizeof near);
    if (near[0])
        return hcbus_error_hint(err, _("did you mean '%s'? one of: %s"), near, names);
    return hcbus_error_hint(err, _("one of: %s"), names);
}

const char *enum_short_name(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                            size_t size)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);
    snprintf(buf, size, "%s", v ? v->name + enum_prefix_len(desc) : "?");
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return buf;
}

long cli_refused_prefix_index(const hcbus_error_t *err)
{
    if (err->code != HCBUS_EUNAUTHORIZED || strncmp(err->field, "prefixes[", 9) != 0)
        return -1;
    char *end;
    long i = strtol(err->field + 9, &end, 10);
    return *end == ']' ? i : -1;
}
