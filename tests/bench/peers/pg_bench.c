/* pg_bench.c — PostgreSQL's own durable write rate and commit latency, on the cluster
 * (and postgresql.conf) hcbus uses, for the bench's peer rows:
 *   single     (a) one single-row INSERT per transaction (autocommit), 1 connection:
 *                  rows/s and the p50/p99 of each INSERT+COMMIT
 *   single8    (e) the same on 8 connections at once (one thread each)
 *   insert100  (b) one multi-row INSERT of 100 rows per transaction
 *   insert1000 (c) one multi-row INSERT of 1000 rows per transaction
 *   copy1000   (d) one COPY ... (FORMAT binary) of 1000 rows per transaction
 * Every case writes the same table, bench_peers.events: a row shaped like an hcbus event
 * (seq, sender, namespace, msg_id, kind, sent_at, a 180-byte payload: ~256 bytes of data)
 * with a primary key on seq, parameters sent in binary. The table is emptied before and
 * after each case. Server CPU is the backends' own (pg_backend_pid(), /proc/PID/stat).
 *
 *   pg_bench --conninfo CONNINFO --case CASE --seconds S
 * Prints "key<TAB>value" lines: rate (rows/s), p50 and p99 (µs per transaction, single
 * and single8), cpu (backend µs per row), rows (rows committed in the measured time). */
#include "measure.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAYLOAD_BYTES 180
#define FIELDS 7
#define SINGLE8_CONNECTIONS 8
#define OID_INT8 20
#define OID_TEXT 25
#define OID_TIMESTAMPTZ 1184
#define OID_BYTEA 17
#define PG_EPOCH_UNIX_US 946684800000000LL /* 2000-01-01 in µs since 1970 */

typedef enum { MODE_INSERT, MODE_COPY } pg_mode_t;

typedef struct pg_case {
  const char *name;
  pg_mode_t mode;
  int rows_per_tx;
  int connections;
  int latency; /* record the p50/p99 of each transaction */
} pg_case_t;

static const pg_case_t CASES[] = {
    {"single", MODE_INSERT, 1, 1, 1},          {"single8", MODE_INSERT, 1, SINGLE8_CONNECTIONS, 1},
    {"insert100", MODE_INSERT, 100, 1, 0},     {"insert1000", MODE_INSERT, 1000, 1, 0},
    {"copy1000", MODE_COPY, 1000, 1, 0},
};

static const char *const SETUP_SQL =
    "SET client_min_messages = warning;"
    "CREATE SCHEMA IF NOT EXISTS bench_peers;"
    "CREATE TABLE IF NOT EXISTS bench_peers.events ("
    "  seq bigint PRIMARY KEY, sender text NOT NULL, namespace text NOT NULL,"
    "  msg_id text NOT NULL, kind text NOT NULL, sent_at timestamptz NOT NULL,"
    "  payload bytea NOT NULL);"
    "TRUNCATE bench_peers.events;";

static const char SENDER[] = "minsal";
static const char NAMESPACE[] = "alert.ss.san-salvador";
static const char KIND[] = "SecurityAlert";

/* What every worker shares. */
typedef struct shared {
  const char *conninfo;
  const pg_case_t *pcase;
  double seconds;
  pthread_barrier_t ready; /* workers connected and warmed up; main read the CPU */
  atomic_ullong next_seq;
  unsigned char payload[PAYLOAD_BYTES];
} shared_t;

typedef struct worker {
  shared_t *sh;
  pthread_t thread;
  PGconn *conn;
  pid_t backend_pid;
  unsigned long long rows;
  bench_latency_t lat;
  char error[512];
} worker_t;

static void put_be64(unsigned char *out, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    out[i] = (unsigned char)(v & 0xff);
    v >>= 8;
  }
}
static void put_be32(unsigned char *out, uint32_t v) {
  out[0] = (unsigned char)(v >> 24);
  out[1] = (unsigned char)(v >> 16);
  out[2] = (unsigned char)(v >> 8);
  out[3] = (unsigned char)v;
}

static int64_t pg_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - PG_EPOCH_UNIX_US;
}

/* The rows of one transaction, as binary parameter values (INSERT) or COPY data. */
typedef struct batch {
  int rows;
  unsigned char (*seq)[8];
  unsigned char (*ts)[8];
  char (*msg_id)[32];
  const char **values;
  int *lengths;
  int *formats;
  Oid *types;
  unsigned char *copy; /* binary COPY stream, for MODE_COPY */
  size_t copy_len;
  size_t copy_cap;
} batch_t;

static int batch_init(batch_t *b, int rows) {
  memset(b, 0, sizeof *b);
  b->rows = rows;
  size_t n = (size_t)rows * FIELDS;
  b->seq = calloc((size_t)rows, sizeof *b->seq);
  b->ts = calloc((size_t)rows, sizeof *b->ts);
  b->msg_id = calloc((size_t)rows, sizeof *b->msg_id);
  b->values = calloc(n, sizeof *b->values);
  b->lengths = calloc(n, sizeof *b->lengths);
  b->formats = calloc(n, sizeof *b->formats);
  b->types = calloc(n, sizeof *b->types);
  b->copy_cap = 19 + 2 + (size_t)rows * (2 + FIELDS * 4 + 8 + sizeof SENDER + sizeof NAMESPACE + 32 +
                                        sizeof KIND + 8 + PAYLOAD_BYTES);
  b->copy = malloc(b->copy_cap);
  return (b->seq && b->ts && b->msg_id && b->values && b->lengths && b->formats && b->types && b->copy) ? 0 : -1;
}

static void batch_free(batch_t *b) {
  free(b->seq);
  free(b->ts);
  free(b->msg_id);
  free(b->values);
  free(b->lengths);
  free(b->formats);
  free(b->types);
  free(b->copy);
}

/* Fill the batch with the next ROWS rows (fresh seqs and send times). */
static void batch_fill(batch_t *b, shared_t *sh) {
  int64_t now = pg_now_us();
  for (int r = 0; r < b->rows; r++) {
    unsigned long long seq = atomic_fetch_add(&sh->next_seq, 1);
    put_be64(b->seq[r], seq);
    put_be64(b->ts[r], (uint64_t)now);
    int id_len = snprintf(b->msg_id[r], sizeof b->msg_id[r], "pg-%llu", seq);
    const char *v[FIELDS] = {(const char *)b->seq[r], SENDER, NAMESPACE, b->msg_id[r], KIND,
                             (const char *)b->ts[r], (const char *)sh->payload};
    int len[FIELDS] = {8, (int)strlen(SENDER), (int)strlen(NAMESPACE), id_len, (int)strlen(KIND), 8, PAYLOAD_BYTES};
    Oid type[FIELDS] = {OID_INT8, OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT, OID_TIMESTAMPTZ, OID_BYTEA};
    for (int f = 0; f < FIELDS; f++) {
      b->values[r * FIELDS + f] = v[f];
      b->lengths[r * FIELDS + f] = len[f];
      b->formats[r * FIELDS + f] = 1;
      b->types[r * FIELDS + f] = type[f];
    }
  }
}

/* The binary COPY stream of the batch (header, tuples, trailer) into b->copy. */
static void batch_encode_copy(batch_t *b) {
  static const unsigned char header[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0,
                                           0,   0,   0,   0,   0,   0,   0,   0};
  unsigned char *p = b->copy;
  memcpy(p, header, sizeof header);
  p += sizeof header;
  for (int r = 0; r < b->rows; r++) {
    *p++ = 0;
    *p++ = FIELDS;
    for (int f = 0; f < FIELDS; f++) {
      int len = b->lengths[r * FIELDS + f];
      put_be32(p, (uint32_t)len);
      p += 4;
      memcpy(p, b->values[r * FIELDS + f], (size_t)len);
      p += len;
    }
  }
  *p++ = 0xff;
  *p++ = 0xff;
  b->copy_len = (size_t)(p - b->copy);
}

/* "INSERT INTO bench_peers.events VALUES ($1,...,$7),($8,...)" for ROWS rows (malloc'd). */
static char *insert_sql(int rows) {
  size_t cap = 64 + (size_t)rows * FIELDS * 10;
  char *sql = malloc(cap);
  if (!sql) return NULL;
  size_t n = (size_t)snprintf(sql, cap, "INSERT INTO bench_peers.events VALUES ");
  for (int r = 0; r < rows; r++) {
    n += (size_t)snprintf(sql + n, cap - n, "%s(", r ? "," : "");
    for (int f = 0; f < FIELDS; f++)
      n += (size_t)snprintf(sql + n, cap - n, "%s$%d", f ? "," : "", r * FIELDS + f + 1);
    n += (size_t)snprintf(sql + n, cap - n, ")");
  }
  return sql;
}

static int fail(worker_t *w, const char *what, PGresult *res) {
  snprintf(w->error, sizeof w->error, "%s: %s", what, w->conn ? PQerrorMessage(w->conn) : "no connection");
  if (res) PQclear(res);
  return -1;
}

/* One transaction of the case: an INSERT (autocommit) or a COPY. */
static int run_transaction(worker_t *w, batch_t *b) {
  batch_fill(b, w->sh);
  if (w->sh->pcase->mode == MODE_INSERT) {
    PGresult *res = PQexecPrepared(w->conn, "ins", b->rows * FIELDS, b->values, b->lengths, b->formats, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return fail(w, "INSERT", res);
    PQclear(res);
    return 0;
  }
  batch_encode_copy(b);
  PGresult *res = PQexec(w->conn, "COPY bench_peers.events FROM STDIN (FORMAT binary)");
  if (PQresultStatus(res) != PGRES_COPY_IN) return fail(w, "COPY", res);
  PQclear(res);
  if (PQputCopyData(w->conn, (const char *)b->copy, (int)b->copy_len) != 1 || PQputCopyEnd(w->conn, NULL) != 1)
    return fail(w, "COPY data", NULL);
  int rc = 0;
  while ((res = PQgetResult(w->conn)) != NULL) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
      fail(w, "COPY end", NULL);
      rc = -1;
    }
    PQclear(res);
  }
  return rc;
}

/* Connect, prepare and warm up (one transaction, not counted). */
static int worker_connect(worker_t *w, batch_t *b) {
  w->conn = PQconnectdb(w->sh->conninfo);
  if (PQstatus(w->conn) != CONNECTION_OK) return fail(w, "connect", NULL);
  w->backend_pid = (pid_t)PQbackendPID(w->conn);
  if (w->sh->pcase->mode == MODE_INSERT) {
    char *sql = insert_sql(b->rows);
    if (!sql) return fail(w, "out of memory", NULL);
    batch_fill(b, w->sh);
    PGresult *res = PQprepare(w->conn, "ins", sql, b->rows * FIELDS, b->types);
    free(sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return fail(w, "PREPARE", res);
    PQclear(res);
  }
  return run_transaction(w, b);
}

static void *worker_main(void *arg) {
  worker_t *w = arg;
  batch_t b;
  int ok = batch_init(&b, w->sh->pcase->rows_per_tx) == 0;
  if (!ok) snprintf(w->error, sizeof w->error, "out of memory");
  if (ok && worker_connect(w, &b) != 0) ok = 0;
  pthread_barrier_wait(&w->sh->ready);
  uint64_t deadline = bench_now_ns() + (uint64_t)(w->sh->seconds * 1e9);
  while (ok && bench_now_ns() < deadline) {
    uint64_t t0 = bench_now_ns();
    if (run_transaction(w, &b) != 0) break;
    if (w->sh->pcase->latency) bench_latency_add(&w->lat, bench_now_ns() - t0);
    w->rows += (unsigned long long)b.rows;
  }
  batch_free(&b);
  return NULL;
}

static int run_sql(const char *conninfo, const char *sql) {
  PGconn *conn = PQconnectdb(conninfo);
  int rc = 0;
  if (PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "pg_bench: connect: %s", PQerrorMessage(conn));
    rc = -1;
  } else {
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      fprintf(stderr, "pg_bench: %s", PQerrorMessage(conn));
      rc = -1;
    }
    PQclear(res);
  }
  PQfinish(conn);
  return rc;
}

static void usage(FILE *out) {
  fprintf(out, "usage: pg_bench --conninfo CONNINFO --case single|single8|insert100|insert1000|copy1000 "
               "--seconds S\n");
}

int main(int argc, char **argv) {
  const char *conninfo = NULL, *case_name = NULL;
  double seconds = 5;
  static const struct option opts[] = {{"conninfo", required_argument, NULL, 'c'},
                                       {"case", required_argument, NULL, 'k'},
                                       {"seconds", required_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
      case 'c': conninfo = optarg; break;
      case 'k': case_name = optarg; break;
      case 's':
        if (bench_parse_seconds(optarg, &seconds) != 0) {
          fprintf(stderr, "pg_bench: --seconds: '%s' is not a number of seconds in (0, 3600]\n", optarg);
          return 2;
        }
        break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  const pg_case_t *pcase = NULL;
  for (size_t i = 0; case_name && i < sizeof CASES / sizeof CASES[0]; i++)
    if (strcmp(CASES[i].name, case_name) == 0) pcase = &CASES[i];
  if (!conninfo || !pcase) {
    if (case_name && !pcase) fprintf(stderr, "pg_bench: --case: unknown case '%s'\n", case_name);
    usage(stderr);
    return 2;
  }
  if (run_sql(conninfo, SETUP_SQL) != 0) return 1;

  static shared_t sh;
  sh.conninfo = conninfo;
  sh.pcase = pcase;
  sh.seconds = seconds;
  atomic_init(&sh.next_seq, 1);
  bench_fill_body(sh.payload, sizeof sh.payload, 16);
  pthread_barrier_init(&sh.ready, NULL, (unsigned)pcase->connections + 1);

  worker_t workers[SINGLE8_CONNECTIONS];
  memset(workers, 0, sizeof workers);
  int n = pcase->connections, rc = 0;
  for (int i = 0; i < n; i++) {
    workers[i].sh = &sh;
    if (pcase->latency && bench_latency_init(&workers[i].lat, (size_t)(seconds * 20000) + 1000) != 0) {
      fprintf(stderr, "pg_bench: out of memory\n");
      return 1;
    }
    if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
      fprintf(stderr, "pg_bench: pthread_create failed\n");
      return 1;
    }
  }
  pthread_barrier_wait(&sh.ready);
  uint64_t t0 = bench_now_ns(), cpu0 = 0, cpu1 = 0;
  pid_t pids[SINGLE8_CONNECTIONS];
  for (int i = 0; i < n; i++) pids[i] = workers[i].backend_pid;
  int cpu_ok = bench_procs_cpu_us(pids, (size_t)n, &cpu0) == 0;
  for (int i = 0; i < n; i++) pthread_join(workers[i].thread, NULL);
  uint64_t t1 = bench_now_ns();
  cpu_ok = cpu_ok && bench_procs_cpu_us(pids, (size_t)n, &cpu1) == 0;

  unsigned long long rows = 0;
  bench_latency_t all;
  if (bench_latency_init(&all, (size_t)(seconds * 20000) * (size_t)n + 1000) != 0) return 1;
  for (int i = 0; i < n; i++) {
    if (workers[i].error[0]) {
      fprintf(stderr, "pg_bench: connection %d: %s", i + 1, workers[i].error);
      rc = 1;
    }
    rows += workers[i].rows;
    for (size_t k = 0; k < workers[i].lat.count; k++) bench_latency_add(&all, workers[i].lat.samples[k]);
  }
  if (rc == 0 && rows > 0) {
    double secs = (double)(t1 - t0) / 1e9;
    bench_result("rows", (double)rows);
    bench_result("rate", (double)rows / secs);
    if (pcase->latency) {
      bench_result("p50", bench_latency_percentile_us(&all, 50));
      bench_result("p99", bench_latency_percentile_us(&all, 99));
    }
    if (cpu_ok) bench_result("cpu", (double)(cpu1 - cpu0) / (double)rows);
    else fprintf(stderr, "pg_bench: could not read the backends' CPU from /proc\n");
  } else if (rc == 0) {
    fprintf(stderr, "pg_bench: no transaction committed in %.1f s\n", seconds);
    rc = 1;
  }
  for (int i = 0; i < n; i++) {
    PQfinish(workers[i].conn);
    bench_latency_free(&workers[i].lat);
  }
  bench_latency_free(&all);
  pthread_barrier_destroy(&sh.ready);
  if (run_sql(conninfo, "TRUNCATE bench_peers.events") != 0) rc = 1;
  return rc;
}
