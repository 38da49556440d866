/* webform_pipeline.c — drives hcbus-report's pipeline library (services/report/pipeline)
 * without the web layer, for tests/integration/test_webform_pipeline.sh.
 *   webform_pipeline serve  [common]   start the pipeline; read commands on stdin, one a
 *                                      line, answer on stdout:
 *       submit ZONE ACT [PHOTOS] [TEXT]  (ACT: ACT_THREAT...) -> "submitted RECEIPT BEFORE_US" (BEFORE_US: the
 *                                          clock just before pipeline_submit) or
 *                                          "refused CODE FIELD"
 *       queued                          -> "queued N"
 *       open RECEIPT                    -> "opened QUESTIONS", "none" or "refused CODE FIELD"; then
 *                                          "pending QID SECONDS ANSWER" for each answer waiting
 *                                          for its release
 *       answer RECEIPT QID TEXT         -> "answered QID" or "refused CODE FIELD: MESSAGE"
 *     SIGTERM or SIGINT: pipeline_stop (--stop-timeout MS, default 10000), then
 *     "stopped unsent=N", exit 0.
 *   webform_pipeline open RECEIPT [common]            -> "none", or "report ALERT_ID ZONE
 *       ACT DAY PHOTOS" then "question ID ASKED_ON ANSWERED_ON|- TEXT [| ANSWER]" each
 *   webform_pipeline answer RECEIPT QID TEXT [common] -> "answered" or "refused CODE
 *       FIELD: MESSAGE" (the answer is held for its delay; the stop, --stop-timeout,
 *       writes it)
 * Common: --config FILE (the bus's; its report section if it has one) --secret FILE
 * (32 bytes) and, overriding the config: --conninfo C --institution ID --key FILE
 * --broker-key FILE --delay-min S --delay-max S --queue-max N --hash-kib N
 * --stop-timeout MS. */
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hcbus/clock.h"
#include "hcbus/config.h"
#include "hcbus/log.h"
#include "hcbus.pb-c.h"
#include "pipeline.h"

#define STOP_TIMEOUT_MS_DEFAULT 10000
#define LINE_MAX_BYTES 4096

typedef struct {
    hcbus_config_t *cfg;
    unsigned char secret[32];
    int stop_timeout_ms;
} setup_t;

static int usage(void)
{
    fprintf(stderr, "usage: webform_pipeline serve|open RECEIPT|answer RECEIPT QID TEXT --config FILE "
                    "--secret FILE [--conninfo C] [--institution ID] [--key FILE] [--broker-key FILE] "
                    "[--delay-min S] [--delay-max S] [--queue-max N] [--hash-kib N] [--stop-timeout MS]\n");
    return 2;
}

static int read_secret(const char *path, unsigned char secret[32])
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(secret, 1, 32, f) : 0;
    if (f)
        fclose(f);
    if (n != 32) {
        fprintf(stderr, "webform_pipeline: %s: not 32 bytes\n", path);
        return -1;
    }
    return 0;
}

/* Load the config and fill its report section from the options (defaults for a test). */
static int setup(int argc, char **argv, setup_t *s)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},     {"secret", required_argument, NULL, 's'},
        {"conninfo", required_argument, NULL, 'd'},   {"institution", required_argument, NULL, 'i'},
        {"key", required_argument, NULL, 'k'},        {"broker-key", required_argument, NULL, 'b'},
        {"delay-min", required_argument, NULL, 'm'},  {"delay-max", required_argument, NULL, 'M'},
        {"queue-max", required_argument, NULL, 'q'},  {"hash-kib", required_argument, NULL, 'h'},
        {"stop-timeout", required_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
    const char *config = NULL, *secret = NULL;
    const char *opt[128] = {0};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == '?')
            return usage();
        if (c == 'c')
            config = optarg;
        else if (c == 's')
            secret = optarg;
        else
            opt[c] = optarg;
    }
    if (!config || !secret)
        return usage();
    hcbus_error_t err;
    s->cfg = hcbus_config_load(config, &err);
    if (!s->cfg) {
        fprintf(stderr, "webform_pipeline: %s: %s\n", err.field, err.message);
        return 1;
    }
    hcbus_report_config_t *r = &s->cfg->report;
    if (!r->present) {
        /* As the harness's set-up will write it (tests/lib/report.sh). */
        *r = (hcbus_report_config_t){.present = true, .release_delay_min_s = 0, .release_delay_max_s = 1,
                                     .queue_max = 200, .receipt_hash_memory_kib = 8192, .receipt_hash_passes = 1};
        snprintf(r->institution, sizeof r->institution, "webform");
        snprintf(r->secret_key_file, sizeof r->secret_key_file, "%s/keys/webform.key", getenv("HC_WORK"));
        snprintf(r->broker_public_key_file, sizeof r->broker_public_key_file, "%s/keys/broker.pub",
                 getenv("HC_WORK"));
    }
    if (opt['d'])
        snprintf(r->conninfo, sizeof r->conninfo, "%s", opt['d']);
    if (opt['i'])
        snprintf(r->institution, sizeof r->institution, "%s", opt['i']);
    if (opt['k'])
        snprintf(r->secret_key_file, sizeof r->secret_key_file, "%s", opt['k']);
    if (opt['b'])
        snprintf(r->broker_public_key_file, sizeof r->broker_public_key_file, "%s", opt['b']);
    if (opt['m'])
        r->release_delay_min_s = (uint32_t)strtoul(opt['m'], NULL, 10);
    if (opt['M'])
        r->release_delay_max_s = (uint32_t)strtoul(opt['M'], NULL, 10);
    if (opt['q'])
        r->queue_max = (uint32_t)strtoul(opt['q'], NULL, 10);
    if (opt['h'])
        r->receipt_hash_memory_kib = (uint32_t)strtoul(opt['h'], NULL, 10);
    s->stop_timeout_ms = opt['t'] ? atoi(opt['t']) : STOP_TIMEOUT_MS_DEFAULT;
    return read_secret(secret, s->secret) < 0 ? 1 : 0;
}

/* Today's 00:00 in El Salvador, as the form's "hoy" gives it. */
static int64_t sv_today_us(void)
{
    int64_t day_us = INT64_C(86400000000);
    int64_t offset_us = (int64_t)HCBUS_SV_UTC_OFFSET_MIN * 60 * 1000000;
    int64_t local = hcbus_now_us() + offset_us;
    return local - local % day_us - offset_us;
}

static void submit(report_pipeline_t *p, char *args)
{
    char *save = NULL;
    const char *zone = strtok_r(args, " ", &save);
    const char *act = strtok_r(NULL, " ", &save);
    const char *photos = strtok_r(NULL, " ", &save);
    const char *text = strtok_r(NULL, "", &save);
    report_draft_t d = {.target = HCBUS__TARGET__TARGET_PERSONNEL, .severity = HCBUS__SEVERITY__SEVERITY_MODERATE,
                        .occurred_at_us = sv_today_us(), .injured = 1};
    const ProtobufCEnumValue *v = act ? protobuf_c_enum_descriptor_get_value_by_name(&hcbus__act__descriptor, act)
                                      : NULL;
    if (!zone || !v) {
        printf("refused usage -\n");
        return;
    }
    snprintf(d.zone_id, sizeof d.zone_id, "%s", zone);
    d.act = v->value;
    snprintf(d.description, sizeof d.description, "%s", text ? text : "");
    d.photo_count = photos ? strtoul(photos, NULL, 10) : 0;
    for (size_t i = 0; i < d.photo_count && i < REPORT_PHOTOS_MAX; i++) {
        char bytes[64];
        int n = snprintf(bytes, sizeof bytes, "not really a jpeg, photo %zu", i + 1);
        d.photos[i].bytes = malloc((size_t)n);
        memcpy(d.photos[i].bytes, bytes, (size_t)n);
        d.photos[i].len = (size_t)n;
        d.photos[i].content_type = "image/jpeg";
    }
    char receipt[REPORT_RECEIPT_TEXT_MAX];
    hcbus_error_t err;
    int64_t before = hcbus_now_us();
    if (pipeline_submit(p, &d, receipt, &err) == 0) {
        printf("submitted %s %" PRId64 "\n", receipt, before);
        if (d.photo_count != 0)
            printf("error: the pipeline left the photos in the draft\n");
    } else {
        printf("refused %s %s\n", hcbus_code_name(err.code), err.field[0] ? err.field : "-");
    }
    report_draft_free_photos(&d);
}

static void open_command(report_pipeline_t *p, const char *receipt)
{
    report_thread_t t;
    hcbus_error_t err;
    int rc = pipeline_open(p, receipt, &t, &err);
    if (rc < 0)
        printf("refused %s %s (%s)\n", hcbus_code_name(err.code), err.field[0] ? err.field : "-", err.message);
    else if (rc == 0)
        printf("none\n");
    else
        printf("opened %zu\n", t.question_count);
    for (size_t i = 0; rc == 1 && i < t.question_count; i++)
        if (t.questions[i].pending)
            printf("pending %" PRId64 " %u %s\n", t.questions[i].id, t.questions[i].pending_s,
                   t.questions[i].answer);
    report_thread_free(&t);
}

/* "RECEIPT QID TEXT..." */
static void answer_command(report_pipeline_t *p, char *args)
{
    char *receipt = strtok(args, " ");
    char *qid = receipt ? strtok(NULL, " ") : NULL;
    char *text = qid ? strtok(NULL, "") : NULL;
    hcbus_error_t err;
    if (!text)
        printf("refused usage -: answer RECEIPT QID TEXT\n");
    else if (pipeline_answer(p, receipt, strtoll(qid, NULL, 10), text, &err) == 0)
        printf("answered %s\n", qid);
    else
        printf("refused %s %s: %s\n", hcbus_code_name(err.code), err.field[0] ? err.field : "-", err.message);
}

static void command(report_pipeline_t *p, char *line)
{
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "submit ", 7) == 0)
        submit(p, line + 7);
    else if (strncmp(line, "open ", 5) == 0)
        open_command(p, line + 5);
    else if (strncmp(line, "answer ", 7) == 0)
        answer_command(p, line + 7);
    else if (strcmp(line, "queued") == 0)
        printf("queued %zu\n", pipeline_queued(p));
    else
        printf("unknown command\n");
}

static int serve(setup_t *s)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    /* Blocked before the releaser thread exists, so only sigtimedwait sees them. */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    hcbus_error_t err;
    report_pipeline_t *p = pipeline_start(s->cfg, s->secret, &err);
    if (!p) {
        fprintf(stderr, "webform_pipeline: %s: %s (%s)\n", err.field, err.message, err.hint);
        return 1;
    }
    printf("ready\n");
    bool input = true;
    const struct timespec tick = {0, 50 * 1000000L};
    for (;;) {
        if (input) {
            struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
            if (poll(&pfd, 1, 50) > 0) {
                char line[LINE_MAX_BYTES];
                if (fgets(line, sizeof line, stdin))
                    command(p, line);
                else
                    input = false;
            }
        }
        if (sigtimedwait(&stop, NULL, input ? &(struct timespec){0, 0} : &tick) > 0)
            break;
    }
    size_t unsent = pipeline_stop(&p, s->stop_timeout_ms);
    printf("stopped unsent=%zu\n", unsent);
    return 0;
}

static int open_receipt(setup_t *s, const char *receipt)
{
    hcbus_error_t err;
    report_pipeline_t *p = pipeline_start(s->cfg, s->secret, &err);
    if (!p) {
        fprintf(stderr, "webform_pipeline: %s: %s\n", err.field, err.message);
        return 1;
    }
    report_thread_t t;
    int rc = pipeline_open(p, receipt, &t, &err);
    if (rc < 0) {
        printf("refused %s %s: %s\n", hcbus_code_name(err.code), err.field, err.message);
    } else if (rc == 0) {
        printf("none\n");
    } else {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&hcbus__act__descriptor, t.act);
        printf("report %s %s %s %s %zu\n", t.alert_id, t.zone_id, v ? v->name : "?", t.occurred_on,
               t.photo_count);
        for (size_t i = 0; i < t.question_count; i++) {
            report_question_t *q = &t.questions[i];
            printf("question %" PRId64 " %s %s %s%s%s\n", q->id, q->asked_on,
                   q->answered_on[0] ? q->answered_on : "-", q->text, q->answer ? " | " : "",
                   q->answer ? q->answer : "");
        }
        report_thread_free(&t);
    }
    pipeline_stop(&p, 0);
    return 0;
}

static int answer(setup_t *s, const char *receipt, const char *qid, const char *text)
{
    hcbus_error_t err;
    report_pipeline_t *p = pipeline_start(s->cfg, s->secret, &err);
    if (!p) {
        fprintf(stderr, "webform_pipeline: %s: %s\n", err.field, err.message);
        return 1;
    }
    if (pipeline_answer(p, receipt, strtoll(qid, NULL, 10), text, &err) == 0)
        printf("answered\n");
    else
        printf("refused %s %s: %s\n", hcbus_code_name(err.code), err.field, err.message);
    pipeline_stop(&p, s->stop_timeout_ms);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    hcbus_log_set_ident("webform_pipeline");
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    int positional = strcmp(cmd, "open") == 0 ? 1 : strcmp(cmd, "answer") == 0 ? 3 : 0;
    if (argc < 2 + positional)
        return usage();
    char **pos = argv + 2;
    setup_t s = {0};
    int rc = setup(argc - 1 - positional, argv + 1 + positional, &s);
    if (rc == 0) {
        if (strcmp(cmd, "serve") == 0)
            rc = serve(&s);
        else if (strcmp(cmd, "open") == 0)
            rc = open_receipt(&s, pos[0]);
        else if (strcmp(cmd, "answer") == 0)
            rc = answer(&s, pos[0], pos[1], pos[2]);
        else
            rc = usage();
    }
    hcbus_config_destroy(&s.cfg);
    return rc;
}
