/* bus.c — hcbus-coordinator's publisher and subscriber (see bus.h): its identity
 * (the key must be the coordinator institution's), the prefixes it reads, and one log
 * line per effect's outcome, with its msg_id. */
#include "bus.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/i18n.h"
#include "hcbus/keys.h"
#include "hcbus/log.h"

#define REPLAY_FROM_SEQ 1

/* Every kind the rules read; the coordinator role subscribes to all (*:*). */
static const char *const prefixes[] = {"zone.", "dispatch.", "status.", "escort.",
                                       "escort_status.", "alert.", "notice."};
#define PREFIX_COUNT (sizeof prefixes / sizeof prefixes[0])

struct coord_bus {
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keypair;
    char publish_endpoint[HCBUS_ENDPOINT_MAX];   /* copied: a reload frees the config */
    char subscribe_endpoint[HCBUS_ENDPOINT_MAX];
    hcbus_publisher_t *publisher;
    hcbus_subscriber_t *subscriber;
    coord_bus_counts_t counts;
};

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    coord_bus_t *self = arg;
    if (err) {
        self->counts.refused++;
        hcbus_error(_("effect %s refused for good: %s: %s%s%s"), msg_id, hcbus_code_name(err->code),
                    err->field[0] ? err->field : "-", err->message[0] ? ": " : "", err->message);
    } else if (duplicate) {
        self->counts.duplicates++;
        hcbus_info(_("effect %s was already recorded (seq %llu): not published twice"), msg_id,
                   (unsigned long long)seq);
    } else {
        self->counts.recorded++;
        hcbus_info(_("effect %s recorded, seq %llu"), msg_id, (unsigned long long)seq);
    }
}

/* The key pair must be one the config lists for the coordinator's institution: the
 * broker would otherwise take its notices as another institution's (or refuse it). */
static int check_identity(const hcbus_config_t *config, const hcbus_keypair_t *kp, hcbus_error_t *err)
{
    const hcbus_coordinator_config_t *k = &config->coordinator;
    const hcbus_institution_t *holder = hcbus_config_find_key(config, kp->public_z85);
    if (holder && strcmp(holder->id, k->institution) == 0)
        return 0;
    hcbus_error_set(err, HCBUS_ECONFIG, k->secret_key_file,
                    "this key (public %.8s...) is %s%s%s, not institution %s's", kp->public_z85,
                    holder ? "institution " : "the key of no institution", holder ? holder->id : "",
                    holder ? "'s" : "", k->institution);
    return hcbus_error_hint(err, "list its .pub in institution %s's public_key_files, or name the "
                                 "right key in coordinator.secret_key_file", k->institution);
}

static hcbus_client_options_t options(const coord_bus_t *self, const char *endpoint)
{
    hcbus_client_options_t o = {.endpoint = endpoint, .broker_public_key = self->broker_key,
                                .keypair = self->keypair};
    return o;
}

coord_bus_t *coord_bus_new(const hcbus_config_t *config, hcbus_error_t *err)
{
    coord_bus_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    const hcbus_coordinator_config_t *k = &config->coordinator;
    memcpy(self->publish_endpoint, k->publish_endpoint, sizeof self->publish_endpoint);
    memcpy(self->subscribe_endpoint, k->subscribe_endpoint, sizeof self->subscribe_endpoint);
    if (hcbus_keypair_load(k->secret_key_file, &self->keypair, err) < 0 ||
        hcbus_public_key_load(k->broker_public_key_file, self->broker_key, err) < 0 ||
        check_identity(config, &self->keypair, err) < 0) {
        coord_bus_destroy(&self);
        return NULL;
    }
    hcbus_client_options_t o = options(self, self->publish_endpoint);
    self->publisher = hcbus_publisher_new(&o, on_confirm, self, err);
    sodium_memzero(&o, sizeof o);
    if (!self->publisher)
        coord_bus_destroy(&self);
    return self;
}

void coord_bus_destroy(coord_bus_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    coord_bus_t *self = *self_p;
    hcbus_publisher_destroy(&self->publisher);
    hcbus_subscriber_destroy(&self->subscriber);
    sodium_memzero(&self->keypair, sizeof self->keypair);
    free(self);
    *self_p = NULL;
}

int coord_bus_subscribe(coord_bus_t *self, int timeout_ms, hcbus_error_t *err)
{
    hcbus_client_options_t o = options(self, self->subscribe_endpoint);
    self->subscriber = hcbus_subscriber_new_from(&o, prefixes, PREFIX_COUNT, REPLAY_FROM_SEQ, timeout_ms, err);
    sodium_memzero(&o, sizeof o);
    return self->subscriber ? 0 : -1;
}

uint64_t coord_bus_start_head(const coord_bus_t *self)
{
    return hcbus_subscriber_start_head(self->subscriber);
}

uint64_t coord_bus_last_seq(const coord_bus_t *self)
{
    return hcbus_subscriber_last_seq(self->subscriber);
}

int coord_bus_next(coord_bus_t *self, int timeout_ms, hcbus_delivery_t *out, hcbus_error_t *err)
{
    return hcbus_subscriber_next(self->subscriber, timeout_ms, out, err);
}

int coord_bus_publish(coord_bus_t *self, Hcbus__Envelope *env)
{
    hcbus_error_t err;
    if (hcbus_publisher_send(self->publisher, env, 0, &err) == 0) {
        self->counts.sent++;
        hcbus_debug("effect %s sent", env->msg_id);
        hcbus_envelope_free(env);
        return 0;
    }
    if (err.code == HCBUS_ETIMEOUT)
        return 1;
    char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_HINT_MAX + 32];
    self->counts.refused++;
    hcbus_error(_("effect %s not published: %s"), env->msg_id ? env->msg_id : "(no msg_id)",
                hcbus_error_format(&err, line, sizeof line));
    hcbus_envelope_free(env);
    return -1;
}

int coord_bus_poll(coord_bus_t *self, hcbus_error_t *err)
{
    if (hcbus_publisher_pending(self->publisher) == 0)
        return 0;
    return hcbus_publisher_poll(self->publisher, 0, err) < 0 ? -1 : 0;
}

size_t coord_bus_pending(const coord_bus_t *self)
{
    return hcbus_publisher_pending(self->publisher);
}

int coord_bus_flush(coord_bus_t *self, int timeout_ms, hcbus_error_t *err)
{
    return hcbus_publisher_flush(self->publisher, timeout_ms, err);
}

coord_bus_counts_t coord_bus_counts(const coord_bus_t *self)
{
    return self->counts;
}

uint64_t coord_bus_resubscribes(const coord_bus_t *self)
{
    return hcbus_subscriber_resubscribes(self->subscriber);
}
