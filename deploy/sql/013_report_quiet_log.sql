-- 013_report_quiet_log.sql — PostgreSQL's log says nothing about what hcbus-report does
-- (issue 15: no precise timing logged by PostgreSQL; docs/report.md "What is kept, and
-- what never is"). Without this, an answer sent twice (the back button, a double tap)
-- failed on the answers' primary key and PostgreSQL logged, with the time of the request
-- to the millisecond, the ERROR, the DETAIL naming the question_id (which names the
-- report) and the STATEMENT; and an operator who turned on slow-statement logging for the
-- cluster (log_min_duration_statement) would log every answer with its parameters: the
-- text, the alert_id, the time. These settings belong to the role and win over
-- postgresql.conf and ALTER SYSTEM: a session of hcbus_report logs no error, statement,
-- duration, parameter, lock wait or temporary file. hcbus-report logs its own failures
-- (the primary message only, never content or a receipt).
--
-- Plain SQL, safe to run again (ALTER ROLE ... SET replaces the role's value). Applied
-- by the cluster's owner (a superuser: these are superuser settings).

ALTER ROLE hcbus_report SET log_min_messages = 'panic';
ALTER ROLE hcbus_report SET log_min_error_statement = 'panic';
ALTER ROLE hcbus_report SET log_statement = 'none';
ALTER ROLE hcbus_report SET log_duration = off;
ALTER ROLE hcbus_report SET log_min_duration_statement = -1;
ALTER ROLE hcbus_report SET log_min_duration_sample = -1;
ALTER ROLE hcbus_report SET log_transaction_sample_rate = 0;
ALTER ROLE hcbus_report SET log_parameter_max_length = 0;
ALTER ROLE hcbus_report SET log_parameter_max_length_on_error = 0;
ALTER ROLE hcbus_report SET log_lock_waits = off;
ALTER ROLE hcbus_report SET log_temp_files = -1;
