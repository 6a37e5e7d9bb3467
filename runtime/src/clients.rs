//! Kafka client configuration for connectors: rdkafka `ClientConfig`s for a connector's
//! producer, consumer and admin client, built like the JVM worker builds its Java clients.
//!
//! Precedence (reference §4.1): Connect's defaults → `bootstrap.servers` and the worker's
//! `producer.`/`consumer.`/`admin.` prefixed keys → the connector's `producer.override.`/
//! `consumer.override.`/`admin.override.` keys, the latter only as far as the worker's
//! `connector.client.config.override.policy` allows (a forbidden override is a config error
//! naming the key and the policy).
//!
//! Java client keys are translated to librdkafka's where they differ ([`map_java_key`]):
//! renamed (`buffer.memory` → `queue.buffering.max.kbytes` in KiB, `max.request.size` →
//! `message.max.bytes`, `delivery.timeout.ms` → `message.timeout.ms`, `retries` →
//! `message.send.max.retries`, `fetch.max.wait.ms` → `fetch.wait.max.ms`, ...), passed as is
//! when both clients share the name and meaning (`batch.size` is the per-partition batch size in
//! bytes on both sides, `linger.ms`, `acks`, `compression.type`, ...), kept for the worker
//! itself (`max.poll.records` bounds a sink `put` batch), or dropped with a debug log when they
//! only make sense to the JVM (serializers, `max.block.ms`, metrics reporters, JKS store types,
//! ...). Any other key goes to librdkafka verbatim, and librdkafka's own check rejects a key
//! neither side knows, so nothing is silently dropped.
//!
//! Defaults we choose differently from the JVM (documented choice): the JVM's source producer
//! uses `enable.idempotence=false` with `max.in.flight.requests.per.connection=1` to keep
//! per-partition order across retries. We keep the same ordering guarantee with
//! `enable.idempotence=true` and 5 requests in flight (librdkafka's idempotent producer keeps
//! order with up to 5), which pipelines produce requests for throughput and never duplicates
//! on retry. If a connector sets `enable.idempotence=false` without setting the in-flight
//! limit, we fall back to the JVM's 1. Keyed records are partitioned with `murmur2_random`,
//! the Java client's hash, so keys land on the same partitions as with the JVM worker.

use rdkafka::ClientConfig;

use crate::config::{ConfigMap, OverridePolicy, WorkerConfig};
use crate::error::{ConnectError, ConnectResult};

/// Which client a config is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// A source task's (or the DLQ's) producer.
    Producer,
    /// A sink task's consumer.
    Consumer,
    /// An admin client (topic creation, group offsets).
    Admin,
}

impl ClientKind {
    /// The worker-level prefix (`producer.`, ...).
    pub fn worker_prefix(self) -> &'static str {
        match self {
            ClientKind::Producer => "producer.",
            ClientKind::Consumer => "consumer.",
            ClientKind::Admin => "admin.",
        }
    }
    /// The connector-level prefix (`producer.override.`, ...).
    pub fn override_prefix(self) -> &'static str {
        match self {
            ClientKind::Producer => "producer.override.",
            ClientKind::Consumer => "consumer.override.",
            ClientKind::Admin => "admin.override.",
        }
    }
}

/// What a Java client key becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// Set these librdkafka keys.
    Set(Vec<(String, String)>),
    /// A Java-only key without librdkafka meaning; ignored.
    Dropped,
    /// `max.poll.records`: our own sink batch limit.
    MaxPollRecords(usize),
}

/// Java client keys that only make sense to the JVM: accepted and ignored.
pub const JAVA_ONLY_KEYS: &[&str] = &[
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "max.block.ms",
    "metric.reporters",
    "metrics.num.samples",
    "metrics.recording.level",
    "metrics.sample.window.ms",
    "auto.include.jmx.reporter",
    "enable.metrics.push",
    "interceptor.classes",
    "partitioner.class",
    "partitioner.ignore.keys",
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "default.api.timeout.ms",
    "client.dns.lookup",
    "metadata.max.idle.ms",
    "metadata.recovery.strategy",
    "metadata.recovery.rebootstrap.trigger.ms",
    "exclude.internal.topics",
    "internal.leave.group.on.close",
    "group.protocol",
    "group.remote.assignor",
    "security.providers",
    "socket.connection.setup.timeout.max.ms",
    "ssl.protocol",
    "ssl.enabled.protocols",
    "ssl.keymanager.algorithm",
    "ssl.trustmanager.algorithm",
    "ssl.secure.random.implementation",
    "ssl.engine.factory.class",
    "ssl.keystore.type",
    "ssl.truststore.type",
    "ssl.truststore.password",
    "ssl.provider",
    "sasl.client.callback.handler.class",
    "sasl.login.callback.handler.class",
    "sasl.login.class",
    "sasl.login.refresh.window.factor",
    "sasl.login.refresh.window.jitter",
    "sasl.login.refresh.min.period.seconds",
    "sasl.login.refresh.buffer.seconds",
    "sasl.login.connect.timeout.ms",
    "sasl.login.read.timeout.ms",
    "sasl.login.retry.backoff.ms",
    "sasl.login.retry.backoff.max.ms",
    "sasl.kerberos.ticket.renew.window.factor",
    "sasl.kerberos.ticket.renew.jitter",
    "sasl.kerberos.min.time.before.relogin",
    "transaction.two.phase.commit.enable",
];

/// Maps one Java client key and value to librdkafka settings.
pub fn map_java_key(kind: ClientKind, key: &str, value: &str) -> ConnectResult<Mapped> {
    let v = value.trim();
    let set = |k: &str, v: &str| Ok(Mapped::Set(vec![(k.to_string(), v.to_string())]));
    let number = |k: &str| -> ConnectResult<i64> {
        v.parse::<i64>().map_err(|_| {
            ConnectError::config(format!(
                "Invalid value {v} for configuration {k}: Not a number of type LONG"
            ))
        })
    };
    match key {
        "buffer.memory" => {
            let kb = (number(key)? / 1024).max(1);
            set("queue.buffering.max.kbytes", &kb.to_string())
        }
        "max.request.size" => set("message.max.bytes", v),
        "delivery.timeout.ms" => {
            // Java's Integer.MAX_VALUE means "forever": librdkafka's 0.
            let ms = number(key)?;
            set(
                "message.timeout.ms",
                if ms >= i32::MAX as i64 { "0" } else { v },
            )
        }
        "retries" => {
            let n = number(key)?.clamp(0, i32::MAX as i64);
            match kind {
                ClientKind::Producer => set("message.send.max.retries", &n.to_string()),
                _ => Ok(Mapped::Dropped),
            }
        }
        "fetch.max.wait.ms" => set("fetch.wait.max.ms", v),
        "receive.buffer.bytes" => set("socket.receive.buffer.bytes", &socket_buffer(v)),
        "send.buffer.bytes" => set("socket.send.buffer.bytes", &socket_buffer(v)),
        "compression.gzip.level" | "compression.lz4.level" | "compression.zstd.level" => {
            set("compression.level", v)
        }
        "auto.offset.reset" if v.eq_ignore_ascii_case("none") => set("auto.offset.reset", "error"),
        "partition.assignment.strategy" => set(key, &assignors(v)?),
        "max.poll.records" => {
            let n = number(key)?;
            if n < 1 {
                return Err(ConnectError::config(format!(
                    "Invalid value {v} for configuration max.poll.records: Value must be at least 1"
                )));
            }
            Ok(Mapped::MaxPollRecords(n as usize))
        }
        "sasl.jaas.config" => Ok(Mapped::Set(jaas_credentials(v))),
        "ssl.truststore.location" => set("ssl.ca.location", v),
        "ssl.truststore.certificates" => set("ssl.ca.pem", v),
        "ssl.keystore.certificate.chain" => set("ssl.certificate.pem", v),
        "ssl.keystore.key" => set("ssl.key.pem", v),
        "ssl.endpoint.identification.algorithm" => set(key, if v.is_empty() { "none" } else { v }),
        "sasl.mechanism" => set("sasl.mechanisms", v),
        _ if JAVA_ONLY_KEYS.contains(&key) || key.starts_with("metrics.context.") => {
            Ok(Mapped::Dropped)
        }
        _ => set(key, v),
    }
}

/// Java uses -1 for "OS default"; librdkafka uses 0.
fn socket_buffer(v: &str) -> String {
    if v.trim() == "-1" {
        "0".into()
    } else {
        v.trim().into()
    }
}

/// Java assignor class names → librdkafka strategy names.
fn assignors(v: &str) -> ConnectResult<String> {
    let mut out = Vec::new();
    for a in crate::config::parse_list(v) {
        let simple = a.rsplit('.').next().unwrap_or(&a).to_ascii_lowercase();
        out.push(match simple.as_str() {
            "rangeassignor" | "range" => "range",
            "roundrobinassignor" | "roundrobin" => "roundrobin",
            "cooperativestickyassignor" | "cooperative-sticky" => "cooperative-sticky",
            _ => {
                return Err(ConnectError::config(format!(
                    "Invalid value {v} for configuration partition.assignment.strategy: unsupported assignor {a}"
                )))
            }
        });
    }
    Ok(out.join(","))
}

/// `username="u" password="p"` of a PLAIN/SCRAM JAAS line → `sasl.username`/`sasl.password`.
fn jaas_credentials(jaas: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (field, target) in [("username", "sasl.username"), ("password", "sasl.password")] {
        let pat = format!("{field}=\"");
        if let Some(start) = jaas.find(&pat) {
            let rest = &jaas[start + pat.len()..];
            if let Some(end) = rest.find('"') {
                out.push((target.to_string(), rest[..end].to_string()));
            }
        }
    }
    out
}

/// The policy's name as the JVM prints it.
pub fn policy_name(policy: &OverridePolicy) -> &'static str {
    match policy {
        OverridePolicy::None => "None",
        OverridePolicy::Principal => "Principal",
        OverridePolicy::All => "All",
        OverridePolicy::Allowlist(_) => "Allowlist",
    }
}

/// Whether the policy lets connectors override client key `key`.
pub fn override_allowed(policy: &OverridePolicy, key: &str) -> bool {
    match policy {
        OverridePolicy::None => false,
        OverridePolicy::Principal => {
            ["sasl.jaas.config", "sasl.mechanism", "security.protocol"].contains(&key)
        }
        OverridePolicy::All => true,
        OverridePolicy::Allowlist(keys) => keys.iter().any(|k| k == key),
    }
}

/// A built client config plus the settings the worker keeps for itself.
#[derive(Clone)]
pub struct ClientSettings {
    /// The librdkafka config.
    pub config: ClientConfig,
    /// `max.poll.records` (consumer; default 500).
    pub max_poll_records: usize,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = self.config.config_map();
        for (k, v) in map.iter_mut() {
            if k.contains("password") || k.contains("secret") {
                *v = "[hidden]";
            }
        }
        f.debug_struct("ClientSettings")
            .field("config", &map)
            .field("max_poll_records", &self.max_poll_records)
            .finish()
    }
}

fn apply(
    kind: ClientKind,
    settings: &mut ClientSettings,
    key: &str,
    value: &str,
    shown_as: &str,
) -> ConnectResult<()> {
    match map_java_key(kind, key, value).map_err(|e| e.context(shown_as.to_string()))? {
        Mapped::Set(pairs) => {
            for (k, v) in pairs {
                settings.config.set(k, v);
            }
        }
        Mapped::Dropped => {
            tracing::debug!(key = shown_as, "Java-only client setting ignored");
        }
        Mapped::MaxPollRecords(n) => settings.max_poll_records = n,
    }
    Ok(())
}

/// Builds a connector's client config. `connector_config` = None for worker-owned clients.
/// `connector` names the connector (for `group.id` of consumers).
pub fn build(
    kind: ClientKind,
    worker: &WorkerConfig,
    connector: &str,
    connector_config: Option<&ConfigMap>,
    client_id: &str,
) -> ConnectResult<ClientSettings> {
    let mut s = ClientSettings {
        config: ClientConfig::new(),
        max_poll_records: 500,
    };
    s.config
        .set("bootstrap.servers", &worker.bootstrap_servers)
        .set("client.id", client_id);
    match kind {
        ClientKind::Producer => {
            s.config
                .set("acks", "all")
                .set("enable.idempotence", "true")
                .set("max.in.flight.requests.per.connection", "5")
                .set("message.timeout.ms", "0")
                .set("partitioner", "murmur2_random");
        }
        ClientKind::Consumer => {
            s.config
                .set("group.id", format!("connect-{connector}"))
                .set("enable.auto.commit", "false")
                .set("auto.offset.reset", "earliest")
                .set("enable.partition.eof", "false");
        }
        ClientKind::Admin => {}
    }
    let mut explicit_in_flight = false;
    let mut idempotence_off = false;
    let mut note = |k: &str, v: &str| {
        if k == "max.in.flight.requests.per.connection" || k == "max.in.flight" {
            explicit_in_flight = true;
        }
        if k == "enable.idempotence" {
            idempotence_off = v.trim().eq_ignore_ascii_case("false");
        }
    };
    let wprefix = kind.worker_prefix();
    for (k, v) in worker.client_props(wprefix) {
        if k.starts_with("override.") {
            continue;
        }
        note(k, v);
        apply(kind, &mut s, k, v, &format!("{wprefix}{k}"))?;
    }
    if let Some(cc) = connector_config {
        let oprefix = kind.override_prefix();
        for (full, v) in cc {
            let Some(k) = full.strip_prefix(oprefix).filter(|k| !k.is_empty()) else {
                continue;
            };
            check_override(&worker.override_policy, full, k)?;
            note(k, v);
            apply(kind, &mut s, k, v, full)?;
        }
    }
    if kind == ClientKind::Producer && idempotence_off && !explicit_in_flight {
        s.config.set("max.in.flight.requests.per.connection", "1");
    }
    Ok(s)
}

fn check_override(policy: &OverridePolicy, full: &str, key: &str) -> ConnectResult<()> {
    if override_allowed(policy, key) {
        Ok(())
    } else {
        Err(ConnectError::config(format!(
            "{full}: The '{}' policy does not allow '{key}' to be overridden in the connector configuration.",
            policy_name(policy)
        )))
    }
}

/// Builds and checks (without creating a client) every client config a connector would use;
/// each problem is `(connector key, message)`, for `/validate`. librdkafka's own check catches
/// keys neither client knows and invalid values.
pub fn validate_overrides(
    worker: &WorkerConfig,
    connector_config: &ConfigMap,
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for kind in [
        ClientKind::Producer,
        ClientKind::Consumer,
        ClientKind::Admin,
    ] {
        let oprefix = kind.override_prefix();
        for (full, v) in connector_config {
            let Some(k) = full.strip_prefix(oprefix).filter(|k| !k.is_empty()) else {
                continue;
            };
            if let Err(e) = check_override(&worker.override_policy, full, k) {
                let msg = e.to_string();
                let msg = msg.strip_prefix(&format!("{full}: ")).unwrap_or(&msg);
                problems.push((full.clone(), msg.to_string()));
                continue;
            }
            let mut probe = ClientSettings {
                config: ClientConfig::new(),
                max_poll_records: 500,
            };
            if let Err(e) = apply(kind, &mut probe, k, v, full) {
                problems.push((full.clone(), e.to_string()));
                continue;
            }
            if let Err(e) = probe.config.create_native_config() {
                problems.push((full.clone(), librdkafka_message(&e)));
            }
        }
    }
    problems
}

fn librdkafka_message(e: &rdkafka::error::KafkaError) -> String {
    match e {
        rdkafka::error::KafkaError::ClientConfig(_, msg, _, _) => msg.clone(),
        other => other.to_string(),
    }
}

/// Checks a whole built config with librdkafka (unknown keys, bad values) without creating a
/// client; the error names the offending librdkafka key.
pub fn check_native(settings: &ClientSettings) -> ConnectResult<()> {
    settings
        .config
        .create_native_config()
        .map(|_| ())
        .map_err(|e| {
            ConnectError::config(format!(
                "Invalid client configuration: {}",
                librdkafka_message(&e)
            ))
        })
}

/// `connector-producer-<conn>-<task>`.
pub fn producer_client_id(connector: &str, task: u32) -> String {
    format!("connector-producer-{connector}-{task}")
}
/// `connector-consumer-<conn>-<task>`.
pub fn consumer_client_id(connector: &str, task: u32) -> String {
    format!("connector-consumer-{connector}-{task}")
}
/// `connector-adminclient-<conn>-<task>`.
pub fn admin_client_id(connector: &str, task: u32) -> String {
    format!("connector-adminclient-{connector}-{task}")
}
/// `connector-dlq-producer-<conn>-<task>`.
pub fn dlq_producer_client_id(connector: &str, task: u32) -> String {
    format!("connector-dlq-producer-{connector}-{task}")
}

#[cfg(test)]
#[path = "clients_tests.rs"]
mod tests;
