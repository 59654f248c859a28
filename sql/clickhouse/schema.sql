-- mailwire's event lines (docs/events.md) in ClickHouse: docs/clickhouse.md.
-- Written for ClickHouse 18.16 (Debian's clickhouse-server): no DateTime64, no IPv6 type, no
-- LowCardinality, JSONEachRow with flat keys only. Load with
--   clickhouse-client --multiquery < sql/clickhouse/schema.sql
-- Re-running it is harmless (IF NOT EXISTS).

CREATE DATABASE IF NOT EXISTS mailwire;

-- Where `mailwire read|live --format jsonl --schema 2` is inserted, all record types in one stream:
--   ... | clickhouse-client --input_format_skip_unknown_fields=1 \
--           --query 'INSERT INTO mailwire.events_in FORMAT JSONEachRow'
-- A Null table keeps nothing; each materialized view below copies the rows of one record type
-- (mailwire.record) into that type's table as they are inserted. Fields not listed here are skipped
-- (input_format_skip_unknown_fields); fields a record does not have take the type's default ('' / 0 / []).
CREATE TABLE IF NOT EXISTS mailwire.events_in
(
    `@timestamp` String,
    `mailwire.record` String,
    `observer.name` String,
    `mailwire.input` String,
    `mailwire.conversation.uid` String,
    `network.community_id` String,
    `network.protocol` String,
    `client.ip` String,
    `client.port` UInt16,
    `server.ip` String,
    `server.port` UInt16,
    `user.name` String,
    `event.outcome` String,
    `event.end` String,
    `event.duration` Int64,
    `message` String,
    `mailwire.transport.security` String,
    `mailwire.tcp.reset_by` String,
    `mailwire.server.product` String,
    `mailwire.server.version` String,
    `mailwire.findings.ids` Array(String),
    `tls.version` String,
    `tls.cipher` String,
    `tls.client.server_name` String,
    `tls.server.hash.sha256` String,
    `tls.server.x509.subject.common_name` Array(String),
    `tls.server.x509.not_after` String,
    `mailwire.dialogue.n` UInt32,
    `mailwire.dialogue.side` String,
    `mailwire.dialogue.kind` String,
    `mailwire.dialogue.frame` UInt64,
    `mailwire.exchange.command` String,
    `mailwire.exchange.status` String,
    `mailwire.exchange.response_code` String,
    `mailwire.exchange.response_time` Float64,
    `mailwire.login.method` String,
    `mailwire.login.encrypted` UInt8,
    `mailwire.login.outcome` String,
    `mailwire.login.secret_exposed` UInt8,
    `mailwire.login.offline_attack` String,
    `mailwire.login.response_code` String,
    `mailwire.login.server_text` String,
    `rule.id` String,
    `log.level` String,
    `event.severity` UInt8,
    `mailwire.finding.scope` String,
    `mailwire.finding.frames` Array(UInt64),
    `mailwire.finding.args.names` Array(String),
    `mailwire.finding.args.values` Array(String)
) ENGINE = Null;

-- Times: DateTime (seconds, UTC) plus the microseconds in their own column; ClickHouse 20.1+ has
-- DateTime64(6) for both in one (docs/clickhouse.md). Each table is ordered by time, then the
-- conversation, and partitioned by month (old months are dropped with ALTER TABLE ... DROP PARTITION).

CREATE TABLE IF NOT EXISTS mailwire.conversations
(
    timestamp DateTime('UTC'),
    timestamp_us UInt32,
    end DateTime('UTC'),
    duration_ns Int64,
    sensor String,
    input String,
    uid String,
    community_id String,
    protocol String,
    client_ip String,
    client_port UInt16,
    server_ip String,
    server_port UInt16,
    user String,
    outcome String,
    message String,
    security String,
    reset_by String,
    server_product String,
    server_version String,
    finding_ids Array(String),
    tls_version String,
    tls_cipher String,
    tls_server_name String,
    cert_sha256 String,
    cert_subject_cn Array(String),
    cert_not_after String
) ENGINE = MergeTree() PARTITION BY toYYYYMM(timestamp) ORDER BY (timestamp, uid);

CREATE TABLE IF NOT EXISTS mailwire.dialogue
(
    timestamp DateTime('UTC'),
    timestamp_us UInt32,
    sensor String,
    uid String,
    protocol String,
    client_ip String,
    server_ip String,
    server_port UInt16,
    n UInt32,
    side String,
    kind String,
    frame UInt64,
    line String,
    command String,
    status String,
    response_code String,
    response_time Float64
) ENGINE = MergeTree() PARTITION BY toYYYYMM(timestamp) ORDER BY (timestamp, uid, n);

CREATE TABLE IF NOT EXISTS mailwire.logins
(
    timestamp DateTime('UTC'),
    timestamp_us UInt32,
    sensor String,
    input String,
    uid String,
    protocol String,
    client_ip String,
    server_ip String,
    server_port UInt16,
    user String,
    method String,
    encrypted UInt8,
    outcome String,
    login_outcome String,
    secret_exposed UInt8,
    offline_attack String,
    response_code String,
    server_text String
) ENGINE = MergeTree() PARTITION BY toYYYYMM(timestamp) ORDER BY (timestamp, uid);

CREATE TABLE IF NOT EXISTS mailwire.findings
(
    timestamp DateTime('UTC'),
    timestamp_us UInt32,
    sensor String,
    input String,
    uid String,
    protocol String,
    client_ip String,
    server_ip String,
    server_port UInt16,
    user String,
    rule_id String,
    level String,
    severity UInt8,
    scope String,
    message String,
    frames Array(UInt64),
    args Nested(name String, value String)
) ENGINE = MergeTree() PARTITION BY toYYYYMM(timestamp) ORDER BY (timestamp, rule_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS mailwire.conversations_mv TO mailwire.conversations AS
SELECT
    parseDateTimeBestEffort(`@timestamp`, 'UTC') AS timestamp,
    toUInt32(substring(`@timestamp`, 21, 6)) AS timestamp_us,
    parseDateTimeBestEffort(`event.end`, 'UTC') AS end,
    `event.duration` AS duration_ns,
    `observer.name` AS sensor,
    `mailwire.input` AS input,
    `mailwire.conversation.uid` AS uid,
    `network.community_id` AS community_id,
    `network.protocol` AS protocol,
    `client.ip` AS client_ip,
    `client.port` AS client_port,
    `server.ip` AS server_ip,
    `server.port` AS server_port,
    `user.name` AS user,
    `event.outcome` AS outcome,
    `message` AS message,
    `mailwire.transport.security` AS security,
    `mailwire.tcp.reset_by` AS reset_by,
    `mailwire.server.product` AS server_product,
    `mailwire.server.version` AS server_version,
    `mailwire.findings.ids` AS finding_ids,
    `tls.version` AS tls_version,
    `tls.cipher` AS tls_cipher,
    `tls.client.server_name` AS tls_server_name,
    `tls.server.hash.sha256` AS cert_sha256,
    `tls.server.x509.subject.common_name` AS cert_subject_cn,
    `tls.server.x509.not_after` AS cert_not_after
FROM mailwire.events_in WHERE `mailwire.record` = 'conversation';

CREATE MATERIALIZED VIEW IF NOT EXISTS mailwire.dialogue_mv TO mailwire.dialogue AS
SELECT
    parseDateTimeBestEffort(`@timestamp`, 'UTC') AS timestamp,
    toUInt32(substring(`@timestamp`, 21, 6)) AS timestamp_us,
    `observer.name` AS sensor,
    `mailwire.conversation.uid` AS uid,
    `network.protocol` AS protocol,
    `client.ip` AS client_ip,
    `server.ip` AS server_ip,
    `server.port` AS server_port,
    `mailwire.dialogue.n` AS n,
    `mailwire.dialogue.side` AS side,
    `mailwire.dialogue.kind` AS kind,
    `mailwire.dialogue.frame` AS frame,
    `message` AS line,
    `mailwire.exchange.command` AS command,
    `mailwire.exchange.status` AS status,
    `mailwire.exchange.response_code` AS response_code,
    `mailwire.exchange.response_time` AS response_time
FROM mailwire.events_in WHERE `mailwire.record` = 'dialogue';

CREATE MATERIALIZED VIEW IF NOT EXISTS mailwire.logins_mv TO mailwire.logins AS
SELECT
    parseDateTimeBestEffort(`@timestamp`, 'UTC') AS timestamp,
    toUInt32(substring(`@timestamp`, 21, 6)) AS timestamp_us,
    `observer.name` AS sensor,
    `mailwire.input` AS input,
    `mailwire.conversation.uid` AS uid,
    `network.protocol` AS protocol,
    `client.ip` AS client_ip,
    `server.ip` AS server_ip,
    `server.port` AS server_port,
    `user.name` AS user,
    `mailwire.login.method` AS method,
    `mailwire.login.encrypted` AS encrypted,
    `event.outcome` AS outcome,
    `mailwire.login.outcome` AS login_outcome,
    `mailwire.login.secret_exposed` AS secret_exposed,
    `mailwire.login.offline_attack` AS offline_attack,
    `mailwire.login.response_code` AS response_code,
    `mailwire.login.server_text` AS server_text
FROM mailwire.events_in WHERE `mailwire.record` = 'login';

CREATE MATERIALIZED VIEW IF NOT EXISTS mailwire.findings_mv TO mailwire.findings AS
SELECT
    parseDateTimeBestEffort(`@timestamp`, 'UTC') AS timestamp,
    toUInt32(substring(`@timestamp`, 21, 6)) AS timestamp_us,
    `observer.name` AS sensor,
    `mailwire.input` AS input,
    `mailwire.conversation.uid` AS uid,
    `network.protocol` AS protocol,
    `client.ip` AS client_ip,
    `server.ip` AS server_ip,
    `server.port` AS server_port,
    `user.name` AS user,
    `rule.id` AS rule_id,
    `log.level` AS level,
    `event.severity` AS severity,
    `mailwire.finding.scope` AS scope,
    `message` AS message,
    `mailwire.finding.frames` AS frames,
    `mailwire.finding.args.names` AS `args.name`,
    `mailwire.finding.args.values` AS `args.value`
FROM mailwire.events_in WHERE `mailwire.record` = 'finding';
