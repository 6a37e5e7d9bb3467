//! Sending through a cached librdkafka topic handle.
//!
//! `BaseProducer::send` names the topic by string: every record pays for a `CString` of the
//! name and librdkafka's lookup of the topic by that name (about 430 instructions per record,
//! 7 % of the worker's per-record cost). A source task sends almost every record to a topic
//! it sent to before, so it keeps one handle per topic and hands librdkafka the handle
//! instead. The message, its flags (payload and key copied) and its delivery opaque are
//! exactly what `BaseProducer::send` passes, so delivery reports reach the same
//! [`ProducerContext::delivery`] callback.
//!
//! A topic with a single partition needs no partitioner: every partitioner librdkafka has
//! returns partition 0 there, keyed or not, so the task names partition 0 itself and skips
//! librdkafka's partitioner (about 500 instructions per record). The partition count comes
//! from broker metadata when the handle is made and is re-read every
//! [`PARTITIONS_MAX_AGE`] (Kafka's `metadata.max.age.ms`), so a topic that gains partitions
//! is partitioned normally from then on.

use std::ffi::{c_void, CString};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use rdkafka::bindings as rdsys;
use rdkafka::bindings::rd_kafka_vtype_t::*;
use rdkafka::client::{Client, ClientContext};
use rdkafka::producer::{Producer, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::IntoOpaque;

/// One topic's librdkafka handle, valid while the producer it was made for lives (it keeps a
/// clone of that producer, so the client outlives the handle).
pub struct TopicHandle<C: ProducerContext + 'static> {
    raw: NonNull<rdsys::rd_kafka_topic_t>,
    producer: ThreadedProducer<C>,
    name: String,
    /// The topic's partition count as last read (0: unknown).
    partitions: AtomicI32,
    /// When `partitions` was last read.
    checked_at: Mutex<Option<Instant>>,
}

/// How long a topic's partition count is trusted (Kafka's `metadata.max.age.ms` default).
pub const PARTITIONS_MAX_AGE: Duration = Duration::from_secs(300);

// SAFETY: librdkafka topic handles may be used and destroyed from any thread.
unsafe impl<C: ProducerContext + 'static> Send for TopicHandle<C> {}
// SAFETY: as above; `rd_kafka_producev` is thread-safe.
unsafe impl<C: ProducerContext + 'static> Sync for TopicHandle<C> {}

impl<C: ProducerContext + 'static> TopicHandle<C> {
    /// A handle for `topic` on `producer`; `None` if librdkafka refuses the name (the caller
    /// then sends by name, which reports the error per record).
    pub fn new(producer: &ThreadedProducer<C>, topic: &str) -> Option<Self> {
        let name = CString::new(topic).ok()?;
        // SAFETY: the client pointer is live (we hold the producer); a null config means the
        // client's default topic config.
        let raw = unsafe {
            rdsys::rd_kafka_topic_new(
                producer.client().native_ptr(),
                name.as_ptr(),
                ptr::null_mut(),
            )
        };
        Some(TopicHandle {
            raw: NonNull::new(raw)?,
            producer: producer.clone(),
            name: topic.to_string(),
            partitions: AtomicI32::new(0),
            checked_at: Mutex::new(None),
        })
    }

    /// The partition to name for a record the connector did not place: 0 on a topic with a
    /// single partition, else `None` (librdkafka's partitioner decides).
    pub fn fixed_partition(&self) -> Option<i32> {
        (self.partitions.load(Ordering::Relaxed) == 1).then_some(0)
    }

    /// Re-reads the partition count from broker metadata if it was never read or is older
    /// than [`PARTITIONS_MAX_AGE`] (a blocking metadata request, run off the task's thread).
    pub async fn refresh_partitions(&self) {
        if self
            .checked_at
            .lock()
            .is_some_and(|t| t.elapsed() < PARTITIONS_MAX_AGE)
        {
            return;
        }
        let count = partition_count(&self.producer, &self.name).await;
        self.set_partitions(count);
    }

    /// Records a partition count just read (`None`: unknown, read again on the next
    /// [`TopicHandle::refresh_partitions`]; a known count is kept for the max age).
    pub fn set_partitions(&self, count: Option<i32>) {
        tracing::debug!(topic = %self.name, partitions = ?count, "topic partition count read");
        self.partitions.store(count.unwrap_or(0), Ordering::Relaxed);
        *self.checked_at.lock() = count.map(|_| Instant::now());
    }

    /// Enqueues one message without headers, as `BaseProducer::send` would (payload and key
    /// copied, partition `-1` for the partitioner, timestamp `0` for "now"). On failure the
    /// opaque comes back with the error code.
    pub fn send(
        &self,
        partition: Option<i32>,
        key: Option<&[u8]>,
        payload: Option<&[u8]>,
        timestamp: Option<i64>,
        opaque: C::DeliveryOpaque,
    ) -> Result<(), (RDKafkaErrorCode, C::DeliveryOpaque)> {
        fn parts(bytes: Option<&[u8]>) -> (*mut c_void, usize) {
            bytes.map_or((ptr::null_mut(), 0), |b| {
                (b.as_ptr() as *mut c_void, b.len())
            })
        }
        let (payload_ptr, payload_len) = parts(payload);
        let (key_ptr, key_len) = parts(key);
        let opaque_ptr = opaque.into_ptr();
        // SAFETY: the argument list is the one `BaseProducer::send` passes, with the topic
        // given as a live handle (`RD_KAFKA_VTYPE_RKT`) instead of a name; payload and key are
        // copied by librdkafka (`RD_KAFKA_MSG_F_COPY`) before the call returns.
        let err = unsafe {
            rdsys::rd_kafka_producev(
                self.producer.client().native_ptr(),
                RD_KAFKA_VTYPE_RKT,
                self.raw.as_ptr(),
                RD_KAFKA_VTYPE_PARTITION,
                partition.unwrap_or(-1),
                RD_KAFKA_VTYPE_MSGFLAGS,
                rdsys::RD_KAFKA_MSG_F_COPY,
                RD_KAFKA_VTYPE_VALUE,
                payload_ptr,
                payload_len,
                RD_KAFKA_VTYPE_KEY,
                key_ptr,
                key_len,
                RD_KAFKA_VTYPE_OPAQUE,
                opaque_ptr,
                RD_KAFKA_VTYPE_TIMESTAMP,
                timestamp.unwrap_or(0),
                RD_KAFKA_VTYPE_END,
            )
        };
        if err == rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            Ok(())
        } else {
            // SAFETY: librdkafka did not take the message, so the opaque is still ours.
            Err((err.into(), unsafe {
                C::DeliveryOpaque::from_ptr(opaque_ptr)
            }))
        }
    }
}

/// The partition count of `topic` from broker metadata (a blocking request, run off the
/// task's thread); `None` if the broker does not know the topic or cannot be asked.
pub async fn partition_count<C: ProducerContext + 'static>(
    producer: &ThreadedProducer<C>,
    topic: &str,
) -> Option<i32> {
    let producer = producer.clone();
    let name = topic.to_string();
    tokio::task::spawn_blocking(move || {
        metadata_partition_count(producer.client(), &name, Duration::from_secs(5))
    })
    .await
    .ok()
    .flatten()
}

/// The partition count of `topic` in a blocking metadata request through `client`; `None` if
/// the request fails or the broker does not know the topic. Whether the request lets the
/// broker auto-create the topic is the client's `allow.auto.create.topics`.
pub fn metadata_partition_count<C: ClientContext>(
    client: &Client<C>,
    topic: &str,
    timeout: Duration,
) -> Option<i32> {
    let metadata = client
        .fetch_metadata(Some(topic), timeout)
        .map_err(|e| tracing::debug!(topic, error = %e, "metadata request failed"))
        .ok()?;
    let found = metadata.topics().iter().find(|t| t.name() == topic)?;
    if found.error().is_some() || found.partitions().is_empty() {
        return None;
    }
    i32::try_from(found.partitions().len()).ok()
}

impl<C: ProducerContext + 'static> Drop for TopicHandle<C> {
    fn drop(&mut self) {
        // SAFETY: the handle came from `rd_kafka_topic_new` and is released exactly once,
        // before our clone of the producer (a later field) drops.
        unsafe { rdsys::rd_kafka_topic_destroy(self.raw.as_ptr()) }
    }
}
