-- 008_coordinator_views.sql — reviewer views of hcbus-coordinator's work (issue 13,
-- docs/coordinator.md): the coordinator's verdict on every status (review.verdicts),
-- review.dispatch_timeline with escorts and verdicts, the call-out times of each
-- request (review.dispatch_times, NEMSIS v3 eTimes), review.escorts, review.notices.
-- Like 003, the views read hcbus.events with their owner's rights, never show the
-- payload, and take everything from the summary jsonb (proto field names, summary.h).
--
-- A status or escort status is judged by a Notice whose subject_seq is its seq:
-- CHECKED = it counts, VIOLATION = it is refused (still recorded, flagged, and it does
-- not change the request's state). No notice yet = not yet checked (the coordinator
-- was away or is catching up); such rows count provisionally, like a checked one.

-- ---------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------

-- A Notice's kind (NoticeKind) from its summary, short lower-case name. "kind" is the
-- body kind ("notice"); the summary writes Notice.kind as "notice_kind" (summary.h).
CREATE OR REPLACE FUNCTION review.notice_kind(summary jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN review.enum_label(summary->>'notice_kind', 'NOTICE_KIND_');
COMMENT ON FUNCTION review.notice_kind(jsonb) IS
  'The NoticeKind of a notice summary, short name: checked, violation, escort_advisory, overdue, level_review.';

-- A NoticeRule short name in words (English, as in proto/hcbus.proto); NULL for none.
CREATE OR REPLACE FUNCTION review.notice_rule_text(rule text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE review.enum_label(rule, 'NOTICE_RULE_')
  WHEN 'unknown_request' THEN 'no dispatch request with that request_id'
  WHEN 'zone_mismatch' THEN 'not in the zone of the request (or escort)'
  WHEN 'not_involved' THEN 'the sender takes no part in this request (or escort)'
  WHEN 'transition' THEN 'this state cannot follow the current state'
  WHEN 'future_time' THEN 'its time is later than its arrival plus the allowed clock skew'
  WHEN 'unknown_escort' THEN 'no escort request with that escort_id for that request'
  WHEN 'duplicate_request' THEN 'a second dispatch request with a request_id already open'
  WHEN 'overdue_accept' THEN 'not accepted (nor declined) within the configured time'
  WHEN 'overdue_on_scene' THEN 'accepted, not on scene within the configured time'
  WHEN 'overdue_escort' THEN 'escort requested, not assigned within the configured time'
  WHEN 'escort_not_assigned' THEN 'en route or on scene with no escort assigned nor waived'
  WHEN 'unspecified' THEN NULL
  ELSE review.enum_label(rule, 'NOTICE_RULE_') END;
COMMENT ON FUNCTION review.notice_rule_text(text) IS
  'A NoticeRule (short or full name) in words; NULL for none or unspecified.';

-- A summary number (subject_seq) as bigint; NULL for absent, 0 or not a number.
CREATE OR REPLACE FUNCTION review.summary_seq(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN value ~ '^[0-9]{1,18}$' THEN nullif(value::bigint, 0) END;
COMMENT ON FUNCTION review.summary_seq(text) IS
  'A summary seq value (subject_seq) as bigint; absent, 0 or not a number give NULL.';

-- A Location of a summary in one line: "address (reference_point) lat,lon".
CREATE OR REPLACE FUNCTION review.location_text(location jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN nullif(concat_ws(' ', location->>'address',
                        '(' || (location->>'reference_point') || ')',
                        CASE WHEN coalesce((location->>'lat')::float8, 0) <> 0
                               OR coalesce((location->>'lon')::float8, 0) <> 0
                             THEN (location->>'lat') || ',' || (location->>'lon') END), '');
COMMENT ON FUNCTION review.location_text(jsonb) IS
  'A summary Location in one line: address (reference point) lat,lon; NULL when empty.';

-- Notices are looked up by the seq they are about; the text of the summary key, so a
-- malformed value can never make an insert fail.
CREATE INDEX IF NOT EXISTS events_notice_subject_seq_idx ON hcbus.events ((summary->>'subject_seq'))
  WHERE kind = 'notice';
CREATE INDEX IF NOT EXISTS events_escort_request_id_idx ON hcbus.events ((summary->>'request_id'))
  WHERE kind IN ('escort', 'escort_status');
COMMENT ON INDEX hcbus.events_escort_request_id_idx IS
  'Escort requests and answers by the dispatch request they are for (review.dispatch_timeline).';
COMMENT ON INDEX hcbus.events_notice_subject_seq_idx IS
  'Notices by the seq they are about: the coordinator''s verdict on a status (review views).';

-- ---------------------------------------------------------------------------
-- review.notices
-- ---------------------------------------------------------------------------
CREATE OR REPLACE VIEW review.notices AS
SELECT e.seq,
       e.subject AS notice_id,
       e.zone_id,
       review.notice_kind(e.summary) AS kind,
       nullif(review.enum_label(e.summary->>'rule', 'NOTICE_RULE_'), 'unspecified') AS rule,
       review.notice_rule_text(e.summary->>'rule') AS rule_text,
       CASE jsonb_typeof(e.summary->'recipients')
         WHEN 'array' THEN ARRAY(SELECT jsonb_array_elements_text(e.summary->'recipients'))
         WHEN 'string' THEN ARRAY[e.summary->>'recipients'] END AS recipients,
       e.summary->>'reason' AS reason,
       review.summary_seq(e.summary->>'subject_seq') AS subject_seq,
       s.kind AS subject_kind,
       coalesce(e.summary->>'subject_sender', s.sender) AS subject_sender,
       review.summary_time(e.summary->>'subject_at_us') AS subject_at,
       nullif(e.summary->>'request_id', '') AS request_id,
       nullif(e.summary->>'escort_id', '') AS escort_id,
       nullif(review.enum_label(e.summary->>'level', 'RISK_LEVEL_'), 'unspecified') AS level,
       e.summary->'access' AS access,
       (e.summary->>'alert_count')::int AS alert_count,
       review.summary_time(e.summary->>'deadline_us') AS deadline,
       e.sender,
       e.received_at
FROM hcbus.events e
LEFT JOIN hcbus.events s ON s.seq = review.summary_seq(e.summary->>'subject_seq')
WHERE e.kind = 'notice';
COMMENT ON VIEW review.notices IS
  'Every notice of hcbus-coordinator: verdicts on statuses (checked, violation), escort advisories, '
  'overdue alerts and level reviews, with who it was for (docs/coordinator.md).';
COMMENT ON COLUMN review.notices.seq IS 'The notice''s own seq.';
COMMENT ON COLUMN review.notices.notice_id IS
  'Deterministic id (= msg_id): c.v.<seq> verdict, c.a.<seq> advisory, c.o.<seq>.<rule> overdue, c.r.<seq> level review.';
COMMENT ON COLUMN review.notices.zone_id IS 'The zone it concerns (topic notice.<zone_id>).';
COMMENT ON COLUMN review.notices.kind IS 'checked, violation, escort_advisory, overdue or level_review.';
COMMENT ON COLUMN review.notices.rule IS 'The rule it is about (short NoticeRule name); NULL for none.';
COMMENT ON COLUMN review.notices.rule_text IS 'The rule in words.';
COMMENT ON COLUMN review.notices.recipients IS
  'The institutions it was addressed to (facilitators and coordinators see every notice too).';
COMMENT ON COLUMN review.notices.reason IS 'The coordinator''s one-line reason, in Spanish, naming the values.';
COMMENT ON COLUMN review.notices.subject_seq IS 'The seq of the message it is about (NULL = none).';
COMMENT ON COLUMN review.notices.subject_kind IS 'The kind of that message (status, escort_status, dispatch, alert ...).';
COMMENT ON COLUMN review.notices.subject_sender IS 'Who sent that message (empty = anonymous).';
COMMENT ON COLUMN review.notices.subject_at IS 'That message''s own time (a status''s at_us).';
COMMENT ON COLUMN review.notices.request_id IS 'The dispatch request it concerns, if any.';
COMMENT ON COLUMN review.notices.escort_id IS 'The escort it concerns, if any.';
COMMENT ON COLUMN review.notices.level IS 'Escort advisory and level review: the zone''s level in force.';
COMMENT ON COLUMN review.notices.access IS
  'Escort advisory: the zone''s access conditions (escort_required, hours, contact, entry_instructions, meeting_point).';
COMMENT ON COLUMN review.notices.alert_count IS 'Level review: security alerts in the zone within the window.';
COMMENT ON COLUMN review.notices.deadline IS 'Overdue: when the awaited status was due.';
COMMENT ON COLUMN review.notices.sender IS 'The coordinator institution that published it.';
COMMENT ON COLUMN review.notices.received_at IS 'When the broker accepted it.';

-- ---------------------------------------------------------------------------
-- review.verdicts: one row per judged status or escort status
-- ---------------------------------------------------------------------------
-- The first CHECKED or VIOLATION notice about a seq (the coordinator writes one, with
-- the deterministic id c.v.<seq>; the exactly-once key keeps it single).
CREATE OR REPLACE VIEW review.verdicts AS
SELECT DISTINCT ON (subject_seq)
       review.summary_seq(e.summary->>'subject_seq') AS subject_seq,
       CASE review.notice_kind(e.summary) WHEN 'checked' THEN 'counted' ELSE 'refused' END AS verdict,
       nullif(review.enum_label(e.summary->>'rule', 'NOTICE_RULE_'), 'unspecified') AS rule,
       review.notice_rule_text(e.summary->>'rule') AS rule_text,
       e.summary->>'reason' AS reason,
       e.seq AS notice_seq,
       e.subject AS notice_id,
       e.received_at AS checked_at
FROM hcbus.events e
WHERE e.kind = 'notice' AND review.notice_kind(e.summary) IN ('checked', 'violation')
  AND review.summary_seq(e.summary->>'subject_seq') IS NOT NULL
ORDER BY subject_seq, e.seq;
COMMENT ON VIEW review.verdicts IS
  'The coordinator''s verdict on each status and escort status it judged (its CHECKED or VIOLATION notice).';
COMMENT ON COLUMN review.verdicts.subject_seq IS 'The seq of the judged message.';
COMMENT ON COLUMN review.verdicts.verdict IS
  'counted (CHECKED) or refused (VIOLATION: recorded, flagged, does not change the state).';
COMMENT ON COLUMN review.verdicts.rule IS
  'refused: the rule broken; counted: escort_not_assigned when it went without escort; else NULL.';
COMMENT ON COLUMN review.verdicts.rule_text IS 'The rule in words.';
COMMENT ON COLUMN review.verdicts.reason IS 'The coordinator''s reason, in Spanish.';
COMMENT ON COLUMN review.verdicts.notice_seq IS 'The seq of the notice.';
COMMENT ON COLUMN review.verdicts.notice_id IS 'The notice''s id (c.v.<subject_seq>).';
COMMENT ON COLUMN review.verdicts.checked_at IS 'When the notice was recorded (received by the broker).';

-- ---------------------------------------------------------------------------
-- review.dispatch_steps: every row of a dispatch, placed and judged
-- ---------------------------------------------------------------------------
-- A row belongs to the request (request_seq) it names: the newest DispatchRequest
-- before it with that request_id in that zone that the coordinator did not refuse,
-- preferring one its own sender made (as the coordinator picks). So a request id used
-- again after its request was closed starts a new timeline, and a duplicate request
-- the coordinator refused stays in the timeline of the open one, flagged. No window
-- functions here, so filters on any column reach the tables (the timeline numbers the
-- steps; the escort and call-out views aggregate these rows).
CREATE OR REPLACE VIEW review.dispatch_steps AS
WITH steps AS (
  -- Two branches so that a filter on request_id reaches an index in each.
  SELECT e.subject AS request_id, e.zone_id, e.seq, e.kind, e.sender, e.summary, e.received_at,
         coalesce(review.summary_time(e.summary->>'at_us'), e.sent_at, e.received_at) AS at
  FROM hcbus.events e
  WHERE e.kind IN ('dispatch', 'status')
  UNION ALL
  SELECT e.summary->>'request_id', e.zone_id, e.seq, e.kind, e.sender, e.summary, e.received_at,
         coalesce(review.summary_time(e.summary->>'at_us'), e.sent_at, e.received_at)
  FROM hcbus.events e
  WHERE e.kind IN ('escort', 'escort_status')),
judged AS (
  SELECT s.*, v.verdict, v.rule, v.rule_text, v.verdict_reason, v.notice_seq
  FROM steps s
  LEFT JOIN LATERAL (
    SELECT CASE review.notice_kind(n.summary) WHEN 'checked' THEN 'counted' ELSE 'refused' END AS verdict,
           nullif(review.enum_label(n.summary->>'rule', 'NOTICE_RULE_'), 'unspecified') AS rule,
           review.notice_rule_text(n.summary->>'rule') AS rule_text,
           n.summary->>'reason' AS verdict_reason,
           n.seq AS notice_seq
    FROM hcbus.events n
    WHERE n.kind = 'notice' AND n.summary->>'subject_seq' = s.seq::text
      AND review.notice_kind(n.summary) IN ('checked', 'violation')
    ORDER BY n.seq LIMIT 1) v ON true)
SELECT j.request_id,
       j.zone_id,
       j.seq,
       CASE WHEN j.kind = 'dispatch' AND j.verdict IS DISTINCT FROM 'refused' THEN j.seq
            ELSE (SELECT d.seq FROM hcbus.events d
                  WHERE d.kind = 'dispatch' AND d.subject = j.request_id AND d.zone_id = j.zone_id
                    AND d.seq < j.seq
                    AND NOT EXISTS (SELECT 1 FROM hcbus.events n
                                    WHERE n.kind = 'notice' AND n.summary->>'subject_seq' = d.seq::text
                                      AND review.notice_kind(n.summary) = 'violation')
                  ORDER BY d.sender = j.sender DESC, d.seq DESC LIMIT 1) END AS request_seq,
       j.kind,
       j.sender,
       CASE j.kind WHEN 'dispatch' THEN 'requested'
                   WHEN 'status' THEN review.enum_label(j.summary->>'state', 'DISPATCH_STATE_')
                   WHEN 'escort' THEN 'escort_requested'
                   ELSE 'escort_' || review.enum_label(j.summary->>'state', 'ESCORT_STATE_') END AS state,
       j.at,
       j.received_at,
       j.summary,
       j.verdict,
       j.rule,
       j.rule_text,
       j.verdict_reason,
       j.notice_seq,
       j.verdict IS DISTINCT FROM 'refused' AS counts
FROM judged j;
COMMENT ON VIEW review.dispatch_steps IS
  'The rows of review.dispatch_timeline without numbering: each request, status, escort request and '
  'escort answer with the request it belongs to and the coordinator''s verdict (for aggregating).';
COMMENT ON COLUMN review.dispatch_steps.request_id IS 'The dispatch request the row names.';
COMMENT ON COLUMN review.dispatch_steps.zone_id IS 'The zone the row names.';
COMMENT ON COLUMN review.dispatch_steps.seq IS 'The row''s seq in the audit log.';
COMMENT ON COLUMN review.dispatch_steps.request_seq IS
  'The seq of the DispatchRequest the row belongs to; NULL when there is none (an unknown request).';
COMMENT ON COLUMN review.dispatch_steps.kind IS 'dispatch, status, escort (an escort request) or escort_status.';
COMMENT ON COLUMN review.dispatch_steps.sender IS 'The institution that published it.';
COMMENT ON COLUMN review.dispatch_steps.state IS
  'requested; a DispatchState (accepted, en_route ...); escort_requested; or escort_ and an EscortState (escort_assigned ...).';
COMMENT ON COLUMN review.dispatch_steps.at IS 'When it happened (at_us), else when sent or received.';
COMMENT ON COLUMN review.dispatch_steps.received_at IS 'When the broker accepted it.';
COMMENT ON COLUMN review.dispatch_steps.summary IS 'The decoded body without clinical fields.';
COMMENT ON COLUMN review.dispatch_steps.verdict IS 'counted, refused, or NULL = not (yet) checked.';
COMMENT ON COLUMN review.dispatch_steps.rule IS
  'refused: the rule broken; counted: escort_not_assigned when the crew went without escort; else NULL.';
COMMENT ON COLUMN review.dispatch_steps.rule_text IS 'The rule in words.';
COMMENT ON COLUMN review.dispatch_steps.verdict_reason IS 'The coordinator''s reason, in Spanish.';
COMMENT ON COLUMN review.dispatch_steps.notice_seq IS 'The seq of the verdict''s notice.';
COMMENT ON COLUMN review.dispatch_steps.counts IS
  'Not refused: counts in the request''s state and call-out times (not yet checked counts provisionally).';

-- ---------------------------------------------------------------------------
-- review.dispatch_timeline (003's, now with escorts and verdicts)
-- ---------------------------------------------------------------------------
-- Columns 1..16 are 003's, unchanged in name and meaning; the new ones follow.
CREATE OR REPLACE VIEW review.dispatch_timeline AS
SELECT p.request_id,
       p.zone_id,
       p.seq,
       row_number() OVER w AS step,
       p.kind,
       p.sender,
       p.state,
       p.at,
       p.at - first_value(p.at) OVER w AS since_first,
       p.summary->>'unit_id' AS unit_id,
       review.enum_label(p.summary->>'priority', 'PRIORITY_') AS priority,
       review.enum_label(p.summary->>'incident_type', 'INCIDENT_TYPE_') AS incident_type,
       review.enum_label(p.summary->>'capability', 'CAPABILITY_') AS capability,
       p.summary->>'destination_facility' AS destination_facility,
       p.summary->>'reason' AS reason,
       p.received_at,
       p.request_seq,
       CASE WHEN p.kind IN ('escort', 'escort_status') THEN p.summary->>'escort_id' END AS escort_id,
       p.summary->>'police_unit' AS police_unit,
       review.location_text(p.summary->'meeting_point') AS meeting_point,
       p.verdict,
       p.rule,
       p.rule_text,
       p.verdict_reason,
       p.notice_seq,
       coalesce(p.verdict = 'refused' OR p.rule IS NOT NULL, false) AS flagged
FROM review.dispatch_steps p
WINDOW w AS (PARTITION BY p.request_id, p.zone_id, p.request_seq ORDER BY p.seq)
ORDER BY p.request_id, p.zone_id, p.seq;
COMMENT ON VIEW review.dispatch_timeline IS
  'Each dispatch request with its status changes, escort request and escort answers in seq order, '
  'and the coordinator''s verdict on each; state "requested" is the request itself.';
COMMENT ON COLUMN review.dispatch_timeline.request_id IS 'The dispatch request (escort rows: the request the escort is for).';
COMMENT ON COLUMN review.dispatch_timeline.zone_id IS 'The zone the row names.';
COMMENT ON COLUMN review.dispatch_timeline.seq IS 'The row''s seq in the audit log.';
COMMENT ON COLUMN review.dispatch_timeline.step IS '1 for the first recorded row of the request, then 2, 3 ...';
COMMENT ON COLUMN review.dispatch_timeline.kind IS 'dispatch, status, escort (an escort request) or escort_status.';
COMMENT ON COLUMN review.dispatch_timeline.sender IS 'The institution that published it.';
COMMENT ON COLUMN review.dispatch_timeline.state IS
  'requested; a DispatchState (accepted, en_route ...); escort_requested; or escort_ and an EscortState (escort_assigned, escort_waived ...).';
COMMENT ON COLUMN review.dispatch_timeline.at IS 'When it happened (status at_us), else when sent or received.';
COMMENT ON COLUMN review.dispatch_timeline.since_first IS 'Time since the first row of this request.';
COMMENT ON COLUMN review.dispatch_timeline.unit_id IS 'The unit (status), or the crew''s unit (escort request).';
COMMENT ON COLUMN review.dispatch_timeline.priority IS 'The request''s priority.';
COMMENT ON COLUMN review.dispatch_timeline.incident_type IS 'The request''s incident type.';
COMMENT ON COLUMN review.dispatch_timeline.capability IS 'The kind of unit requested.';
COMMENT ON COLUMN review.dispatch_timeline.destination_facility IS 'Where the patient is taken (transporting, at_facility).';
COMMENT ON COLUMN review.dispatch_timeline.reason IS
  'The row''s own reason (declined, cancelled, aborted, escort requested, unavailable or waived).';
COMMENT ON COLUMN review.dispatch_timeline.received_at IS 'When the broker accepted it.';
COMMENT ON COLUMN review.dispatch_timeline.request_seq IS
  'The seq of the DispatchRequest the row belongs to; NULL when there is none (an unknown request).';
COMMENT ON COLUMN review.dispatch_timeline.escort_id IS 'Escort rows: the escort.';
COMMENT ON COLUMN review.dispatch_timeline.police_unit IS 'escort_assigned: the police unit.';
COMMENT ON COLUMN review.dispatch_timeline.meeting_point IS 'Escort rows: where police meet the crew.';
COMMENT ON COLUMN review.dispatch_timeline.verdict IS
  'The coordinator''s verdict: counted, refused (recorded but it does not count), or NULL = not (yet) checked; '
  'a request has none unless refused as a duplicate.';
COMMENT ON COLUMN review.dispatch_timeline.rule IS
  'refused: the rule broken; counted: escort_not_assigned when the crew went without escort; else NULL.';
COMMENT ON COLUMN review.dispatch_timeline.rule_text IS 'The rule in words.';
COMMENT ON COLUMN review.dispatch_timeline.verdict_reason IS 'The coordinator''s reason, in Spanish.';
COMMENT ON COLUMN review.dispatch_timeline.notice_seq IS 'The seq of the verdict''s notice (review.notices).';
COMMENT ON COLUMN review.dispatch_timeline.flagged IS 'Refused, or counted with a rule (went without escort).';

-- ---------------------------------------------------------------------------
-- review.escorts
-- ---------------------------------------------------------------------------
CREATE OR REPLACE VIEW review.escorts AS
WITH requests AS (
  SELECT t.summary->>'escort_id' AS escort_id, t.request_id, t.zone_id, t.seq, t.request_seq,
         t.sender, t.received_at, t.summary
  FROM review.dispatch_steps t
  WHERE t.kind = 'escort'),
answers AS (
  SELECT t.request_id, t.zone_id, t.request_seq, t.summary->>'escort_id' AS escort_id, t.seq,
         t.sender, t.at, t.summary->>'reason' AS reason, t.summary->>'police_unit' AS police_unit,
         review.location_text(t.summary->'meeting_point') AS meeting_point,
         t.summary->>'eta_us' AS eta, t.verdict, t.counts,
         substr(t.state, length('escort_') + 1) AS state
  FROM review.dispatch_steps t
  WHERE t.kind = 'escort_status'),
-- Grouped by the columns the outer join uses, so a filter on request_id reaches the index.
per_escort AS (
  SELECT request_id, zone_id, request_seq, escort_id,
         (array_agg(state ORDER BY seq DESC) FILTER (WHERE counts))[1] AS state,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'assigned'))[1] AS assigned_at,
         (array_agg(sender ORDER BY seq) FILTER (WHERE counts AND state = 'assigned'))[1] AS assigned_by,
         (array_agg(police_unit ORDER BY seq DESC) FILTER (WHERE counts AND state = 'assigned'))[1] AS police_unit,
         (array_agg(meeting_point ORDER BY seq DESC) FILTER (WHERE counts AND state = 'assigned'))[1] AS assigned_meeting_point,
         (array_agg(eta ORDER BY seq DESC) FILTER (WHERE counts AND state = 'assigned'))[1] AS eta,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'at_meeting_point'))[1] AS at_meeting_point_at,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'completed'))[1] AS completed_at,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'unavailable'))[1] AS unavailable_at,
         (array_agg(reason ORDER BY seq DESC) FILTER (WHERE counts AND state = 'unavailable'))[1] AS unavailable_reason,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'waived'))[1] AS waived_at,
         (array_agg(sender ORDER BY seq) FILTER (WHERE counts AND state = 'waived'))[1] AS waived_by,
         (array_agg(reason ORDER BY seq) FILTER (WHERE counts AND state = 'waived'))[1] AS waiver_reason,
         count(*) FILTER (WHERE verdict = 'refused') AS refused_answers,
         count(*) FILTER (WHERE verdict IS NULL) AS unchecked_answers
  FROM answers
  GROUP BY request_id, zone_id, request_seq, escort_id)
SELECT r.escort_id,
       r.request_id,
       r.zone_id,
       r.seq,
       r.request_seq,
       r.sender AS requested_by,
       r.received_at AS requested_at,
       r.summary->>'unit_id' AS unit_id,
       review.location_text(r.summary->'meeting_point') AS meeting_point,
       review.summary_time(r.summary->>'needed_by_us') AS needed_by,
       r.summary->>'reason' AS reason,
       coalesce(p.state, 'waiting') AS state,
       coalesce(p.state, 'waiting') IN ('waiting', 'unavailable') AS waiting,
       p.assigned_at,
       p.assigned_by,
       p.police_unit,
       p.assigned_meeting_point,
       review.summary_time(p.eta) AS eta,
       p.at_meeting_point_at,
       p.completed_at,
       p.unavailable_at,
       p.unavailable_reason,
       p.waived_at,
       p.waived_by,
       p.waiver_reason,
       coalesce(p.assigned_at, p.waived_at) - r.received_at AS wait,
       coalesce(p.refused_answers, 0) AS refused_answers,
       coalesce(p.unchecked_answers, 0) AS unchecked_answers
FROM requests r
LEFT JOIN per_escort p ON p.request_id = r.request_id AND p.zone_id = r.zone_id
                      AND p.request_seq IS NOT DISTINCT FROM r.request_seq AND p.escort_id = r.escort_id
ORDER BY r.seq;
COMMENT ON VIEW review.escorts IS
  'Each police escort request (from hcbus-coordinator or a dispatch centre) and what became of it, '
  'from the answers the coordinator did not refuse.';
COMMENT ON COLUMN review.escorts.escort_id IS 'The escort (esc-<dispatch seq> when the coordinator asked).';
COMMENT ON COLUMN review.escorts.request_id IS 'The dispatch request the crew is on.';
COMMENT ON COLUMN review.escorts.zone_id IS 'The zone the crew goes into.';
COMMENT ON COLUMN review.escorts.seq IS 'The escort request''s seq.';
COMMENT ON COLUMN review.escorts.request_seq IS 'The seq of the DispatchRequest it is for (review.dispatch_timeline).';
COMMENT ON COLUMN review.escorts.requested_by IS 'Who asked: the coordinator institution, or a dispatch centre.';
COMMENT ON COLUMN review.escorts.requested_at IS 'When the escort request was recorded (received by the broker).';
COMMENT ON COLUMN review.escorts.unit_id IS 'The crew''s unit, if given.';
COMMENT ON COLUMN review.escorts.meeting_point IS 'Where police were asked to meet the crew.';
COMMENT ON COLUMN review.escorts.needed_by IS 'When the crew needs the escort (NULL = now).';
COMMENT ON COLUMN review.escorts.reason IS 'Why the escort was asked (the level, the access conditions), in Spanish.';
COMMENT ON COLUMN review.escorts.state IS
  'The latest answer not refused: waiting (none yet), assigned, unavailable, at_meeting_point, completed or waived.';
COMMENT ON COLUMN review.escorts.waiting IS
  'The crew waits for this escort: no answer yet, or unavailable (as the coordinator counts it).';
COMMENT ON COLUMN review.escorts.assigned_at IS 'The first ASSIGNED''s own time.';
COMMENT ON COLUMN review.escorts.assigned_by IS 'The police institution that assigned it.';
COMMENT ON COLUMN review.escorts.police_unit IS 'The police unit (latest ASSIGNED).';
COMMENT ON COLUMN review.escorts.assigned_meeting_point IS 'The meeting point the police gave (latest ASSIGNED).';
COMMENT ON COLUMN review.escorts.eta IS 'When the police expected to be at the meeting point (latest ASSIGNED).';
COMMENT ON COLUMN review.escorts.at_meeting_point_at IS 'AT_MEETING_POINT''s own time.';
COMMENT ON COLUMN review.escorts.completed_at IS 'COMPLETED''s own time: the crew is out of the zone.';
COMMENT ON COLUMN review.escorts.unavailable_at IS 'The first UNAVAILABLE''s own time.';
COMMENT ON COLUMN review.escorts.unavailable_reason IS 'The latest UNAVAILABLE''s reason.';
COMMENT ON COLUMN review.escorts.waived_at IS 'When the dispatch centre decided to go without escort (WAIVED''s own time).';
COMMENT ON COLUMN review.escorts.waived_by IS 'The dispatch centre that waived it.';
COMMENT ON COLUMN review.escorts.waiver_reason IS 'Why it went without escort (required with WAIVED).';
COMMENT ON COLUMN review.escorts.wait IS 'From the escort request to ASSIGNED or WAIVED; NULL while neither came.';
COMMENT ON COLUMN review.escorts.refused_answers IS 'Answers the coordinator refused (not counted above).';
COMMENT ON COLUMN review.escorts.unchecked_answers IS 'Answers not yet checked (counted provisionally).';

-- ---------------------------------------------------------------------------
-- review.dispatch_times: call-out times of each request (NEMSIS v3 eTimes)
-- ---------------------------------------------------------------------------
-- One row per request the coordinator tracks (a duplicate it refused is not one).
-- Each time is the own time (at_us) of the first status of that state that was not
-- refused; requested is when the request was recorded.
CREATE OR REPLACE VIEW review.dispatch_times AS
WITH requests AS (
  SELECT t.request_id, t.zone_id, t.seq, t.sender, t.received_at,
         review.enum_label(t.summary->>'priority', 'PRIORITY_') AS priority,
         review.enum_label(t.summary->>'incident_type', 'INCIDENT_TYPE_') AS incident_type
  FROM review.dispatch_steps t
  WHERE t.kind = 'dispatch' AND t.request_seq = t.seq),
per_request AS (
  SELECT request_id, zone_id, request_seq,
         (array_agg(state ORDER BY seq DESC) FILTER (WHERE counts))[1] AS state,
         (array_agg(sender ORDER BY seq) FILTER (WHERE counts AND state = 'accepted'))[1] AS provider,
         (array_agg(unit_id ORDER BY seq DESC) FILTER (WHERE counts AND unit_id IS NOT NULL))[1] AS unit_id,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'accepted'))[1] AS accepted,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'en_route'))[1] AS en_route,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'on_scene'))[1] AS on_scene,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'transporting'))[1] AS left_scene,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'at_facility'))[1] AS at_facility,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'closed'))[1] AS back_in_service,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'cancelled'))[1] AS cancelled,
         (array_agg(at ORDER BY seq) FILTER (WHERE counts AND state = 'aborted_security'))[1] AS aborted_security,
         count(*) FILTER (WHERE counts AND state = 'declined') AS declined,
         count(*) FILTER (WHERE verdict = 'refused') AS refused_statuses,
         count(*) FILTER (WHERE verdict IS NULL) AS unchecked_statuses,
         coalesce(bool_or(verdict = 'counted' AND rule = 'escort_not_assigned'), false) AS without_escort
  FROM (SELECT t.*, t.summary->>'unit_id' AS unit_id
        FROM review.dispatch_steps t WHERE t.kind = 'status') s
  GROUP BY request_id, zone_id, request_seq),
escort AS (
  SELECT request_id, zone_id, request_seq,
         (array_agg(escort_id ORDER BY seq))[1] AS escort_id,
         min(requested_at) AS requested_at,
         min(assigned_at) AS assigned_at,
         min(waived_at) AS waived_at,
         (array_agg(waiver_reason ORDER BY waived_at) FILTER (WHERE waived_at IS NOT NULL))[1] AS waiver_reason,
         bool_and(waiting) AS waiting
  FROM review.escorts
  GROUP BY request_id, zone_id, request_seq)
SELECT r.request_id,
       r.zone_id,
       r.seq,
       r.sender AS requester,
       p.provider,
       p.unit_id,
       r.priority,
       r.incident_type,
       coalesce(p.state, 'requested') AS state,
       r.received_at AS requested,
       p.accepted,
       p.en_route,
       p.on_scene,
       p.left_scene,
       p.at_facility,
       p.back_in_service,
       p.cancelled,
       p.aborted_security,
       p.en_route - p.accepted AS turnout,
       p.on_scene - p.en_route AS travel_to_scene,
       p.left_scene - p.on_scene AS on_scene_time,
       p.at_facility - p.left_scene AS transport,
       p.on_scene - r.received_at AS response,
       coalesce(p.back_in_service, p.cancelled) - r.received_at AS total,
       x.escort_id IS NOT NULL AS escort_requested,
       x.escort_id,
       x.requested_at AS escort_requested_at,
       x.assigned_at AS escort_assigned,
       x.waived_at AS escort_waived,
       x.waiver_reason AS escort_waiver_reason,
       coalesce(x.assigned_at, x.waived_at) - x.requested_at AS escort_wait,
       coalesce(x.waiting, false) AS waiting_for_escort,
       coalesce(p.without_escort, false) AS without_escort,
       coalesce(p.declined, 0) AS declined,
       coalesce(p.refused_statuses, 0) AS refused_statuses,
       coalesce(p.unchecked_statuses, 0) AS unchecked_statuses
FROM requests r
LEFT JOIN per_request p ON p.request_id = r.request_id AND p.zone_id = r.zone_id AND p.request_seq = r.seq
LEFT JOIN escort x ON x.request_id = r.request_id AND x.zone_id = r.zone_id AND x.request_seq = r.seq
ORDER BY r.seq;
COMMENT ON VIEW review.dispatch_times IS
  'Call-out times of each dispatch request (NEMSIS v3 eTimes) from the statuses'' own times, '
  'leaving out statuses the coordinator refused; the durations between them; its escort (docs/coordinator.md).';
COMMENT ON COLUMN review.dispatch_times.request_id IS 'The dispatch request.';
COMMENT ON COLUMN review.dispatch_times.zone_id IS 'Its zone.';
COMMENT ON COLUMN review.dispatch_times.seq IS 'The DispatchRequest''s seq (request_seq in review.dispatch_timeline).';
COMMENT ON COLUMN review.dispatch_times.requester IS 'The dispatch centre that sent the request.';
COMMENT ON COLUMN review.dispatch_times.provider IS 'The institution whose ACCEPTED counted first (it took the request).';
COMMENT ON COLUMN review.dispatch_times.unit_id IS 'The unit of the latest counted status that names one.';
COMMENT ON COLUMN review.dispatch_times.priority IS 'The request''s priority.';
COMMENT ON COLUMN review.dispatch_times.incident_type IS 'The request''s incident type.';
COMMENT ON COLUMN review.dispatch_times.state IS 'The state of the latest status not refused; requested when none.';
COMMENT ON COLUMN review.dispatch_times.requested IS
  'eTimes.02 Dispatch Notified: when the request was recorded (the broker''s clock, from which the coordinator counts OVERDUE_ACCEPT).';
COMMENT ON COLUMN review.dispatch_times.accepted IS 'eTimes.03 Unit Notified by Dispatch: the first ACCEPTED (a unit is assigned).';
COMMENT ON COLUMN review.dispatch_times.en_route IS 'eTimes.05 Unit En Route: the first EN_ROUTE (the crew leaves).';
COMMENT ON COLUMN review.dispatch_times.on_scene IS 'eTimes.06 Unit Arrived on Scene: the first ON_SCENE.';
COMMENT ON COLUMN review.dispatch_times.left_scene IS 'eTimes.09 Unit Left Scene: TRANSPORTING.';
COMMENT ON COLUMN review.dispatch_times.at_facility IS 'eTimes.11 Patient Arrived at Destination: AT_FACILITY.';
COMMENT ON COLUMN review.dispatch_times.back_in_service IS 'eTimes.13 Unit Back in Service: CLOSED.';
COMMENT ON COLUMN review.dispatch_times.cancelled IS 'eTimes.14 Unit Canceled: CANCELLED.';
COMMENT ON COLUMN review.dispatch_times.aborted_security IS
  'The first ABORTED_SECURITY (the crew withdrew for its safety); no eTimes element.';
COMMENT ON COLUMN review.dispatch_times.turnout IS 'Turnout: en_route - accepted.';
COMMENT ON COLUMN review.dispatch_times.travel_to_scene IS 'Travel to scene: on_scene - en_route.';
COMMENT ON COLUMN review.dispatch_times.on_scene_time IS 'Time on scene: left_scene - on_scene.';
COMMENT ON COLUMN review.dispatch_times.transport IS 'Transport: at_facility - left_scene.';
COMMENT ON COLUMN review.dispatch_times.response IS 'Response, request to scene: on_scene - requested.';
COMMENT ON COLUMN review.dispatch_times.total IS 'The whole call: back_in_service (else cancelled) - requested.';
COMMENT ON COLUMN review.dispatch_times.escort_requested IS
  'A police escort was requested for it (by the escort rule or its dispatch centre).';
COMMENT ON COLUMN review.dispatch_times.escort_id IS 'The first escort request.';
COMMENT ON COLUMN review.dispatch_times.escort_requested_at IS 'When the first escort request was recorded.';
COMMENT ON COLUMN review.dispatch_times.escort_assigned IS 'The first counted ASSIGNED''s own time.';
COMMENT ON COLUMN review.dispatch_times.escort_waived IS 'When the dispatch centre chose to go without escort (WAIVED).';
COMMENT ON COLUMN review.dispatch_times.escort_waiver_reason IS 'Why it went without escort.';
COMMENT ON COLUMN review.dispatch_times.escort_wait IS 'From the escort request to ASSIGNED or WAIVED; NULL while neither came.';
COMMENT ON COLUMN review.dispatch_times.waiting_for_escort IS
  'Waiting for escort: an escort was requested and none is assigned (nor at the meeting point, completed) or waived.';
COMMENT ON COLUMN review.dispatch_times.without_escort IS
  'A counted EN_ROUTE or ON_SCENE was flagged escort_not_assigned: the crew went while still waiting for escort.';
COMMENT ON COLUMN review.dispatch_times.declined IS 'DECLINED statuses not refused.';
COMMENT ON COLUMN review.dispatch_times.refused_statuses IS 'Statuses the coordinator refused (left out of the times).';
COMMENT ON COLUMN review.dispatch_times.unchecked_statuses IS 'Statuses not yet checked (counted provisionally).';

GRANT USAGE ON SCHEMA review TO hcbus_reviewer;
GRANT SELECT ON review.notices, review.verdicts, review.dispatch_steps, review.dispatch_timeline, review.escorts,
                review.dispatch_times TO hcbus_reviewer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA review TO hcbus_reviewer;
