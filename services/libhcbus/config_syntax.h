/* config_syntax.h — internal: the one syntax error hcbus finds before libconfig does.
 * libconfig (1.5 in Debian 12, and upstream still) does not free the quoted string it
 * holds as the next token when it stops at a syntax error: 64 bytes or more lost at
 * every refused reload of a file like `name "value";`. */
#ifndef HCBUS_CONFIG_SYNTAX_H
#define HCBUS_CONFIG_SYNTAX_H

#include "config_read.h"

/* Read ctx->path (and the files it @includes, from ctx->dir, as libconfig does) and
 * refuse a quoted string where libconfig's grammar allows none: -1 with ctx->err
 * (HCBUS_ECONFIG, "file:line"). 0 when there is none, or when the file cannot be read
 * (libconfig then says so itself). Nesting deeper than HCBUS_CFG_NESTING_MAX is
 * refused too (libconfig's parser stack could otherwise run out with a string next).
 * Integers libconfig would misread are noted in ctx->bigs (when not NULL). */
#define HCBUS_CFG_NESTING_MAX 64
int hcbus_cfg_syntax_check(const cfg_ctx_t *ctx);

#endif
