/* zones.c — the zone catalogue (see include/hcbus/zones.h): reads the districts CSV,
 * derives the country, department and municipality ids, and keeps all of them in a
 * small open-addressing hash table for lookups on the broker's hot path. */
#include "hcbus/zones.h"

#include "hcbus/i18n.h"
#include "regular_file.h"
#include "where.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_COMPONENT_MAX 48
#define ZONE_DISTRICT_DEPTH 4          /* sv.<dept>.<municipality>.<district> */
#define CSV_COLUMNS 5
#define CSV_HEADER "zone_id,department_iso,department,municipality,district"
#define TABLE_INITIAL_SLOTS 64         /* grows by doubling at half full */
#define COUNTRY_ID "sv"
#define COUNTRY_NAME "El Salvador"
#define COUNTRY_ISO "SV"

typedef struct zone_entry {
    char *id;                          /* NULL for an empty slot */
    hcbus_zone_level_t level;
    char *name;                        /* "Soyapango, San Salvador Este, San Salvador" */
    char iso[8];                       /* "SV-SS" */
    int line;                          /* where the district was read (0 if derived) */
} zone_entry_t;

struct hcbus_zones {
    zone_entry_t *slots;
    size_t slot_count;                 /* a power of two */
    size_t used;
    size_t districts;
};

/* ---- hash table ---------------------------------------------------------------- */

static uint64_t hash_text(const char *text, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603);   /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* The slot holding id (of length len), or the empty slot where it would go. */
static zone_entry_t *find_slot(zone_entry_t *slots, size_t slot_count, const char *id, size_t len)
{
    size_t mask = slot_count - 1;
    for (size_t i = hash_text(id, len) & mask;; i = (i + 1) & mask) {
        zone_entry_t *e = &slots[i];
        if (!e->id || (strncmp(e->id, id, len) == 0 && e->id[len] == '\0'))
            return e;
    }
}

static const zone_entry_t *find_entry(const hcbus_zones_t *self, const char *id, size_t len)
{
    const zone_entry_t *e = find_slot(self->slots, self->slot_count, id, len);
    return e->id ? e : NULL;
}

static int grow(hcbus_zones_t *self)
{
    size_t count = self->slot_count ? self->slot_count * 2 : TABLE_INITIAL_SLOTS;
    zone_entry_t *slots = calloc(count, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < self->slot_count; i++) {
        zone_entry_t *old = &self->slots[i];
        if (old->id)
            *find_slot(slots, count, old->id, strlen(old->id)) = *old;
    }
    free(self->slots);
    self->slots = slots;
    self->slot_count = count;
    return 0;
}

/* Insert a new entry (the caller checked it is absent). Takes ownership of nothing:
 * id and name are copied. */
static zone_entry_t *insert(hcbus_zones_t *self, const char *id, hcbus_zone_level_t level,
                            const char *name, const char *iso, int line)
{
    if ((self->used + 1) * 2 > self->slot_count && grow(self) < 0)
        return NULL;
    zone_entry_t *e = find_slot(self->slots, self->slot_count, id, strlen(id));
    e->id = strdup(id);
    e->name = strdup(name);
    if (!e->id || !e->name) {
        free(e->id);
        free(e->name);
        e->id = e->name = NULL;
        return NULL;
    }
    e->level = level;
    snprintf(e->iso, sizeof e->iso, "%s", iso);
    e->line = line;
    self->used++;
    return e;
}

/* ---- zone ids ------------------------------------------------------------------ */

static bool component_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool hcbus_zone_id_well_formed(const char *zone_id)
{
    if (!zone_id)
        return false;
    size_t total = strlen(zone_id);
    if (total == 0 || total > HCBUS_ZONE_ID_MAX)
        return false;
    const char *p = zone_id;
    for (;;) {
        size_t n = 0;
        while (component_char(p[n]))
            n++;
        if (n == 0 || n > ZONE_COMPONENT_MAX || p[0] == '-' || p[n - 1] == '-')
            return false;
        if (p[n] == '\0')
            return true;
        if (p[n] != '.')
            return false;
        p += n + 1;
    }
}

/* Length of the first `depth` components of a well-formed id, or 0 if it has fewer. */
static size_t prefix_length(const char *zone_id, int depth)
{
    const char *p = zone_id;
    for (int i = 0; i < depth; i++) {
        const char *dot = strchr(p, '.');
        if (!dot)
            return i == depth - 1 ? strlen(zone_id) : 0;
        p = dot + 1;
    }
    return (size_t)(p - zone_id - 1);
}

static int count_components(const char *zone_id)
{
    int n = 1;
    for (const char *p = zone_id; *p; p++)
        n += *p == '.';
    return n;
}

bool hcbus_zone_covers(const char *scope, const char *zone)
{
    if (!scope || !zone || !*scope)
        return false;
    if (strcmp(scope, "*") == 0)
        return true;
    size_t n = strlen(scope);
    return strncmp(scope, zone, n) == 0 && (zone[n] == '\0' || zone[n] == '.');
}

/* ---- CSV ----------------------------------------------------------------------- */

typedef struct csv_row {
    char *fields[CSV_COLUMNS];
    int count;                 /* fields found, may exceed CSV_COLUMNS */
} csv_row_t;

/* Split line in place into fields: commas separate, a field in double quotes may hold
 * commas and "" for a quote. Returns 0, or -1 on an unterminated quote. */
static int csv_split(char *line, csv_row_t *row)
{
    row->count = 0;
    char *in = line;
    for (;;) {
        char *field = in, *out = in;
        if (*in == '"') {
            for (in++;; in++) {
                if (*in == '\0')
                    return -1;
                if (*in == '"' && in[1] != '"')
                    break;
                if (*in == '"')
                    in++;
                *out++ = *in;
            }
            in++;
            if (*in != ',' && *in != '\0')
                return -1;
        } else {
            while (*in && *in != ',')
                *out++ = *in++;
        }
        char end = *in;
        *out = '\0';
        if (row->count < CSV_COLUMNS)
            row->fields[row->count] = field;
        row->count++;
        if (end == '\0')
            return 0;
        in++;
    }
}

static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
}

typedef struct load_ctx {
    hcbus_zones_t *zones;
    const char *path;
    int line;
    hcbus_error_t *err;
} load_ctx_t;

static int load_fail(load_ctx_t *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_fail(load_ctx_t *ctx, int code, const char *fmt, ...)
{
    char where[HCBUS_ERROR_FIELD_MAX], msg[HCBUS_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hcbus_where(where, sizeof where, ctx->path, ctx->line, NULL);
    return hcbus_error_set(ctx->err, code, where, "%s", msg);
}

/* Add a derived department or municipality unless present; a present one must carry
 * the same name, or the file contradicts itself. */
static int add_ancestor(load_ctx_t *ctx, const char *id, size_t len, hcbus_zone_level_t level,
                        const char *name, const char *iso)
{
    char key[HCBUS_ZONE_ID_MAX + 1];
    snprintf(key, sizeof key, "%.*s", (int)len, id);
    const zone_entry_t *e = find_entry(ctx->zones, key, len);
    if (e)
        return strcmp(e->name, name) == 0 ? 0
                                           : load_fail(ctx, HCBUS_EINVALID,
                                                       "zone %s has another name on an earlier line", key);
    if (!insert(ctx->zones, key, level, name, iso, 0))
        return load_fail(ctx, HCBUS_ENOMEM, "out of memory adding zone %s", key);
    return 0;
}

static bool has_empty_field(const csv_row_t *row)
{
    for (int i = 0; i < CSV_COLUMNS; i++) {
        if (row->fields[i][0] == '\0')
            return true;
    }
    return false;
}

/* The id must be sv.<department_iso in lower case>.<municipality>.<district>. */
static bool id_matches_department(const char *id, const char *dept_iso)
{
    size_t n = strlen(dept_iso);
    if (strncmp(id, COUNTRY_ID ".", 3) != 0 || n == 0 || n > 3 || id[3 + n] != '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = dept_iso[i];
        char lower = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : 0;
        if (id[3 + i] != lower)
            return false;
    }
    return true;
}

static int load_row(load_ctx_t *ctx, char *line)
{
    csv_row_t row;
    if (csv_split(line, &row) < 0)
        return load_fail(ctx, HCBUS_EINVALID, "%s", "unterminated quoted field");
    if (row.count != CSV_COLUMNS)
        return load_fail(ctx, HCBUS_EINVALID, "expected %d columns, found %d", CSV_COLUMNS,
                         row.count);
    if (has_empty_field(&row))
        return load_fail(ctx, HCBUS_EINVALID, "%s", "empty field");
    const char *id = row.fields[0];
    if (!hcbus_zone_id_well_formed(id) || count_components(id) != ZONE_DISTRICT_DEPTH)
        return load_fail(ctx, HCBUS_EINVALID,
                         "malformed zone id \"%.128s\" (want sv.<dept>.<municipality>.<district>)", id);
    if (!id_matches_department(id, row.fields[1]))
        return load_fail(ctx, HCBUS_EINVALID, "zone id \"%.128s\" does not match its department_iso", id);
    const zone_entry_t *dup = find_entry(ctx->zones, id, strlen(id));
    if (dup)
        return load_fail(ctx, HCBUS_EINVALID, "duplicate zone id \"%.128s\" (first on line %d)", id,
                         dup->line);

    char iso[8], name[3 * 200];
    snprintf(iso, sizeof iso, COUNTRY_ISO "-%s", row.fields[1]);
    if (add_ancestor(ctx, id, prefix_length(id, 2), HCBUS_ZONE_DEPARTMENT, row.fields[2], iso) < 0)
        return -1;
    snprintf(name, sizeof name, "%s, %s", row.fields[3], row.fields[2]);
    if (add_ancestor(ctx, id, prefix_length(id, 3), HCBUS_ZONE_MUNICIPALITY, name, iso) < 0)
        return -1;
    snprintf(name, sizeof name, "%s, %s, %s", row.fields[4], row.fields[3], row.fields[2]);
    if (!insert(ctx->zones, id, HCBUS_ZONE_DISTRICT, name, iso, ctx->line))
        return load_fail(ctx, HCBUS_ENOMEM, "out of memory adding zone %s", id);
    ctx->zones->districts++;
    return 0;
}

static int load_lines(load_ctx_t *ctx, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        ctx->line++;
        chomp(line);
        if (ctx->line == 1) {
            if (strcmp(line, CSV_HEADER) != 0)
                rc = load_fail(ctx, HCBUS_EINVALID, "header must be \"%s\"", CSV_HEADER);
        } else if (line[0] != '\0') {
            rc = load_row(ctx, line);
        }
    }
    if (rc == 0 && ctx->line == 0)
        rc = load_fail(ctx, HCBUS_EINVALID, "%s", "empty file: no header");
    free(line);
    return rc;
}

hcbus_zones_t *hcbus_zones_load(const char *csv_path, hcbus_error_t *err)
{
    FILE *f = hcbus_open_regular_file(csv_path, "the zone catalogue", err);
    if (!f)
        return NULL;
    hcbus_zones_t *self = calloc(1, sizeof *self);
    load_ctx_t ctx = {.zones = self, .path = csv_path, .err = err};
    int rc = self ? 0 : hcbus_error_set(err, HCBUS_ENOMEM, csv_path, _("out of memory"));
    if (rc == 0 && !insert(self, COUNTRY_ID, HCBUS_ZONE_COUNTRY, COUNTRY_NAME, COUNTRY_ISO, 0))
        rc = hcbus_error_set(err, HCBUS_ENOMEM, csv_path, _("out of memory"));
    if (rc == 0)
        rc = load_lines(&ctx, f);
    fclose(f);
    if (rc < 0)
        hcbus_zones_destroy(&self);
    return self;
}

void hcbus_zones_destroy(hcbus_zones_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hcbus_zones_t *self = *self_p;
    for (size_t i = 0; i < self->slot_count; i++) {
        free(self->slots[i].id);
        free(self->slots[i].name);
    }
    free(self->slots);
    free(self);
    *self_p = NULL;
}

size_t hcbus_zones_district_count(const hcbus_zones_t *self)
{
    return self ? self->districts : 0;
}

/* The catalogue entry for zone_id, or for the district above a community. */
static const zone_entry_t *resolve(const hcbus_zones_t *self, const char *zone_id,
                                   hcbus_zone_level_t *level)
{
    *level = HCBUS_ZONE_UNKNOWN;
    if (!self || !hcbus_zone_id_well_formed(zone_id))
        return NULL;
    const zone_entry_t *e = find_entry(self, zone_id, strlen(zone_id));
    if (e) {
        *level = e->level;
        return e;
    }
    if (count_components(zone_id) <= ZONE_DISTRICT_DEPTH)
        return NULL;
    e = find_entry(self, zone_id, prefix_length(zone_id, ZONE_DISTRICT_DEPTH));
    if (!e || e->level != HCBUS_ZONE_DISTRICT)
        return NULL;
    *level = HCBUS_ZONE_COMMUNITY;
    return e;
}

hcbus_zone_level_t hcbus_zones_lookup(const hcbus_zones_t *self, const char *zone_id)
{
    hcbus_zone_level_t level;
    resolve(self, zone_id, &level);
    return level;
}

int hcbus_zones_check(const hcbus_zones_t *self, const char *zone_id, const char *field,
                      hcbus_error_t *err)
{
    if (!hcbus_zone_id_well_formed(zone_id)) {
        hcbus_error_set(err, HCBUS_EINVALID, field, _("\"%.128s\" is not a well-formed zone id"),
                        zone_id ? zone_id : "");
        return hcbus_error_hint(err, _("a zone id is lower-case components of a-z, 0-9 and '-' "
                                     "separated by dots, e.g. sv.ss.san-salvador-este.soyapango"));
    }
    if (hcbus_zones_lookup(self, zone_id) != HCBUS_ZONE_UNKNOWN)
        return 0;
    hcbus_error_set(err, HCBUS_EUNKNOWN_ZONE, field, _("zone \"%s\" is not in the catalogue"), zone_id);
    return hcbus_error_hint(err, _("zones are listed in sv-districts.csv; communities go below a district"));
}

const char *hcbus_zones_name(const hcbus_zones_t *self, const char *zone_id)
{
    hcbus_zone_level_t level;
    const zone_entry_t *e = resolve(self, zone_id, &level);
    return e ? e->name : NULL;
}

const char *hcbus_zones_iso_code(const hcbus_zones_t *self, const char *zone_id)
{
    hcbus_zone_level_t level;
    const zone_entry_t *e = resolve(self, zone_id, &level);
    return e ? e->iso : NULL;
}

void hcbus_zones_each(const hcbus_zones_t *self, hcbus_zone_visit_fn *fn, void *arg)
{
    for (size_t i = 0; self && fn && i < self->slot_count; i++) {
        const zone_entry_t *e = &self->slots[i];
        if (e->id)
            fn(arg, e->id, e->level, e->name);
    }
}
