/* examples.c — the examples that end each `hcbus` command's --help: real command lines
 * that work as written after `. var/env.sh` (deploy/run.sh's set-up, as the README
 * walks through it: endpoints, the broker's key, the police's key in HCBUS_KEY, the
 * catalogue in HCBUS_ZONES). Another institution speaks with --key var/keys/NAME.key.
 * REQUEST and ESCORT stand for ids an earlier command printed. */
#include "examples.h"

#include <string.h>

#include "hcbus/i18n.h"

static const struct {
    const char *command; /* "publish zone", "subscribe", ...; "": hcbus --help */
    const char *what;    /* N_() */
    const char *line;
} examples[] = {
    {"", N_("watch every kind of message the police may read in San Salvador department:"),
     "hcbus subscribe --zone sv.ss"},
    {"", N_("set Soyapango red as the Ministry of Health:"),
     "hcbus zone set sv.ss.san-salvador-este.soyapango red --key var/keys/minsal.key"},
    {"", N_("the open dispatch requests, as SEM sees them:"),
     "hcbus dispatch list --open --key var/keys/sem.key"},
    {"subscribe", N_("every kind of message the police may read in San Salvador department:"),
     "hcbus subscribe --zone sv.ss"},
    {"subscribe", N_("the last hour, then live, one JSON object per line:"),
     "hcbus subscribe --zone sv.ss --since now-1h --json"},
    {"subscribe", N_("only the zone levels of the whole country, exit 5 after a minute without feed:"),
     "hcbus subscribe zone. --max-outage 60"},
    {"snapshot", N_("the current level of every zone of San Salvador department:"),
     "hcbus snapshot zone.sv.ss."},
    {"snapshot", N_("the same, one JSON object per line:"),
     "hcbus snapshot zone.sv.ss. --json"},
    {"dispatch", N_("the open dispatch requests in San Salvador department, as SEM sees them:"),
     "hcbus dispatch list --open --zone sv.ss --key var/keys/sem.key"},
    {"dispatch", N_("one request with its timeline and call-out times (REQUEST from the list):"),
     "hcbus dispatch show REQUEST --key var/keys/sem.key"},
    {"zone", N_("find Soyapango's zone id (any case, with or without accents):"),
     "hcbus zone find soyapango"},
    {"zone", N_("every zone of San Salvador Este with its level:"),
     "hcbus zone show sv.ss.san-salvador-este"},
    {"zone", N_("set it red as the Ministry of Health, escort required:"),
     "hcbus zone set sv.ss.san-salvador-este.soyapango red --escort-required \\\n"
     "      --key var/keys/minsal.key"},
    {"keygen", N_("a key pair for a new institution, in var/keys:"),
     "hcbus keygen hospital-zacamil --dir var/keys"},
    {"keygen", N_("a new key to sign the audit log's tree heads (set auditd.log_key_file):"),
     "hcbus keygen --log-signer auditd-2027 --dir var/keys"},
    {"audit", N_("check that the log was not altered:"),
     "hcbus audit verify"},
    {"audit", N_("what happened to a dispatch request:"),
     "hcbus audit timeline REQUEST"},
    {"audit", N_("the alerts of the last day:"),
     "hcbus audit list --kind alert --from now-24h"},
    {"publish zone", N_("the Ministry of Health sets Soyapango red, escort required from 7 to 17 h:"),
     "hcbus publish zone --key var/keys/minsal.key --zone sv.ss.san-salvador-este.soyapango \\\n"
     "      --level red --escort-required --allowed-from-hour 7 --allowed-until-hour 17"},
    {"publish zone", N_("and back to green once it is over:"),
     "hcbus publish zone --key var/keys/minsal.key --zone sv.ss.san-salvador-este.soyapango \\\n"
     "      --level green --reason \"patrols restored\""},
    {"publish dispatch", N_("SEM asks for an advanced unit for a gunshot wound (prints the request id):"),
     "hcbus publish dispatch --key var/keys/sem.key --zone sv.ss.san-salvador-este.soyapango \\\n"
     "      --address \"Colonia Las Margaritas, pasaje 3\" --priority critical \\\n"
     "      --incident-type violence --capability advanced"},
    {"publish status", N_("unit SEM-U12 accepts the request REQUEST (the id publish dispatch printed):"),
     "hcbus publish status --key var/keys/sem.key --request-id REQUEST \\\n"
     "      --zone sv.ss.san-salvador-este.soyapango --unit SEM-U12 --state accepted"},
    {"publish status", N_("and takes the patient to hospital:"),
     "hcbus publish status --key var/keys/sem.key --request-id REQUEST \\\n"
     "      --zone sv.ss.san-salvador-este.soyapango --unit SEM-U12 --state transporting \\\n"
     "      --destination-facility \"Hospital Nacional Rosales\""},
    {"publish alert", N_("the Red Cross reports a threat against its crew:"),
     "hcbus publish alert --key var/keys/cruz-roja.key --zone sv.ss.san-salvador-este.soyapango \\\n"
     "      --target personnel --act threat --severity high --description \"crew threatened\""},
    {"publish escort", N_("SEM asks the police for an escort for request REQUEST:"),
     "hcbus publish escort --key var/keys/sem.key --request-id REQUEST \\\n"
     "      --zone sv.ss.san-salvador-este.soyapango --unit SEM-U12 --address \"Redondel Unicentro\""},
    {"publish escort-status", N_("the police assign patrol PNC-S-07 to escort ESCORT (HCBUS_KEY is the police's):"),
     "hcbus publish escort-status --escort-id ESCORT --request-id REQUEST \\\n"
     "      --zone sv.ss.san-salvador-este.soyapango --state assigned --police-unit PNC-S-07 \\\n"
     "      --address \"Redondel Unicentro, Soyapango\""},
    {"publish escort-status", N_("or say that no patrol is free:"),
     "hcbus publish escort-status --escort-id ESCORT --request-id REQUEST \\\n"
     "      --zone sv.ss.san-salvador-este.soyapango --state unavailable --reason \"no patrol free\""},
    {"publish", N_("the Ministry of Health sets Soyapango red:"),
     "hcbus publish zone --key var/keys/minsal.key --zone sv.ss.san-salvador-este.soyapango --level red"},
    {"publish", N_("one JSON Envelope per line from a file, answered in JSON:"),
     "hcbus publish --json --key var/keys/minsal.key < envelopes.jsonl"},
    {"publish", N_("a field unit on a poor link: kept on disk until recorded, \"queued\" if offline:"),
     "hcbus publish status --key var/keys/sem.key --outbox --link field --request-id REQUEST \\\n"
     "      --zone sv.ss.san-salvador-este.soyapango --unit SEM-U12 --state on_scene"},
    {"outbox", N_("what waits in this machine's outbox:"),
     "hcbus outbox show"},
    {"outbox", N_("send it, waiting up to a minute for the broker:"),
     "hcbus outbox flush --key var/keys/sem.key --link field --timeout 60"},
};

void examples_print(const char *command, FILE *out)
{
    bool any = false;
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        if (strcmp(examples[i].command, command) != 0)
            continue;
        if (!any)
            fprintf(out, "%s", _("examples (after . var/env.sh, as in the README):\n"));
        any = true;
        fprintf(out, "  # %s\n  %s\n", _(examples[i].what), examples[i].line);
    }
}
