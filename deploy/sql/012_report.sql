-- 012_report.sql — hcbus-report, the anonymous web form (issue 15, docs/report.md,
-- decision 0024): schema report holds the receipt mailboxes, the reports' photos, and
-- the conversation between facilitators and anonymous reporters; hcbus-report logs in as
-- hcbus_report; facilitators (hcbus_reviewer) ask through review.ask_reporter and read
-- review.report_conversation and review.report_photos, never the mailboxes.
--
-- Nothing here stores a time of day, an address or a receipt: dates are America/El_Salvador
-- days, and a mailbox row is reachable only from its receipt (lookup is derived from it
-- with Argon2id; the box is encrypted with a key derived from it). The conversation is
-- beside the audit log, not in it: it is not hashed, and the log's promises do not cover it.

CREATE SCHEMA IF NOT EXISTS report;
COMMENT ON SCHEMA report IS
  'hcbus-report''s store: receipt mailboxes, photos of anonymous reports, questions to the '
  'reporters and their answers. Written by hcbus-report (role hcbus_report); facilitators '
  'read it through schema review (report_conversation, report_photos, ask_reporter).';
REVOKE ALL ON SCHEMA report FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The tables
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS report.mailboxes (
  lookup bytea PRIMARY KEY CHECK (octet_length(lookup) = 32),
  box    bytea NOT NULL CHECK (octet_length(box) BETWEEN 1 AND 4096)
);
COMMENT ON TABLE report.mailboxes IS
  'One row per accepted report: the only link from a receipt to its report, readable only with '
  'the receipt (decision 0020). No time column, no alert id in clear.';
COMMENT ON COLUMN report.mailboxes.lookup IS
  'BLAKE2b-256(key = Argon2id(receipt), "lookup"): 32 bytes; finds the row from the receipt.';
COMMENT ON COLUMN report.mailboxes.box IS
  'nonce || crypto_secretbox(box_key, JSON {v, alert_id, zone_id, act, occurred_on, photos}); '
  'box_key is derived from the receipt. At most 4096 bytes.';

CREATE TABLE IF NOT EXISTS report.photos (
  alert_id     text NOT NULL CHECK (char_length(alert_id) BETWEEN 1 AND 64),
  n            smallint NOT NULL CHECK (n BETWEEN 1 AND 5),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
  bytes        bytea NOT NULL CHECK (octet_length(bytes) > 0),
  PRIMARY KEY (alert_id, n)
);
COMMENT ON TABLE report.photos IS
  'Photos sent with anonymous reports, metadata removed (decision 0022); for facilitators only '
  '(review.report_photos). hcbus-report writes them and cannot read them back.';
COMMENT ON COLUMN report.photos.alert_id IS 'The SecurityAlert''s alert_id (hcbus.events.subject).';
COMMENT ON COLUMN report.photos.n IS 'Its number within the report, from 1 (at most 5).';
COMMENT ON COLUMN report.photos.content_type IS 'image/jpeg or image/png.';
COMMENT ON COLUMN report.photos.bytes IS 'The cleaned image as stored.';

CREATE TABLE IF NOT EXISTS report.questions (
  question_id bigserial PRIMARY KEY,
  seq         bigint NOT NULL CHECK (seq > 0),
  alert_id    text NOT NULL CHECK (char_length(alert_id) BETWEEN 1 AND 64),
  asked_on    date NOT NULL DEFAULT (now() AT TIME ZONE 'America/El_Salvador')::date,
  asked_by    text NOT NULL,
  question    text NOT NULL CHECK (char_length(question) BETWEEN 1 AND 2000)
);
CREATE INDEX IF NOT EXISTS questions_alert_id_idx ON report.questions (alert_id);
CREATE INDEX IF NOT EXISTS questions_seq_idx ON report.questions (seq);
COMMENT ON TABLE report.questions IS
  'Questions facilitators ask the anonymous reporter of an alert (review.ask_reporter); the '
  'reporter reads them with the receipt. Not part of the hash-chained log (decision 0024).';
COMMENT ON COLUMN report.questions.question_id IS 'Number of the question, in the order asked.';
COMMENT ON COLUMN report.questions.seq IS 'The anonymous alert''s seq in hcbus.events.';
COMMENT ON COLUMN report.questions.alert_id IS 'Its alert_id: what hcbus-report finds from the receipt''s mailbox.';
COMMENT ON COLUMN report.questions.asked_on IS 'The day it was asked (America/El_Salvador); no time of day.';
COMMENT ON COLUMN report.questions.asked_by IS
  'The PostgreSQL login that asked (session_user): facilitators see it, hcbus-report cannot.';
COMMENT ON COLUMN report.questions.question IS 'The question, 1 to 2000 characters.';
COMMENT ON INDEX report.questions_alert_id_idx IS 'hcbus-report: the questions of the report a receipt opens.';
COMMENT ON INDEX report.questions_seq_idx IS 'Facilitators: the conversation of a seq.';

CREATE TABLE IF NOT EXISTS report.answers (
  question_id bigint PRIMARY KEY REFERENCES report.questions (question_id),
  answered_on date NOT NULL DEFAULT (now() AT TIME ZONE 'America/El_Salvador')::date,
  answer      text NOT NULL CHECK (char_length(answer) BETWEEN 1 AND 2000)
);
COMMENT ON TABLE report.answers IS
  'The reporter''s answer to a question (at most one each), written by hcbus-report when the '
  'reporter comes back with the receipt.';
COMMENT ON COLUMN report.answers.question_id IS 'The question answered.';
COMMENT ON COLUMN report.answers.answered_on IS 'The day it was answered (America/El_Salvador); no time of day.';
COMMENT ON COLUMN report.answers.answer IS 'The answer, 1 to 2000 characters.';

-- ---------------------------------------------------------------------------
-- hcbus-report's login: only what the form needs
-- ---------------------------------------------------------------------------
-- Local accounts reach it through peer authentication (deploy/pg.sh allow DIR
-- hcbus-report hcbus_report). Roles are cluster-wide, so it is created only if missing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hcbus_report') THEN
    CREATE ROLE hcbus_report LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
      NOBYPASSRLS INHERIT;
  END IF;
END
$$;
COMMENT ON ROLE hcbus_report IS
  'hcbus-report''s login: writes mailboxes and photos, reads questions (not who asked), '
  'writes answers; nothing of schemas hcbus and review.';

REVOKE ALL ON ALL TABLES IN SCHEMA report FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA report FROM PUBLIC;
REVOKE ALL ON report.mailboxes, report.photos, report.questions, report.answers FROM hcbus_report;
GRANT USAGE ON SCHEMA report TO hcbus_report;
GRANT SELECT, INSERT ON report.mailboxes TO hcbus_report;
GRANT INSERT ON report.photos TO hcbus_report;
GRANT SELECT (question_id, alert_id, asked_on, question) ON report.questions TO hcbus_report;
GRANT SELECT, INSERT ON report.answers TO hcbus_report;

-- ---------------------------------------------------------------------------
-- Facilitators: ask, read the conversation and the photos
-- ---------------------------------------------------------------------------

-- Adds a question to the anonymous reporter of the alert recorded at seq and returns its
-- question_id. SECURITY DEFINER: the reviewer may not write report.questions itself, so
-- the checks here are the only way in. The messages are Spanish, as facilitators read
-- them (hcbus audit ask prints them as they are).
CREATE OR REPLACE FUNCTION review.ask_reporter(seq bigint, question text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ev record;
  len int;
  new_id bigint;
BEGIN
  IF ask_reporter.seq IS NULL OR ask_reporter.seq <= 0 THEN
    RAISE EXCEPTION 'seq %: no es un número de mensaje del registro', coalesce(ask_reporter.seq::text, 'vacío')
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use el seq que muestra hcbus audit list --kind alert.';
  END IF;
  len := char_length(coalesce(btrim(ask_reporter.question, E' \t\r\n'), ''));
  IF len = 0 THEN
    RAISE EXCEPTION 'seq %: la pregunta está vacía', ask_reporter.seq
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Escriba la pregunta entre comillas.';
  END IF;
  len := char_length(ask_reporter.question);
  IF len > 2000 THEN
    RAISE EXCEPTION 'seq %: la pregunta tiene % caracteres; el máximo es 2000', ask_reporter.seq, len
      USING ERRCODE = 'string_data_right_truncation', HINT = 'Acórtela o divídala en dos preguntas.';
  END IF;
  SELECT e.kind, e.sender, e.subject INTO ev
  FROM hcbus.events e WHERE e.seq = ask_reporter.seq;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'seq %: no hay ningún mensaje con ese seq en el registro', ask_reporter.seq
      USING ERRCODE = 'no_data_found', HINT = 'hcbus audit list --kind alert --institution '''' lista las alertas anónimas.';
  END IF;
  IF ev.kind <> 'alert' THEN
    RAISE EXCEPTION 'seq %: es un mensaje de tipo %, no una alerta; solo se puede preguntar a quien reportó una alerta anónima',
      ask_reporter.seq, ev.kind
      USING ERRCODE = 'invalid_parameter_value', HINT = 'hcbus audit list --kind alert --institution '''' lista las alertas anónimas.';
  END IF;
  IF ev.sender <> '' THEN
    RAISE EXCEPTION 'seq %: la alerta no es anónima, la envió la institución %', ask_reporter.seq, ev.sender
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Pregunte a esa institución directamente.';
  END IF;
  IF ev.subject IS NULL OR ev.subject = '' THEN
    RAISE EXCEPTION 'seq %: la alerta no tiene alert_id', ask_reporter.seq
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO report.questions (seq, alert_id, asked_on, asked_by, question)
  VALUES (ask_reporter.seq, ev.subject, (now() AT TIME ZONE 'America/El_Salvador')::date,
          session_user, ask_reporter.question)
  RETURNING question_id INTO new_id;
  RETURN new_id;
END
$$;
COMMENT ON FUNCTION review.ask_reporter(bigint, text) IS
  'Ask the anonymous reporter of the alert at seq a question (1 to 2000 characters); returns '
  'its question_id. Refuses, in Spanish naming the seq, a seq that is not an anonymous alert. '
  'The reporter reads it only by coming back with the receipt (web form reports only).';
REVOKE ALL ON FUNCTION review.ask_reporter(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION review.ask_reporter(bigint, text) TO hcbus_reviewer;

CREATE OR REPLACE VIEW review.report_conversation AS
SELECT q.seq, q.alert_id, q.question_id, q.asked_on, q.asked_by, q.question,
       a.answered_on, a.answer
FROM report.questions q
LEFT JOIN report.answers a ON a.question_id = q.question_id;
COMMENT ON VIEW review.report_conversation IS
  'Every question asked to an anonymous reporter, with the answer when there is one '
  '(answered_on and answer NULL: not answered yet).';

-- Photos are keyed by alert_id; only an anonymous alert's own photos are shown, so an
-- institution that copied an anonymous alert's alert_id into its own alert gets none.
CREATE OR REPLACE VIEW review.report_photos AS
SELECT e.seq, p.alert_id, p.n, p.content_type, p.bytes
FROM report.photos p
JOIN hcbus.events e ON e.subject = p.alert_id AND e.kind = 'alert' AND e.sender = '';
COMMENT ON VIEW review.report_photos IS
  'The photos of each anonymous alert (metadata removed), by the alert''s seq.';

-- The views' columns say what the tables' say.
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT v.view_name, v.column_name, col_description(v.rel, a.attnum) AS text
             FROM (VALUES ('report_conversation', 'seq', 'report.questions'::regclass),
                          ('report_conversation', 'alert_id', 'report.questions'::regclass),
                          ('report_conversation', 'question_id', 'report.questions'::regclass),
                          ('report_conversation', 'asked_on', 'report.questions'::regclass),
                          ('report_conversation', 'asked_by', 'report.questions'::regclass),
                          ('report_conversation', 'question', 'report.questions'::regclass),
                          ('report_conversation', 'answered_on', 'report.answers'::regclass),
                          ('report_conversation', 'answer', 'report.answers'::regclass),
                          ('report_photos', 'seq', 'report.questions'::regclass),
                          ('report_photos', 'alert_id', 'report.photos'::regclass),
                          ('report_photos', 'n', 'report.photos'::regclass),
                          ('report_photos', 'content_type', 'report.photos'::regclass),
                          ('report_photos', 'bytes', 'report.photos'::regclass))
                  v(view_name, column_name, rel)
             JOIN pg_attribute a ON a.attrelid = v.rel AND a.attname = v.column_name LOOP
    IF col.text IS NOT NULL THEN
      EXECUTE format('COMMENT ON COLUMN review.%I.%I IS %L', col.view_name, col.column_name, col.text);
    END IF;
  END LOOP;
END
$$;
COMMENT ON COLUMN review.report_conversation.answered_on IS
  'The day it was answered (America/El_Salvador); NULL: not answered yet.';
COMMENT ON COLUMN review.report_conversation.answer IS 'The answer; NULL: not answered yet.';

GRANT USAGE ON SCHEMA review TO hcbus_reviewer;
GRANT SELECT ON review.report_conversation, review.report_photos TO hcbus_reviewer;
