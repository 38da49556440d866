/* cap_xml.h — writing XML 1.0 for the CAP export: character data escaped so that any
 * text from the log (a reporter's description holding <&"'>, a record older than the
 * no-control-characters rule of decision 0006) stays well-formed and reads back exactly.
 * Knows nothing of CAP itself (cap.c builds the documents). */
#ifndef HCBUS_CLI_AUDIT_CAP_XML_H
#define HCBUS_CLI_AUDIT_CAP_XML_H

#include <stddef.h>
#include <stdio.h>

#define CAP_XML_INDENT 2 /* spaces per level */

/* Write the NUL-terminated s to out as XML character data: & < > " ' as entities; tab,
 * line feed and carriage return as character references (so a parser keeps them
 * exactly); DEL and the C1 controls as character references; the C0 controls XML 1.0
 * cannot hold at all, and bytes that are not UTF-8, as U+FFFD. Returns how many
 * characters were replaced by U+FFFD (0 for any text recorded under decision 0006). */
size_t cap_xml_text(FILE *out, const char *s);

/* "<name>text</name>" on a line of its own, indented depth levels; NULL or empty text
 * writes nothing (CAP's optional elements are left out rather than empty). Returns the
 * characters replaced, as cap_xml_text. name is trusted (a constant). */
size_t cap_xml_element(FILE *out, int depth, const char *name, const char *text);

/* "<name>" or "</name>" on a line of its own, indented depth levels. */
void cap_xml_open(FILE *out, int depth, const char *name);
void cap_xml_close(FILE *out, int depth, const char *name);

/* <name><valueName>value_name</valueName><value>value</value></name>: CAP's
 * eventCode, parameter and geocode pairs. Nothing when value is NULL or empty. */
size_t cap_xml_pair(FILE *out, int depth, const char *name, const char *value_name,
                    const char *value);

#endif
