/* summary_jsonb.c — checks hcbus_summary_json() against a real PostgreSQL: builds the
 * summaries of many Envelopes (every body kind, odd and long strings, multibyte UTF-8,
 * zero, negative and extreme numbers, repeated fields, empty and absent sub-messages,
 * patient details present) and asserts that each equals `$1::jsonb::text` byte for byte
 * and never shows a clinical field. Used by tests/integration/test_summary_jsonb.sh.
 *   summary_jsonb CONNINFO [CASES]   compare (default 3000 random cases plus the fixed ones)
 *   summary_jsonb --loop N           µs per summary over the fixtures (no database)
 * Exit 0 when every summary matched, 1 on a mismatch (each printed), 2 on usage/errors. */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "../unit/fixtures.h"
#include "hcbus/summary.h"

#define DEFAULT_RANDOM_CASES 3000
#define MAX_SHOWN_MISMATCHES 10
#define ARENA_MAX 64 /* sub-messages made by one mutation */
#define CLINICAL_MARKER "herida de arma de fuego" /* the fixture's chief complaint */

/* Strings a field may be given: what escape_json treats specially, multibyte UTF-8
 * (2, 3 and 4 bytes, U+FFFF, U+2028), JSON-looking text, and long ones (filled in main). */
static char long_ascii[2048];
static char long_mixed[4096];
static char all_controls[64];
static const char *string_pool[] = {
    "a", "\"", "\\", "\\\"", "\"quoted\" and \\back\\slashed", "\b\f\n\r\t", "line1\nline2\r\n",
    "\x01", "\x1f", "\x7f", "tab\there", "/", "</script>", "{\"kind\": \"x\"}", "ñ", "Martínez",
    "Cabo Martínez, radio canal 4", "日本語テキスト", "😀 emoji", "\xef\xbf\xbf", "\xe2\x80\xa8",
    "\xc2\x80\xc2\x9f", "null", "true", "0", "-1", "1e5", " leading and trailing ", "kind",
    "patient", "\\u0000", "\xf4\x8f\xbf\xbf", long_ascii, long_mixed, all_controls,
};
#define STRING_POOL_N (sizeof string_pool / sizeof string_pool[0])

static const int64_t int_pool[] = {
    0, 1, -1, 2, 7, 24, 42, 255, 256, 65535, INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX,
    INT64_MAX, INT64_MIN, 1000000000000LL, -1000000000000LL,
};
#define INT_POOL_N (sizeof int_pool / sizeof int_pool[0])

static const int64_t time_pool[] = {
    0, 1, -1, 1767225600000000LL, 1767225600123456LL, 1767225600000001LL, -62135596800000000LL,
    253402300799999999LL, 1000000, -1000000, 4102444800000000LL,
};
#define TIME_POOL_N (sizeof time_pool / sizeof time_pool[0])

static double double_pool[32];
static size_t double_pool_n;

static void fill_pools(void)
{
    memset(long_ascii, 'x', sizeof long_ascii - 1);
    long_ascii[sizeof long_ascii - 1] = '\0';
    const char *piece = "á\"\\\n€😀z";
    size_t len = 0, plen = strlen(piece);
    while (len + plen < sizeof long_mixed) {
        memcpy(long_mixed + len, piece, plen);
        len += plen;
    }
    long_mixed[len] = '\0';
    for (int c = 1; c < 0x20; c++)
        all_controls[c - 1] = (char)c;
    all_controls[0x1f] = '\0';
    const double d[] = {
        0.0, -0.0, 1.0, -1.0, 13.7105, -89.1397, 13.7052, -89.1421, 90.0, -180.0, 0.1, 0.1 + 0.2,
        1.0 / 3.0, -2.0 / 3.0, 1e-7, 1.5e-10, 123456789012345678.0, 1e20, 1e22, 1e300, -1e-300,
        5e-324, DBL_MAX, DBL_MIN, 9007199254740993.0, 0.000123456789, 100.0, 12345.678901234567,
    };
    double_pool_n = sizeof d / sizeof d[0];
    memcpy(double_pool, d, sizeof d);
}

/* A small deterministic generator (xorshift64*), so a failure can be replayed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static size_t pick(size_t n) { return (size_t)(rng() % n); }

typedef struct arena {
    void *blocks[ARENA_MAX];
    size_t n;
} arena_t;

static void *arena_add(arena_t *a, void *p)
{
    if (!p || a->n == ARENA_MAX) {
        free(p);
        return NULL;
    }
    a->blocks[a->n++] = p;
    return p;
}

static void arena_free(arena_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->blocks[i]);
    a->n = 0;
}

static bool is_time_field(const ProtobufCFieldDescriptor *f)
{
    size_t len = strlen(f->name);
    return f->type == PROTOBUF_C_TYPE_INT64 && len > 3 && strcmp(f->name + len - 3, "_us") == 0;
}

static void mutate(ProtobufCMessage *msg, arena_t *arena, int depth);

/* Give field f a value picked from the pools (or leave it, a third of the time). */
static void mutate_field(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, arena_t *arena, int depth)
{
    void *member = (char *)msg + f->offset;
    if (pick(3) == 0)
        return;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (f->type != PROTOBUF_C_TYPE_STRING)
            return;
        size_t n = pick(17);
        char **items = arena_add(arena, calloc(n + 1, sizeof *items));
        if (!items)
            return;
        for (size_t i = 0; i < n; i++)
            items[i] = (char *)string_pool[pick(STRING_POOL_N)];
        *(size_t *)((char *)msg + f->quantifier_offset) = n;
        *(char ***)member = items;
        return;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        *(const char **)member = pick(5) == 0 ? "" : string_pool[pick(STRING_POOL_N)];
        break;
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage **sub = (ProtobufCMessage **)member;
        size_t how = pick(4);
        if (how == 0) {
            *sub = NULL; /* absent */
        } else if (how == 1 || !*sub) {
            const ProtobufCMessageDescriptor *d = f->descriptor;
            ProtobufCMessage *empty = arena_add(arena, calloc(1, d->sizeof_message));
            if (!empty)
                return;
            protobuf_c_message_init(d, empty); /* every field at its default */
            *sub = empty;
            if (how == 3 && depth < 3)
                mutate(empty, arena, depth + 1);
        } else if (depth < 3) {
            mutate(*sub, arena, depth + 1);
        }
        break;
    }
    case PROTOBUF_C_TYPE_INT64:
        *(int64_t *)member = is_time_field(f) ? time_pool[pick(TIME_POOL_N)] : int_pool[pick(INT_POOL_N)];
        break;
    case PROTOBUF_C_TYPE_UINT64: *(uint64_t *)member = pick(4) == 0 ? UINT64_MAX : (uint64_t)int_pool[pick(INT_POOL_N)]; break;
    case PROTOBUF_C_TYPE_INT32: *(int32_t *)member = (int32_t)int_pool[pick(INT_POOL_N)]; break;
    case PROTOBUF_C_TYPE_UINT32: *(uint32_t *)member = (uint32_t)int_pool[pick(INT_POOL_N)]; break;
    case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)member = (protobuf_c_boolean)pick(2); break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        /* A known value, or one this build does not know (kept as its number). */
        *(int *)member = pick(4) == 0 ? (int)int_pool[pick(INT_POOL_N)] % 1000 : e->values[pick(e->n_values)].value;
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = double_pool[pick(double_pool_n)];
        if (pick(3) == 0) { /* any finite double, from random bits */
            uint64_t bits = rng();
            memcpy(&v, &bits, sizeof v);
            if (!isfinite(v))
                v = 0.5;
        }
        *(double *)member = v;
        break;
    }
    default: break;
    }
}

static void mutate(ProtobufCMessage *msg, arena_t *arena, int depth)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++)
        mutate_field(msg, &d->fields[i], arena, depth);
}

typedef struct check {
    PGconn *conn;
    size_t compared;
    size_t mismatched;
    size_t leaked;
} check_t;

/* A clinical field or value in the summary text. */
static const char *clinical_in(const char *text)
{
    /* A key is `"name": ` with an unescaped quote, which no string value can hold. */
    static const char *const words[] = {"\"patient\": ", "\"chief_complaint\": ", "\"age_band\": ",
                                        "\"sex\": ", "\"condition\": ", CLINICAL_MARKER};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(text, words[i]))
            return words[i];
    return NULL;
}

static void compare(check_t *c, const Hcbus__Envelope *env, const char *label)
{
    char *text = hcbus_summary_json(env);
    if (!text) {
        fprintf(stderr, "summary_jsonb: %s: no summary\n", label);
        c->mismatched++;
        return;
    }
    const char *word = clinical_in(text);
    if (word) {
        fprintf(stderr, "summary_jsonb: %s: clinical %s in %s\n", label, word, text);
        c->leaked++;
    }
    const char *params[1] = {text};
    PGresult *res = PQexecParams(c->conn, "SELECT $1::jsonb::text", 1, NULL, params, NULL, NULL, 0);
    c->compared++;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (c->mismatched++ < MAX_SHOWN_MISMATCHES)
            fprintf(stderr, "summary_jsonb: %s: PostgreSQL refused %s: %s", label, text, PQerrorMessage(c->conn));
    } else if (strcmp(PQgetvalue(res, 0, 0), text) != 0) {
        if (c->mismatched++ < MAX_SHOWN_MISMATCHES)
            fprintf(stderr, "summary_jsonb: %s differs\n  ours: %s\n  jsonb: %s\n", label, text,
                    PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    free(text);
}

/* The fixtures, then each with its patient removed, sub-messages absent or empty. */
static void fixed_cases(check_t *c)
{
    hcbus_fixture_t f;
    char label[64];
    for (int k = HCBUS_KIND_ZONE; k < HCBUS_KIND_COUNT; k++) {
        snprintf(label, sizeof label, "fixture %s", hcbus_kind_name((hcbus_kind_t)k));
        compare(c, fixture_of_kind(&f, (hcbus_kind_t)k), label);
    }
    fixture_dispatch(&f);
    f.dispatch.patient_redacted = 1;
    compare(c, &f.env, "dispatch with patient and patient_redacted");
    f.dispatch.patient = NULL;
    compare(c, &f.env, "dispatch without patient, patient_redacted set");
    f.dispatch.patient_redacted = 0;
    f.dispatch.location = NULL;
    compare(c, &f.env, "dispatch without patient nor location");
    fixture_zone(&f);
    f.zone.access = NULL;
    compare(c, &f.env, "zone without access");
    fixture_notice(&f);
    f.notice.n_recipients = 0;
    f.notice.subject_seq = UINT64_MAX;
    compare(c, &f.env, "notice without recipients, largest subject_seq");
    /* Every body empty: only "kind" and the always-written scalars. */
    for (int k = HCBUS_KIND_ZONE; k < HCBUS_KIND_COUNT; k++) {
        Hcbus__Envelope *env = fixture_of_kind(&f, (hcbus_kind_t)k);
        switch (env->body_case) {
        case HCBUS__ENVELOPE__BODY_ZONE: hcbus__zone_risk_level__init(env->zone); break;
        case HCBUS__ENVELOPE__BODY_DISPATCH: hcbus__dispatch_request__init(env->dispatch); break;
        case HCBUS__ENVELOPE__BODY_STATUS: hcbus__dispatch_status__init(env->status); break;
        case HCBUS__ENVELOPE__BODY_ALERT: hcbus__security_alert__init(env->alert); break;
        case HCBUS__ENVELOPE__BODY_ESCORT: hcbus__escort_request__init(env->escort); break;
        case HCBUS__ENVELOPE__BODY_ESCORT_STATUS: hcbus__escort_status__init(env->escort_status); break;
        case HCBUS__ENVELOPE__BODY_NOTICE: hcbus__notice__init(env->notice); break;
        default: break;
        }
        snprintf(label, sizeof label, "empty %s", hcbus_kind_name((hcbus_kind_t)k));
        compare(c, env, label);
    }
}

static const ProtobufCMessage *body_of(Hcbus__Envelope *env)
{
    switch (env->body_case) {
    case HCBUS__ENVELOPE__BODY_ZONE: return &env->zone->base;
    case HCBUS__ENVELOPE__BODY_DISPATCH: return &env->dispatch->base;
    case HCBUS__ENVELOPE__BODY_STATUS: return &env->status->base;
    case HCBUS__ENVELOPE__BODY_ALERT: return &env->alert->base;
    case HCBUS__ENVELOPE__BODY_ESCORT: return &env->escort->base;
    case HCBUS__ENVELOPE__BODY_ESCORT_STATUS: return &env->escort_status->base;
    case HCBUS__ENVELOPE__BODY_NOTICE: return &env->notice->base;
    default: return NULL;
    }
}

static void random_cases(check_t *c, size_t n)
{
    hcbus_fixture_t f;
    arena_t arena = {.n = 0};
    char label[64];
    for (size_t i = 0; i < n; i++) {
        hcbus_kind_t kind = (hcbus_kind_t)(HCBUS_KIND_ZONE + (int)pick(HCBUS_KIND_COUNT - 1));
        Hcbus__Envelope *env = fixture_of_kind(&f, kind);
        mutate((ProtobufCMessage *)body_of(env), &arena, 0);
        if (env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && env->dispatch->patient)
            env->dispatch->patient->chief_complaint = (char *)CLINICAL_MARKER " en pierna";
        snprintf(label, sizeof label, "random case %zu (%s)", i, hcbus_kind_name(kind));
        compare(c, env, label);
        arena_free(&arena);
    }
}

static int loop(long n)
{
    hcbus_fixture_t f[HCBUS_KIND_COUNT];
    Hcbus__Envelope *env[HCBUS_KIND_COUNT];
    for (int k = HCBUS_KIND_ZONE; k < HCBUS_KIND_COUNT; k++)
        env[k] = fixture_of_kind(&f[k], (hcbus_kind_t)k);
    struct timespec t0, t1;
    size_t bytes = 0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (long i = 0; i < n; i++) {
        char *text = hcbus_summary_json(env[HCBUS_KIND_ZONE + i % (HCBUS_KIND_COUNT - 1)]);
        if (!text)
            return 2;
        bytes += strlen(text);
        free(text);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / (double)n;
    printf("%ld summaries of the 7 fixtures: %.3f us of CPU each, %.0f bytes on average\n", n, us, (double)bytes / (double)n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--loop") == 0)
        return loop(atol(argv[2]));
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: summary_jsonb CONNINFO [CASES] | summary_jsonb --loop N\n");
        return 2;
    }
    fill_pools();
    size_t n = argc == 3 ? (size_t)strtoul(argv[2], NULL, 10) : DEFAULT_RANDOM_CASES;
    check_t c = {.conn = PQconnectdb(argv[1])};
    if (PQstatus(c.conn) != CONNECTION_OK) {
        fprintf(stderr, "summary_jsonb: cannot connect: %s", PQerrorMessage(c.conn));
        PQfinish(c.conn);
        return 2;
    }
    fixed_cases(&c);
    random_cases(&c, n);
    PQfinish(c.conn);
    printf("summary_jsonb: %zu summaries compared with PostgreSQL, %zu differ, %zu show a clinical field\n",
           c.compared, c.mismatched, c.leaked);
    return c.mismatched || c.leaked ? 1 : 0;
}
