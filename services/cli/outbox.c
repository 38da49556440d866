/* outbox.c — `hcbus outbox show|flush [FILE]`: what waits in a field unit's outbox (the
 * file `hcbus publish --outbox` queues into, hcbus/outbox.h), and sending it. show reads
 * the file without taking it (a running publisher may hold it); flush opens a publisher
 * on it, which sends every waiting message with its msg_id, and waits for the answers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "callout.h"
#include "commands.h"
#include "common.h"
#include "examples.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/outbox.h"
#include "hcbus/text.h"
#include "hcbus/topic.h"
#include "hcbus/validate.h"
#include "outbox_file.h"
#include "print.h"
#include "view_text.h"

#define CMD "outbox"
#define FLUSH_TIMEOUT_S_MAX 86400
#define FLUSH_SLICE_MS 250 /* how often a flush looks whether a publish waits for the outbox */
#define WANT_POLL_MS 20     /* then how often it looks whether that publish has it */

static void help(void)
{
    printf("%s", _("usage: hcbus outbox show [FILE] [--json]\n"
                   "       hcbus outbox flush [FILE] [--timeout SECONDS] [connection flags]\n"
                   "The messages `hcbus publish --outbox` queued and the broker has not recorded\n"
                   "yet. FILE: default $HCBUS_OUTBOX, else $XDG_STATE_HOME/hcbus/outbox, else\n"
                   "~/.local/state/hcbus/outbox.\n"
                   "subcommands:\n"
                   "  show     list the waiting messages: msg_id, kind, topic, the unit's time,\n"
                   "           how long ago it was queued, how many sessions sent it\n"
                   "  flush    send them (same msg_id: recorded once) and wait for the answers\n"
                   "flags:\n"
                   "  --json                 show: one JSON object\n"
                   "  --timeout SECONDS      flush: how long to wait (default 10)\n"
                   "  --outbox-max-bytes N   flush: the file's bound (default 67108864)\n"
                   "connection (flush):\n"));
    printf("%s", _(CONN_HELP));
    printf("%s", _("Exit: 0 nothing left waiting; 1 a message refused for good (it leaves the\n"
                   "outbox: the error says why), or bad input; 2 usage; 3 messages still waiting\n"
                   "(no broker answered in time: flush again later); 4 internal.\n"));
    examples_print("outbox", stdout);
}

/* ---- show ------------------------------------------------------------------------- */

/* The unit's own time of a message: a status's or escort status's at_us, an alert's
 * occurred_at_us; else when it was built (sent_at_us). */
static int64_t unit_time_us(const Hcbus__Envelope *env)
{
    if (env->body_case == HCBUS__ENVELOPE__BODY_STATUS && env->status->at_us)
        return env->status->at_us;
    if (env->body_case == HCBUS__ENVELOPE__BODY_ESCORT_STATUS && env->escort_status->at_us)
        return env->escort_status->at_us;
    if (env->body_case == HCBUS__ENVELOPE__BODY_ALERT && env->alert->occurred_at_us)
        return env->alert->occurred_at_us;
    return env->sent_at_us;
}

typedef struct row {
    const char *kind;
    char topic[160];
    int64_t unit_us;
} row_t;

/* Read what the show prints of waiting message i. Returns 0 or -1 with err. */
static int row_of(hcbus_outbox_t *ob, size_t i, hcbus_outbox_entry_t *e, row_t *r,
                  hcbus_error_t *err)
{
    uint8_t *bytes = NULL;
    if (hcbus_outbox_entry(ob, i, e, &bytes, err) != 0)
        return -1;
    Hcbus__Envelope *env = hcbus_envelope_decode(bytes, e->envelope_len, 0, err);
    free(bytes);
    if (!env)
        return -1;
    hcbus_kind_t kind = (hcbus_kind_t)hcbus_envelope_kind(env);
    r->kind = hcbus_kind_name(kind);
    const char *zone = hcbus_envelope_zone(env);
    if (!zone || hcbus_topic_build(kind, zone, r->topic, sizeof r->topic, NULL) != 0)
        snprintf(r->topic, sizeof r->topic, "-");
    r->unit_us = unit_time_us(env);
    hcbus_envelope_free(env);
    return 0;
}

static int show_json(hcbus_outbox_t *ob)
{
    json_t *list = json_array();
    int64_t now = hcbus_now_us();
    for (size_t i = 0; i < hcbus_outbox_waiting(ob); i++) {
        hcbus_outbox_entry_t e;
        row_t r;
        hcbus_error_t err;
        if (row_of(ob, i, &e, &r, &err) != 0) {
            json_decref(list);
            print_error(CMD, &err);
            return exit_code_for(&err);
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:i}", "msg_id", e.msg_id,
                                              "kind", r.kind, "topic", r.topic,
                                              "unit_time_us", (json_int_t)r.unit_us,
                                              "queued_at_us", (json_int_t)e.queued_at_us,
                                              "age_s", (json_int_t)((now - e.queued_at_us) / 1000000),
                                              "attempts", (int)e.attempts));
    }
    json_t *obj = json_object();
    json_object_set_new(obj, "outbox", json_string(hcbus_outbox_path(ob)));
    json_object_set_new(obj, "bytes", json_integer((json_int_t)hcbus_outbox_bytes(ob)));
    json_object_set_new(obj, "waiting", json_integer((json_int_t)hcbus_outbox_waiting(ob)));
    json_object_set_new(obj, "messages", list);
    print_json_object(obj, stdout);
    json_decref(obj);
    return EXIT_OK;
}

static int show_text(hcbus_outbox_t *ob)
{
    char path[512];
    hcbus_text_escape(hcbus_outbox_path(ob), HCBUS_TEXT_QUOTED, path, sizeof path);
    size_t n = hcbus_outbox_waiting(ob);
    printf(P_("%zu message waiting in %s (%llu bytes)\n", "%zu messages waiting in %s (%llu bytes)\n", n),
           n, path, (unsigned long long)hcbus_outbox_bytes(ob));
    if (n == 0)
        return EXIT_OK;
    const int w_id = 28, w_kind = 14, w_topic = 44, w_time = 27, w_age = 11;
    view_padded(stdout, _("MSG_ID"), w_id);
    view_padded(stdout, _("KIND"), w_kind);
    view_padded(stdout, _("TOPIC"), w_topic);
    view_padded(stdout, _("UNIT TIME"), w_time);
    view_padded(stdout, _("AGE"), w_age);
    printf("%s\n", _("ATTEMPTS"));
    int64_t now = hcbus_now_us();
    for (size_t i = 0; i < n; i++) {
        hcbus_outbox_entry_t e;
        row_t r;
        hcbus_error_t err;
        if (row_of(ob, i, &e, &r, &err) != 0) {
            print_error(CMD, &err);
            return exit_code_for(&err);
        }
        char t[HCBUS_TIME_TEXT_MAX], age[CALLOUT_DURATION_TEXT_MAX];
        view_padded(stdout, e.msg_id, w_id);
        view_padded(stdout, r.kind, w_kind);
        view_padded(stdout, r.topic, w_topic);
        view_padded(stdout, view_time(r.unit_us, t, sizeof t), w_time);
        view_padded(stdout, callout_duration_text(now - e.queued_at_us, age, sizeof age), w_age);
        printf("%u\n", e.attempts);
    }
    return EXIT_OK;
}

static int show(const char *path, bool json)
{
    if (access(path, F_OK) != 0) {
        char shown[512];
        hcbus_text_escape(path, HCBUS_TEXT_QUOTED, shown, sizeof shown);
        if (json) {
            json_t *obj = json_pack("{s:s, s:i, s:i, s:[]}", "outbox", path, "bytes", 0,
                                    "waiting", 0, "messages");
            print_json_object(obj, stdout);
            json_decref(obj);
        } else
            printf(_("0 messages waiting: there is no outbox at %s\n"), shown);
        return EXIT_OK;
    }
    hcbus_error_t err;
    hcbus_outbox_t *ob = hcbus_outbox_open(path, 0, HCBUS_OUTBOX_READONLY, NULL, &err);
    if (!ob) {
        print_error(CMD, &err);
        return exit_code_for(&err);
    }
    outbox_file_report(CMD " show", ob);
    int rc = json ? show_json(ob) : show_text(ob);
    hcbus_outbox_close(&ob);
    return rc;
}

/* ---- flush ------------------------------------------------------------------------- */

typedef struct tally {
    unsigned recorded, refused;
} tally_t;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate,
                       const hcbus_error_t *err)
{
    tally_t *t = arg;
    char shown[HCBUS_MSG_ID_MAX * 4 + 8];
    hcbus_text_escape(msg_id, HCBUS_TEXT_QUOTED, shown, sizeof shown);
    if (err) {
        t->refused++;
        fprintf(stderr, "refused msg_id=%s\n", shown);
        print_error(CMD, err);
        return;
    }
    t->recorded++;
    printf("published seq=%llu msg_id=%s%s\n", (unsigned long long)seq, shown,
           duplicate ? " duplicate" : "");
    fflush(stdout);
}

/* Open the publisher on the outbox; while another process holds it, try again until
 * the deadline. NULL with err. */
static hcbus_publisher_t *open_until(const hcbus_client_options_t *options, tally_t *t,
                                     int64_t deadline, hcbus_error_t *err)
{
    for (;;) {
        hcbus_publisher_t *pub = hcbus_publisher_new(options, on_confirm, t, err);
        /* "in use by another process (pid N)": the lock's refusal, in either language */
        if (pub || err->code != HCBUS_EIO || !strstr(err->message, "(pid ") ||
            hcbus_monotonic_ms() >= deadline)
            return pub;
    }
}

/* Send in slices of FLUSH_SLICE_MS; when a user's publish waits for the outbox, close
 * it (what is unanswered stays in the file) and open it again once the publish is
 * done, so a flush never makes a publish fail. Returns 0 or -1 with err (the last
 * cause when time ran out). *left is what still waits. */
static int flush_yielding(const hcbus_client_options_t *options, tally_t *t, int timeout_ms,
                          size_t *left, hcbus_error_t *err)
{
    int64_t deadline = hcbus_monotonic_ms() + timeout_ms;
    hcbus_publisher_t *pub = hcbus_publisher_new(options, on_confirm, t, err);
    if (!pub)
        return -1;
    outbox_file_report(CMD " flush", hcbus_publisher_outbox(pub));
    int rc = 0;
    for (;;) {
        int64_t remaining = deadline - hcbus_monotonic_ms();
        int slice = remaining < FLUSH_SLICE_MS ? (int)(remaining > 0 ? remaining : 0) : FLUSH_SLICE_MS;
        rc = hcbus_publisher_flush(pub, slice, err);
        if (rc == 0 || err->code != HCBUS_ETIMEOUT || remaining <= FLUSH_SLICE_MS)
            break;
        if (!hcbus_outbox_wanted(options->outbox_path))
            continue;
        hcbus_publisher_destroy(&pub);
        while (hcbus_outbox_wanted(options->outbox_path) && hcbus_monotonic_ms() < deadline) {
            struct timespec ts = {0, WANT_POLL_MS * 1000000L};
            nanosleep(&ts, NULL); /* until the other process has the outbox */
        }
        pub = open_until(options, t, deadline, err);
        if (!pub) {
            *left = 0;
            return -1;
        }
    }
    *left = hcbus_outbox_waiting(hcbus_publisher_outbox(pub));
    hcbus_publisher_destroy(&pub);
    if (rc != 0 && err->code == HCBUS_ETIMEOUT) {
        /* the last slice's "N messages not sent after 250 ms: <cause>": say the whole wait */
        const char *cause = strstr(err->message, ": ");
        char why[HCBUS_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", cause ? cause + 2 : err->message);
        char hint[HCBUS_ERROR_HINT_MAX];
        snprintf(hint, sizeof hint, "%s", err->hint);
        hcbus_error_set(err, HCBUS_ETIMEOUT, NULL, _("%zu still waiting after %d s: %s"), *left,
                        timeout_ms / 1000, why);
        hcbus_error_hint(err, "%s", hint);
    }
    return rc;
}

static int flush(const char *path, const cli_conn_t *conn, long timeout_s,
                 unsigned long long max_bytes)
{
    hcbus_client_options_t options;
    int rc = conn_options(CMD, conn, &options);
    if (rc != 0)
        return rc;
    options.outbox_path = path;
    options.outbox_max_bytes = max_bytes;
    tally_t t = {0, 0};
    hcbus_error_t err;
    int timeout_ms = timeout_s >= 0 ? (int)timeout_s * 1000 : conn->timeout_ms;
    size_t left = 0;
    if (flush_yielding(&options, &t, timeout_ms, &left, &err) != 0) {
        print_error(CMD, &err);
        rc = exit_code_for(&err);
        if (t.recorded + t.refused == 0 && left == 0)
            return rc; /* not opened at all */
    }
    char shown[512];
    hcbus_text_escape(path, HCBUS_TEXT_QUOTED, shown, sizeof shown);
    printf(_("%u recorded, %u refused; %zu still waiting in %s\n"), t.recorded, t.refused, left,
           shown);
    if (rc == 0 && left > 0)
        rc = EXIT_UNREACHABLE;
    if (rc == 0 && t.refused > 0)
        rc = EXIT_REFUSED;
    return rc;
}

/* ---- the command ------------------------------------------------------------------ */

int cmd_outbox(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *sub = argv[1];
    bool is_show = strcmp(sub, "show") == 0, is_flush = strcmp(sub, "flush") == 0;
    if (!is_show && !is_flush) {
        const char *names[] = {"show", "flush"};
        char near[160], shown[128];
        suggest_among(sub, names, 2, near, sizeof near);
        return usage_error(CMD, _("unknown subcommand '%s' (show or flush)%s"),
                           hcbus_text_escape(sub, HCBUS_TEXT_PLAIN, shown, sizeof shown), near);
    }
    static const struct option opts[] = {
        {"json", no_argument, NULL, 0}, {"timeout", required_argument, NULL, 0},
        {"outbox-max-bytes", required_argument, NULL, 0}, {"help", no_argument, NULL, 'h'},
        CONN_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    cli_conn_t conn;
    conn_defaults(&conn, true);
    bool json = false;
    long timeout_s = -1;
    unsigned long long max_bytes = 0;
    const char *file = NULL;
    int c, index, errors = 0;
    argc--;
    argv++;
    opterr = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "h", opts, &index)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        }
        if (c != 0) {
            errors += bad_flag(CMD, argv) != 0;
            continue;
        }
        const char *name = opts[index].name;
        int rc = conn_flag_take(CMD, &conn, name, optarg);
        if (rc < 0)
            errors++;
        if (rc != 0)
            continue;
        if (strcmp(name, "json") == 0 && is_show)
            json = true;
        else if (strcmp(name, "timeout") == 0 && is_flush)
            errors += parse_count(CMD, "--timeout", optarg, FLUSH_TIMEOUT_S_MAX, &timeout_s) != 0;
        else if (strcmp(name, "outbox-max-bytes") == 0 && is_flush)
            errors += outbox_file_max_bytes(CMD, optarg, &max_bytes) != 0;
        else
            errors += usage_error(CMD, _("--%s is not a flag of outbox %s"), name, sub) != 0;
    }
    for (int i = optind; i < argc; i++) {
        if (!file)
            file = argv[i];
        else
            errors += usage_error(CMD, _("unexpected argument '%s'"), argv[i]) != 0;
    }
    if (errors)
        return EXIT_USAGE;
    char path[HCBUS_OUTBOX_PATH_MAX];
    int rc = outbox_file_path(CMD, file, is_flush, path, sizeof path);
    if (rc != 0)
        return rc;
    if (is_show)
        return show(path, json);
    if (access(path, F_OK) != 0) {
        char shown[512];
        printf(_("0 messages waiting: there is no outbox at %s\n"),
               hcbus_text_escape(path, HCBUS_TEXT_QUOTED, shown, sizeof shown));
        return EXIT_OK;
    }
    return flush(path, &conn, timeout_s, max_bytes);
}
