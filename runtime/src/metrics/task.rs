//! Per-task metric handles: cloned label handles taken once when a task starts, so the loops
//! only touch atomics (once per batch; the in-flight gauge once per record and delivery).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge};

fn detached_counter() -> IntCounter {
    IntCounter::new("detached", "not exported").expect("constant metric name is valid")
}

fn detached_gauge() -> IntGauge {
    IntGauge::new("detached", "not exported").expect("constant metric name is valid")
}

fn detached_histogram() -> Histogram {
    Histogram::with_opts(HistogramOpts::new("detached", "not exported"))
        .expect("constant metric name is valid")
}

/// Offset commit figures (`offset-commit-*`).
#[derive(Clone)]
pub struct CommitMetrics {
    /// Successful commits.
    pub success: IntCounter,
    /// Failed commits.
    pub failure: IntCounter,
    /// Commit latency (seconds).
    pub time: Histogram,
}

impl CommitMetrics {
    /// Records one commit's outcome and duration.
    pub fn observe(&self, ok: bool, took: Duration) {
        if ok {
            self.success.inc();
        } else {
            self.failure.inc();
        }
        self.time.observe(took.as_secs_f64());
    }
}

impl Default for CommitMetrics {
    fn default() -> Self {
        CommitMetrics {
            success: detached_counter(),
            failure: detached_counter(),
            time: detached_histogram(),
        }
    }
}

/// The newest record timestamp a source delivered (epoch ms); the exported gauge is its age
/// at scrape time.
#[derive(Clone, Default)]
pub struct Freshness {
    pub(crate) newest_ms: Arc<AtomicI64>,
}

impl Freshness {
    /// Notes that a record with this timestamp (epoch ms) was delivered; keeps the newest.
    pub fn record(&self, timestamp_ms: i64) {
        self.newest_ms.fetch_max(timestamp_ms, Ordering::Relaxed);
    }

    /// The newest timestamp noted (0 = none).
    pub fn newest(&self) -> i64 {
        self.newest_ms.load(Ordering::Relaxed)
    }
}

/// A source task's handles (`source-task-metrics`).
#[derive(Clone)]
pub struct SourceTaskMetrics {
    /// `source-record-poll-total`.
    pub poll: IntCounter,
    /// `source-record-write-total`.
    pub write: IntCounter,
    /// Poll batch time (seconds).
    pub poll_batch: Histogram,
    /// Records per poll batch.
    pub batch_size: Histogram,
    /// `source-record-active-count`: sent, not yet acknowledged.
    pub active: IntGauge,
    /// Offset commits.
    pub commit: CommitMetrics,
    /// Data freshness (newest delivered record).
    pub freshness: Freshness,
}

impl Default for SourceTaskMetrics {
    fn default() -> Self {
        SourceTaskMetrics {
            poll: detached_counter(),
            write: detached_counter(),
            poll_batch: detached_histogram(),
            batch_size: detached_histogram(),
            active: detached_gauge(),
            commit: CommitMetrics::default(),
            freshness: Freshness::default(),
        }
    }
}

/// A sink task's handles (`sink-task-metrics`).
#[derive(Clone)]
pub struct SinkTaskMetrics {
    /// `sink-record-read-total`.
    pub read: IntCounter,
    /// `sink-record-send-total`.
    pub send: IntCounter,
    /// `put()` time per batch (seconds).
    pub put_batch: Histogram,
    /// Records per put batch.
    pub batch_size: Histogram,
    /// `sink-record-active-count`: records being put.
    pub active: IntGauge,
    /// Offset commits.
    pub commit: CommitMetrics,
}

impl Default for SinkTaskMetrics {
    fn default() -> Self {
        SinkTaskMetrics {
            read: detached_counter(),
            send: detached_counter(),
            put_batch: detached_histogram(),
            batch_size: detached_histogram(),
            active: detached_gauge(),
            commit: CommitMetrics::default(),
        }
    }
}

/// A task's error handling figures (`task-error-metrics`).
#[derive(Clone)]
pub struct TaskErrorMetrics {
    /// `total-record-failures`: failed attempts, retries included.
    pub failures: IntCounter,
    /// `total-record-errors`: records that failed for good.
    pub errors: IntCounter,
    /// `total-records-skipped`.
    pub skipped: IntCounter,
    /// `total-retries`.
    pub retries: IntCounter,
    /// `total-errors-logged`.
    pub logged: IntCounter,
    /// `deadletterqueue-produce-requests`.
    pub dlq_requests: IntCounter,
    /// `deadletterqueue-produce-failures`.
    pub dlq_failures: IntCounter,
}

impl Default for TaskErrorMetrics {
    fn default() -> Self {
        TaskErrorMetrics {
            failures: detached_counter(),
            errors: detached_counter(),
            skipped: detached_counter(),
            retries: detached_counter(),
            logged: detached_counter(),
            dlq_requests: detached_counter(),
            dlq_failures: detached_counter(),
        }
    }
}
