/* common.h — what every `hcbus` command shares: exit codes, connection options (flags
 * and environment), printing of errors and messages, and enum names taken from the
 * protobuf-c descriptors. */
#ifndef HCBUS_CLI_COMMON_H
#define HCBUS_CLI_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "hcbus/client.h"
#include "hcbus/i18n.h"

/* Exit codes of every command (also listed by `hcbus --help`). */
enum {
    EXIT_OK = 0,
    EXIT_REFUSED = 1,     /* refused by the broker, or bad input (the message says which) */
    EXIT_USAGE = 2,       /* unknown command or flag, missing argument */
    EXIT_UNREACHABLE = 3, /* broker unreachable or a deadline passed */
    EXIT_INTERNAL = 4,
    EXIT_OUTAGE = 5,      /* subscribe: the feed was down longer than --max-outage */
};

#define CLI_TIMEOUT_MS_DEFAULT 10000
#define CLI_TIMEOUT_MS_FIELD 60000   /* with --link field: a handshake alone takes 12 s or more */

/* The connection flags, in getopt_long form; conn_flag_take handles them. */
#define CONN_LONG_OPTIONS                                   \
    {"endpoint", required_argument, NULL, 0},               \
    {"broker-key", required_argument, NULL, 0},             \
    {"key", required_argument, NULL, 0},                    \
    {"timeout-ms", required_argument, NULL, 0},             \
    {"link", required_argument, NULL, 0}

#define CONN_HELP                                                                          \
    N_("  --endpoint URL        broker endpoint (env HCBUS_PUBLISH_ENDPOINT or\n"            \
    "                        HCBUS_SUBSCRIBE_ENDPOINT; default tcp://127.0.0.1:7701 to\n" \
    "                        publish, :7702 to subscribe); URL,URL: the brokers of a\n"  \
    "                        pair, tried in turn (the passive one answers standby)\n"    \
    "  --broker-key FILE     the broker's public key file (env HCBUS_BROKER_KEY)\n"      \
    "  --key FILE            this institution's secret key file (env HCBUS_KEY)\n"       \
    "  --timeout-ms N        how long to wait for the broker (default 10000; 60000\n"     \
    "                        with --link field)\n"                                        \
    "  --link NAME           the network: lan (default) or field, a mobile link with\n"  \
    "                        seconds of delay, loss and cuts (env HCBUS_LINK)\n")

typedef struct cli_conn {
    const char *endpoint;
    const char *broker_key_file;
    const char *key_file;
    int timeout_ms;
    bool timeout_given;
    const char *link;      /* link profile (hcbus/link.h): --link or HCBUS_LINK */
} cli_conn_t;

/* Defaults from the environment; publishing picks the publisher endpoint. */
void conn_defaults(cli_conn_t *conn, bool publish);

/* If name is a connection flag, store value and return 1; 0 if it is not one; -1 (after
 * printing why) for a bad value. */
int conn_flag_take(const char *cmd, cli_conn_t *conn, const char *name, const char *value);

/* Load the key files into options. Prints the error and returns an exit code, or 0. */
int conn_options(const char *cmd, const cli_conn_t *conn, hcbus_client_options_t *options);

/* Load the keys and connect a subscriber to prefixes. Returns 0 with *out set, or
 * prints the error and returns its exit code. */
int conn_subscriber(const char *cmd, const cli_conn_t *conn, char *const *prefixes, size_t n,
                    bool snapshot, hcbus_subscriber_t **out);

/* Print err to stderr as "hcbus <cmd>: <what went wrong>: <flag or field>: <message>
 * (<hint>)", in the user's language; the proto field is named by its publish flag
 * (--zone, not dispatch.zone_id). When the broker could not be reached, a second line
 * names what was tried: the endpoint and both key files. */
void print_error(const char *cmd, const hcbus_error_t *err);

/* Name proto fields in errors by their flag (the default) or, off, by their path, as a
 * command whose input names them (publish --json) does. */
void errors_name_flags(bool on);

/* The exit code for an error from the library. */
int exit_code_for(const hcbus_error_t *err);

/* Parse a strict non-negative integer flag value; prints the error and returns -1. */
int parse_count(const char *cmd, const char *flag, const char *text, long max, long *out);

/* An enum value from its short name ("red" for RISK_LEVEL_RED, any case) or number.
 * Returns 0, or -1 with err listing the names. */
int enum_parse(const ProtobufCEnumDescriptor *desc, const char *text, int *value,
               hcbus_error_t *err);

/* The short lower-case name of an enum value ("en_route") written into buf, or "?" if
 * unknown. Returns buf. */
const char *enum_short_name(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                            size_t size);

/* Print "hcbus CMD: <what>; see hcbus CMD --help" and return EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The most long options a command has (publish: a kind's fields and the common ones). */
#define LONG_OPTIONS_MAX 64

/* getopt_long, remembering opts so that bad_flag can say "did you mean" for a
 * mistyped flag. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *opts,
               int *index);

/* The usage error for the cli_getopt result '?' or ':': names the flag, says when a
 * known flag lacks its value, and suggests the closest known flag for an unknown one. */
int bad_flag(const char *cmd, char *const argv[]);

/* "; did you mean 'X'?" (translated) for what, X the closest of names, into buf; ""
 * when none is close. Returns buf. */
const char *suggest_among(const char *what, const char *const *names, size_t n, char *buf,
                          size_t size);

/* The index of the prefix a subscription refusal names in its field ("prefixes[3]" → 3),
 * or -1 when the refusal is not UNAUTHORIZED for one prefix. */
long cli_refused_prefix_index(const hcbus_error_t *err);

#endif
