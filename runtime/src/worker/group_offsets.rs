//! Sink connector offsets: the committed offsets of consumer group `connect-<name>`, read and
//! altered with short-lived clients (REST `/offsets`), and the cluster id.
//!
//! Reset (`None`) of a partition: librdkafka 2.12's rdkafka binding has no
//! DeleteConsumerGroupOffsets, so we read the group's committed offsets, delete the whole
//! (empty, the connector being STOPPED) group, and commit back every partition that is not
//! being reset (plus the new offsets). The next run then starts the reset partitions per
//! `auto.offset.reset`.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseProducer, Producer};
use rdkafka::{Offset, TopicPartitionList};

use crate::clients::{self, ClientKind};
use crate::config::{ConfigMap, WorkerConfig};
use crate::data::TopicPartition;
use crate::error::{ConnectError, ConnectResult};

const TIMEOUT: Duration = Duration::from_secs(10);

fn consumer(worker: &WorkerConfig, name: &str, config: &ConfigMap) -> ConnectResult<BaseConsumer> {
    let settings = clients::build(
        ClientKind::Consumer,
        worker,
        name,
        Some(config),
        &format!("connector-consumer-{name}-offsets"),
    )?;
    settings
        .config
        .create()
        .map_err(|e| ConnectError::other(format!("Failed to create the consumer: {e}")))
}

/// Every partition of the topics the sink reads (`topics` or `topics.regex`).
fn partitions(c: &BaseConsumer, config: &ConfigMap) -> ConnectResult<Vec<TopicPartition>> {
    let subs = super::sink::subscription(config)?;
    let md = c
        .fetch_metadata(None, TIMEOUT)
        .map_err(|e| ConnectError::other(format!("Failed to fetch topic metadata: {e}")))?;
    let regexes: Vec<regex::Regex> = subs
        .iter()
        .filter(|s| s.starts_with('^'))
        .filter_map(|s| regex::Regex::new(&format!("{s}$")).ok())
        .collect();
    let mut out = Vec::new();
    for t in md.topics() {
        let wanted =
            subs.iter().any(|s| s == t.name()) || regexes.iter().any(|r| r.is_match(t.name()));
        if wanted {
            for p in t.partitions() {
                out.push(TopicPartition::new(t.name(), p.id()));
            }
        }
    }
    Ok(out)
}

fn committed_blocking(
    worker: &WorkerConfig,
    name: &str,
    config: &ConfigMap,
) -> ConnectResult<Vec<(TopicPartition, i64)>> {
    let c = consumer(worker, name, config)?;
    let parts = partitions(&c, config)?;
    let mut tpl = TopicPartitionList::new();
    for p in &parts {
        tpl.add_partition(&p.topic, p.partition);
    }
    if tpl.count() == 0 {
        return Ok(Vec::new());
    }
    let committed = c.committed_offsets(tpl, TIMEOUT).map_err(|e| {
        ConnectError::other(format!(
            "Failed to read committed offsets of group connect-{name}: {e}"
        ))
    })?;
    let mut out: Vec<(TopicPartition, i64)> = committed
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) if o >= 0 => Some((TopicPartition::new(e.topic(), e.partition()), o)),
            _ => None,
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Committed offsets of group `connect-<name>`.
pub async fn committed(
    worker: &WorkerConfig,
    name: &str,
    config: &ConfigMap,
) -> ConnectResult<Vec<(TopicPartition, i64)>> {
    let (w, n, c) = (worker.clone(), name.to_string(), config.clone());
    tokio::task::spawn_blocking(move || committed_blocking(&w, &n, &c))
        .await
        .map_err(|e| ConnectError::other(e.to_string()))?
}

fn commit_blocking(c: &BaseConsumer, offsets: &[(TopicPartition, i64)]) -> ConnectResult<()> {
    if offsets.is_empty() {
        return Ok(());
    }
    let mut tpl = TopicPartitionList::new();
    for (tp, o) in offsets {
        tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*o))
            .map_err(|e| ConnectError::other(e.to_string()))?;
    }
    c.commit(&tpl, CommitMode::Sync)
        .map_err(|e| ConnectError::other(format!("Failed to commit offsets: {e}")))
}

/// Commits (`Some`) or resets (`None`) partitions of group `connect-<name>`.
pub async fn alter(
    worker: &WorkerConfig,
    name: &str,
    config: &ConfigMap,
    entries: Vec<(TopicPartition, Option<i64>)>,
) -> ConnectResult<()> {
    let resets: Vec<TopicPartition> = entries
        .iter()
        .filter(|(_, o)| o.is_none())
        .map(|(t, _)| t.clone())
        .collect();
    let sets: Vec<(TopicPartition, i64)> = entries
        .iter()
        .filter_map(|(t, o)| o.map(|o| (t.clone(), o)))
        .collect();
    let mut keep = Vec::new();
    if !resets.is_empty() {
        let current = committed(worker, name, config).await?;
        keep = current
            .into_iter()
            .filter(|(tp, _)| !resets.contains(tp) && !sets.iter().any(|(s, _)| s == tp))
            .collect();
        let admin: AdminClient<DefaultClientContext> = clients::build(
            ClientKind::Admin,
            worker,
            name,
            Some(config),
            &format!("connector-adminclient-{name}-offsets"),
        )?
        .config
        .create()
        .map_err(|e| ConnectError::other(format!("Failed to create the admin client: {e}")))?;
        let group = format!("connect-{name}");
        let results = admin
            .delete_groups(
                &[group.as_str()],
                &AdminOptions::new().request_timeout(Some(TIMEOUT)),
            )
            .await
            .map_err(|e| {
                ConnectError::other(format!("Failed to reset offsets of group {group}: {e}"))
            })?;
        for r in results {
            if let Err((g, code)) = r {
                if code != rdkafka::types::RDKafkaErrorCode::GroupIdNotFound {
                    return Err(ConnectError::other(format!(
                        "Failed to reset offsets of group {g}: {code}"
                    )));
                }
            }
        }
    }
    keep.extend(sets);
    let (w, n, c) = (worker.clone(), name.to_string(), config.clone());
    tokio::task::spawn_blocking(move || {
        let consumer = consumer(&w, &n, &c)?;
        commit_blocking(&consumer, &keep)
    })
    .await
    .map_err(|e| ConnectError::other(e.to_string()))?
}

/// The broker's cluster id (2 s timeout), None if unreachable.
pub fn cluster_id(worker: &WorkerConfig) -> Option<String> {
    let settings = clients::build(
        ClientKind::Admin,
        worker,
        "",
        None,
        "ferroconnect-cluster-id",
    )
    .ok()?;
    let producer: BaseProducer = settings.config.create().ok()?;
    producer.client().fetch_cluster_id(Duration::from_secs(2))
}
