//! Worker configuration (`worker.properties`), with the JVM worker's keys and defaults.
//!
//! [`WorkerConfig::from_properties`] reads the keys below with the JVM worker's defaults; every
//! property is also kept in `props` for the `producer.`/`consumer.`/`admin.` client settings and
//! the `key.converter.`/`value.converter.`/`header.converter.` converter settings. Errors are
//! `ConnectError::Config` with the JVM's `Invalid value ... for configuration <key>` wording.

use std::path::PathBuf;
use std::time::Duration;

use super::providers::ConfigProviders;
use super::ConfigMap;
use crate::error::{ConnectError, ConnectResult};

/// Which `*.override.*` client settings connectors may set
/// (`connector.client.config.override.policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverridePolicy {
    /// No overrides allowed.
    None,
    /// Only `sasl.jaas.config`, `sasl.mechanism`, `security.protocol`.
    Principal,
    /// Everything (default).
    All,
    /// Only the keys listed in `connector.client.config.override.allowlist`.
    Allowlist(Vec<String>),
}

/// One REST listener from `listeners`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `http` or `https`.
    pub scheme: String,
    /// Host to bind (empty = all interfaces).
    pub host: String,
    /// Port.
    pub port: u16,
}

/// Parsed worker configuration.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Every property as given (for `producer.*`, `consumer.*`, `admin.*` and converter settings).
    pub props: ConfigMap,
    /// `bootstrap.servers` (default `localhost:9092`).
    pub bootstrap_servers: String,
    /// `listeners` (default `http://:8083`; legacy `rest.host.name`/`rest.port` honoured).
    pub listeners: Vec<Listener>,
    /// `rest.advertised.host.name` (default: the listener host, else the machine's hostname).
    pub advertised_host: String,
    /// `rest.advertised.port` (default: the first listener's port).
    pub advertised_port: u16,
    /// `offset.storage.file.filename` (standalone; required there).
    pub offset_file: Option<PathBuf>,
    /// `offset.flush.interval.ms` (default 60 000).
    pub offset_flush_interval: Duration,
    /// `offset.flush.timeout.ms` (default 5 000).
    pub offset_flush_timeout: Duration,
    /// `task.shutdown.graceful.timeout.ms` (default 5 000).
    pub task_shutdown_timeout: Duration,
    /// `connector.client.config.override.policy` (default All).
    pub override_policy: OverridePolicy,
    /// `key.converter`.
    pub key_converter: String,
    /// `value.converter`.
    pub value_converter: String,
    /// `header.converter` (default `org.apache.kafka.connect.storage.SimpleHeaderConverter`).
    pub header_converter: String,
    /// `config.providers` and their settings (resolve `${provider:path:key}` references).
    pub providers: ConfigProviders,
    /// `task.auto.restart.*`: automatic restart of FAILED tasks (off by default).
    pub auto_restart: AutoRestart,
    /// `topic.creation.enable` (default true): whether source connectors may create their
    /// topics with `topic.creation.*` settings.
    pub topic_creation_enable: bool,
}

/// Automatic restart of FAILED tasks with exponential backoff (`task.auto.restart.enable`,
/// `task.auto.restart.initial.backoff.ms`, `task.auto.restart.max.backoff.ms`). Off by
/// default, as the JVM worker never restarts a failed task on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoRestart {
    /// Whether FAILED tasks are restarted.
    pub enabled: bool,
    /// Delay before the first restart (doubled after each restart that fails again).
    pub initial_backoff: Duration,
    /// Longest delay between restarts.
    pub max_backoff: Duration,
}

impl Default for AutoRestart {
    fn default() -> Self {
        AutoRestart {
            enabled: false,
            initial_backoff: Duration::from_millis(1_000),
            max_backoff: Duration::from_millis(60_000),
        }
    }
}

impl AutoRestart {
    /// The delay before restart number `attempt` (0-based): `initial * 2^attempt`, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

/// The default header converter class.
pub const DEFAULT_HEADER_CONVERTER: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// Keys with a meaning for the worker itself (everything else is passed along or ignored).
pub mod keys {
    /// `bootstrap.servers`.
    pub const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
    /// `listeners`.
    pub const LISTENERS: &str = "listeners";
    /// Legacy `rest.host.name`.
    pub const REST_HOST_NAME: &str = "rest.host.name";
    /// Legacy `rest.port`.
    pub const REST_PORT: &str = "rest.port";
    /// `rest.advertised.host.name`.
    pub const REST_ADVERTISED_HOST_NAME: &str = "rest.advertised.host.name";
    /// `rest.advertised.port`.
    pub const REST_ADVERTISED_PORT: &str = "rest.advertised.port";
    /// `key.converter`.
    pub const KEY_CONVERTER: &str = "key.converter";
    /// `value.converter`.
    pub const VALUE_CONVERTER: &str = "value.converter";
    /// `header.converter`.
    pub const HEADER_CONVERTER: &str = "header.converter";
    /// `offset.storage.file.filename`.
    pub const OFFSET_FILE: &str = "offset.storage.file.filename";
    /// `offset.flush.interval.ms`.
    pub const OFFSET_FLUSH_INTERVAL: &str = "offset.flush.interval.ms";
    /// `offset.flush.timeout.ms`.
    pub const OFFSET_FLUSH_TIMEOUT: &str = "offset.flush.timeout.ms";
    /// `task.shutdown.graceful.timeout.ms`.
    pub const TASK_SHUTDOWN_TIMEOUT: &str = "task.shutdown.graceful.timeout.ms";
    /// `connector.client.config.override.policy`.
    pub const OVERRIDE_POLICY: &str = "connector.client.config.override.policy";
    /// `connector.client.config.override.allowlist`.
    pub const OVERRIDE_ALLOWLIST: &str = "connector.client.config.override.allowlist";
    /// `plugin.path`.
    pub const PLUGIN_PATH: &str = "plugin.path";
    /// `task.auto.restart.enable` (ours; default false).
    pub const TASK_AUTO_RESTART_ENABLE: &str = "task.auto.restart.enable";
    /// `task.auto.restart.initial.backoff.ms` (ours; default 1 000).
    pub const TASK_AUTO_RESTART_INITIAL_BACKOFF: &str = "task.auto.restart.initial.backoff.ms";
    /// `task.auto.restart.max.backoff.ms` (ours; default 60 000).
    pub const TASK_AUTO_RESTART_MAX_BACKOFF: &str = "task.auto.restart.max.backoff.ms";
    /// `topic.creation.enable` (default true).
    pub const TOPIC_CREATION_ENABLE: &str = "topic.creation.enable";
}

fn invalid(key: &str, value: &str, why: &str) -> ConnectError {
    ConnectError::config(format!(
        "Invalid value {value} for configuration {key}: {why}"
    ))
}

fn get<'a>(props: &'a ConfigMap, key: &str) -> Option<&'a str> {
    props.get(key).map(|v| v.trim())
}

fn required(props: &ConfigMap, key: &str) -> ConnectResult<String> {
    match get(props, key) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(ConnectError::config(format!(
            "Missing required configuration \"{key}\" which has no default value."
        ))),
    }
}

/// A non-negative millisecond duration, or the default when absent.
fn millis(props: &ConfigMap, key: &str, default_ms: u64) -> ConnectResult<Duration> {
    match get(props, key) {
        None | Some("") => Ok(Duration::from_millis(default_ms)),
        Some(v) => match v.parse::<i64>() {
            Ok(ms) if ms >= 0 => Ok(Duration::from_millis(ms as u64)),
            Ok(_) => Err(invalid(key, v, "Value must be at least 0")),
            Err(_) => Err(invalid(key, v, "Not a number of type LONG")),
        },
    }
}

/// A boolean, or the default when absent.
fn boolean(props: &ConfigMap, key: &str, default: bool) -> ConnectResult<bool> {
    match get(props, key) {
        None | Some("") => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(invalid(key, v, "Expected value to be either true or false")),
    }
}

fn parse_auto_restart(props: &ConfigMap) -> ConnectResult<AutoRestart> {
    let enabled = boolean(props, keys::TASK_AUTO_RESTART_ENABLE, false)?;
    let initial_backoff = millis(props, keys::TASK_AUTO_RESTART_INITIAL_BACKOFF, 1_000)?;
    let max_backoff = millis(props, keys::TASK_AUTO_RESTART_MAX_BACKOFF, 60_000)?;
    Ok(AutoRestart {
        enabled,
        initial_backoff,
        max_backoff: max_backoff.max(initial_backoff),
    })
}

fn port(key: &str, v: &str) -> ConnectResult<u16> {
    v.trim()
        .parse::<u16>()
        .map_err(|_| invalid(key, v, "Not a valid port number"))
}

/// Parses one `listeners` entry: `scheme://host:port` (host may be empty or `[v6]`).
pub fn parse_listener(entry: &str) -> ConnectResult<Listener> {
    let bad = |why: &str| invalid(keys::LISTENERS, entry, why);
    let (scheme, rest) = entry
        .split_once("://")
        .ok_or_else(|| bad("Listener must be of the form http://host:port or https://host:port"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad("Unsupported listener protocol, use http or https"));
    }
    let rest = rest.trim_end_matches('/');
    let (host, port_s) = rest
        .rsplit_once(':')
        .ok_or_else(|| bad("Listener must include a port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok(Listener {
        scheme,
        host: host.to_string(),
        port: port(keys::LISTENERS, port_s).map_err(|_| bad("Not a valid port number"))?,
    })
}

/// The machine's host name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`, else `localhost`).
pub fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

fn parse_policy(props: &ConfigMap) -> ConnectResult<OverridePolicy> {
    let raw = get(props, keys::OVERRIDE_POLICY).unwrap_or("All");
    let simple = raw.rsplit('.').next().unwrap_or(raw);
    let simple = simple
        .strip_suffix("ConnectorClientConfigOverridePolicy")
        .unwrap_or(simple);
    match simple.to_ascii_lowercase().as_str() {
        "" | "all" => Ok(OverridePolicy::All),
        "none" => Ok(OverridePolicy::None),
        "principal" => Ok(OverridePolicy::Principal),
        "allowlist" => Ok(OverridePolicy::Allowlist(super::parse_list(
            get(props, keys::OVERRIDE_ALLOWLIST).unwrap_or(""),
        ))),
        _ => Err(invalid(
            keys::OVERRIDE_POLICY,
            raw,
            "Must be one of None, Principal, All, Allowlist",
        )),
    }
}

impl WorkerConfig {
    /// Parses and validates worker properties; errors name the key at fault.
    pub fn from_properties(props: ConfigMap) -> ConnectResult<WorkerConfig> {
        // Worker settings may use the providers too (`${file:...}` for client passwords).
        let providers = ConfigProviders::from_worker_props(&props)?;
        let props = providers.resolve(&props)?;
        let key_converter = required(&props, keys::KEY_CONVERTER)?;
        let value_converter = required(&props, keys::VALUE_CONVERTER)?;
        let header_converter = get(&props, keys::HEADER_CONVERTER)
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_HEADER_CONVERTER)
            .to_string();
        let bootstrap_servers = get(&props, keys::BOOTSTRAP_SERVERS)
            .filter(|v| !v.is_empty())
            .unwrap_or("localhost:9092")
            .to_string();

        let listeners = match get(&props, keys::LISTENERS).filter(|v| !v.is_empty()) {
            Some(list) => super::parse_list(list)
                .iter()
                .map(|e| parse_listener(e))
                .collect::<ConnectResult<Vec<_>>>()?,
            None => {
                let host = get(&props, keys::REST_HOST_NAME).unwrap_or("").to_string();
                let port = match get(&props, keys::REST_PORT).filter(|v| !v.is_empty()) {
                    Some(p) => port(keys::REST_PORT, p)?,
                    None => 8083,
                };
                vec![Listener {
                    scheme: "http".into(),
                    host,
                    port,
                }]
            }
        };
        let first = listeners
            .first()
            .ok_or_else(|| invalid(keys::LISTENERS, "", "At least one listener is required"))?;
        let advertised_host = match get(&props, keys::REST_ADVERTISED_HOST_NAME) {
            Some(h) if !h.is_empty() => h.to_string(),
            _ if !first.host.is_empty() => first.host.clone(),
            _ => machine_hostname(),
        };
        let advertised_port = match get(&props, keys::REST_ADVERTISED_PORT) {
            Some(p) if !p.is_empty() => port(keys::REST_ADVERTISED_PORT, p)?,
            _ => first.port,
        };
        if let Some(path) = get(&props, keys::PLUGIN_PATH).filter(|v| !v.is_empty()) {
            tracing::info!(
                plugin.path = path,
                "plugin.path is accepted but unused: plugins are compiled into ferroconnect"
            );
        }
        Ok(WorkerConfig {
            bootstrap_servers,
            listeners,
            advertised_host,
            advertised_port,
            offset_file: get(&props, keys::OFFSET_FILE)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            offset_flush_interval: millis(&props, keys::OFFSET_FLUSH_INTERVAL, 60_000)?,
            offset_flush_timeout: millis(&props, keys::OFFSET_FLUSH_TIMEOUT, 5_000)?,
            task_shutdown_timeout: millis(&props, keys::TASK_SHUTDOWN_TIMEOUT, 5_000)?,
            override_policy: parse_policy(&props)?,
            key_converter,
            value_converter,
            header_converter,
            providers,
            auto_restart: parse_auto_restart(&props)?,
            topic_creation_enable: boolean(&props, keys::TOPIC_CREATION_ENABLE, true)?,
            props,
        })
    }

    /// `host:port` as shown in `/status` `worker_id`.
    pub fn worker_id(&self) -> String {
        format!("{}:{}", self.advertised_host, self.advertised_port)
    }

    /// The worker-level client settings with `prefix` (`producer.`, `consumer.`, `admin.`)
    /// stripped, in file order.
    pub fn client_props(&self, prefix: &str) -> Vec<(&str, &str)> {
        self.props
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        let mut m: ConfigMap = [
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.to_string());
        }
        m
    }

    #[test]
    fn topic_creation_is_on_by_default_and_checked() {
        let c = WorkerConfig::from_properties(props(&[])).unwrap();
        assert!(c.topic_creation_enable);
        let c =
            WorkerConfig::from_properties(props(&[("topic.creation.enable", "false")])).unwrap();
        assert!(!c.topic_creation_enable);
        let err = WorkerConfig::from_properties(props(&[("topic.creation.enable", "no")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("topic.creation.enable"), "{err}");
    }

    #[test]
    fn auto_restart_is_off_by_default_and_backs_off_exponentially() {
        let c = WorkerConfig::from_properties(props(&[])).unwrap();
        assert_eq!(c.auto_restart, AutoRestart::default());
        assert!(!c.auto_restart.enabled);
        let c = WorkerConfig::from_properties(props(&[
            ("task.auto.restart.enable", "true"),
            ("task.auto.restart.initial.backoff.ms", "100"),
            ("task.auto.restart.max.backoff.ms", "1000"),
        ]))
        .unwrap();
        let a = c.auto_restart;
        assert!(a.enabled);
        let ms = |n| a.backoff(n).as_millis();
        assert_eq!(
            [ms(0), ms(1), ms(2), ms(3), ms(4), ms(40)],
            [100, 200, 400, 800, 1000, 1000]
        );
        let err = WorkerConfig::from_properties(props(&[("task.auto.restart.enable", "yes")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("task.auto.restart.enable"), "{err}");
    }

    #[test]
    fn worker_settings_may_use_config_providers() {
        std::env::set_var("FERRO_WORKER_TEST_BOOTSTRAP", "broker-a:9092");
        let c = WorkerConfig::from_properties(props(&[
            ("config.providers", "env"),
            ("config.providers.env.class", "EnvVarConfigProvider"),
            ("bootstrap.servers", "${env:FERRO_WORKER_TEST_BOOTSTRAP}"),
        ]))
        .unwrap();
        assert_eq!(c.bootstrap_servers, "broker-a:9092");
        assert!(!c.providers.is_empty());
        let err = WorkerConfig::from_properties(props(&[
            ("config.providers", "env"),
            ("config.providers.env.class", "EnvVarConfigProvider"),
            ("producer.sasl.password", "${env:FERRO_WORKER_TEST_UNSET}"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("producer.sasl.password"), "{err}");
    }

    #[test]
    fn defaults_match_the_jvm_worker() {
        let c = WorkerConfig::from_properties(props(&[])).unwrap();
        assert_eq!(c.bootstrap_servers, "localhost:9092");
        assert_eq!(
            c.listeners,
            vec![Listener {
                scheme: "http".into(),
                host: "".into(),
                port: 8083
            }]
        );
        assert_eq!(c.advertised_host, machine_hostname());
        assert_eq!(c.advertised_port, 8083);
        assert_eq!(c.offset_flush_interval, Duration::from_secs(60));
        assert_eq!(c.offset_flush_timeout, Duration::from_secs(5));
        assert_eq!(c.task_shutdown_timeout, Duration::from_secs(5));
        assert_eq!(c.override_policy, OverridePolicy::All);
        assert_eq!(c.header_converter, DEFAULT_HEADER_CONVERTER);
        assert_eq!(c.offset_file, None);
    }

    #[test]
    fn listeners_and_advertised_address() {
        let c = WorkerConfig::from_properties(props(&[
            ("listeners", "http://127.0.0.1:9000, https://[::1]:9443"),
            ("offset.storage.file.filename", "/tmp/x.offsets"),
        ]))
        .unwrap();
        assert_eq!(c.listeners.len(), 2);
        assert_eq!(c.listeners[1].host, "::1");
        assert_eq!(c.listeners[1].scheme, "https");
        assert_eq!(c.worker_id(), "127.0.0.1:9000");
        assert_eq!(c.offset_file, Some(PathBuf::from("/tmp/x.offsets")));
        let c = WorkerConfig::from_properties(props(&[
            ("rest.host.name", "10.0.0.5"),
            ("rest.port", "8084"),
            ("rest.advertised.host.name", "worker-a"),
        ]))
        .unwrap();
        assert_eq!(c.listeners[0].host, "10.0.0.5");
        assert_eq!(c.worker_id(), "worker-a:8084");
        let c = WorkerConfig::from_properties(props(&[
            ("listeners", "http://:8085"),
            ("rest.advertised.port", "18085"),
        ]))
        .unwrap();
        assert_eq!(c.advertised_port, 18085);
        assert_eq!(c.advertised_host, machine_hostname());
    }

    #[test]
    fn override_policies() {
        let p = |v: &str| {
            WorkerConfig::from_properties(props(&[
                ("connector.client.config.override.policy", v),
                (
                    "connector.client.config.override.allowlist",
                    "linger.ms, batch.size",
                ),
            ]))
            .map(|c| c.override_policy)
        };
        assert_eq!(p("None").unwrap(), OverridePolicy::None);
        assert_eq!(p("Principal").unwrap(), OverridePolicy::Principal);
        assert_eq!(
            p("org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy")
                .unwrap(),
            OverridePolicy::All
        );
        assert_eq!(
            p("Allowlist").unwrap(),
            OverridePolicy::Allowlist(vec!["linger.ms".into(), "batch.size".into()])
        );
        let err = p("Some").unwrap_err().to_string();
        assert!(
            err.contains("connector.client.config.override.policy"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let mut m = props(&[]);
        m.shift_remove("value.converter");
        let err = WorkerConfig::from_properties(m).unwrap_err().to_string();
        assert_eq!(
            err,
            "Missing required configuration \"value.converter\" which has no default value."
        );
        for (k, v) in [
            ("offset.flush.interval.ms", "soon"),
            ("offset.flush.timeout.ms", "-1"),
            ("task.shutdown.graceful.timeout.ms", "x"),
            ("listeners", "ftp://:1"),
            ("listeners", "http://host"),
            ("rest.port", "99999"),
            ("rest.advertised.port", "p"),
        ] {
            let err = WorkerConfig::from_properties(props(&[(k, v)]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(k), "{k}: {err}");
        }
    }

    #[test]
    fn client_props_strip_the_prefix() {
        let c = WorkerConfig::from_properties(props(&[
            ("producer.linger.ms", "5"),
            ("consumer.max.poll.records", "100"),
            ("producer.", "x"),
        ]))
        .unwrap();
        assert_eq!(c.client_props("producer."), vec![("linger.ms", "5")]);
        assert_eq!(
            c.client_props("consumer."),
            vec![("max.poll.records", "100")]
        );
    }
}
