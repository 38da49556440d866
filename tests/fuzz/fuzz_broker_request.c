/* fuzz_broker_request.c — libFuzzer target for what a connected client sends the
 * broker: hcbus_client_request_decode with the broker's size bound, then the checks
 * the broker runs before accepting anything (services/broker/publish.c, requests.c):
 * envelope validation against the real zone catalogue, topic, publish rights of every
 * role, stamping and both encodings (plain and redacted); for subscribe, snapshot and
 * replay, every prefix parsed, its zone looked up and the subscribe rights checked.
 * Oracles: what the broker accepts and stamps must decode again within the one size
 * limit, summarize, and its redacted copy must carry no patient details. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/config.h"
#include "hcbus/summary.h"
#include "hcbus/topic.h"
#include "hcbus/validate.h"
#include "hcbus/zones.h"
#include "roles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BROKER_MAX_MESSAGE_BYTES 65536 /* the broker's default max_message_bytes */
#define REQUEST_OVERHEAD_BYTES 64      /* as publish.c allows around the Envelope */

static hcbus_zones_t *zones;
static hcbus_role_rights_t roles[HCBUS_ROLE_COUNT];

static void init_once(void)
{
    if (zones)
        return;
    hcbus_error_t err;
    zones = hcbus_zones_load(HCBUS_SOURCE_DIR "/deploy/sv-districts.csv", &err);
    if (!zones)
        abort();
    hcbus_role_defaults(roles);
}

/* The stamped encodings must go through the rest of the bus. */
static void check_stamped(const Hcbus__Envelope *env)
{
    uint8_t *plain = NULL, *redacted = NULL;
    size_t plain_len = 0, redacted_len = 0;
    int removed = 0;
    hcbus_error_t err;
    if (hcbus_encode(&env->base, &plain, &plain_len, &err) != 0)
        abort();
    Hcbus__Envelope *again = hcbus_envelope_decode(plain, plain_len, HCBUS_MESSAGE_MAX_BYTES, &err);
    if (!again)
        abort(); /* auditd and subscribers decode what the broker stamped */
    char *summary = hcbus_summary_json(again);
    if (!summary)
        abort(); /* auditd records a summary of every row */
    free(summary);
    hcbus_envelope_free(again);
    if (hcbus_envelope_encode_redacted(env, &redacted, &redacted_len, &removed, &err) == 0) {
        Hcbus__Envelope *r = hcbus_envelope_decode(redacted, redacted_len, HCBUS_MESSAGE_MAX_BYTES, &err);
        if (!r || (r->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && r->dispatch->patient))
            abort(); /* a redacted copy never carries patient details */
        hcbus_envelope_free(r);
        free(redacted);
    } else if (env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && env->dispatch->patient) {
        /* The broker must then refuse the message (fail closed), which it can only do
         * if redaction reports the failure; nothing more to check here. */
    }
    free(plain);
}

static void fuzz_publish(Hcbus__Envelope *env)
{
    hcbus_error_t err;
    if (hcbus_envelope_validate(env, zones, &err) != 0) {
        if (!err.message[0])
            abort();
        return;
    }
    hcbus_kind_t kind = (hcbus_kind_t)hcbus_envelope_kind(env);
    const char *zone = hcbus_envelope_zone(env);
    char topic[HCBUS_TOPIC_MAX];
    if (hcbus_topic_build(kind, zone, topic, sizeof topic, &err) != 0)
        abort(); /* a valid envelope always has a topic */
    for (int r = 0; r < HCBUS_ROLE_COUNT; r++)
        (void)hcbus_grants_allow_topic(&roles[r].publish, kind, zone);
    (void)hcbus_envelope_subject(env);
    /* Stamp as the broker does, then restore the decoded strings before freeing. */
    char *sender = env->sender, *stamped_topic = env->topic;
    env->sender = "sem";
    env->topic = topic;
    env->received_at_us = 1700000000000000;
    env->seq = 0;
    check_stamped(env);
    env->sender = sender;
    env->topic = stamped_topic;
}

static void fuzz_prefixes(char **prefixes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hcbus_kind_t kind;
        char scope[HCBUS_ZONE_ID_MAX + 1];
        hcbus_error_t err;
        if (hcbus_prefix_parse(prefixes[i], &kind, scope, &err) != 0) {
            if (!err.message[0])
                abort();
            continue;
        }
        if (scope[0])
            (void)hcbus_zones_lookup(zones, scope);
        for (int r = 0; r < HCBUS_ROLE_COUNT; r++)
            (void)hcbus_grants_allow_prefix(&roles[r].subscribe, prefixes[i]);
        (void)hcbus_topic_matches("zone.sv.ss.san-salvador-este.soyapango", prefixes[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    hcbus_error_t err = {0};
    Hcbus__ClientRequest *request =
        hcbus_client_request_decode(data, size, BROKER_MAX_MESSAGE_BYTES + REQUEST_OVERHEAD_BYTES, &err);
    if (!request) {
        if (!err.message[0])
            abort();
        return 0;
    }
    switch (request->kind_case) {
    case HCBUS__CLIENT_REQUEST__KIND_PUBLISH:
        fuzz_publish(request->publish);
        break;
    case HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE:
        fuzz_prefixes(request->subscribe->prefixes, request->subscribe->n_prefixes);
        break;
    case HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT:
        fuzz_prefixes(&request->snapshot->prefix, 1);
        break;
    case HCBUS__CLIENT_REQUEST__KIND_REPLAY:
        fuzz_prefixes(request->replay->prefixes, request->replay->n_prefixes);
        break;
    default:
        break;
    }
    hcbus_client_request_free(request);
    return 0;
}
