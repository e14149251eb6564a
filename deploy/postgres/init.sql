-- waops database, and per service a login role owning its own schema (and nothing else).
--
-- The same layout as waops_service_kit.provision (docs/adr/0007): role waops_<schema>,
-- schema <schema> owned by it, PUBLIC has no access to any service schema nor CREATE on
-- public. Idempotent: safe to run again (it then only sets passwords given to it).
--
-- A psql script (it uses \getenv, psql 15+). The postgres image runs it on first start from
-- /docker-entrypoint-initdb.d with the container's environment; against an external server:
--   WAOPS_DB_PASSWORD_CORE=... (one per service) psql "$ADMIN_URL" -f deploy/postgres/init.sql
-- A role whose WAOPS_DB_PASSWORD_<SCHEMA> is unset or empty gets no password (local trust or
-- peer authentication, as `make run` uses); an existing role keeps the password it has.
\set ON_ERROR_STOP on

\set db waops
\getenv db WAOPS_DATABASE
\set pw_webhook_adapter ''
\getenv pw_webhook_adapter WAOPS_DB_PASSWORD_WEBHOOK_ADAPTER
\set pw_conversation_engine ''
\getenv pw_conversation_engine WAOPS_DB_PASSWORD_CONVERSATION_ENGINE
\set pw_orchestrator ''
\getenv pw_orchestrator WAOPS_DB_PASSWORD_ORCHESTRATOR
\set pw_core ''
\getenv pw_core WAOPS_DB_PASSWORD_CORE
\set pw_notifier ''
\getenv pw_notifier WAOPS_DB_PASSWORD_NOTIFIER
\set pw_timeline ''
\getenv pw_timeline WAOPS_DB_PASSWORD_TIMELINE
\set pw_audit ''
\getenv pw_audit WAOPS_DB_PASSWORD_AUDIT

SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
\connect :"db"

-- One row per service schema: the same list as provision.SERVICE_SCHEMAS.
CREATE TEMP TABLE waops_service (schema_name text PRIMARY KEY, role_name text, password text);
INSERT INTO waops_service (schema_name, password) VALUES
    ('webhook_adapter', :'pw_webhook_adapter'),
    ('conversation_engine', :'pw_conversation_engine'),
    ('orchestrator', :'pw_orchestrator'),
    ('core', :'pw_core'),
    ('notifier', :'pw_notifier'),
    ('timeline', :'pw_timeline'),
    ('audit', :'pw_audit');
UPDATE waops_service SET role_name = 'waops_' || schema_name;

-- Roles are cluster-wide: create the missing ones, then set the passwords given.
SELECT format('CREATE ROLE %I LOGIN', role_name)
FROM waops_service
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) \gexec

SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', role_name, password)
FROM waops_service
WHERE password <> '' \gexec

-- Each schema is owned by its service's role, which runs its own migrations in it.
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', schema_name, role_name)
FROM waops_service \gexec

SELECT format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', schema_name)
FROM waops_service \gexec

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

DROP TABLE waops_service;
