//! Producer and consumer figures from librdkafka's statistics callback
//! (`statistics.interval.ms`): batch size, compression ratio, request latency, local queue
//! and consumer lag, one gauge set per client (`connector`, `task`, `client` labels).

use prometheus::Gauge;
use rdkafka::statistics::Statistics;

use super::families::Families;

/// The gauges of one client; [`ClientStats::update`] is called from the client's context.
pub struct ClientStats {
    labels: [String; 3],
    batch_bytes: Gauge,
    batch_records: Gauge,
    compression: Gauge,
    latency: Gauge,
    queue_messages: Gauge,
    queue_bytes: Gauge,
    lag: Gauge,
}

/// Figures derived from one statistics report.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ClientFigures {
    /// Average producer batch size in bytes (weighted over topics), if any batch was sent.
    pub batch_bytes: Option<f64>,
    /// Average records per producer batch.
    pub batch_records: Option<f64>,
    /// Bytes on the wire / message bytes produced.
    pub compression: Option<f64>,
    /// Average broker round-trip time in seconds.
    pub latency: Option<f64>,
    /// Messages in the local queue.
    pub queue_messages: f64,
    /// Bytes in the local queue.
    pub queue_bytes: f64,
    /// Consumer lag summed over partitions with a known lag (None when no partition has one).
    pub lag: Option<f64>,
}

fn weighted(windows: impl Iterator<Item = (i64, i64)>) -> Option<f64> {
    let (mut sum, mut cnt) = (0f64, 0i64);
    for (avg, n) in windows.filter(|(_, n)| *n > 0) {
        sum += avg as f64 * n as f64;
        cnt += n;
    }
    (cnt > 0).then(|| sum / cnt as f64)
}

impl ClientFigures {
    /// Derives the exported figures from a statistics report.
    pub fn from_statistics(s: &Statistics) -> ClientFigures {
        let lags: Vec<i64> = s
            .topics
            .values()
            .flat_map(|t| t.partitions.values())
            .filter(|p| p.partition >= 0 && p.consumer_lag >= 0)
            .map(|p| p.consumer_lag)
            .collect();
        ClientFigures {
            batch_bytes: weighted(
                s.topics
                    .values()
                    .map(|t| (t.batchsize.avg, t.batchsize.cnt)),
            ),
            batch_records: weighted(s.topics.values().map(|t| (t.batchcnt.avg, t.batchcnt.cnt))),
            compression: (s.txmsg_bytes > 0).then(|| s.tx_bytes as f64 / s.txmsg_bytes as f64),
            latency: weighted(
                s.brokers
                    .values()
                    .filter_map(|b| b.rtt.as_ref())
                    .map(|w| (w.avg, w.cnt)),
            )
            .map(|us| us / 1e6),
            queue_messages: s.msg_cnt as f64,
            queue_bytes: s.msg_size as f64,
            lag: (!lags.is_empty()).then(|| lags.iter().sum::<i64>() as f64),
        }
    }
}

impl ClientStats {
    pub(crate) fn new(f: &Families, labels: [&str; 3]) -> ClientStats {
        let g = |v: &prometheus::GaugeVec| v.with_label_values(&labels);
        ClientStats {
            batch_bytes: g(&f.client_batch_bytes),
            batch_records: g(&f.client_batch_records),
            compression: g(&f.client_compression),
            latency: g(&f.client_latency),
            queue_messages: g(&f.client_queue_messages),
            queue_bytes: g(&f.client_queue_bytes),
            lag: g(&f.client_lag),
            labels: labels.map(str::to_string),
        }
    }

    /// Applies a statistics report (called by librdkafka every `statistics.interval.ms`).
    pub fn update(&self, s: &Statistics) {
        self.apply(&ClientFigures::from_statistics(s));
    }

    /// Sets the gauges from derived figures.
    pub fn apply(&self, f: &ClientFigures) {
        let set = |g: &Gauge, v: Option<f64>| {
            if let Some(v) = v {
                g.set(v);
            }
        };
        set(&self.batch_bytes, f.batch_bytes);
        set(&self.batch_records, f.batch_records);
        set(&self.compression, f.compression);
        set(&self.latency, f.latency);
        self.queue_messages.set(f.queue_messages);
        self.queue_bytes.set(f.queue_bytes);
        set(&self.lag, f.lag);
    }

    pub(crate) fn remove(&self, f: &Families) {
        let l = [
            self.labels[0].as_str(),
            self.labels[1].as_str(),
            self.labels[2].as_str(),
        ];
        for g in f.client_gauges() {
            let _ = g.remove_label_values(&l);
        }
    }
}
