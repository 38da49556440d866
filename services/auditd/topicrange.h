/* topicrange.h — a subscription prefix as byte ranges of topics: the SQL form of
 * hcbus_topic_matches (libhcbus topic.c), which live delivery uses. Matching is by
 * whole components, so "alert.sv.ss.soyapango.centro" covers "...centro" and
 * "...centro.x" but never "...centro-norte". Compared in collation "C" (byte order),
 * with the index of deploy/sql/006_replay_index.sql. */
#ifndef AUDITD_TOPICRANGE_H
#define AUDITD_TOPICRANGE_H

#include <stdbool.h>

#include "hcbus/topic.h"

/* The longest prefix read from the link; the broker's are shorter (HCBUS_TOPIC_MAX). */
#define AUDITD_PREFIX_MAX HCBUS_TOPIC_MAX

/* What one prefix matches: every topic when `all`; otherwise topic = exact (if
 * has_exact) or lo <= topic < hi (byte order, hi exclusive). */
typedef struct auditd_topic_range {
    bool all;
    bool has_exact;
    char exact[AUDITD_PREFIX_MAX + 1];
    char lo[AUDITD_PREFIX_MAX + 2];
    char hi[AUDITD_PREFIX_MAX + 2];
} auditd_topic_range_t;

/* Fill r for prefix: "" matches every topic; "p." matches topics starting with "p."
 * (lo "p.", hi "p/": '/' is the byte after '.'); "p" matches "p" itself and the topics
 * starting with "p.". Returns false if prefix is longer than AUDITD_PREFIX_MAX. */
bool auditd_topic_range(const char *prefix, auditd_topic_range_t *r);

#endif
