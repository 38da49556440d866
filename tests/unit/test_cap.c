/* test_cap.c — the CAP export's pieces without a database (services/cli/audit/cap*.c):
 * XML escaping of hostile and broken text, the time, sender and identifier rules, the
 * mappings (every Act, Target, Severity and RiskLevel of the proto has its Spanish words
 * and CAP grades), and whole documents for an alert and a level replacing another. The
 * schema itself is checked by tests/integration/test_audit_cap.sh (xmllint). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "cap_map.h"
#include "cap_xml.h"
#include "enum_name.h"
#include "report_labels.h"
#include "hcbus.pb-c.h"

#define T_2026_11_23_0900Z INT64_C(1795424400000000) /* 2026-11-23T09:00:00Z */

/* Run fn's output into a string (free it). */
typedef struct mem {
    char *buf;
    size_t len;
    FILE *f;
} mem_t;

static FILE *mem_open(mem_t *m)
{
    memset(m, 0, sizeof *m);
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
    return m->f;
}

static char *mem_close(mem_t *m)
{
    fclose(m->f);
    return m->buf;
}

static char *escaped(const char *s, size_t *replaced)
{
    mem_t m;
    *replaced = cap_xml_text(mem_open(&m), s);
    return mem_close(&m);
}

static void test_xml_escapes_markup(void **state)
{
    (void)state;
    size_t r;
    char *out = escaped("a <&\"'> b ]]> ñandú €", &r);
    assert_string_equal(out, "a &lt;&amp;&quot;&apos;&gt; b ]]&gt; ñandú €");
    assert_int_equal(r, 0);
    free(out);
}

static void test_xml_controls(void **state)
{
    (void)state;
    size_t r;
    /* tab, LF, CR kept as references; ESC cannot be XML 1.0: U+FFFD; DEL and C1 (U+0085)
     * are XML characters: references. */
    char *out = escaped("a\tb\nc\rd\x1b[8me\x7f" "f\xc2\x85g", &r);
    assert_string_equal(out, "a&#x9;b&#xA;c&#xD;d\xEF\xBF\xBD[8me&#x7F;f&#x85;g");
    assert_int_equal(r, 1);
    free(out);
}

static void test_xml_not_utf8(void **state)
{
    (void)state;
    size_t r;
    /* a lone 0xFF, a cut sequence, and U+FFFE (UTF-8, but not an XML character) */
    char *out = escaped("x\xffy\xc3z\xef\xbf\xbe!", &r);
    assert_string_equal(out, "x\xEF\xBF\xBDy\xEF\xBF\xBDz\xEF\xBF\xBD!");
    assert_int_equal(r, 3);
    free(out);
}

static void test_xml_element_and_pair(void **state)
{
    (void)state;
    mem_t m;
    FILE *f = mem_open(&m);
    cap_xml_element(f, 1, "headline", "<x>");
    cap_xml_element(f, 1, "note", "");   /* empty: left out */
    cap_xml_element(f, 1, "note", NULL); /* absent: left out */
    cap_xml_pair(f, 1, "geocode", "ISO3166-2", "SV-SS");
    cap_xml_pair(f, 1, "geocode", "ISO3166-2", NULL);
    char *out = mem_close(&m);
    assert_string_equal(out, "  <headline>&lt;x&gt;</headline>\n"
                             "  <geocode>\n"
                             "    <valueName>ISO3166-2</valueName>\n"
                             "    <value>SV-SS</value>\n"
                             "  </geocode>\n");
    free(out);
}

static void test_time_sender_identifier(void **state)
{
    (void)state;
    char buf[CAP_TIME_MAX];
    assert_string_equal(cap_time(T_2026_11_23_0900Z + 123456, false, buf, sizeof buf),
                        "2026-11-23T03:00:00-06:00");
    assert_string_equal(cap_time(T_2026_11_23_0900Z + 999999, true, buf, sizeof buf),
                        "2026-11-23T09:00:00-00:00");
    char s[CAP_SENDER_MAX];
    assert_string_equal(cap_sender("sem", s, sizeof s), "sem.hcbus.sv");
    assert_string_equal(cap_sender("", s, sizeof s), "anonymous.gateway.hcbus.sv");
    assert_string_equal(cap_sender(NULL, s, sizeof s), "anonymous.gateway.hcbus.sv");
    char id[CAP_ID_MAX];
    assert_string_equal(cap_identifier(INT64_C(9007199254740993), id, sizeof id),
                        "hcbus.sv-9007199254740993");
}

/* Every value of a proto enum but UNSPECIFIED has words through fn (report_labels.h's
 * functions give the key back for one they do not know). */
static void each_value_has_words(const ProtobufCEnumDescriptor *desc,
                                 const char *(*fn)(const char *))
{
    for (unsigned i = 0; i < desc->n_values; i++) {
        if (desc->values[i].value == 0)
            continue;
        char label[64];
        assert_non_null(hcbus_enum_short_name(desc, desc->values[i].value, label, sizeof label));
        const char *words = fn(label);
        if (!words || strcmp(words, label) == 0)
            fail_msg("%s value \"%s\" has no Spanish words", desc->name, label);
    }
}

static void test_map_every_value(void **state)
{
    (void)state;
    each_value_has_words(&hcbus__act__descriptor, report_act_es);
    each_value_has_words(&hcbus__target__descriptor, report_target_es);
    each_value_has_words(&hcbus__severity__descriptor, report_severity_es);
    each_value_has_words(&hcbus__risk_level__descriptor, cap_map_level_es);
    each_value_has_words(&hcbus__risk_level__descriptor, cap_map_level_meaning_es);
    const ProtobufCEnumDescriptor *sev = &hcbus__severity__descriptor;
    for (unsigned i = 0; i < sev->n_values; i++) {
        char label[64];
        hcbus_enum_short_name(sev, sev->values[i].value, label, sizeof label);
        cap_grade_t g = cap_map_alert(label, false);
        if (sev->values[i].value != 0 && strcmp(g.severity, "Unknown") == 0)
            fail_msg("severity \"%s\" has no CAP severity", label);
    }
}

static void test_map_grades(void **state)
{
    (void)state;
    cap_grade_t g = cap_map_alert("critical", false);
    assert_string_equal(g.urgency, "Immediate");
    assert_string_equal(g.severity, "Extreme");
    assert_string_equal(g.certainty, "Observed");
    g = cap_map_alert("low", true);
    assert_string_equal(g.urgency, "Past");
    assert_string_equal(g.severity, "Minor");
    assert_string_equal(g.certainty, "Unknown"); /* anonymous: nobody vouches */
    g = cap_map_alert("no-such-severity", false);
    assert_string_equal(g.severity, "Unknown");
    assert_null(g.response);
    g = cap_map_level("red");
    assert_string_equal(g.severity, "Extreme");
    assert_string_equal(g.response, "Avoid");
    g = cap_map_level("green");
    assert_string_equal(g.urgency, "Past");
    assert_string_equal(g.response, "AllClear");
    assert_null(cap_map_level_es("no-such-level"));
}

static char *document(const cap_event_t *ev, bool utc)
{
    mem_t m;
    size_t r = cap_write(mem_open(&m), ev, utc);
    assert_int_equal(r, 0);
    return mem_close(&m);
}

static void test_alert_document(void **state)
{
    (void)state;
    cap_event_t ev = {
        .seq = 42, .sender = "", .received_us = T_2026_11_23_0900Z,
        .zone_id = "sv.ss.san-salvador-este.soyapango",
        .area_name = "Soyapango, San Salvador Este, San Salvador", .department_iso = "SV-SS",
        .alert_id = "web-1", .target = "vehicle", .act = "threat", .severity = "high",
        .description = "dijeron <no pasen> & \"váyanse\"", .killed = "0", .injured = "0",
        .removed = "1", .occurred_us = T_2026_11_23_0900Z - 600000000,
    };
    char *doc = document(&ev, false);
    const char *want[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n",
        "<identifier>hcbus.sv-42</identifier>", "<sender>anonymous.gateway.hcbus.sv</sender>",
        "<sent>2026-11-23T03:00:00-06:00</sent>", "<msgType>Alert</msgType>",
        "<scope>Restricted</scope>", "<language>es-SV</language>",
        "<category>Security</category>", "<category>Health</category>",
        "<event>Ataque contra la atención de salud: Amenaza</event>",
        "<headline>Amenaza — Vehículo (ambulancia) — Soyapango, San Salvador Este, San Salvador</headline>",
        "<certainty>Unknown</certainty>", "<onset>2026-11-23T02:50:00-06:00</onset>",
        "secuestrados o detenidos: 1", "Denuncia anónima",
        "Relato: dijeron &lt;no pasen&gt; &amp; &quot;váyanse&quot;</description>",
        "<value>SV-SS</value>", "<areaDesc>Soyapango, San Salvador Este, San Salvador</areaDesc>",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(doc, want[i]))
            fail_msg("missing %s in:\n%s", want[i], doc);
    assert_null(strstr(doc, "<references>"));
    assert_null(strstr(doc, "<expires>"));
    free(doc);
}

static void test_level_update_document(void **state)
{
    (void)state;
    cap_event_t ev = {
        .seq = 7, .zone = true, .sender = "minsal", .received_us = T_2026_11_23_0900Z,
        .zone_id = "sv.zz.nowhere", /* not in the catalogue: named by id, no ISO code */
        .level = "orange", .valid_from_us = T_2026_11_23_0900Z,
        .valid_until_us = T_2026_11_23_0900Z + INT64_C(7200000000), .escort_required = true,
        .reason = "operativo", .prev_seq = 3, .prev_sender = "minsal",
        .prev_received_us = T_2026_11_23_0900Z - INT64_C(3600000000),
    };
    char *doc = document(&ev, true);
    const char *want[] = {
        "<sent>2026-11-23T09:00:00-00:00</sent>", "<msgType>Update</msgType>",
        "<references>minsal.hcbus.sv,hcbus.sv-3,2026-11-23T08:00:00-00:00</references>",
        "<category>Safety</category>", "<event>Nivel de riesgo de zona NARANJA</event>",
        "<responseType>Prepare</responseType>", "<effective>2026-11-23T09:00:00-00:00</effective>",
        "<expires>2026-11-23T11:00:00-00:00</expires>", "Se requiere escolta policial",
        "<instruction>Acceso restringido:", "<areaDesc>sv.zz.nowhere</areaDesc>",
        "<value>true</value>",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(doc, want[i]))
            fail_msg("missing %s in:\n%s", want[i], doc);
    assert_null(strstr(doc, "ISO3166-2"));
    /* the schema's order: references before info, effective before expires */
    assert_true(strstr(doc, "<references>") < strstr(doc, "<info>"));
    assert_true(strstr(doc, "<effective>") < strstr(doc, "<expires>"));
    assert_true(strstr(doc, "<expires>") < strstr(doc, "<headline>"));
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_escapes_markup),
        cmocka_unit_test(test_xml_controls),
        cmocka_unit_test(test_xml_not_utf8),
        cmocka_unit_test(test_xml_element_and_pair),
        cmocka_unit_test(test_time_sender_identifier),
        cmocka_unit_test(test_map_every_value),
        cmocka_unit_test(test_map_grades),
        cmocka_unit_test(test_alert_document),
        cmocka_unit_test(test_level_update_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
