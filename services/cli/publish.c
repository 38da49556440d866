/* publish.c — `hcbus publish <kind> [flags]` and `hcbus publish --json`: build Envelopes
 * from flags (publish_flags.c) or JSON lines, publish them through the window, and
 * print each broker confirmation. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hcbus/text.h"
#include "hcbus/validate.h"
#include "fields.h"
#include "hcbus/clock.h"
#include "hcbus/json.h"
#include "publish_flags.h"

#define CMD "publish"
#define LONG_OPTIONS_MAX 32

typedef struct outcome {
    unsigned confirmed;
    unsigned refused;
} outcome_t;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate,
                       const hcbus_error_t *err)
{
    outcome_t *o = arg;
    char shown[HCBUS_MSG_ID_MAX * 4 + 8];
    hcbus_text_escape(msg_id, HCBUS_TEXT_QUOTED, shown, sizeof shown);
    if (err) {
        o->refused++;
        fprintf(stderr, "refused msg_id=%s\n", shown);
        print_error(CMD, err);
        return;
    }
    o->confirmed++;
    printf("published seq=%llu msg_id=%s%s\n", (unsigned long long)seq, shown,
           duplicate ? " duplicate" : "");
    fflush(stdout);
}

static void help(const pub_kind_t *kind)
{
    if (!kind) {
        printf("usage: hcbus publish KIND [flags]   publish one message built from flags\n"
               "       hcbus publish --json         publish one JSON Envelope per stdin line\n"
               "kinds:\n");
        for (const pub_kind_t *k = pub_kinds; k->name; k++)
            printf("  %-10s %s (hcbus publish %s --help)\n", k->name, k->what, k->name);
    } else {
        printf("usage: hcbus publish %s [flags]: %s\n", kind->name, kind->what);
        pub_kind_help(kind, stdout);
    }
    printf("  --msg-id ID                  the idempotency key (default: a new id)\n"
           "  --json                       read JSON Envelopes from stdin instead\n" CONN_HELP
           "Prints \"published seq=N msg_id=ID\" (\" duplicate\" if recorded before).\n"
           "Exit: 0 ok, 1 refused or bad input, 2 usage, 3 broker unreachable, 4 internal.\n");
}

/* Connect, send every Envelope from next_env, and wait for the broker's answers. */
typedef Hcbus__Envelope *next_env_fn(void *arg, int *bad);

static int run(const cli_conn_t *conn, next_env_fn *next_env, void *arg)
{
    hcbus_client_options_t options;
    int rc = conn_options(CMD, conn, &options);
    if (rc != 0)
        return rc;
    outcome_t o = {0, 0};
    hcbus_error_t err;
    hcbus_publisher_t *pub = hcbus_publisher_new(&options, on_confirm, &o, &err);
    if (!pub) {
        print_error(CMD, &err);
        return exit_code_for(&err);
    }
    int bad = 0;
    Hcbus__Envelope *env;
    while (rc == 0 && (env = next_env(arg, &bad)) != NULL) {
        if (hcbus_publisher_send(pub, env, conn->timeout_ms, &err) != 0) {
            print_error(CMD, &err);
            if (err.code == HCBUS_EINVALID)
                bad = 1; /* this one is refused; the others may still go */
            else
                rc = exit_code_for(&err);
        }
        hcbus_envelope_free(env);
    }
    if (rc == 0 && hcbus_publisher_flush(pub, conn->timeout_ms, &err) != 0) {
        print_error(CMD, &err);
        rc = exit_code_for(&err);
    }
    hcbus_publisher_destroy(&pub);
    if (rc == 0 && (o.refused || bad))
        rc = EXIT_REFUSED;
    return rc;
}

/* ---- JSON lines ---------------------------------------------------------------- */

typedef struct json_source {
    char *line;
    size_t cap;
    unsigned lineno;
} json_source_t;

static Hcbus__Envelope *next_json(void *arg, int *bad)
{
    json_source_t *src = arg;
    while (getline(&src->line, &src->cap, stdin) >= 0) {
        src->lineno++;
        if (strspn(src->line, " \t\r\n") == strlen(src->line))
            continue;
        Hcbus__Envelope *env = NULL;
        hcbus_error_t err;
        if (hcbus_envelope_from_json(src->line, &env, &err) == 0)
            return env;
        char field[HCBUS_ERROR_FIELD_MAX];
        snprintf(field, sizeof field, "%s", err.field);
        snprintf(err.field, sizeof err.field, "stdin:%u%s%.80s", src->lineno,
                 field[0] ? " " : "", field);
        print_error(CMD, &err);
        *bad = 1;
    }
    return NULL;
}

/* ---- flags --------------------------------------------------------------------- */

typedef struct one_env {
    Hcbus__Envelope *env;
} one_env_t;

static Hcbus__Envelope *next_one(void *arg, int *bad)
{
    (void)bad;
    one_env_t *one = arg;
    Hcbus__Envelope *env = one->env;
    one->env = NULL;
    return env;
}

static int set_flag(Hcbus__Envelope *env, const char *flag, const char *path, const char *text)
{
    char id[HCBUS_ID_MAX];
    if (strcmp(text, "new-id") == 0)
        text = hcbus_new_id(id, sizeof id);
    hcbus_error_t err;
    if (field_set(&env->base, path, text, &err) == 0)
        return 0;
    snprintf(err.field, sizeof err.field, "--%s", flag);
    print_error(CMD, &err);
    return EXIT_REFUSED;
}

/* Fill opts with the kind's flags, then the common ones. Returns the kind's count. */
static int build_options(const pub_kind_t *kind, struct option *opts)
{
    static const struct option common[] = {
        {"msg-id", required_argument, NULL, 0}, {"json", no_argument, NULL, 0},
        {"help", no_argument, NULL, 'h'}, CONN_LONG_OPTIONS};
    int n = 0;
    for (const pub_flag_t *fl = kind ? kind->flags : NULL; fl && fl->flag; fl++) {
        const ProtobufCFieldDescriptor *f = field_lookup(&hcbus__envelope__descriptor, fl->path);
        bool is_bool = f && f->type == PROTOBUF_C_TYPE_BOOL;
        opts[n++] = (struct option){fl->flag, is_bool ? no_argument : required_argument, NULL, 0};
    }
    int n_kind = n;
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        opts[n++] = common[i];
    opts[n] = (struct option){NULL, 0, NULL, 0};
    return n_kind;
}

static Hcbus__Envelope *new_envelope(const pub_kind_t *kind)
{
    Hcbus__Envelope *env = malloc(sizeof *env);
    if (!env)
        return NULL;
    hcbus__envelope__init(env);
    for (const pub_flag_t *fl = kind ? kind->flags : NULL; fl && fl->flag; fl++)
        if (fl->dflt && set_flag(env, fl->flag, fl->path, fl->dflt) != 0) {
            hcbus_envelope_free(env);
            return NULL;
        }
    if (kind && set_flag(env, "msg-id", "msg_id", "new-id") != 0) {
        hcbus_envelope_free(env);
        return NULL;
    }
    return env;
}

/* Apply argv's flags to env and conn. Returns 0, -1 after --help, or an exit code. */
static int parse(int argc, char **argv, const pub_kind_t *kind, Hcbus__Envelope *env,
                 cli_conn_t *conn, bool *json)
{
    struct option opts[LONG_OPTIONS_MAX];
    int n_kind = build_options(kind, opts);
    int c, index;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help(kind);
            return -1;
        }
        if (c != 0)
            return bad_flag(CMD, argv);
        const char *name = opts[index].name;
        int rc = conn_flag_take(CMD, conn, name, optarg);
        if (rc < 0)
            return EXIT_USAGE;
        if (rc > 0)
            continue;
        if (strcmp(name, "json") == 0)
            *json = true;
        else if (strcmp(name, "msg-id") == 0)
            rc = set_flag(env, name, "msg_id", optarg);
        else if (index < n_kind)
            rc = set_flag(env, name, kind->flags[index].path, optarg ? optarg : "true");
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_publish(int argc, char **argv)
{
    const pub_kind_t *kind = argc > 1 ? pub_kind_find(argv[1]) : NULL;
    if (argc > 1 && argv[1][0] != '-' && !kind)
        return usage_error(CMD, "kind '%s' is not one of zone, dispatch, status, alert, escort",
                           argv[1]);
    if (kind) {
        argc--;
        argv++;
    }
    Hcbus__Envelope *env = new_envelope(kind);
    if (!env)
        return EXIT_REFUSED;
    cli_conn_t conn;
    conn_defaults(&conn, true);
    bool json = false;
    int rc = parse(argc, argv, kind, env, &conn, &json);
    if (rc == 0 && json == (kind != NULL))
        rc = usage_error(CMD, kind ? "--json takes no kind" : "give a kind or --json");
    if (rc != 0) {
        hcbus_envelope_free(env);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (json) {
        hcbus_envelope_free(env);
        json_source_t src = {NULL, 0, 0};
        rc = run(&conn, next_json, &src);
        free(src.line);
        return rc;
    }
    one_env_t one = {env};
    rc = run(&conn, next_one, &one);
    hcbus_envelope_free(one.env); /* NULL unless run stopped before taking it */
    return rc;
}
