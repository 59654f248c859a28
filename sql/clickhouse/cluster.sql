-- mailwire's tables on a ClickHouse cluster (docs/clickhouse.md, "Many machines"). Not run by the
-- tests (they have one server); written for ClickHouse 18.16 and later.
--
-- 1. On every node, load schema.sql: each node gets the Null input table mailwire.events_in, the
--    four MergeTree tables and the materialized views that fill them. Each machine that reads
--    captures inserts into the events_in of one node (its own, or one per machine), so each node
--    holds the rows inserted there: the cluster's shards.
--    For replicas, use ReplicatedMergeTree in schema.sql instead of MergeTree, e.g.
--      ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/mailwire/logins', '{replica}')
--      PARTITION BY toYYYYMM(timestamp) ORDER BY (timestamp, uid)
--    ({shard} and {replica} are the <macros> of each node's config).
-- 2. Then, on every node (or only on those that answer queries), the Distributed tables below: they
--    store nothing and read the table of the same name on every shard of the cluster `mailwire`
--    (<remote_servers> in the nodes' config). The saved queries in queries/ run across the whole
--    cluster when their table names are the all_* ones:
--      sed 's/mailwire\.\(conversations\|dialogue\|logins\|findings\)\b/mailwire.all_\1/' queries/failed-logins.sql
--
-- Inserting into the Distributed tables instead would also work (rows spread by rand()), but the
-- record types would then need routing before ClickHouse; inserting into each node's events_in keeps
-- one stream per machine.

CREATE TABLE IF NOT EXISTS mailwire.all_conversations AS mailwire.conversations
    ENGINE = Distributed(mailwire, mailwire, conversations, rand());
CREATE TABLE IF NOT EXISTS mailwire.all_dialogue AS mailwire.dialogue
    ENGINE = Distributed(mailwire, mailwire, dialogue, rand());
CREATE TABLE IF NOT EXISTS mailwire.all_logins AS mailwire.logins
    ENGINE = Distributed(mailwire, mailwire, logins, rand());
CREATE TABLE IF NOT EXISTS mailwire.all_findings AS mailwire.findings
    ENGINE = Distributed(mailwire, mailwire, findings, rand());
