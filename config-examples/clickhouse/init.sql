-- Target table for connectors/clickhouse-events-sink.json (JSON values of the `events` topic).
CREATE TABLE IF NOT EXISTS analytics.events (
    event_id   String,
    event_type LowCardinality(String),
    user_id    UInt64,
    amount     Decimal(18, 2),
    ts         DateTime64(3)
) ENGINE = MergeTree
ORDER BY (event_type, ts);
