//! The metric families the worker registers (names, help texts, labels, buckets).

use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

/// Latency buckets in seconds (0.5 ms … 30 s).
const TIME_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Records-per-batch buckets.
const SIZE_BUCKETS: &[f64] = &[
    1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 50000.0,
];

const TASK: &[&str] = &["connector", "task"];
const CLIENT: &[&str] = &["connector", "task", "client"];

/// Every registered family.
pub(crate) struct Families {
    pub source_poll: IntCounterVec,
    pub source_write: IntCounterVec,
    pub source_poll_batch: HistogramVec,
    pub source_active: IntGaugeVec,
    pub sink_read: IntCounterVec,
    pub sink_send: IntCounterVec,
    pub sink_put_batch: HistogramVec,
    pub sink_active: IntGaugeVec,
    pub batch_size: HistogramVec,
    pub commit_success: IntCounterVec,
    pub commit_failure: IntCounterVec,
    pub commit_time: HistogramVec,
    pub err_failures: IntCounterVec,
    pub err_errors: IntCounterVec,
    pub err_skipped: IntCounterVec,
    pub err_retries: IntCounterVec,
    pub err_logged: IntCounterVec,
    pub dlq_requests: IntCounterVec,
    pub dlq_failures: IntCounterVec,
    pub connector_status: IntGaugeVec,
    pub connector_info: IntGaugeVec,
    pub task_status: IntGaugeVec,
    pub task_auto_restarts: IntGaugeVec,
    pub worker_connectors: IntGauge,
    pub worker_tasks: IntGauge,
    pub freshness: GaugeVec,
    pub client_batch_bytes: GaugeVec,
    pub client_batch_records: GaugeVec,
    pub client_compression: GaugeVec,
    pub client_latency: GaugeVec,
    pub client_queue_messages: GaugeVec,
    pub client_queue_bytes: GaugeVec,
    pub client_lag: GaugeVec,
}

fn counter(r: &Registry, name: &str, help: &str) -> prometheus::Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), TASK)?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn gauge(r: &Registry, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<IntGaugeVec> {
    let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
    r.register(Box::new(g.clone()))?;
    Ok(g)
}

fn fgauge(r: &Registry, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<GaugeVec> {
    let g = GaugeVec::new(Opts::new(name, help), labels)?;
    r.register(Box::new(g.clone()))?;
    Ok(g)
}

fn histogram(
    r: &Registry,
    name: &str,
    help: &str,
    buckets: &[f64],
) -> prometheus::Result<HistogramVec> {
    let h = HistogramVec::new(
        HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        TASK,
    )?;
    r.register(Box::new(h.clone()))?;
    Ok(h)
}

fn single(r: &Registry, name: &str, help: &str) -> prometheus::Result<IntGauge> {
    let g = IntGauge::new(name, help)?;
    r.register(Box::new(g.clone()))?;
    Ok(g)
}

impl Families {
    /// Creates and registers every family.
    pub fn register(r: &Registry) -> prometheus::Result<Families> {
        let p = "kafka_connect_";
        Ok(Families {
            source_poll: counter(
                r,
                &format!("{p}source_task_source_record_poll_total"),
                "Records produced by the source task's poll(), before transforms",
            )?,
            source_write: counter(
                r,
                &format!("{p}source_task_source_record_write_total"),
                "Records handed to the producer after transforms and conversion",
            )?,
            source_poll_batch: histogram(
                r,
                &format!("{p}source_task_poll_batch_time_seconds"),
                "Time to poll a batch and hand it to the producer",
                TIME_BUCKETS,
            )?,
            source_active: gauge(
                r,
                &format!("{p}source_task_source_record_active_count"),
                "Records sent to Kafka and not yet acknowledged",
                TASK,
            )?,
            sink_read: counter(
                r,
                &format!("{p}sink_task_sink_record_read_total"),
                "Records read from Kafka, before transforms",
            )?,
            sink_send: counter(
                r,
                &format!("{p}sink_task_sink_record_send_total"),
                "Records put to the sink task after transforms",
            )?,
            sink_put_batch: histogram(
                r,
                &format!("{p}sink_task_put_batch_time_seconds"),
                "Time the sink task's put() took per batch",
                TIME_BUCKETS,
            )?,
            sink_active: gauge(
                r,
                &format!("{p}sink_task_sink_record_active_count"),
                "Records read and being put to the sink task",
                TASK,
            )?,
            batch_size: histogram(
                r,
                &format!("{p}connector_task_batch_size"),
                "Records per polled (source) or put (sink) batch",
                SIZE_BUCKETS,
            )?,
            commit_success: counter(
                r,
                &format!("{p}connector_task_offset_commit_success_total"),
                "Successful offset commits",
            )?,
            commit_failure: counter(
                r,
                &format!("{p}connector_task_offset_commit_failure_total"),
                "Failed offset commits",
            )?,
            commit_time: histogram(
                r,
                &format!("{p}connector_task_offset_commit_time_seconds"),
                "Time an offset commit took",
                TIME_BUCKETS,
            )?,
            err_failures: counter(
                r,
                &format!("{p}task_error_total_record_failures"),
                "Failed attempts to process a record (including retries)",
            )?,
            err_errors: counter(
                r,
                &format!("{p}task_error_total_record_errors"),
                "Records that failed after retries",
            )?,
            err_skipped: counter(
                r,
                &format!("{p}task_error_total_records_skipped"),
                "Records skipped under errors.tolerance=all",
            )?,
            err_retries: counter(
                r,
                &format!("{p}task_error_total_retries"),
                "Retried operations",
            )?,
            err_logged: counter(
                r,
                &format!("{p}task_error_total_errors_logged"),
                "Errors logged (errors.log.enable)",
            )?,
            dlq_requests: counter(
                r,
                &format!("{p}task_error_deadletterqueue_produce_requests"),
                "Records sent to the dead letter queue",
            )?,
            dlq_failures: counter(
                r,
                &format!("{p}task_error_deadletterqueue_produce_failures"),
                "Failed dead letter queue writes",
            )?,
            connector_status: gauge(
                r,
                &format!("{p}connector_status"),
                "1 for the connector's current state, 0 for the others",
                &["connector", "state"],
            )?,
            connector_info: gauge(
                r,
                &format!("{p}connector_info"),
                "1 per running connector, with its type (source/sink), class and version",
                &["connector", "type", "class", "version"],
            )?,
            task_status: gauge(
                r,
                &format!("{p}connector_task_status"),
                "1 for the task's current state, 0 for the others",
                &["connector", "task", "state"],
            )?,
            task_auto_restarts: gauge(
                r,
                &format!("{p}task_auto_restarts"),
                "Automatic restarts of the FAILED task so far (task.auto.restart.enable)",
                &["connector", "task"],
            )?,
            worker_connectors: single(
                r,
                &format!("{p}worker_connector_count"),
                "Connectors run by this worker",
            )?,
            worker_tasks: single(
                r,
                &format!("{p}worker_task_count"),
                "Tasks run by this worker",
            )?,
            freshness: fgauge(
                r,
                &format!("{p}source_task_record_freshness_seconds"),
                "Age of the newest record the source task delivered (sources with watermarks)",
                TASK,
            )?,
            client_batch_bytes: fgauge(
                r,
                &format!("{p}client_batch_size_avg_bytes"),
                "Average producer batch size in bytes (librdkafka statistics)",
                CLIENT,
            )?,
            client_batch_records: fgauge(
                r,
                &format!("{p}client_batch_records_avg"),
                "Average records per producer batch (librdkafka statistics)",
                CLIENT,
            )?,
            client_compression: fgauge(
                r,
                &format!("{p}client_compression_ratio"),
                "Bytes sent to brokers / message bytes produced (compression incl. framing)",
                CLIENT,
            )?,
            client_latency: fgauge(
                r,
                &format!("{p}client_request_latency_avg_seconds"),
                "Average broker round-trip time (librdkafka statistics)",
                CLIENT,
            )?,
            client_queue_messages: fgauge(
                r,
                &format!("{p}client_queue_messages"),
                "Messages in the client's local queue",
                CLIENT,
            )?,
            client_queue_bytes: fgauge(
                r,
                &format!("{p}client_queue_bytes"),
                "Bytes in the client's local queue",
                CLIENT,
            )?,
            client_lag: fgauge(
                r,
                &format!("{p}client_consumer_lag"),
                "Consumer lag summed over assigned partitions (librdkafka statistics)",
                CLIENT,
            )?,
        })
    }

    /// Removes a task's series from every per-task family.
    pub fn remove_task(&self, l: &[&str; 2]) {
        for c in [
            &self.source_poll,
            &self.source_write,
            &self.sink_read,
            &self.sink_send,
            &self.commit_success,
            &self.commit_failure,
            &self.err_failures,
            &self.err_errors,
            &self.err_skipped,
            &self.err_retries,
            &self.err_logged,
            &self.dlq_requests,
            &self.dlq_failures,
        ] {
            let _ = c.remove_label_values(l);
        }
        for h in [
            &self.source_poll_batch,
            &self.sink_put_batch,
            &self.batch_size,
            &self.commit_time,
        ] {
            let _ = h.remove_label_values(l);
        }
        for g in [&self.source_active, &self.sink_active] {
            let _ = g.remove_label_values(l);
        }
        let _ = self.freshness.remove_label_values(l);
    }

    /// The per-client gauges.
    pub fn client_gauges(&self) -> [&GaugeVec; 7] {
        [
            &self.client_batch_bytes,
            &self.client_batch_records,
            &self.client_compression,
            &self.client_latency,
            &self.client_queue_messages,
            &self.client_queue_bytes,
            &self.client_lag,
        ]
    }
}
