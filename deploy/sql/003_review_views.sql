-- 003_review_views.sql — what protocol facilitators (role hcbus_reviewer) may read:
-- decoded views over the audit log that never show the payload or clinical data.
-- The views belong to the migration's owner and so read hcbus.* with its rights.
--
-- The summary jsonb (hcbus.events.summary) is written by hcbus_summary_json()
-- (services/libhcbus/include/hcbus/summary.h), a JSON object where:
-- - "kind" is the body kind, the other keys are the proto field names of the body
--   message (proto/hcbus.proto): summary->>'level', ->>'state', ->>'act',
--   ->'casualties'->>'killed' ...; empty strings, zero times and absent messages are
--   left out;
-- - enums are short lower-case value names ("orange", "on_scene"); the views also
--   accept the full proto names ("RISK_LEVEL_ORANGE") and show the short form;
-- - *_us times are ISO 8601 UTC strings ("2026-11-23T09:00:00.000000Z"); the views
--   also accept numbers of microseconds since the epoch;
-- - nested messages (access, location, casualties, meeting_point) are objects;
-- - clinical fields are never there: DispatchRequest.patient is left out, and
--   "patient_redacted": true says that patient details exist in the payload.

CREATE SCHEMA IF NOT EXISTS review;
COMMENT ON SCHEMA review IS
  'Read-only views of the audit log for reviewers: decoded, without payload or clinical data.';
REVOKE ALL ON SCHEMA review FROM PUBLIC;

-- An enum value name without its type prefix, lower case: ('RISK_LEVEL_RED',
-- 'RISK_LEVEL_') -> 'red'. Accepts a value already without prefix.
CREATE OR REPLACE FUNCTION review.enum_label(value text, prefix text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN lower(CASE WHEN starts_with(value, prefix) THEN substr(value, length(prefix) + 1)
                  ELSE value END);
COMMENT ON FUNCTION review.enum_label(text, text) IS
  'Enum value name without its prefix, lower case: (RISK_LEVEL_RED, RISK_LEVEL_) -> red.';

-- A *_us field of a summary as a time: ISO 8601 text, or microseconds since the epoch;
-- absent and 0 are NULL.
CREATE OR REPLACE FUNCTION review.summary_time(value text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN value ~ '^-?[0-9]+$' THEN to_timestamp(nullif(value::bigint, 0) / 1000000.0)
            ELSE value::timestamptz END;
COMMENT ON FUNCTION review.summary_time(text) IS
  'A summary *_us value (ISO 8601 text or microseconds) as timestamptz; 0 or NULL give NULL.';

CREATE OR REPLACE VIEW review.events AS
SELECT seq, sender, kind, topic, zone_id, subject, sent_at, received_at, committed_at,
       summary, encode(hash, 'hex') AS hash, encode(prev_hash, 'hex') AS prev_hash
FROM hcbus.events;
COMMENT ON VIEW review.events IS
  'Every recorded message, decoded (summary) and without payload; sender is empty for anonymous reports.';
COMMENT ON COLUMN review.events.summary IS 'The decoded body without clinical fields.';
COMMENT ON COLUMN review.events.hash IS 'Chain hash of the row, hex.';
COMMENT ON COLUMN review.events.prev_hash IS 'Chain hash of the previous row, hex.';

-- Created only if missing: 004 widens it (repeats, last_at, hash), and running this
-- file again must not narrow it back.
DO $$
BEGIN
  IF to_regclass('review.rejections') IS NULL THEN
    CREATE VIEW review.rejections AS
    SELECT id, at, institution, key_hint, action, topic, msg_id, code, field, reason
    FROM hcbus.rejections;
    COMMENT ON VIEW review.rejections IS 'Every refused attempt with its reason.';
  END IF;
END
$$;

-- One row per step of a dispatch: the request, then each status, in seq order.
-- Request ids are unique per requesting institution; the zone tells apart the rare
-- clash between two institutions.
-- Created only if missing: 008 extends it (escorts, the coordinator's verdicts), and
-- running this file again must not narrow it back.
DO $$
BEGIN
  IF to_regclass('review.dispatch_timeline') IS NULL THEN
    CREATE OR REPLACE VIEW review.dispatch_timeline AS
    SELECT e.subject AS request_id,
           e.zone_id,
           e.seq,
           row_number() OVER w AS step,
           e.kind,
           e.sender,
           CASE e.kind WHEN 'dispatch' THEN 'requested'
                ELSE review.enum_label(e.summary->>'state', 'DISPATCH_STATE_') END AS state,
           coalesce(review.summary_time(e.summary->>'at_us'), e.sent_at, e.received_at) AS at,
           coalesce(review.summary_time(e.summary->>'at_us'), e.sent_at, e.received_at)
             - first_value(coalesce(review.summary_time(e.summary->>'at_us'), e.sent_at, e.received_at)) OVER w
             AS since_first,
           e.summary->>'unit_id' AS unit_id,
           review.enum_label(e.summary->>'priority', 'PRIORITY_') AS priority,
           review.enum_label(e.summary->>'incident_type', 'INCIDENT_TYPE_') AS incident_type,
           review.enum_label(e.summary->>'capability', 'CAPABILITY_') AS capability,
           e.summary->>'destination_facility' AS destination_facility,
           e.summary->>'reason' AS reason,
           e.received_at
    FROM hcbus.events e
    WHERE e.kind IN ('dispatch', 'status')
    WINDOW w AS (PARTITION BY e.subject, e.zone_id ORDER BY e.seq)
    ORDER BY e.subject, e.zone_id, e.seq;
    COMMENT ON VIEW review.dispatch_timeline IS
      'Each dispatch request and its status changes in seq order; state "requested" is the request itself.';
    COMMENT ON COLUMN review.dispatch_timeline.step IS '1 for the first recorded row of the request, then 2, 3 ...';
    COMMENT ON COLUMN review.dispatch_timeline.at IS 'When it happened (status at_us), else when sent or received.';
    COMMENT ON COLUMN review.dispatch_timeline.since_first IS 'Time since the first row of this request.';
  END IF;
END
$$;

CREATE OR REPLACE VIEW review.zone_history AS
SELECT e.zone_id,
       review.enum_label(e.summary->>'level', 'RISK_LEVEL_') AS level,
       review.summary_time(e.summary->>'valid_from_us') AS valid_from,
       review.summary_time(e.summary->>'valid_until_us') AS valid_until,
       e.seq,
       e.sender,
       coalesce((e.summary->'access'->>'escort_required')::boolean, false) AS escort_required,
       e.summary->>'reason' AS reason,
       e.received_at
FROM hcbus.events e
WHERE e.kind = 'zone';
COMMENT ON VIEW review.zone_history IS
  'Every risk level published for a zone; the one with the highest seq is in force.';
COMMENT ON COLUMN review.zone_history.valid_until IS 'NULL = until replaced.';

CREATE OR REPLACE VIEW review.incidents AS
SELECT e.subject AS alert_id,
       e.zone_id,
       review.enum_label(e.summary->>'target', 'TARGET_') AS target,
       review.enum_label(e.summary->>'act', 'ACT_') AS act,
       review.enum_label(e.summary->>'severity', 'SEVERITY_') AS severity,
       coalesce((e.summary->'casualties'->>'killed')::int, 0) AS killed,
       coalesce((e.summary->'casualties'->>'injured')::int, 0) AS injured,
       coalesce((e.summary->'casualties'->>'removed')::int, 0) AS removed,
       e.sender = '' AS anonymous,
       nullif(e.summary->>'request_id', '') AS request_id,
       coalesce(review.summary_time(e.summary->>'occurred_at_us'), e.sent_at, e.received_at) AS occurred_at,
       e.summary->>'description' AS description,
       e.seq,
       e.sender,
       e.received_at
FROM hcbus.events e
WHERE e.kind = 'alert';
COMMENT ON VIEW review.incidents IS
  'Security incidents against health care: what was targeted, the act, severity and casualties.';
COMMENT ON COLUMN review.incidents.anonymous IS 'Reported through the anonymous gateway (no sender recorded).';
COMMENT ON COLUMN review.incidents.occurred_at IS 'When it happened, else when it was sent or received.';

CREATE OR REPLACE VIEW review.incident_counts AS
SELECT date_trunc('month', occurred_at) AS month, zone_id, target, act,
       count(*) AS incidents, sum(killed) AS killed, sum(injured) AS injured,
       sum(removed) AS removed
FROM review.incidents
GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW review.incident_counts IS 'Incidents per month (session time zone), zone, target and act.';

GRANT USAGE ON SCHEMA review TO hcbus_reviewer;
GRANT SELECT ON ALL TABLES IN SCHEMA review TO hcbus_reviewer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA review TO hcbus_reviewer;
