-- 010_zone_catalogue_facilitator.sql — what `hcbus audit` (docs/audit.md, "Reading the
-- log") needs beside the views of 003 and 008: the zone catalogue in the database, so a
-- reviewer sees "Mejicanos, San Salvador Centro, San Salvador" for a zone id and can
-- ask for a zone by name (hcbus.zone_catalogue, upserted by hcbus-auditd from its
-- zones_file at start; review.zones for the reviewer), and a login role for
-- facilitators, hcbus_facilitator, a member of hcbus_reviewer and nothing more.
--
-- The catalogue is reference data, not part of the audit trail: it is not hashed nor
-- append-only (a department renamed by law is updated in place), and the reviewer reads
-- it only to name zones. Zone ids in hcbus.events never change.

CREATE TABLE IF NOT EXISTS hcbus.zone_catalogue (
  zone_id        text PRIMARY KEY CHECK (zone_id ~ '^sv(\.[a-z0-9-]+){1,2}(\.[a-z0-9-]+)?$'),
  department_iso text NOT NULL CHECK (department_iso ~ '^SV-[A-Z]{2}$'),
  department     text NOT NULL,
  municipality   text,
  district       text,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (district IS NULL OR municipality IS NOT NULL)
);
COMMENT ON TABLE hcbus.zone_catalogue IS
  'The zone catalogue (deploy/sv-districts.csv, the zones_file of hcbus.conf): one row per department, '
  'municipality and district, upserted by hcbus-auditd at start. Reference data for names, not audited.';
COMMENT ON COLUMN hcbus.zone_catalogue.zone_id IS
  'sv.<dept> (department), sv.<dept>.<municipality>, or sv.<dept>.<municipality>.<district>.';
COMMENT ON COLUMN hcbus.zone_catalogue.department_iso IS 'ISO 3166-2 code of the department: SV-SS.';
COMMENT ON COLUMN hcbus.zone_catalogue.department IS 'Department name, e.g. San Salvador.';
COMMENT ON COLUMN hcbus.zone_catalogue.municipality IS 'Municipality name (NULL for a department row).';
COMMENT ON COLUMN hcbus.zone_catalogue.district IS 'District name (NULL for a department or municipality row).';
COMMENT ON COLUMN hcbus.zone_catalogue.updated_at IS 'When hcbus-auditd last wrote the row.';

-- hcbus-auditd (hcbus_writer) keeps it in step with its zones_file.
GRANT SELECT, INSERT, UPDATE ON hcbus.zone_catalogue TO hcbus_writer;

CREATE OR REPLACE VIEW review.zones AS
SELECT zone_id,
       CASE WHEN district IS NOT NULL THEN 'district'
            WHEN municipality IS NOT NULL THEN 'municipality'
            ELSE 'department' END AS level,
       department_iso,
       department,
       municipality,
       district,
       concat_ws(', ', district, municipality, department) AS name
FROM hcbus.zone_catalogue;
COMMENT ON VIEW review.zones IS
  'The zone catalogue: each department, municipality and district with its names and ISO 3166-2 code.';
COMMENT ON COLUMN review.zones.zone_id IS 'The zone id, as in hcbus.events.zone_id (a community below a district is named by its district).';
COMMENT ON COLUMN review.zones.level IS 'department, municipality or district.';
COMMENT ON COLUMN review.zones.department_iso IS 'ISO 3166-2 code of the department: SV-SS.';
COMMENT ON COLUMN review.zones.department IS 'Department name.';
COMMENT ON COLUMN review.zones.municipality IS 'Municipality name; NULL for a department.';
COMMENT ON COLUMN review.zones.district IS 'District name; NULL for a department or municipality.';
COMMENT ON COLUMN review.zones.name IS 'District, Municipality, Department (as many as the level has).';
GRANT SELECT ON review.zones TO hcbus_reviewer;

-- The facilitators' login: reads schema review and nothing else. Local accounts reach
-- it by peer authentication (deploy/pg.sh allow DIR OS_USER hcbus_facilitator); an
-- operator may instead create one login per person: CREATE ROLE ana LOGIN IN ROLE
-- hcbus_reviewer (docs/audit.md). No password is set here. Roles are cluster-wide, so
-- it is created only if missing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hcbus_facilitator') THEN
    CREATE ROLE hcbus_facilitator LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
      NOBYPASSRLS INHERIT;
  END IF;
END
$$;
GRANT hcbus_reviewer TO hcbus_facilitator;
COMMENT ON ROLE hcbus_facilitator IS
  'Protocol facilitators'' login (hcbus audit): member of hcbus_reviewer only (schema review).';
