/* fuzz_link.c — libFuzzer target for the link between the broker and hcbus-auditd:
 * the same bytes as a LinkRequest (what auditd decodes: each appended record's
 * envelope decoded, summarized and its fields put into binary text[] parameters with
 * auditd's own pgbin.c; rejection records likewise; replay prefixes turned into LIKE
 * byte ranges) and as a LinkReply (what the broker decodes: commit
 * results, replayed envelopes decoded and redacted). Oracles: a text element sent to
 * PostgreSQL is valid UTF-8, as long as the string, and its array counts it; a prefix's
 * SQL byte range (auditd's topicrange.c) matches exactly the topics that live delivery
 * matches (hcbus_topic_matches), so replay and live delivery never disagree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/error.h"
#include "hcbus/summary.h"
#include "hcbus/topic.h"
#include "pgbin.h"
#include "pgtext.h"
#include "sbuf.h"
#include "topicrange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Put s into a binary text[] as the writer does and check the element: the length of
 * the string (each byte that starts no UTF-8 sequence replaced by '?', one for one),
 * valid UTF-8, one element counted. */
static void copy_field(const char *s)
{
    pgbin_array_t a;
    pgbin_array_init(&a, PGBIN_TEXT_OID);
    pgbin_array_text(&a, s);
    if (pgbin_array_finish(&a)) {
        const uint8_t *p = (const uint8_t *)a.buf.data;
        uint32_t count = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 | p[15];
        if (count != 1)
            abort();
        if (s) {
            size_t len = (size_t)p[20] << 24 | (size_t)p[21] << 16 | (size_t)p[22] << 8 | p[23];
            char *text = strndup(a.buf.data + 24, len);
            if (len != strlen(s) || a.buf.len != 24 + len || (text && !pgtext_utf8_valid(text)))
                abort();
            free(text);
        }
    }
    pgbin_array_free(&a);
}

static void fuzz_record(const Hcbus__AppendRecord *record)
{
    hcbus_error_t err;
    Hcbus__Envelope *env = hcbus_envelope_decode(record->envelope.data, record->envelope.len, 0, &err);
    if (!env)
        return;
    copy_field(env->sender);
    copy_field(env->msg_id);
    copy_field(env->topic);
    copy_field(hcbus_kind_name((hcbus_kind_t)hcbus_envelope_kind(env)));
    copy_field(hcbus_envelope_zone(env));
    copy_field(hcbus_envelope_subject(env));
    char *summary = hcbus_summary_json(env);
    copy_field(summary);
    free(summary);
    (void)pgtext_time_valid(env->sent_at_us);
    (void)pgtext_time_valid(env->received_at_us);
    hcbus_envelope_free(env);
}

static void fuzz_rejection(const Hcbus__RejectRecord *r)
{
    copy_field(r->institution);
    copy_field(r->key_hint);
    copy_field(r->action);
    copy_field(r->topic);
    copy_field(r->msg_id);
    copy_field(hcbus_code_name((int)r->code));
    copy_field(r->field);
    copy_field(r->reason);
    (void)pgtext_time_valid(r->at_us);
}

static bool range_matches(const auditd_topic_range_t *r, const char *topic)
{
    if (r->all)
        return true;
    if (r->has_exact && strcmp(topic, r->exact) == 0)
        return true;
    return strcmp(topic, r->lo) >= 0 && strcmp(topic, r->hi) < 0;
}

/* The prefix's range against topics near it: itself, one component below, a sibling
 * sharing its bytes, and every other prefix of the request. */
static void check_range(const char *prefix, char **others, size_t n)
{
    auditd_topic_range_t r;
    if (!auditd_topic_range(prefix, &r))
        return; /* too long: auditd refuses the replay */
    char near[3][AUDITD_PREFIX_MAX + 8];
    snprintf(near[0], sizeof near[0], "%s", prefix);
    snprintf(near[1], sizeof near[1], "%s.x", prefix);
    snprintf(near[2], sizeof near[2], "%s-x", prefix);
    for (size_t i = 0; i < 3 + n; i++) {
        const char *topic = i < 3 ? near[i] : others[i - 3];
        if (range_matches(&r, topic) != hcbus_topic_matches(topic, prefix))
            abort();
    }
}

static void fuzz_prefixes(char **prefixes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_range(prefixes[i], prefixes, n);
}

static void fuzz_request(const uint8_t *data, size_t size)
{
    hcbus_error_t err = {0};
    Hcbus__LinkRequest *req = hcbus_link_request_decode(data, size, &err);
    if (!req) {
        if (!err.message[0])
            abort();
        return;
    }
    if (req->kind_case == HCBUS__LINK_REQUEST__KIND_APPEND) {
        for (size_t i = 0; i < req->append->n_records; i++)
            fuzz_record(req->append->records[i]);
        for (size_t i = 0; i < req->append->n_rejections; i++)
            fuzz_rejection(req->append->rejections[i]);
    } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_REPLAY) {
        fuzz_prefixes(req->replay->prefixes, req->replay->n_prefixes);
    } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_LATEST) {
        fuzz_prefixes(&req->latest->prefix, 1);
    }
    hcbus_link_request_free(req);
}

/* The broker's side: replayed envelopes are decoded and, for a recipient without
 * clinical access, re-encoded without patient details. */
static void fuzz_replayed(ProtobufCBinaryData *envelopes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hcbus_error_t err;
        Hcbus__Envelope *env = hcbus_envelope_decode(envelopes[i].data, envelopes[i].len, 0, &err);
        if (!env)
            continue;
        uint8_t *out = NULL;
        size_t len = 0;
        int removed = 0;
        if (hcbus_envelope_encode_redacted(env, &out, &len, &removed, &err) == 0) {
            Hcbus__Envelope *r = hcbus_envelope_decode(out, len, SIZE_MAX, &err);
            if (!r || (r->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && r->dispatch->patient))
                abort();
            hcbus_envelope_free(r);
            free(out);
        }
        hcbus_envelope_free(env);
    }
}

static void fuzz_reply(const uint8_t *data, size_t size)
{
    hcbus_error_t err = {0};
    Hcbus__LinkReply *reply = hcbus_link_reply_decode(data, size, &err);
    if (!reply) {
        if (!err.message[0])
            abort();
        return;
    }
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_COMMITTED) {
        for (size_t i = 0; i < reply->committed->n_results; i++)
            (void)hcbus_code_name(reply->committed->results[i]->error);
    } else if (reply->kind_case == HCBUS__LINK_REPLY__KIND_REPLAY) {
        fuzz_replayed(reply->replay->envelopes, reply->replay->n_envelopes);
    } else if (reply->kind_case == HCBUS__LINK_REPLY__KIND_LATEST) {
        fuzz_replayed(reply->latest->envelopes, reply->latest->n_envelopes);
    } else if (reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR) {
        (void)hcbus_code_name((int)reply->error->code);
    }
    hcbus_link_reply_free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_request(data, size);
    fuzz_reply(data, size);
    return 0;
}
