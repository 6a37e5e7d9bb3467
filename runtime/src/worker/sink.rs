//! The sink task loop: the task's consumer (group `connect-<name>`) → converters → transforms
//! → `put(batch)`; every `offset.flush.interval.ms` (and on stop) `pre_commit` and a commit of
//! exactly the offsets it returned.
//!
//! Backpressure: a batch is at most `max.poll.records` records and the next one is only read
//! after `put` returned, so a slow task simply stops reading (librdkafka's prefetch queue is
//! bounded by `queued.max.messages.kbytes`). A paused task pauses its partitions.
//! Rebalances: the consumer context queues assignment changes; the loop calls `open`/`close`
//! before the next `put`. A retriable `put` failure rewinds the batch's partitions and
//! redelivers after a backoff (the JVM's behaviour); any other failure fails the task.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use parking_lot::Mutex;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::KafkaResult;
use rdkafka::message::{BorrowedMessage, Headers as _, Message};
use rdkafka::statistics::Statistics;
use rdkafka::{Offset, Timestamp, TopicPartitionList};
use tokio::sync::{watch, Notify};

use super::converters::TaskConverters;
use super::errors::{ErrorContext, ErrorHandler, RawRecord, Stage};
use super::source::task_name;
use super::{Control, Shared};
use crate::config::ConfigMap;
use crate::connector::{ErrantRecordReporter, SinkTask, SinkTaskContext};
use crate::data::{ConnectRecord, Headers, SinkRecord, TimestampType, TopicPartition};
use crate::error::{ConnectError, ConnectResult};
use crate::herder::{ConnectorTaskId, State};
use crate::metrics::{ClientStats, SinkTaskMetrics};
use crate::transform::TransformChain;

enum RebalanceEvent {
    Assigned(Vec<TopicPartition>),
    Revoked(Vec<TopicPartition>),
}

/// The consumer context: queues rebalance events for the loop; librdkafka statistics go to
/// the task's client gauges.
#[derive(Default)]
pub struct RebalanceContext {
    events: Mutex<Vec<RebalanceEvent>>,
    has_events: AtomicBool,
    notify: Notify,
    stats: Option<Arc<ClientStats>>,
}

impl RebalanceContext {
    /// A context feeding librdkafka statistics to `stats` (None: statistics ignored).
    pub fn with_stats(stats: Option<Arc<ClientStats>>) -> Self {
        RebalanceContext {
            stats,
            ..Default::default()
        }
    }
}

fn partitions(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

impl ClientContext for RebalanceContext {
    fn stats(&self, statistics: Statistics) {
        if let Some(s) = &self.stats {
            s.update(&statistics);
        }
    }
}

impl ConsumerContext for RebalanceContext {
    fn pre_rebalance(&self, _c: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            self.events
                .lock()
                .push(RebalanceEvent::Revoked(partitions(tpl)));
            self.has_events.store(true, Ordering::Release);
            self.notify.notify_one();
        }
    }
    fn post_rebalance(&self, _c: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            self.events
                .lock()
                .push(RebalanceEvent::Assigned(partitions(tpl)));
            self.has_events.store(true, Ordering::Release);
            self.notify.notify_one();
        }
    }
}

/// What a sink task sees of the worker (`SinkTaskContext`).
#[derive(Default)]
pub struct SinkContextImpl {
    assignment: Mutex<Vec<TopicPartition>>,
    resets: Mutex<HashMap<TopicPartition, i64>>,
    has_resets: AtomicBool,
    commit_requested: AtomicBool,
    reporter: Option<Arc<Pipeline>>,
}

impl SinkContextImpl {
    /// A context whose errant-record reporter goes through `pipeline`'s error handling.
    pub fn with_reporter(pipeline: Arc<Pipeline>) -> Self {
        SinkContextImpl {
            reporter: Some(pipeline),
            ..Default::default()
        }
    }
}

impl SinkTaskContext for SinkContextImpl {
    fn reset_offsets(&self, offsets: HashMap<TopicPartition, i64>) {
        self.resets.lock().extend(offsets);
        self.has_resets.store(true, Ordering::Release);
    }
    fn request_commit(&self) {
        self.commit_requested.store(true, Ordering::Release);
    }
    fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment.lock().clone()
    }
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        self.reporter
            .clone()
            .map(|p| p as Arc<dyn ErrantRecordReporter>)
    }
}

/// The subscription of a sink: `topics` or `topics.regex`, with the JVM's errors.
pub fn subscription(config: &ConfigMap) -> ConnectResult<Vec<String>> {
    let topics = crate::config::parse_list(config.get("topics").map(String::as_str).unwrap_or(""));
    let regex = config.get("topics.regex").map(|r| r.trim()).unwrap_or("");
    match (topics.is_empty(), regex.is_empty()) {
        (false, false) => Err(ConnectError::config(
            "topics and topics.regex are mutually exclusive options, but both are set.",
        )),
        (true, true) => Err(ConnectError::config(
            "Must configure one of topics or topics.regex",
        )),
        (false, true) => Ok(topics),
        (true, false) => {
            regex::Regex::new(regex).map_err(|e| {
                ConnectError::config(format!(
                    "Invalid value {regex} for configuration topics.regex: {e}"
                ))
            })?;
            Ok(vec![if regex.starts_with('^') {
                regex.to_string()
            } else {
                format!("^{regex}")
            }])
        }
    }
}

/// Everything a sink task loop runs with.
pub struct SinkRunner {
    pub(crate) id: ConnectorTaskId,
    pub(crate) task: Box<dyn SinkTask>,
    pub(crate) task_config: ConfigMap,
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) consumer: StreamConsumer<RebalanceContext>,
    pub(crate) context: Arc<SinkContextImpl>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) control: watch::Receiver<Control>,
    pub(crate) current: HashMap<TopicPartition, i64>,
    pub(crate) last_committed: HashMap<TopicPartition, i64>,
    pub(crate) assigned: Vec<TopicPartition>,
    pub(crate) metrics: SinkTaskMetrics,
    pub(crate) paused: bool,
    /// The state last reported for the task (the start target).
    pub(crate) reported: Control,
}

/// The thread-safe part of a sink task: converters, transforms, error handling.
pub struct Pipeline {
    pub(crate) id: ConnectorTaskId,
    pub(crate) converters: TaskConverters,
    pub(crate) chain: TransformChain,
    pub(crate) errors: ErrorHandler,
    pub(crate) max_poll_records: usize,
}

/// A batch of converted records with the offsets it covers.
struct Batch {
    records: Vec<SinkRecord>,
    /// Messages read from Kafka for this batch (before transforms and skips).
    read: u64,
    /// (topic, partition, first offset, last offset) runs in consumption order.
    runs: Vec<(String, i32, i64, i64)>,
}

impl Batch {
    fn note(&mut self, topic: &str, partition: i32, offset: i64) {
        if let Some(last) = self.runs.last_mut() {
            if last.1 == partition && last.0 == topic {
                last.3 = offset;
                return;
            }
        }
        match self
            .runs
            .iter_mut()
            .find(|r| r.1 == partition && r.0 == topic)
        {
            Some(r) => r.3 = offset,
            None => self
                .runs
                .push((topic.to_string(), partition, offset, offset)),
        }
    }
}

fn tpl_of(parts: &[TopicPartition]) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::with_capacity(parts.len());
    for p in parts {
        tpl.add_partition(&p.topic, p.partition);
    }
    tpl
}

impl SinkRunner {
    /// Runs the task until stopped or failed, then commits what was flushed and stops it.
    pub async fn run(mut self) -> ConnectResult<()> {
        let ctx: Arc<dyn SinkTaskContext> = self.context.clone();
        self.task.start(self.task_config.clone(), ctx).await?;
        let result = self.main_loop().await;
        let commit = if result.is_ok() {
            self.commit(true).await
        } else {
            Ok(())
        };
        let close = if self.assigned.is_empty() {
            Ok(())
        } else {
            let parts = std::mem::take(&mut self.assigned);
            self.task.close(&parts).await
        };
        let stop = self.task.stop().await;
        self.consumer.unsubscribe();
        result.and(commit).and(close).and(stop)
    }

    async fn main_loop(&mut self) -> ConnectResult<()> {
        let interval = self.shared.config.offset_flush_interval;
        let mut next_commit = tokio::time::Instant::now() + interval;
        let mut state = self.reported;
        let mut put_attempt = 0u32;
        loop {
            self.handle_events().await?;
            let control = *self.control.borrow_and_update();
            if control == Control::Stop {
                return Ok(());
            }
            if control != state {
                state = control;
                self.set_paused(control == Control::Pause);
                self.shared.status.task_state(
                    &self.id,
                    if control == Control::Pause {
                        State::Paused
                    } else {
                        State::Running
                    },
                    None,
                );
            }
            if tokio::time::Instant::now() >= next_commit
                || self.context.commit_requested.swap(false, Ordering::AcqRel)
            {
                self.commit(false).await?;
                next_commit = tokio::time::Instant::now() + interval;
            }
            // Rewinds asked for outside `put` (e.g. in `pre_commit`) apply before reading on.
            self.apply_resets();
            let rctx = self.consumer.context().clone();
            let batch = tokio::select! {
                m = self.consumer.recv() => self.pipeline.collect_batch(&self.consumer, m).await?,
                _ = self.control.changed() => continue,
                _ = tokio::time::sleep_until(next_commit) => continue,
                _ = rctx.notify.notified() => continue,
            };
            let Some(batch) = batch else { continue };
            self.metrics.read.inc_by(batch.read);
            self.handle_events().await?;
            if !batch.records.is_empty() {
                let n = batch.records.len();
                self.metrics.send.inc_by(n as u64);
                self.metrics.batch_size.observe(n as f64);
                self.metrics.active.set(n as i64);
                let started = std::time::Instant::now();
                let put = self.task.put(batch.records).await;
                self.metrics
                    .put_batch
                    .observe(started.elapsed().as_secs_f64());
                self.metrics.active.set(0);
                match put {
                    Ok(()) => put_attempt = 0,
                    Err(e) if e.is_retriable() => {
                        put_attempt += 1;
                        tracing::warn!(task = %task_name(&self.id), error = %e, "retriable error from put(); redelivering the batch");
                        for (topic, partition, first, _) in &batch.runs {
                            let _ = self.consumer.seek(
                                topic,
                                *partition,
                                Offset::Offset(*first),
                                Duration::from_secs(5),
                            );
                        }
                        // Rewinds the task asked for (to data it buffered from earlier
                        // batches) win over the batch's own start.
                        self.apply_resets();
                        tokio::time::sleep(self.pipeline.errors.backoff(put_attempt, None)).await;
                        continue;
                    }
                    Err(e) => {
                        return Err(
                            e.context("Exiting WorkerSinkTask due to unrecoverable exception")
                        )
                    }
                }
            }
            for (topic, partition, _, last) in batch.runs {
                self.current
                    .insert(TopicPartition { topic, partition }, last + 1);
            }
            self.apply_resets();
        }
    }

    async fn handle_events(&mut self) -> ConnectResult<()> {
        let rctx = self.consumer.context().clone();
        if !rctx.has_events.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let events = std::mem::take(&mut *rctx.events.lock());
        for ev in events {
            match ev {
                RebalanceEvent::Assigned(parts) => {
                    for p in &parts {
                        self.shared
                            .record_active_topic(&self.id.connector, &p.topic);
                    }
                    self.assigned.extend(parts.iter().cloned());
                    *self.context.assignment.lock() = self.assigned.clone();
                    if self.paused {
                        let _ = self.consumer.pause(&tpl_of(&parts));
                    }
                    self.task.open(&parts).await?;
                }
                RebalanceEvent::Revoked(parts) => {
                    self.task.close(&parts).await?;
                    self.assigned.retain(|a| !parts.contains(a));
                    for p in &parts {
                        self.current.remove(p);
                        self.last_committed.remove(p);
                    }
                    *self.context.assignment.lock() = self.assigned.clone();
                }
            }
        }
        Ok(())
    }

    fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
        let tpl = tpl_of(&self.assigned);
        let r = if paused {
            self.consumer.pause(&tpl)
        } else {
            self.consumer.resume(&tpl)
        };
        if let Err(e) = r {
            tracing::warn!(task = %task_name(&self.id), error = %e, "could not pause/resume partitions");
        }
    }

    fn apply_resets(&mut self) {
        if !self.context.has_resets.swap(false, Ordering::AcqRel) {
            return;
        }
        let resets = std::mem::take(&mut *self.context.resets.lock());
        for (tp, offset) in resets {
            if let Err(e) = self.consumer.seek(
                &tp.topic,
                tp.partition,
                Offset::Offset(offset),
                Duration::from_secs(5),
            ) {
                tracing::warn!(task = %task_name(&self.id), error = %e, "could not rewind {}-{}", tp.topic, tp.partition);
            }
            self.current.insert(tp, offset);
        }
    }

    /// `pre_commit` with the offsets put so far, then commits exactly what it returned.
    async fn commit(&mut self, sync: bool) -> ConnectResult<()> {
        if self.current.is_empty() {
            return Ok(());
        }
        let offsets = match self.task.pre_commit(&self.current).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(task = %task_name(&self.id), error = %e, "Commit of offsets threw an unexpected exception");
                return Ok(());
            }
        };
        let mut tpl = TopicPartitionList::new();
        for (tp, off) in &offsets {
            if self.last_committed.get(tp) != Some(off) && self.assigned.contains(tp) {
                let _ = tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*off));
            }
        }
        if tpl.count() == 0 {
            return Ok(());
        }
        let mode = if sync {
            CommitMode::Sync
        } else {
            CommitMode::Async
        };
        let started = std::time::Instant::now();
        let committed = self.consumer.commit(&tpl, mode);
        self.metrics
            .commit
            .observe(committed.is_ok(), started.elapsed());
        match committed {
            Ok(()) => {
                for (tp, off) in offsets {
                    self.last_committed.insert(tp, off);
                }
            }
            Err(e) => {
                tracing::warn!(task = %task_name(&self.id), error = %e, "offset commit failed")
            }
        }
        Ok(())
    }
}

impl Pipeline {
    /// Reads up to `max.poll.records` already-fetched messages after `first` and converts
    /// them. None if the consumer reported an error.
    async fn collect_batch(
        &self,
        consumer: &StreamConsumer<RebalanceContext>,
        first: KafkaResult<BorrowedMessage<'_>>,
    ) -> ConnectResult<Option<Batch>> {
        let mut batch = Batch {
            records: Vec::with_capacity(self.max_poll_records.min(4096)),
            read: 0,
            runs: Vec::new(),
        };
        let mut next = Some(first);
        let mut count = 0;
        while let Some(m) = next.take() {
            match m {
                Ok(msg) => {
                    batch.read += 1;
                    batch.note(msg.topic(), msg.partition(), msg.offset());
                    if let Some(r) = self.convert(&msg).await? {
                        batch.records.push(r);
                    }
                }
                Err(e) => {
                    tracing::warn!(task = %task_name(&self.id), error = %e, "consumer error");
                    if count == 0 {
                        return Ok(None);
                    }
                }
            }
            count += 1;
            if count >= self.max_poll_records {
                break;
            }
            next = consumer.recv().now_or_never();
        }
        Ok(Some(batch))
    }

    async fn convert(&self, msg: &BorrowedMessage<'_>) -> ConnectResult<Option<SinkRecord>> {
        let topic = msg.topic();
        let (key_schema, key) = match self.converters.key.to_connect_data(topic, msg.key()) {
            Ok(k) => k,
            Err(e) => return self.fail(msg, Stage::KeyConverter, e.into()).await,
        };
        let (value_schema, value) =
            match self.converters.value.to_connect_data(topic, msg.payload()) {
                Ok(v) => v,
                Err(e) => return self.fail(msg, Stage::ValueConverter, e.into()).await,
            };
        let mut headers = Headers::new();
        if let Some(hs) = msg.headers() {
            for h in hs.iter() {
                match self
                    .converters
                    .header
                    .to_connect_header(topic, h.key, h.value)
                {
                    Ok((schema, v)) => headers.add(h.key, schema, v),
                    Err(e) => return self.fail(msg, Stage::HeaderConverter, e.into()).await,
                }
            }
        }
        let (timestamp, timestamp_type) = match msg.timestamp() {
            Timestamp::NotAvailable => (None, TimestampType::NoTimestampType),
            Timestamp::CreateTime(t) => (Some(t), TimestampType::CreateTime),
            Timestamp::LogAppendTime(t) => (Some(t), TimestampType::LogAppendTime),
        };
        let record = ConnectRecord {
            topic: topic.to_string(),
            kafka_partition: Some(msg.partition()),
            key_schema,
            key,
            value_schema,
            value,
            timestamp,
            headers,
            kafka_offset: Some(msg.offset()),
        };
        let record = if self.chain.is_empty() {
            record
        } else {
            match self.chain.apply(record) {
                Ok(Some(r)) => r,
                Ok(None) => return Ok(None),
                Err(e) => return self.fail(msg, Stage::Transformation, e).await,
            }
        };
        Ok(Some(SinkRecord {
            record,
            kafka_offset: msg.offset(),
            timestamp_type,
            original_topic: topic.to_string(),
            original_partition: msg.partition(),
            original_offset: msg.offset(),
        }))
    }

    /// A record failed a stage: tolerate (log, DLQ) → Ok(None), else the task fails.
    async fn fail(
        &self,
        msg: &BorrowedMessage<'_>,
        stage: Stage,
        err: ConnectError,
    ) -> ConnectResult<Option<SinkRecord>> {
        let raw = RawRecord {
            topic: msg.topic().to_string(),
            partition: msg.partition(),
            offset: msg.offset(),
            timestamp: msg.timestamp().to_millis(),
            key: msg.key().map(<[u8]>::to_vec),
            value: msg.payload().map(<[u8]>::to_vec),
            headers: msg
                .headers()
                .map(|hs| {
                    hs.iter()
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let ctx = ErrorContext {
            topic: &raw.topic,
            partition: Some(raw.partition),
            offset: Some(raw.offset),
            record: Some(&raw),
            raw: Some(&raw),
        };
        self.errors.recover::<()>(stage, &ctx, err, None).await?;
        Ok(None)
    }
}

#[async_trait::async_trait]
impl ErrantRecordReporter for Pipeline {
    async fn report(&self, record: &SinkRecord, error: ConnectError) -> ConnectResult<()> {
        let raw = self.raw_of(record);
        let ctx = ErrorContext {
            topic: &raw.topic,
            partition: Some(raw.partition),
            offset: Some(raw.offset),
            record: Some(&raw),
            raw: Some(&raw),
        };
        self.errors.report_errant(&ctx, error).await
    }
}

impl Pipeline {
    /// The bytes of a record for the dead-letter queue: its key, value and headers converted
    /// back with the task's converters (as the JVM does for records it no longer holds the
    /// consumed bytes of), under the original topic, partition and offset. A part that does
    /// not convert back is left out rather than failing the report.
    fn raw_of(&self, record: &SinkRecord) -> RawRecord {
        let r = &record.record;
        let topic = &record.original_topic;
        let key = self
            .converters
            .key
            .from_connect_data(topic, r.key_schema.as_ref(), &r.key)
            .ok()
            .flatten();
        let value = self
            .converters
            .value
            .from_connect_data(topic, r.value_schema.as_ref(), &r.value)
            .ok()
            .flatten();
        let headers = r
            .headers
            .iter()
            .filter_map(|h| {
                self.converters
                    .header
                    .from_connect_header(topic, &h.key, h.schema.as_ref(), &h.value)
                    .ok()
                    .map(|v| (h.key.clone(), v))
            })
            .collect();
        RawRecord {
            topic: topic.clone(),
            partition: record.original_partition,
            offset: record.original_offset,
            timestamp: r.timestamp,
            key,
            value,
            headers,
        }
    }
}
