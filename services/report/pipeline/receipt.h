/* receipt.h — internal: the reporter's receipt code. 80 random bits written as 16
 * Crockford base32 symbols in four groups ("K7QM-2XD9-4RTB-HW3P"), and the reading of
 * a code as a person typed it back. Nothing here stores or logs a receipt. */
#ifndef REPORT_RECEIPT_H
#define REPORT_RECEIPT_H

#include "hcbus/error.h"
#include "report.h"

#define RECEIPT_BYTES 10            /* 80 bits */
#define RECEIPT_SYMBOLS 16          /* 5 bits each */
#define RECEIPT_GROUP 4             /* symbols between dashes */
#define RECEIPT_FIELD "recibo"      /* the form field an error names */

/* Write bytes as "XXXX-XXXX-XXXX-XXXX" into text (REPORT_RECEIPT_TEXT_MAX bytes). */
void receipt_encode(const unsigned char bytes[RECEIPT_BYTES], char text[REPORT_RECEIPT_TEXT_MAX]);

/* A new receipt from 80 random bits (randombytes_buf). */
void receipt_generate(char text[REPORT_RECEIPT_TEXT_MAX]);

/* Read a receipt as typed: spaces and dashes dropped, letters upper-cased, O read as 0,
 * I and L as 1. Writes the 16 symbols (NUL-terminated) into normalized. Returns 0, or
 * -1 with err (HCBUS_EINVALID, field "recibo", saying which symbol is not part of a
 * receipt or how many symbols there were). */
int receipt_normalize(const char *typed, char normalized[RECEIPT_SYMBOLS + 1], hcbus_error_t *err);

/* The 80 bits of a normalized receipt (for tests). Returns 0, or -1 with err. */
int receipt_decode(const char *normalized, unsigned char bytes[RECEIPT_BYTES], hcbus_error_t *err);

#endif
