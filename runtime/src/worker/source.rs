//! The source task loop: `poll()` → transforms → converters → the task's own producer, with
//! offsets committed only over acknowledged records.
//!
//! Producer choice: a `ThreadedProducer` whose delivery callback decrements the poll batch's
//! [`BatchAck`] (one atomic per record; no channel, no lock). `send` only enqueues into
//! librdkafka (which copies the bytes and batches per partition by `linger.ms`/`batch.size`);
//! when librdkafka's local queue is full we wait for deliveries to free space instead of
//! buffering more (backpressure). Offsets are flushed to the [`OffsetStore`] every
//! `offset.flush.interval.ms`, while paused, and on stop, then `SourceTask::commit` runs.
//!
//! Topics: before the first record to a topic the task checks the topic's metadata and, if
//! the broker does not know it, creates it through an admin client: with the connector's
//! `topic.creation.*` group settings when it has them (see [`super::topics`]; a failure fails
//! the task), else with the broker's default partitions and replication (falling back to 1/1
//! for brokers without KIP-464 defaults).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;
use tokio::sync::{watch, Notify};

use super::converters::TaskConverters;
use super::errors::{ErrorContext, ErrorHandler, Stage};
use super::offsets::{BatchAck, OffsetTracker, PartitionOffsets, PendingBatch};
use super::produce::{partition_count, TopicHandle};
use super::topics::TopicCreator;
use super::{Control, Shared};
use crate::clients::{self, ClientKind};
use crate::config::ConfigMap;
use crate::connector::{OffsetReader, SourceTask, SourceTaskContext};
use crate::data::{ConnectRecord, OffsetMap, SourceRecord};
use crate::error::{ConnectError, ConnectResult};
use crate::herder::{ConnectorTaskId, State};
use crate::metrics::{ClientStats, SourceTaskMetrics};
use crate::storage::OffsetStore;
use crate::transform::TransformChain;

/// Wakes the task loop when deliveries free queue space or complete a batch.
#[derive(Default)]
pub struct AckSignal {
    notify: Notify,
    waiting: AtomicBool,
}

/// The producer context: delivery reports go straight to the batch counters; librdkafka
/// statistics go to the task's client gauges.
pub struct AckContext {
    signal: Arc<AckSignal>,
    stats: Option<Arc<ClientStats>>,
}

impl ClientContext for AckContext {
    fn stats(&self, statistics: Statistics) {
        if let Some(s) = &self.stats {
            s.update(&statistics);
        }
    }
}

impl ProducerContext for AckContext {
    type DeliveryOpaque = Arc<BatchAck>;

    fn delivery(&self, result: &DeliveryResult<'_>, ack: Arc<BatchAck>) {
        let error = result.as_ref().err().map(|(e, _)| e.to_string());
        let last = ack.done(error);
        if last || self.signal.waiting.load(Ordering::Relaxed) {
            self.signal.notify.notify_one();
        }
    }
}

/// Per-batch scratch space of the send loop: converter output buffers reused from record to
/// record (librdkafka copies the bytes on send) and the last topics seen.
#[derive(Default)]
struct Scratch {
    key: Vec<u8>,
    value: Vec<u8>,
    /// Topic of the last record handed to the transform chain (for error reports).
    chain_topic: String,
    /// Topic of the last record sent (it is known to exist) and its handle, if any.
    known_topic: Option<(String, Option<Arc<TopicHandle<AckContext>>>)>,
}

/// Committed offsets of one connector, as its tasks read them.
pub struct StoreReader {
    /// The store.
    pub store: Arc<dyn OffsetStore>,
    /// Connector name.
    pub connector: String,
}

impl OffsetReader for StoreReader {
    fn offset(&self, partition: &OffsetMap) -> Option<OffsetMap> {
        self.store.get(&self.connector, partition)
    }
}

/// Everything a source task loop runs with.
pub struct SourceRunner {
    pub(crate) id: ConnectorTaskId,
    pub(crate) task: Box<dyn SourceTask>,
    pub(crate) task_config: ConfigMap,
    pub(crate) connector_config: ConfigMap,
    pub(crate) converters: TaskConverters,
    pub(crate) chain: TransformChain,
    pub(crate) errors: ErrorHandler,
    pub(crate) producer: ThreadedProducer<AckContext>,
    pub(crate) signal: Arc<AckSignal>,
    pub(crate) metrics: SourceTaskMetrics,
    /// Records handed to the producer in the current batch.
    pub(crate) written: u64,
    pub(crate) shared: Arc<Shared>,
    pub(crate) control: watch::Receiver<Control>,
    pub(crate) tracker: OffsetTracker,
    /// The topics sent to (checked to exist, created if needed), with their librdkafka
    /// handles (see [`super::produce`]).
    pub(crate) topic_handles: HashMap<String, Option<Arc<TopicHandle<AckContext>>>>,
    /// Creates missing topics with the connector's `topic.creation.*` settings (KIP-158);
    /// `None` when topic creation is off for the connector.
    pub(crate) topic_creator: Option<Arc<TopicCreator>>,
    /// The state last reported for the task (the start target).
    pub(crate) reported: Control,
}

/// Creates the task's producer (`connector-producer-<conn>-<task>`).
pub fn create_producer(
    shared: &Shared,
    id: &ConnectorTaskId,
    connector_config: &ConfigMap,
) -> ConnectResult<(ThreadedProducer<AckContext>, Arc<AckSignal>)> {
    let mut settings = clients::build(
        ClientKind::Producer,
        &shared.config,
        &id.connector,
        Some(connector_config),
        &clients::producer_client_id(&id.connector, id.task),
    )?;
    shared.metrics.configure_client(&mut settings.config);
    let signal = Arc::new(AckSignal::default());
    let producer = settings
        .config
        .create_with_context(AckContext {
            signal: signal.clone(),
            stats: shared.metrics.client_stats(id, "producer"),
        })
        .map_err(|e| ConnectError::config(format!("Failed to create the producer: {e}")))?;
    Ok((producer, signal))
}

impl SourceRunner {
    /// Runs the task until stopped or failed; offsets of acked records are committed either
    /// way and the task is stopped.
    pub async fn run(mut self) -> ConnectResult<()> {
        let context = SourceTaskContext {
            offsets: Arc::new(StoreReader {
                store: self.shared.offsets.clone(),
                connector: self.id.connector.clone(),
            }),
            config: self.task_config.clone(),
        };
        self.task.start(context).await?;
        let result = self.main_loop().await;
        let finish = self.finish().await;
        let stop = self.task.stop().await;
        result.and(finish).and(stop)
    }

    async fn main_loop(&mut self) -> ConnectResult<()> {
        let interval = self.shared.config.offset_flush_interval;
        let mut next_flush = tokio::time::Instant::now() + interval;
        let mut state = self.reported;
        loop {
            let control = *self.control.borrow_and_update();
            if control != state {
                state = control;
                self.report(control);
            }
            match control {
                Control::Stop => return Ok(()),
                Control::Pause => {
                    tokio::select! {
                        _ = self.control.changed() => {}
                        _ = tokio::time::sleep_until(next_flush) => {
                            self.commit_offsets().await?;
                            next_flush = tokio::time::Instant::now() + interval;
                        }
                    }
                    continue;
                }
                Control::Run => {}
            }
            let polled = Instant::now();
            match self.task.poll().await {
                Ok(records) if records.is_empty() => tokio::task::yield_now().await,
                Ok(records) => {
                    let n = records.len() as u64;
                    self.metrics
                        .poll_batch
                        .observe(polled.elapsed().as_secs_f64());
                    self.metrics.poll.inc_by(n);
                    self.metrics.batch_size.observe(n as f64);
                    self.written = 0;
                    let sent = self.send_batch(records).await;
                    self.metrics.write.inc_by(self.written);
                    sent?;
                    if let Some(ts) = self.task.newest_record_timestamp() {
                        self.metrics.freshness.record(ts);
                    }
                }
                Err(e) if e.is_retriable() => {
                    tracing::warn!(task = %task_name(&self.id), error = %e, "retriable error from poll(); polling again");
                }
                Err(e) => {
                    return Err(e.context("Task threw an uncaught and unrecoverable exception"))
                }
            }
            self.check_acks()?;
            self.metrics
                .active
                .set(i64::try_from(self.tracker.in_flight_records()).unwrap_or(i64::MAX));
            if tokio::time::Instant::now() >= next_flush {
                self.commit_offsets().await?;
                next_flush = tokio::time::Instant::now() + interval;
            }
        }
    }

    fn report(&self, control: Control) {
        let state = match control {
            Control::Run => State::Running,
            Control::Pause => State::Paused,
            Control::Stop => return,
        };
        self.shared.status.task_state(&self.id, state, None);
    }

    async fn send_batch(&mut self, records: Vec<SourceRecord>) -> ConnectResult<()> {
        let ack = BatchAck::new();
        let mut offsets = PartitionOffsets::default();
        let mut scratch = Scratch::default();
        for rec in records {
            let SourceRecord {
                source_partition,
                source_offset,
                record,
            } = rec;
            offsets.update(source_partition, source_offset);
            // The usual case transforms synchronously: no per-record future to move it into.
            let record = if self.chain.is_empty() {
                record
            } else if self.errors.retries_enabled() {
                match self.transform_with_retries(record).await? {
                    Some(r) => r,
                    None => continue,
                }
            } else {
                // Remember the topic for the error report (a compare, not a copy, per record).
                if record.topic != scratch.chain_topic {
                    scratch.chain_topic.clone_from(&record.topic);
                }
                match self.chain.apply(record) {
                    Ok(Some(r)) => r,
                    Ok(None) => continue,
                    Err(e) => match self.recover_transform(&scratch.chain_topic, e).await? {
                        Some(r) => r,
                        None => continue,
                    },
                }
            };
            // Borrowed, so the record is not moved into the per-record future.
            self.send_record(&record, &ack, &mut scratch).await?;
        }
        self.tracker.push(PendingBatch { ack, offsets });
        Ok(())
    }

    /// A failed transformation without retries: fails the task or skips the record, as
    /// `errors.tolerance` says.
    async fn recover_transform(
        &mut self,
        topic: &str,
        e: ConnectError,
    ) -> ConnectResult<Option<ConnectRecord>> {
        let ctx = source_ctx(topic, None);
        Ok(self
            .errors
            .recover(Stage::Transformation, &ctx, e, None)
            .await?
            .flatten())
    }

    async fn transform_with_retries(
        &mut self,
        record: ConnectRecord,
    ) -> ConnectResult<Option<ConnectRecord>> {
        let copy = record.clone();
        match self.chain.apply(record) {
            Ok(r) => Ok(r),
            Err(e) => {
                let ctx = source_ctx(&copy.topic, Some(&copy));
                let chain = &self.chain;
                let mut op = || chain.apply(copy.clone());
                Ok(self
                    .errors
                    .recover(Stage::Transformation, &ctx, e, Some(&mut op))
                    .await?
                    .flatten())
            }
        }
    }

    /// Converts and sends one (transformed) record.
    async fn send_record(
        &mut self,
        record: &ConnectRecord,
        ack: &Arc<BatchAck>,
        scratch: &mut Scratch,
    ) -> ConnectResult<()> {
        // Consecutive records mostly share a topic: compare with the last one before hashing.
        if scratch.known_topic.as_ref().map(|(t, _)| t.as_str()) != Some(record.topic.as_str()) {
            let handle = match self.topic_handles.get(&record.topic) {
                Some(known) => known.clone(),
                None => {
                    let existing = self.ensure_topic(&record.topic).await?;
                    let handle = TopicHandle::new(&self.producer, &record.topic).map(Arc::new);
                    if let (Some(h), Some(count)) = (&handle, existing) {
                        h.set_partitions(Some(count));
                    }
                    self.topic_handles
                        .insert(record.topic.clone(), handle.clone());
                    handle
                }
            };
            if let Some(h) = &handle {
                h.refresh_partitions().await;
            }
            scratch.known_topic = Some((record.topic.clone(), handle));
        }
        let topic = record.topic.as_str();
        let Scratch { key, value, .. } = scratch;
        key.clear();
        value.clear();
        let key = match self.converters.key.from_connect_data_into(
            topic,
            record.key_schema.as_ref(),
            &record.key,
            key,
        ) {
            Ok(k) => k.then_some(key),
            Err(e) => {
                let ctx = source_ctx(topic, Some(record));
                self.errors
                    .recover::<()>(Stage::KeyConverter, &ctx, e.into(), None)
                    .await?;
                return Ok(());
            }
        };
        let value = match self.converters.value.from_connect_data_into(
            topic,
            record.value_schema.as_ref(),
            &record.value,
            value,
        ) {
            Ok(v) => v.then_some(value),
            Err(e) => {
                let ctx = source_ctx(topic, Some(record));
                self.errors
                    .recover::<()>(Stage::ValueConverter, &ctx, e.into(), None)
                    .await?;
                return Ok(());
            }
        };
        let mut headers = None;
        if !record.headers.is_empty() {
            let mut owned = OwnedHeaders::new_with_capacity(record.headers.len());
            for h in record.headers.iter() {
                match self.converters.header.from_connect_header(
                    topic,
                    &h.key,
                    h.schema.as_ref(),
                    &h.value,
                ) {
                    Ok(bytes) => {
                        owned = owned.insert(Header {
                            key: &h.key,
                            value: bytes.as_deref(),
                        })
                    }
                    Err(e) => {
                        let ctx = source_ctx(topic, Some(record));
                        self.errors
                            .recover::<()>(Stage::HeaderConverter, &ctx, e.into(), None)
                            .await?;
                        return Ok(());
                    }
                }
            }
            headers = Some(owned);
        }
        let key = key.as_deref().map(Vec::as_slice);
        let value = value.as_deref().map(Vec::as_slice);
        ack.add();
        // Headerless records go through the topic's handle (the usual case).
        let handle = scratch.known_topic.as_ref().and_then(|(_, h)| h.as_ref());
        if let (Some(handle), None) = (handle, &headers) {
            let mut opaque = ack.clone();
            loop {
                let partition = record.kafka_partition.or_else(|| handle.fixed_partition());
                match handle.send(partition, key, value, record.timestamp, opaque) {
                    Ok(()) => {
                        self.written += 1;
                        return Ok(());
                    }
                    Err((RDKafkaErrorCode::QueueFull, back)) => {
                        opaque = back;
                        Self::wait_for_queue_space(&self.signal).await;
                    }
                    Err((code, _)) => {
                        let e = KafkaError::MessageProduction(code);
                        return self.produce_failed(topic, record, ack, e).await;
                    }
                }
            }
        }
        let mut br: BaseRecord<'_, [u8], [u8], Arc<BatchAck>> =
            BaseRecord::with_opaque_to(topic, ack.clone());
        if let Some(k) = key {
            br = br.key(k);
        }
        if let Some(v) = value {
            br = br.payload(v);
        }
        if let Some(p) = record.kafka_partition {
            br = br.partition(p);
        }
        if let Some(ts) = record.timestamp {
            br = br.timestamp(ts);
        }
        if let Some(h) = headers {
            br = br.headers(h);
        }
        loop {
            match self.producer.send(br) {
                Ok(()) => {
                    self.written += 1;
                    return Ok(());
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    br = back;
                    Self::wait_for_queue_space(&self.signal).await;
                }
                Err((e, _)) => return self.produce_failed(topic, record, ack, e).await,
            }
        }
    }

    /// Waits (at most 100 ms) for deliveries to free space in librdkafka's full queue.
    async fn wait_for_queue_space(signal: &AckSignal) {
        signal.waiting.store(true, Ordering::Relaxed);
        let _ = tokio::time::timeout(Duration::from_millis(100), signal.notify.notified()).await;
        signal.waiting.store(false, Ordering::Relaxed);
    }

    /// A record librdkafka refused: fails the task or skips it, as `errors.tolerance` says.
    async fn produce_failed(
        &mut self,
        topic: &str,
        record: &ConnectRecord,
        ack: &Arc<BatchAck>,
        e: KafkaError,
    ) -> ConnectResult<()> {
        ack.done(None);
        let ctx = source_ctx(topic, Some(record));
        let err = ConnectError::other(format!("Failed to send record to topic {topic}: {e}"));
        self.errors
            .recover::<()>(Stage::KafkaProduce, &ctx, err, None)
            .await?;
        Ok(())
    }

    /// Records the topic as active and checks it exists, creating it if not. Returns its
    /// partition count if it already existed. With `topic.creation.*` settings a topic that
    /// cannot be created fails the task; without them the broker may still auto-create it.
    async fn ensure_topic(&mut self, topic: &str) -> ConnectResult<Option<i32>> {
        self.shared.record_active_topic(&self.id.connector, topic);
        if let Some(creator) = &self.topic_creator {
            return Ok(creator.ensure(topic).await?);
        }
        let existing = partition_count(&self.producer, topic).await;
        if existing.is_none() {
            if let Err(e) =
                create_topic(&self.shared, &self.id, &self.connector_config, topic, None).await
            {
                tracing::warn!(topic, error = %e, "could not create topic; relying on broker auto-creation");
            }
        }
        Ok(existing)
    }

    /// Raises the first delivery failure unless tolerated.
    fn check_acks(&mut self) -> ConnectResult<()> {
        if let Some(e) = self.tracker.collect() {
            let err = ConnectError::other(format!(
                "Unrecoverable exception from producer send callback: {e}"
            ));
            if self.errors.tolerate_all {
                tracing::warn!(task = %task_name(&self.id), error = %err, "delivery failure tolerated (errors.tolerance=all)");
            } else {
                return Err(err);
            }
        }
        Ok(())
    }

    async fn commit_offsets(&mut self) -> ConnectResult<()> {
        self.check_acks()?;
        let entries = self.tracker.take_committable();
        if !entries.is_empty() {
            let store = self.shared.offsets.clone();
            let name = self.id.connector.clone();
            let started = Instant::now();
            let result = tokio::task::spawn_blocking(move || store.put_batch(&name, entries))
                .await
                .map_err(|e| ConnectError::other(format!("offset commit panicked: {e}")))
                .and_then(|r| r);
            self.metrics
                .commit
                .observe(result.is_ok(), started.elapsed());
            result.map_err(|e| {
                e.context(format!(
                    "Failed to commit offsets of task {}",
                    task_name(&self.id)
                ))
            })?;
        }
        if let Err(e) = self.task.commit().await {
            tracing::error!(task = %task_name(&self.id), error = %e, "Exception thrown while calling task.commit()");
        }
        Ok(())
    }

    /// Waits (up to `offset.flush.timeout.ms`) for in-flight records, then commits.
    async fn finish(&mut self) -> ConnectResult<()> {
        let deadline = Instant::now() + self.shared.config.offset_flush_timeout;
        loop {
            let _ = self.tracker.collect();
            if self.tracker.pending() == 0 || Instant::now() >= deadline {
                break;
            }
            self.signal.waiting.store(true, Ordering::Relaxed);
            let _ = tokio::time::timeout(Duration::from_millis(50), self.signal.notify.notified())
                .await;
        }
        if self.tracker.pending() > 0 {
            tracing::warn!(task = %task_name(&self.id), pending = self.tracker.pending(),
                "offset.flush.timeout.ms elapsed with records unacknowledged; committing what was acked");
        }
        self.commit_offsets().await
    }
}

fn source_ctx<'a>(topic: &'a str, record: Option<&'a ConnectRecord>) -> ErrorContext<'a> {
    ErrorContext {
        topic,
        partition: record.and_then(|r| r.kafka_partition),
        offset: None,
        record: record.map(|r| r as &(dyn std::fmt::Debug + Sync)),
        raw: None,
    }
}

/// `<connector>-<task>`.
pub fn task_name(id: &ConnectorTaskId) -> String {
    format!("{}-{}", id.connector, id.task)
}

/// Creates a topic: with `replication` given (a dead-letter queue) one partition with that
/// replication; otherwise the broker's default partitions and replication, falling back to
/// 1 / 1 for brokers without defaults.
pub async fn create_topic(
    shared: &Shared,
    id: &ConnectorTaskId,
    connector_config: &ConfigMap,
    topic: &str,
    replication: Option<i32>,
) -> ConnectResult<()> {
    let settings = clients::build(
        ClientKind::Admin,
        &shared.config,
        &id.connector,
        Some(connector_config),
        &clients::admin_client_id(&id.connector, id.task),
    )?;
    let admin: AdminClient<DefaultClientContext> = settings
        .config
        .create()
        .map_err(|e| ConnectError::other(format!("Failed to create the admin client: {e}")))?;
    let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(10)));
    let mut failures = Vec::new();
    // A dead-letter queue (replication given) gets one partition, as the JVM creates it;
    // other topics the broker's default count, else one.
    let attempts: &[(i32, i32)] = match replication {
        Some(rf) => &[(1, rf)],
        None => &[(-1, -1), (1, 1)],
    };
    for &(partitions, rf) in attempts {
        let nt = NewTopic::new(topic, partitions, TopicReplication::Fixed(rf));
        match admin.create_topics([&nt], &opts).await {
            Ok(results) => match results.into_iter().next() {
                Some(Ok(_)) | Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) | None => {
                    return Ok(())
                }
                Some(Err((_, code))) => failures.push(code.to_string()),
            },
            Err(e) => failures.push(e.to_string()),
        }
    }
    Err(ConnectError::other(format!(
        "Failed to create topic {topic}: {}",
        failures.join("; ")
    )))
}
