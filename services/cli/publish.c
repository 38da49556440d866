/* publish.c — `hcbus publish <kind> [flags]` and `hcbus publish --json`: build Envelopes
 * from flags (publish_flags.c) or JSON lines, publish them through the window, and
 * print each broker confirmation (and the request id of a dispatch, which status
 * updates must name). For a status or an escort status, wait for hcbus-coordinator's
 * verdict on it (verdict.c). */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "examples.h"
#include "common.h"
#include "fields.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/json.h"
#include "hcbus/outbox.h"
#include "hcbus/text.h"
#include "hcbus/validate.h"
#include "outbox_file.h"
#include "print.h"
#include "publish_flags.h"
#include "verdict.h"

#define CMD "publish"
#define OUTBOX_WAIT_MS 3000 /* --outbox: how long to wait for the ack before saying "queued" */
#define OUTBOX_WAIT_FIELD_MS 30000 /* the same on --link field: the CurveZMQ handshake alone
                                      is 3 round trips of 4 s, and an ack one more */

/* A dispatch sent and not yet confirmed: its request id is printed with the ack. The
 * list holds at most the publisher's window (entries leave on confirm or refusal). */
typedef struct label {
    char *msg_id;
    char *request_id;
    struct label *next;
} label_t;

typedef struct outcome {
    unsigned confirmed;
    unsigned refused;
    uint64_t last_seq;   /* of the last confirmed message */
    bool last_duplicate;
    label_t *labels;
    bool json;           /* --json: answer one JSON object per message on stdout */
    hcbus_publisher_t *pub;  /* to name the endpoint that answered */
    bool endpoint_list;      /* --endpoint is a list: --json names the endpoint */
    uint64_t switches_shown; /* moves along the endpoint list already told */
    const char *outbox_path; /* --outbox: the file; labels then hold every message sent */
    unsigned long long outbox_max_bytes;
} outcome_t;

static void label_free(label_t *l)
{
    free(l->msg_id);
    free(l->request_id);
    free(l);
}

/* Remember env's request id if it is a dispatch. Returns 0, or -1 out of memory. */
static int label_add(outcome_t *o, const Hcbus__Envelope *env)
{
    bool dispatch = env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH;
    if (!dispatch && !o->outbox_path)
        return 0;
    label_t *l = calloc(1, sizeof *l);
    if (!l || !(l->msg_id = strdup(env->msg_id)) ||
        (dispatch && !(l->request_id = strdup(env->dispatch->request_id)))) {
        if (l)
            label_free(l);
        return -1;
    }
    l->next = o->labels;
    o->labels = l;
    return 0;
}

/* Take the label of msg_id out of the list (NULL if none): the caller frees it. */
static label_t *label_take(outcome_t *o, const char *msg_id)
{
    for (label_t **p = &o->labels; *p; p = &(*p)->next)
        if (strcmp((*p)->msg_id, msg_id) == 0) {
            label_t *l = *p;
            *p = l->next;
            return l;
        }
    return NULL;
}

static void labels_free(outcome_t *o)
{
    while (o->labels) {
        label_t *l = o->labels;
        o->labels = l->next;
        label_free(l);
    }
}

/* --json's answers, one object per line: {"msg_id", "seq", "duplicate"} once recorded,
 * {"msg_id", "error": {"code", "field", "message", "hint"}} when refused, {"line",
 * "error"} for a line of stdin that is no Envelope (docs/protocol.md, "hcbus publish
 * --json"). */
static void print_answer_json(const outcome_t *o, const char *msg_id, const label_t *label, unsigned line,
                              uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    json_t *obj = json_object();
    if (msg_id)
        json_object_set_new(obj, "msg_id", json_string(msg_id));
    else
        json_object_set_new(obj, "line", json_integer(line));
    if (err)
        json_object_set_new(obj, "error", json_pack("{s:s, s:s, s:s, s:s}", "code", hcbus_code_name(err->code),
                                                    "field", err->field, "message", err->message, "hint", err->hint));
    else {
        json_object_set_new(obj, "seq", json_integer((json_int_t)seq));
        json_object_set_new(obj, "duplicate", json_boolean(duplicate));
        if (label && label->request_id)
            json_object_set_new(obj, "request_id", json_string(label->request_id));
        if (o && o->pub && o->endpoint_list) /* the broker of the list that recorded it */
            json_object_set_new(obj, "endpoint", json_string(hcbus_publisher_endpoint(o->pub)));
    }
    print_json_object(obj, stdout);
    json_decref(obj);
}

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate,
                       const hcbus_error_t *err)
{
    outcome_t *o = arg;
    uint64_t switches = hcbus_publisher_switches(o->pub);
    if (switches != o->switches_shown) { /* decision 0038: say where the messages go now */
        char shown[512];
        fprintf(stderr, _("hcbus publish: switched to the broker at %s\n"),
                hcbus_text_escape(hcbus_publisher_endpoint(o->pub), HCBUS_TEXT_QUOTED, shown, sizeof shown));
        o->switches_shown = switches;
    }
    if (o->json) {
        label_t *label = label_take(o, msg_id);
        print_answer_json(o, msg_id, label, 0, seq, duplicate, err);
        if (err)
            o->refused++;
        else
            o->confirmed++;
        if (label)
            label_free(label);
        return;
    }
    char shown[HCBUS_MSG_ID_MAX * 4 + 8];
    label_t *label = label_take(o, msg_id);
    hcbus_text_escape(msg_id, HCBUS_TEXT_QUOTED, shown, sizeof shown);
    if (err) {
        o->refused++;
        fprintf(stderr, "refused msg_id=%s\n", shown); /* scripts match these three lines */
        print_error(CMD, err);
    } else {
        o->confirmed++;
        o->last_seq = seq;
        o->last_duplicate = duplicate;
        printf("published seq=%llu msg_id=%s%s\n", (unsigned long long)seq, shown,
               duplicate ? " duplicate" : "");
        if (label && label->request_id) {
            hcbus_text_escape(label->request_id, HCBUS_TEXT_QUOTED, shown, sizeof shown);
            printf("request id: %s (status updates name it: --request-id %s)\n", shown, shown);
        }
        fflush(stdout);
    }
    if (label)
        label_free(label);
}

static void help(const pub_kind_t *kind)
{
    if (!kind) {
        printf(_("usage: hcbus publish KIND [flags]   publish one message built from flags\n"
               "       hcbus publish --json         publish one JSON Envelope per stdin line\n"
               "                                    (answers one JSON object per message)\n"
               "kinds:\n"));
        for (const pub_kind_t *k = pub_kinds; k->name; k++)
            printf(_("  %-14s %s (hcbus publish %s --help)\n"), k->name, _(k->what), k->name);
    } else {
        printf(_("usage: hcbus publish %s [flags]: %s\n"), kind->name, _(kind->what));
        pub_kind_help(kind, stdout);
    }
    printf("%s", _("message:\n"));
    printf(_("  --msg-id ID                  the idempotency key (default: a new id)\n"
           "  --json                       read JSON Envelopes from stdin instead\n"));
    printf(_("  --outbox[=FILE]              keep each message in an outbox file (synced to disk)\n"
             "                               until the broker records it, and send what waits\n"
             "                               there first: for a field unit on a poor link. Waits\n"
             "                               3 s (30 s with --link field; or --timeout-ms) for\n"
             "                               the answer, else prints\n"
             "                               \"queued msg_id=ID\" and exits 0; no coordinator\n"
             "                               verdict is awaited. FILE: default $HCBUS_OUTBOX,\n"
             "                               else $XDG_STATE_HOME/hcbus/outbox, else\n"
             "                               ~/.local/state/hcbus/outbox (see hcbus outbox)\n"
             "  --outbox-max-bytes N         the outbox's bound (default 67108864)\n"));
    if (kind && kind->verdict)
        printf(_("  --verdict-wait SECONDS       wait this long for hcbus-coordinator's verdict\n"
               "                               (default %d; 0 = do not wait)\n"
               "  --subscribe-endpoint URL     where to read it (env HCBUS_SUBSCRIBE_ENDPOINT;\n"
               "                               default tcp://127.0.0.1:7702)\n"),
               VERDICT_WAIT_S_DEFAULT);
    printf("%s", _("connection:\n"));
    printf("%s%s",
           _(CONN_HELP),
           _("Prints \"published seq=N msg_id=ID\" (\" duplicate\" if recorded before)"));
    if (!kind || strcmp(kind->name, "dispatch") == 0)
        printf(_(";\nfor a dispatch also \"request id: ID\", the id its status updates name"));
    printf(".\n");
    if (kind && kind->verdict)
        printf(_("Then waits for the coordinator's notice about that seq and prints\n"
               "\"coordinator: counted\", \"coordinator: REFUSED (<rule>): <reason>\" (recorded,\n"
               "but not counted in the request's timeline) or \"coordinator: no verdict\" (it\n"
               "did not answer in time; the message is recorded all the same).\n"
               "Exit: 0 ok (counted, or no verdict in time); 1 refused by the broker, bad\n"
               "input, or REFUSED by the coordinator; 2 usage; 3 broker unreachable;\n"
               "4 internal.\n"));
    else
        printf(_("Exit: 0 ok, 1 refused or bad input, 2 usage, 3 broker unreachable, 4 internal.\n"));
    printf("%s", _("Every error of the command line is reported at once: exit 2 when a flag\n"
                   "is unknown or lacks its value, else 1.\n"));
    char command[64];
    snprintf(command, sizeof command, "publish%s%s", kind ? " " : "", kind ? kind->name : "");
    examples_print(command, stdout);
}

/* --outbox, when the broker did not answer in time: every message of this run still
 * unanswered (its label) is queued in the file, and says so. */
static void print_queued(const outcome_t *o, size_t waiting)
{
    char path[512], shown[HCBUS_MSG_ID_MAX * 4 + 8];
    hcbus_text_escape(o->outbox_path, HCBUS_TEXT_QUOTED, path, sizeof path);
    size_t n = 0; /* the labels are newest first: print them in the order sent */
    for (const label_t *l = o->labels; l; l = l->next)
        n++;
    const label_t **in_order = malloc((n ? n : 1) * sizeof *in_order);
    if (!in_order) {
        fprintf(stderr, _("hcbus publish: out of memory\n"));
        return;
    }
    for (const label_t *l = o->labels; l; l = l->next)
        in_order[--n] = l;
    for (const label_t *l = o->labels; l; l = l->next)
        n++;
    for (size_t i = 0; i < n; i++) {
        const label_t *l = in_order[i];
        if (o->json) {
            json_t *obj = json_pack("{s:s, s:b, s:I, s:s}", "msg_id", l->msg_id, "queued", 1,
                                    "waiting", (json_int_t)waiting, "outbox", o->outbox_path);
            print_json_object(obj, stdout);
            json_decref(obj);
            continue;
        }
        /* "queued msg_id=ID" stays as is for scripts, as "published seq=N" does. */
        printf("queued msg_id=%s", hcbus_text_escape(l->msg_id, HCBUS_TEXT_QUOTED, shown, sizeof shown));
        printf(_(" (not yet recorded: no answer from the broker; %zu waiting in %s, sent "
                 "again by the next publish --outbox or hcbus outbox flush)\n"),
               waiting, path);
    }
    free(in_order);
    fflush(stdout);
}

/* Connect, send every Envelope from next_env, and wait for the broker's answers. */
typedef Hcbus__Envelope *next_env_fn(void *arg, int *bad);

/* Give env a msg_id now (as hcbus_publisher_send would), so that its label is known
 * before the broker can answer. */
static int ensure_msg_id(Hcbus__Envelope *env)
{
    if (env->msg_id && env->msg_id[0])
        return 0;
    char id[HCBUS_ID_MAX];
    char *copy = strdup(hcbus_new_id(id, sizeof id));
    if (!copy)
        return -1;
    if (env->msg_id && env->msg_id != protobuf_c_empty_string)
        free(env->msg_id);
    env->msg_id = copy;
    return 0;
}

static int send_one(hcbus_publisher_t *pub, Hcbus__Envelope *env, const cli_conn_t *conn,
                    outcome_t *o, int *bad)
{
    hcbus_error_t err;
    if (ensure_msg_id(env) != 0 || label_add(o, env) != 0) {
        fprintf(stderr, _("hcbus publish: out of memory\n"));
        return EXIT_INTERNAL;
    }
    if (hcbus_publisher_send(pub, env, conn->timeout_ms, &err) == 0)
        return 0;
    label_t *label = label_take(o, env->msg_id);
    if (label)
        label_free(label);
    print_error(CMD, &err);
    if (o->json)
        print_answer_json(o, env->msg_id, NULL, 0, 0, false, &err);
    if (err.code != HCBUS_EINVALID)
        return exit_code_for(&err);
    *bad = 1; /* this one is refused; the others may still go */
    return 0;
}

static int run(const cli_conn_t *conn, next_env_fn *next_env, void *arg, outcome_t *o)
{
    hcbus_client_options_t options;
    int rc = conn_options(CMD, conn, &options);
    if (rc != 0)
        return rc;
    options.outbox_path = o->outbox_path;
    options.outbox_max_bytes = o->outbox_max_bytes;
    hcbus_error_t err;
    hcbus_publisher_t *pub = hcbus_publisher_new(&options, on_confirm, o, &err);
    if (!pub) {
        print_error(CMD, &err);
        return exit_code_for(&err);
    }
    o->pub = pub;
    o->endpoint_list = strchr(options.endpoint, ',') != NULL;
    if (o->outbox_path)
        outbox_file_report(CMD, hcbus_publisher_outbox(pub));
    int wait_ms = conn->timeout_ms;
    if (o->outbox_path && !conn->timeout_given)
        wait_ms = conn->link && strcmp(conn->link, "field") == 0 ? OUTBOX_WAIT_FIELD_MS : OUTBOX_WAIT_MS;
    int bad = 0;
    Hcbus__Envelope *env;
    while (rc == 0 && (env = next_env(arg, &bad)) != NULL) {
        rc = send_one(pub, env, conn, o, &bad);
        hcbus_envelope_free(env);
    }
    /* With an outbox, what was queued before an error (a full outbox) is still sent and
     * answered, published or queued. */
    if ((rc == 0 || o->outbox_path) && hcbus_publisher_flush(pub, wait_ms, &err) != 0) {
        if (o->outbox_path && err.code == HCBUS_ETIMEOUT)
            print_queued(o, hcbus_outbox_waiting(hcbus_publisher_outbox(pub)));
        else if (rc == 0) {
            print_error(CMD, &err);
            rc = exit_code_for(&err);
        }
    }
    hcbus_publisher_destroy(&pub);
    o->pub = NULL;
    labels_free(o);
    if (rc == 0 && (o->refused || bad))
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
        print_answer_json(NULL, NULL, NULL, src->lineno, 0, false, &err);
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

/* What the flags say beside the message itself. */
typedef struct pub_args {
    bool json;
    long verdict_wait_s;
    const char *subscribe_endpoint; /* NULL: the environment's or the default */
    bool outbox;                    /* --outbox[=FILE] */
    const char *outbox_file;        /* its FILE, NULL for the default */
    unsigned long long outbox_max_bytes;
} pub_args_t;

/* A new request id starts "req-" so that, printed beside the msg_id (also a new id,
 * made in the same millisecond), it is not mistaken for it. */
#define REQUEST_ID_PREFIX "req-"

static int set_flag(Hcbus__Envelope *env, const char *flag, const char *path, const char *text)
{
    char id[HCBUS_ID_MAX], request_id[sizeof REQUEST_ID_PREFIX + HCBUS_ID_MAX];
    if (strcmp(text, "new-id") == 0)
        text = hcbus_new_id(id, sizeof id);
    else if (strcmp(text, "new-request-id") == 0) {
        hcbus_new_id(id, sizeof id);
        snprintf(request_id, sizeof request_id, "%s%s", REQUEST_ID_PREFIX, id);
        text = request_id;
    }
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
        {"outbox", optional_argument, NULL, 0}, {"outbox-max-bytes", required_argument, NULL, 0},
        {"help", no_argument, NULL, 'h'}, CONN_LONG_OPTIONS};
    static const struct option verdict[] = {
        {"verdict-wait", required_argument, NULL, 0},
        {"subscribe-endpoint", required_argument, NULL, 0}};
    int n = 0;
    for (const pub_flag_t *fl = kind ? kind->flags : NULL; fl && fl->flag; fl++) {
        const ProtobufCFieldDescriptor *f = field_lookup(&hcbus__envelope__descriptor, fl->path);
        bool is_bool = f && f->type == PROTOBUF_C_TYPE_BOOL;
        opts[n++] = (struct option){fl->flag, is_bool ? no_argument : required_argument, NULL, 0};
    }
    int n_kind = n;
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        opts[n++] = common[i];
    for (size_t i = 0; kind && kind->verdict && i < sizeof verdict / sizeof verdict[0]; i++)
        opts[n++] = verdict[i];
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

/* A flag that is not a field nor a connection flag. Returns 0 or an exit code. */
static int take_own_flag(const char *name, const char *value, Hcbus__Envelope *env,
                         pub_args_t *args)
{
    if (strcmp(name, "json") == 0)
        args->json = true;
    else if (strcmp(name, "msg-id") == 0)
        return set_flag(env, name, "msg_id", value);
    else if (strcmp(name, "verdict-wait") == 0)
        return parse_count(CMD, "--verdict-wait", value, VERDICT_WAIT_S_MAX, &args->verdict_wait_s)
                   ? EXIT_USAGE
                   : 0;
    else if (strcmp(name, "subscribe-endpoint") == 0)
        args->subscribe_endpoint = value;
    else if (strcmp(name, "outbox") == 0) {
        args->outbox = true;
        args->outbox_file = value;
    } else if (strcmp(name, "outbox-max-bytes") == 0)
        return outbox_file_max_bytes(CMD, value, &args->outbox_max_bytes);
    return 0;
}

/* The errors of one command line, all reported before the command gives up: a usage
 * error (unknown flag, missing value, stray argument) makes it exit 2, else a bad value
 * or a missing required flag exits 1. */
typedef struct parse_errors {
    int usage;
    int refused;
} parse_errors_t;

static void count_error(parse_errors_t *e, int rc)
{
    if (rc == EXIT_USAGE)
        e->usage++;
    else if (rc != 0)
        e->refused++;
}

/* Name every required flag of kind that argv did not give (given[i] for flag i). */
static void missing_required(const pub_kind_t *kind, const bool *given, parse_errors_t *e)
{
    for (int i = 0; kind->flags[i].flag; i++) {
        if (!kind->flags[i].required || given[i])
            continue;
        fprintf(stderr, _("hcbus publish %s: the required flag --%s is missing (%s)\n"),
                kind->name, kind->flags[i].flag, _(kind->flags[i].what));
        e->refused++;
    }
}

/* Apply argv's flags to env, conn and args, reporting every error of argv before
 * returning. Returns 0, -1 after --help, or an exit code. */
static int parse(int argc, char **argv, const pub_kind_t *kind, Hcbus__Envelope *env,
                 cli_conn_t *conn, pub_args_t *args)
{
    struct option opts[LONG_OPTIONS_MAX];
    bool given[LONG_OPTIONS_MAX] = {false};
    int n_kind = build_options(kind, opts);
    int c, index;
    parse_errors_t errors = {0, 0};
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help(kind);
            return -1;
        }
        if (c != 0) {
            count_error(&errors, bad_flag(CMD, argv));
            continue;
        }
        const char *name = opts[index].name;
        /* --outbox FILE as well as --outbox=FILE: publish takes no other argument. */
        if (strcmp(name, "outbox") == 0 && !optarg && optind < argc && argv[optind][0] != '-')
            optarg = argv[optind++];
        int rc = conn_flag_take(CMD, conn, name, optarg);
        if (rc != 0) {
            count_error(&errors, rc < 0 ? EXIT_USAGE : 0);
            continue;
        }
        if (index < n_kind) {
            given[index] = true;
            rc = set_flag(env, name, kind->flags[index].path, optarg ? optarg : "true");
        } else
            rc = take_own_flag(name, optarg, env, args);
        count_error(&errors, rc);
    }
    for (int i = optind; i < argc; i++)
        count_error(&errors, usage_error(CMD, _("unexpected argument '%s'"), argv[i]));
    if (kind && !args->json)
        missing_required(kind, given, &errors);
    if (errors.usage + errors.refused > 1)
        fprintf(stderr, _("hcbus publish: %d errors; nothing was published\n"),
                errors.usage + errors.refused);
    return errors.usage ? EXIT_USAGE : errors.refused ? EXIT_REFUSED : 0;
}

/* The zone a status or escort status is about ("" for another body). */
static const char *verdict_zone(const Hcbus__Envelope *env)
{
    if (env->body_case == HCBUS__ENVELOPE__BODY_STATUS)
        return env->status->zone_id;
    if (env->body_case == HCBUS__ENVELOPE__BODY_ESCORT_STATUS)
        return env->escort_status->zone_id;
    return "";
}

/* Listen for the coordinator's notices before publishing env, unless the wait is off
 * or env will not go anyway (the publish then says why, once). */
static verdict_waiter_t *open_waiter(const Hcbus__Envelope *env, const cli_conn_t *conn,
                                     const pub_args_t *args)
{
    hcbus_error_t err;
    if (args->verdict_wait_s == 0 || hcbus_envelope_validate(env, NULL, &err) != 0)
        return NULL;
    cli_conn_t sub;
    conn_defaults(&sub, false);
    if (args->subscribe_endpoint)
        sub.endpoint = args->subscribe_endpoint;
    sub.broker_key_file = conn->broker_key_file;
    sub.key_file = conn->key_file;
    sub.timeout_ms = conn->timeout_ms;
    sub.timeout_given = conn->timeout_given;
    return verdict_waiter_new(&sub, verdict_zone(env));
}

/* Publish the one message built from flags; for a verdict kind, wait for its verdict. */
static int publish_one(const pub_kind_t *kind, Hcbus__Envelope *env, const cli_conn_t *conn,
                       const pub_args_t *args, const char *outbox_path)
{
    /* With --outbox the verdict is not awaited: the message may only be queued. */
    verdict_waiter_t *waiter = kind->verdict && !outbox_path ? open_waiter(env, conn, args) : NULL;
    outcome_t o = {.outbox_path = outbox_path, .outbox_max_bytes = args->outbox_max_bytes};
    one_env_t one = {env};
    int rc = run(conn, next_one, &one, &o);
    hcbus_envelope_free(one.env); /* NULL unless run stopped before taking it */
    if (rc == EXIT_OK && waiter && o.confirmed == 1)
        rc = verdict_waiter_wait(waiter, o.last_seq, o.last_duplicate, args->verdict_wait_s);
    verdict_waiter_destroy(&waiter);
    return rc;
}

static int unknown_kind(const char *name)
{
    char names[256] = "";
    for (const pub_kind_t *k = pub_kinds; k->name; k++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 k == pub_kinds ? "" : ", ", k->name);
    const char *kinds[sizeof names];
    size_t n = 0;
    for (const pub_kind_t *k = pub_kinds; k->name; k++)
        kinds[n++] = k->name;
    char shown[64], near[160];
    suggest_among(name, kinds, n, near, sizeof near);
    return usage_error(CMD, _("kind '%s' is not one of %s%s"),
                       hcbus_text_escape(name, HCBUS_TEXT_PLAIN, shown, sizeof shown), names, near);
}

/* `hcbus publish --outbox zone ...`: the kind was given, but after a flag, where it is
 * read as a stray argument; say where it goes. */
static void hint_kind_first(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const pub_kind_t *later = argv[i][0] != '-' ? pub_kind_find(argv[i]) : NULL;
        if (later) {
            fprintf(stderr, _("hcbus publish: the kind comes first, before every flag: hcbus publish %s --...\n"),
                    later->name);
            return;
        }
    }
}

int cmd_publish(int argc, char **argv)
{
    const pub_kind_t *kind = argc > 1 ? pub_kind_find(argv[1]) : NULL;
    if (argc > 1 && argv[1][0] != '-' && !kind)
        return unknown_kind(argv[1]);
    if (kind) {
        argc--;
        argv++;
    }
    Hcbus__Envelope *env = new_envelope(kind);
    if (!env)
        return EXIT_REFUSED;
    cli_conn_t conn;
    conn_defaults(&conn, true);
    pub_args_t args = {false, VERDICT_WAIT_S_DEFAULT, NULL, false, NULL, 0};
    int rc = parse(argc, argv, kind, env, &conn, &args);
    char outbox_path[HCBUS_OUTBOX_PATH_MAX];
    if (rc == 0 && args.outbox)
        rc = outbox_file_path(CMD, args.outbox_file, true, outbox_path, sizeof outbox_path);
    if (rc == 0 && args.json == (kind != NULL))
        rc = usage_error(CMD, "%s", kind ? _("--json takes no kind") : _("give a kind or --json"));
    if (rc > 0 && !kind)
        hint_kind_first(argc, argv);
    if (rc != 0) {
        hcbus_envelope_free(env);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (kind)
        return publish_one(kind, env, &conn, &args, args.outbox ? outbox_path : NULL);
    hcbus_envelope_free(env);
    errors_name_flags(false); /* JSON lines name the fields themselves */
    json_source_t src = {NULL, 0, 0};
    outcome_t o = {.json = true, .outbox_path = args.outbox ? outbox_path : NULL,
                   .outbox_max_bytes = args.outbox_max_bytes};
    rc = run(&conn, next_json, &src, &o);
    free(src.line);
    return rc;
}
