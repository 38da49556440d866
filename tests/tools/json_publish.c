/* json_publish.c — a test client that publishes envelopes written as JSON (hcbus/json.h,
 * the shape of `hcbus publish --json`), one argument each, in order, and waits for the
 * broker's answer to every one:
 *   json_publish --endpoint URL --broker-key FILE --key FILE [--timeout-ms MS] JSON...
 * With no JSON argument it reads one envelope per line of stdin (for long logs).
 * Prints "ack <msg_id> <seq> <duplicate>" or "refused <msg_id> <code> <field> <message>"
 * per envelope; exits 0 only if every one was recorded, 1 if one was refused, 2 for bad
 * arguments or JSON, 3 if the broker did not answer in time. Unlike the CLI it never
 * waits for the coordinator's verdicts, so scenario tests control every step. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hcbus/client.h"
#include "hcbus/json.h"

static int refusals;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    (void)arg;
    if (err) {
        printf("refused %s %s %s %s\n", msg_id, hcbus_code_name(err->code), err->field[0] ? err->field : "-",
               err->message);
        refusals++;
    } else {
        printf("ack %s %llu %d\n", msg_id, (unsigned long long)seq, duplicate);
    }
    fflush(stdout);
}

/* Publish one envelope given as JSON text (number i, for errors). 0, or an exit status. */
static int publish_one(hcbus_publisher_t *pub, const char *text, long i, int timeout_ms)
{
    hcbus_error_t err = {0};
    Hcbus__Envelope *env = NULL;
    if (hcbus_envelope_from_json(text, &env, &err) != 0) {
        fprintf(stderr, "json_publish: envelope %ld: %s %s\n", i, err.field, err.message);
        return 2;
    }
    int rc = hcbus_publisher_send(pub, env, timeout_ms, &err);
    hcbus_envelope_free(env);
    if (rc != 0) {
        fprintf(stderr, "json_publish: envelope %ld: %s %s\n", i, err.field, err.message);
        return err.code == HCBUS_ETIMEOUT ? 3 : 2;
    }
    return 0;
}

static int publish_stdin(hcbus_publisher_t *pub, int timeout_ms)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    for (long i = 1; rc == 0 && getline(&line, &cap, stdin) > 0; i++)
        rc = publish_one(pub, line, i, timeout_ms);
    free(line);
    return rc;
}

static int publish_all(hcbus_publisher_t *pub, char **texts, int n, int timeout_ms)
{
    hcbus_error_t err = {0};
    int rc = 0;
    if (n == 0)
        rc = publish_stdin(pub, timeout_ms);
    for (int i = 0; i < n && rc == 0; i++)
        rc = publish_one(pub, texts[i], i + 1, timeout_ms);
    if (rc != 0)
        return rc;
    if (hcbus_publisher_flush(pub, timeout_ms, &err) != 0) {
        fprintf(stderr, "json_publish: %s\n", err.message);
        return 3;
    }
    return refusals ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {{"endpoint", required_argument, 0, 'e'},
                                            {"broker-key", required_argument, 0, 'b'},
                                            {"key", required_argument, 0, 'k'},
                                            {"timeout-ms", required_argument, 0, 't'},
                                            {0, 0, 0, 0}};
    hcbus_client_options_t client = {0};
    const char *broker_key_file = NULL, *key_file = NULL;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    int timeout_ms = 10000, opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'e': client.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 't': timeout_ms = atoi(optarg); break;
        default: return 2;
        }
    }
    hcbus_error_t err = {0};
    if (!client.endpoint || !broker_key_file || !key_file ||
        hcbus_public_key_load(broker_key_file, broker_key, &err) != 0 ||
        hcbus_keypair_load(key_file, &client.keypair, &err) != 0) {
        fprintf(stderr, "usage: json_publish --endpoint URL --broker-key FILE --key FILE [JSON...] (%s %s)\n",
                err.field, err.message);
        return 2;
    }
    client.broker_public_key = broker_key;
    hcbus_publisher_t *pub = hcbus_publisher_new(&client, on_confirm, NULL, &err);
    if (!pub) {
        fprintf(stderr, "json_publish: %s\n", err.message);
        return 3;
    }
    int rc = publish_all(pub, argv + optind, argc - optind, timeout_ms);
    hcbus_publisher_destroy(&pub);
    return rc;
}
