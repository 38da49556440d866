/* test_text.c — text from peers (text.c, wire_nul.c): the control-character rule, each
 * escaping mode (terminal and log, quoted values, JSON), cutting at a whole escape, and
 * a NUL byte inside a string field refused on the wire by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "hcbus/codec.h"
#include "hcbus/text.h"

static void test_check(void **state)
{
    (void)state;
    size_t at = 0;
    uint32_t cp = 0;
    assert_int_equal(hcbus_text_check("Soyapango, a\xc3\xb1o \xe2\x82\xac \xc2\xa0", &at, &cp), 0);
    assert_int_equal(hcbus_text_check("", &at, &cp), 0);
    assert_int_equal(hcbus_text_check("ab\ncd", &at, &cp), -1);
    assert_int_equal(at, 2);
    assert_int_equal(cp, 0x0A);
    assert_int_equal(hcbus_text_check("\t", &at, &cp), -1);
    assert_int_equal(cp, 0x09);
    assert_int_equal(hcbus_text_check("x\x7f", &at, &cp), -1);
    assert_int_equal(cp, 0x7F);
    assert_int_equal(hcbus_text_check("xy\xc2\x9b", &at, &cp), -1);
    assert_int_equal(at, 2);
    assert_int_equal(cp, 0x9B);
    assert_int_equal(hcbus_text_check("\xc2\x80", &at, &cp), -1); /* first C1 */
    assert_int_equal(hcbus_text_check("\xc2\x9f", &at, &cp), -1); /* last C1 */
    assert_int_equal(hcbus_text_check("\xc3(", &at, &cp), -1);
    assert_int_equal(cp, UINT32_MAX);
    assert_true(hcbus_text_is_control(0x1B));
    assert_false(hcbus_text_is_control(0xA0));
}

static void expect_escape(const char *in, hcbus_text_mode_t mode, const char *want)
{
    char buf[256];
    hcbus_text_escape(in, mode, buf, sizeof buf);
    assert_string_equal(buf, want);
    char *dup = hcbus_text_escape_dup(in, mode);
    assert_non_null(dup);
    assert_string_equal(dup, want);
    free(dup);
}

static void test_escape_modes(void **state)
{
    (void)state;
    const char *forged = "robo\n#41 2026-11-23T09:12:00-06:00 zone.sv GREEN from=minsal\x1b[8m";
    expect_escape(forged, HCBUS_TEXT_PLAIN,
                  "robo\\n#41 2026-11-23T09:12:00-06:00 zone.sv GREEN from=minsal\\x1b[8m");
    expect_escape("a\tb\rc\x7f\x01", HCBUS_TEXT_PLAIN, "a\\tb\\rc\\x7f\\x01");
    expect_escape("csi \xc2\x9b" "2J nel \xc2\x85", HCBUS_TEXT_PLAIN, "csi \\u009b2J nel \\u0085");
    expect_escape("rlo \xe2\x80\xae gnp.exe ls \xe2\x80\xa8", HCBUS_TEXT_PLAIN,
                  "rlo \\u202e gnp.exe ls \\u2028");
    expect_escape("bad \xff\xc3(", HCBUS_TEXT_PLAIN, "bad \\xff\\xc3(");
    expect_escape("a\xc3\xb1o \\ \"", HCBUS_TEXT_PLAIN, "a\xc3\xb1o \\ \"");
    /* Between quotes a value cannot close the quote and add a forged field. */
    expect_escape("x\" from=minsal \\", HCBUS_TEXT_QUOTED, "x\\\" from=minsal \\\\");
    /* JSON from jansson: only what jansson leaves raw. */
    expect_escape("{\"d\":\"a\x7f\xc2\x9b\xe2\x80\xae\xc3\xb1\"}", HCBUS_TEXT_JSON,
                  "{\"d\":\"a\\u007F\\u009B\\u202E\xc3\xb1\"}");
}

static void test_escape_cut(void **state)
{
    (void)state;
    char buf[12];
    hcbus_text_escape("abcdef\x1b\x1b\x1b", HCBUS_TEXT_PLAIN, buf, sizeof buf);
    assert_string_equal(buf, "abcdef..."); /* never half an escape */
    hcbus_text_escape("abcdefghij", HCBUS_TEXT_PLAIN, buf, 11);
    assert_string_equal(buf, "abcdefghij"); /* fits exactly: no mark */
    hcbus_text_escape("abcdefghijk", HCBUS_TEXT_PLAIN, buf, 11);
    assert_string_equal(buf, "abcdefg...");
    hcbus_text_escape("\xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1", HCBUS_TEXT_PLAIN, buf, 8);
    assert_string_equal(buf, "\xc3\xb1\xc3\xb1..."); /* never half a character */
}

/* protobuf-c would keep "ab" of "ab\0GREEN": the wire check refuses it by name. */
static void test_nul_on_the_wire(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    Hcbus__Envelope *env = fixture_alert(&f);
    f.alert.description = (char *)"abZGREEN";
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = 7;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    req.publish = env;
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&req.base, &buf, &len, &err), 0);
    Hcbus__ClientRequest *back = hcbus_client_request_decode(buf, len, 0, &err);
    assert_non_null(back); /* intact, it decodes */
    hcbus_client_request_free(back);
    uint8_t *z = memchr(buf, 'Z', len);
    assert_non_null(z);
    *z = '\0';
    assert_null(hcbus_client_request_decode(buf, len, 0, &err));
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "alert.description");
    assert_string_equal(err.message, "alert.description holds a NUL byte (U+0000) at byte 2");
    /* The envelope alone, as auditd and subscribers decode it. */
    uint8_t *env_buf = NULL;
    size_t env_len = 0;
    f.alert.description = (char *)"abZGREEN";
    assert_int_equal(hcbus_encode(&env->base, &env_buf, &env_len, &err), 0);
    *(uint8_t *)memchr(env_buf, 'Z', env_len) = '\0';
    assert_null(hcbus_envelope_decode(env_buf, env_len, 0, &err));
    assert_string_equal(err.field, "alert.description");
    free(env_buf);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_escape_modes),
        cmocka_unit_test(test_escape_cut),
        cmocka_unit_test(test_nul_on_the_wire),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
