/* config_file.h — for the config unit tests: write a config text into a private
 * temporary directory and load it as a service would (hcbus_config_load). A test file
 * defines CONFIG_FILE_DIR_TEMPLATE ("/tmp/hcbus-test-NAME-XXXXXX") before including it
 * and gives make_dir / remove_dir to cmocka as its group setup and teardown. */
#ifndef HCBUS_TEST_CONFIG_FILE_H
#define HCBUS_TEST_CONFIG_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hcbus/config.h"

static char dir[64];

static hcbus_config_t *load_text(const char *text, hcbus_error_t *err)
{
    char path[128];
    snprintf(path, sizeof path, "%s/hcbus.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return hcbus_config_load(path, err);
}

static hcbus_config_t *load_ok(const char *text)
{
    hcbus_error_t err;
    hcbus_config_t *c = load_text(text, &err);
    if (!c)
        fail_msg("refused: %s: %s", err.field, err.message);
    return c;
}

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", CONFIG_FILE_DIR_TEMPLATE);
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/hcbus.conf", dir);
    unlink(path);
    return rmdir(dir);
}

#endif
