//! Error handling of a task (`RetryWithToleranceOperator` and the dead-letter queue):
//! `errors.retry.timeout` / `errors.retry.delay.max.ms` retries, `errors.tolerance`,
//! `errors.log.enable` / `errors.log.include.messages`, and for sinks
//! `errors.deadletterqueue.*` with the JVM's context headers.
//!
//! The happy path never enters this module: callers match `Ok` inline and only hand failures
//! to [`ErrorHandler::recover`].

use std::fmt::Debug;
use std::time::{Duration, Instant};

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::config::ConfigMap;
use crate::error::{ConnectError, ConnectResult};
use crate::metrics::TaskErrorMetrics;

/// The stage an error happened in (`__connect.errors.stage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Key converter.
    KeyConverter,
    /// Value converter.
    ValueConverter,
    /// Header converter.
    HeaderConverter,
    /// A transform.
    Transformation,
    /// `SinkTask::put`.
    TaskPut,
    /// `SourceTask::poll`.
    TaskPoll,
    /// Producing to Kafka.
    KafkaProduce,
    /// Consuming from Kafka.
    KafkaConsume,
}

impl Stage {
    /// The JVM's stage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
            Stage::TaskPut => "TASK_PUT",
            Stage::TaskPoll => "TASK_POLL",
            Stage::KafkaProduce => "KAFKA_PRODUCE",
            Stage::KafkaConsume => "KAFKA_CONSUME",
        }
    }

    /// Converters, transforms and the producer of source records tolerate any error; other
    /// stages only retriable ones.
    fn tolerates_any(self) -> bool {
        // A source record the producer refuses is skipped under `all` too (KAFKA-13348).
        matches!(
            self,
            Stage::KeyConverter
                | Stage::ValueConverter
                | Stage::HeaderConverter
                | Stage::Transformation
                | Stage::KafkaProduce
        )
    }

    /// The Java class the stage runs (`__connect.errors.class.name`).
    fn class_name(self, handler: &ErrorHandler) -> String {
        match self {
            Stage::KeyConverter => handler.key_converter_class.clone(),
            Stage::ValueConverter => handler.value_converter_class.clone(),
            Stage::HeaderConverter => handler.header_converter_class.clone(),
            Stage::Transformation => "org.apache.kafka.connect.transforms.Transformation".into(),
            Stage::TaskPut | Stage::TaskPoll => handler.connector_class.clone(),
            Stage::KafkaProduce => "org.apache.kafka.clients.producer.KafkaProducer".into(),
            Stage::KafkaConsume => "org.apache.kafka.clients.consumer.KafkaConsumer".into(),
        }
    }
}

/// A consumed record's original bytes, for the dead-letter queue.
#[derive(Debug, Clone, Default)]
pub struct RawRecord {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Timestamp (ms), if any.
    pub timestamp: Option<i64>,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Headers.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Where a failure happened, for logs and the DLQ.
pub struct ErrorContext<'a> {
    /// Topic of the record.
    pub topic: &'a str,
    /// Kafka partition, if known.
    pub partition: Option<i32>,
    /// Kafka offset, if known.
    pub offset: Option<i64>,
    /// The record, logged only with `errors.log.include.messages=true`.
    pub record: Option<&'a (dyn Debug + Sync)>,
    /// The consumed bytes (sinks), for the DLQ.
    pub raw: Option<&'a RawRecord>,
}

/// The dead-letter queue of a sink task.
pub struct DeadLetterQueue {
    /// The DLQ producer (`connector-dlq-producer-<conn>-<task>`).
    pub producer: FutureProducer,
    /// `errors.deadletterqueue.topic.name`.
    pub topic: String,
    /// `errors.deadletterqueue.context.headers.enable`.
    pub context_headers: bool,
}

/// Retry, tolerance, logging and DLQ settings of one task.
pub struct ErrorHandler {
    /// `errors.retry.timeout`: None = infinite (-1).
    pub retry_timeout: Option<Duration>,
    /// `errors.retry.delay.max.ms`.
    pub max_delay: Duration,
    /// `errors.tolerance=all`.
    pub tolerate_all: bool,
    /// `errors.log.enable`.
    pub log_enable: bool,
    /// `errors.log.include.messages`.
    pub include_messages: bool,
    /// Connector name.
    pub connector: String,
    /// Task number.
    pub task: u32,
    /// `connector.class`.
    pub connector_class: String,
    /// Key converter class.
    pub key_converter_class: String,
    /// Value converter class.
    pub value_converter_class: String,
    /// Header converter class.
    pub header_converter_class: String,
    /// The DLQ, for sinks that configure one.
    pub dlq: Option<DeadLetterQueue>,
    /// `task-error-metrics` counters (detached until the worker attaches the task's).
    pub metrics: TaskErrorMetrics,
}

fn long(config: &ConfigMap, key: &str, default: i64) -> ConnectResult<i64> {
    match config.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| {
            ConnectError::config(format!(
                "Invalid value {v} for configuration {key}: Not a number of type LONG"
            ))
        }),
    }
}

fn boolean(config: &ConfigMap, key: &str) -> ConnectResult<bool> {
    match config
        .get(key)
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(ConnectError::config(format!(
            "Invalid value {v} for configuration {key}: Expected value to be either true or false"
        ))),
    }
}

impl ErrorHandler {
    /// Reads the `errors.*` keys of a connector config (the DLQ producer is attached later).
    pub fn from_config(
        config: &ConfigMap,
        connector: &str,
        task: u32,
        converter_classes: [String; 3],
    ) -> ConnectResult<ErrorHandler> {
        let retry = long(config, "errors.retry.timeout", 0)?;
        let max_delay = long(config, "errors.retry.delay.max.ms", 60_000)?;
        if max_delay < 0 {
            return Err(ConnectError::config(format!(
                "Invalid value {max_delay} for configuration errors.retry.delay.max.ms: Value must be at least 0"
            )));
        }
        let tolerance = config
            .get("errors.tolerance")
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_else(|| "none".into());
        let tolerate_all = match tolerance.as_str() {
            "" | "none" => false,
            "all" => true,
            other => {
                return Err(ConnectError::config(format!(
                    "Invalid value {other} for configuration errors.tolerance: String must be one of: none, all"
                )))
            }
        };
        let [k, v, h] = converter_classes;
        Ok(ErrorHandler {
            retry_timeout: if retry < 0 {
                None
            } else {
                Some(Duration::from_millis(retry as u64))
            },
            max_delay: Duration::from_millis(max_delay as u64),
            tolerate_all,
            log_enable: boolean(config, "errors.log.enable")?,
            include_messages: boolean(config, "errors.log.include.messages")?,
            connector: connector.to_string(),
            task,
            connector_class: config.get("connector.class").cloned().unwrap_or_default(),
            key_converter_class: k,
            value_converter_class: v,
            header_converter_class: h,
            dlq: None,
            metrics: TaskErrorMetrics::default(),
        })
    }

    /// Whether failed operations are retried at all.
    pub fn retries_enabled(&self) -> bool {
        self.retry_timeout != Some(Duration::ZERO)
    }

    /// The backoff before attempt `n` (1-based): 300 ms × 2^(n−1), random in `[0, max)` once
    /// past the max, never past `deadline`.
    pub fn backoff(&self, attempt: u32, deadline: Option<Instant>) -> Duration {
        let base =
            Duration::from_millis(300).saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let mut delay = if base > self.max_delay {
            jitter(self.max_delay)
        } else {
            base
        };
        if let Some(d) = deadline {
            delay = delay.min(d.saturating_duration_since(Instant::now()));
        }
        delay
    }

    /// Handles a failed operation: retries `retry` (if given) while the error is retriable and
    /// `errors.retry.timeout` allows, then applies `errors.tolerance`. `Ok(Some(v))`: a retry
    /// succeeded; `Ok(None)`: the record is skipped (logged, sent to the DLQ); `Err`: the task
    /// must fail (`Tolerance exceeded in error handler`).
    pub async fn recover<T>(
        &self,
        stage: Stage,
        ctx: &ErrorContext<'_>,
        first: ConnectError,
        mut retry: Option<&mut (dyn FnMut() -> ConnectResult<T> + Send)>,
    ) -> ConnectResult<Option<T>> {
        let mut err = first;
        self.metrics.failures.inc();
        if let Some(op) = retry.as_mut() {
            let deadline = self.retry_timeout.map(|t| Instant::now() + t);
            let mut attempt = 1;
            while err.is_retriable() && deadline.is_none_or(|d| Instant::now() < d) {
                tokio::time::sleep(self.backoff(attempt, deadline)).await;
                attempt += 1;
                self.metrics.retries.inc();
                match op() {
                    Ok(v) => return Ok(Some(v)),
                    Err(e) => {
                        self.metrics.failures.inc();
                        err = e
                    }
                }
            }
        }
        let tolerated = stage.tolerates_any() || err.is_retriable();
        self.tolerate(stage, ctx, err, tolerated)
            .await
            .map(|()| None)
    }

    /// Counts, logs and applies `errors.tolerance` to a failure that is final: with
    /// `errors.tolerance=all` (and `tolerable`) the record is skipped and dead-lettered,
    /// otherwise the error is returned as "Tolerance exceeded".
    async fn tolerate(
        &self,
        stage: Stage,
        ctx: &ErrorContext<'_>,
        err: ConnectError,
        tolerable: bool,
    ) -> ConnectResult<()> {
        self.metrics.errors.inc();
        self.log(stage, ctx, &err);
        if !(self.tolerate_all && tolerable) {
            return Err(tolerance_exceeded(err));
        }
        self.metrics.skipped.inc();
        if let (Some(dlq), Some(raw)) = (&self.dlq, ctx.raw) {
            self.metrics.dlq_requests.inc();
            if let Err(e) = self.send_to_dlq(dlq, raw, stage, &err).await {
                self.metrics.dlq_failures.inc();
                return Err(e);
            }
        }
        Ok(())
    }

    /// A record the task itself reported as unwritable (`ErrantRecordReporter.report`):
    /// under `errors.tolerance=all` any error is tolerated (logged, dead-lettered) and `Ok`
    /// returned; otherwise `Err` (the task must fail).
    pub async fn report_errant(
        &self,
        ctx: &ErrorContext<'_>,
        err: ConnectError,
    ) -> ConnectResult<()> {
        self.metrics.failures.inc();
        self.tolerate(Stage::TaskPut, ctx, err, true).await
    }

    fn log(&self, stage: Stage, ctx: &ErrorContext<'_>, err: &ConnectError) {
        if !self.log_enable {
            return;
        }
        self.metrics.logged.inc();
        let message = if self.include_messages {
            ctx.record.map(|r| format!("{r:?}"))
        } else {
            None
        };
        tracing::warn!(
            connector = %self.connector,
            task = self.task,
            stage = stage.as_str(),
            class = %stage.class_name(self),
            topic = ctx.topic,
            partition = ?ctx.partition,
            offset = ?ctx.offset,
            record = message.as_deref().unwrap_or("<omitted>"),
            error = %err,
            "Error encountered in task {}-{}. Executing stage '{}' with class '{}'",
            self.connector,
            self.task,
            stage.as_str(),
            stage.class_name(self),
        );
    }

    async fn send_to_dlq(
        &self,
        dlq: &DeadLetterQueue,
        raw: &RawRecord,
        stage: Stage,
        err: &ConnectError,
    ) -> ConnectResult<()> {
        let mut headers = OwnedHeaders::new_with_capacity(raw.headers.len() + 10);
        for (k, v) in &raw.headers {
            headers = headers.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        if dlq.context_headers {
            let cause = innermost(err);
            let ctx: [(&str, String); 10] = [
                ("__connect.errors.topic", raw.topic.clone()),
                ("__connect.errors.partition", raw.partition.to_string()),
                ("__connect.errors.offset", raw.offset.to_string()),
                ("__connect.errors.connector.name", self.connector.clone()),
                ("__connect.errors.task.id", self.task.to_string()),
                ("__connect.errors.stage", stage.as_str().to_string()),
                ("__connect.errors.class.name", stage.class_name(self)),
                (
                    "__connect.errors.exception.class.name",
                    cause.java_class().to_string(),
                ),
                ("__connect.errors.exception.message", cause.to_string()),
                ("__connect.errors.exception.stacktrace", err.trace()),
            ];
            for (k, v) in &ctx {
                headers = headers.insert(Header {
                    key: k,
                    value: Some(v.as_bytes()),
                });
            }
        }
        let mut record: FutureRecord<'_, [u8], [u8]> =
            FutureRecord::to(&dlq.topic).headers(headers);
        if let Some(k) = &raw.key {
            record = record.key(k.as_slice());
        }
        if let Some(v) = &raw.value {
            record = record.payload(v.as_slice());
        }
        if let Some(ts) = raw.timestamp {
            record = record.timestamp(ts);
        }
        dlq.producer
            .send(record, Duration::from_secs(30))
            .await
            .map(|_| ())
            .map_err(|(e, _)| {
                ConnectError::other(format!(
                    "Could not send record to the dead letter queue topic {}: {e}",
                    dlq.topic
                ))
            })
    }
}

/// The innermost cause of an error (what the JVM reports as the exception).
fn innermost(err: &ConnectError) -> &ConnectError {
    let mut cur = err;
    while let ConnectError::Context { source, .. } = cur {
        cur = source;
    }
    cur
}

/// Wraps a failure that may not be tolerated.
pub fn tolerance_exceeded(err: ConnectError) -> ConnectError {
    err.context("Tolerance exceeded in error handler")
}

/// A pseudo-random duration in `[0, max)` (no RNG crate: time-seeded xorshift).
fn jitter(max: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64 ^ d.as_secs())
        .unwrap_or(1);
    let mut x = nanos | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let max_ms = max.as_millis().max(1) as u64;
    Duration::from_millis(x % max_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler(pairs: &[(&str, &str)]) -> ErrorHandler {
        let cfg: ConfigMap = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ErrorHandler::from_config(&cfg, "c", 0, Default::default()).unwrap()
    }

    fn ctx() -> ErrorContext<'static> {
        ErrorContext {
            topic: "t",
            partition: Some(0),
            offset: Some(1),
            record: None,
            raw: None,
        }
    }

    #[test]
    fn backoff_doubles_then_jitters_within_max_and_deadline() {
        let h = handler(&[("errors.retry.delay.max.ms", "1000")]);
        assert_eq!(h.backoff(1, None), Duration::from_millis(300));
        assert_eq!(h.backoff(2, None), Duration::from_millis(600));
        assert!(h.backoff(3, None) < Duration::from_millis(1000));
        let d = Instant::now() + Duration::from_millis(50);
        assert!(h.backoff(1, Some(d)) <= Duration::from_millis(50));
    }

    #[tokio::test]
    async fn none_fails_with_the_jvm_message_and_all_skips() {
        let h = handler(&[]);
        let err = h
            .recover::<()>(
                Stage::ValueConverter,
                &ctx(),
                ConnectError::data("bad"),
                None,
            )
            .await
            .unwrap_err();
        assert!(err.trace().starts_with(
            "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler"
        ));
        assert!(err.trace().contains("DataException: bad"));
        let h = handler(&[("errors.tolerance", "all"), ("errors.log.enable", "true")]);
        assert!(h
            .recover::<()>(
                Stage::Transformation,
                &ctx(),
                ConnectError::other("x"),
                None
            )
            .await
            .unwrap()
            .is_none());
        // Non-retriable errors in other stages are never tolerated.
        assert!(h
            .recover::<()>(Stage::TaskPut, &ctx(), ConnectError::other("x"), None)
            .await
            .is_err());
    }

    #[tokio::test]
    async fn errant_records_are_tolerated_only_under_tolerance_all() {
        let none = handler(&[]);
        let err = none
            .report_errant(&ctx(), ConnectError::data("column id is NOT NULL"))
            .await
            .unwrap_err();
        assert!(err.trace().contains("Tolerance exceeded in error handler"));
        assert!(err.trace().contains("column id is NOT NULL"));
        // Under `all`, any error the task reports is skipped, even a non-retriable one.
        let all = handler(&[("errors.tolerance", "all")]);
        all.report_errant(&ctx(), ConnectError::other("x"))
            .await
            .unwrap();
        assert_eq!(all.metrics.skipped.get(), 1);
    }

    #[tokio::test]
    async fn retriable_errors_are_retried_within_the_timeout() {
        let h = handler(&[("errors.retry.timeout", "5000")]);
        let mut calls = 0;
        let mut op = || {
            calls += 1;
            if calls < 2 {
                Err(ConnectError::retriable("again"))
            } else {
                Ok(7)
            }
        };
        let v = h
            .recover(
                Stage::Transformation,
                &ctx(),
                ConnectError::retriable("first"),
                Some(&mut op),
            )
            .await
            .unwrap();
        assert_eq!(v, Some(7));
        let h = handler(&[("errors.retry.timeout", "0")]);
        assert!(!h.retries_enabled());
        assert!(handler(&[("errors.retry.timeout", "-1")])
            .retry_timeout
            .is_none());
    }

    #[test]
    fn bad_values_name_the_key() {
        let cfg: ConfigMap = [("errors.tolerance".to_string(), "some".to_string())]
            .into_iter()
            .collect();
        let err = ErrorHandler::from_config(&cfg, "c", 0, Default::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("errors.tolerance"), "{err}");
    }
}
