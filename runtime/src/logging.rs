//! Log set-up and the reloadable log levels behind `/admin/loggers`.
//!
//! The JVM worker exposes Log4j loggers; we expose the same model over `tracing`:
//!
//! * the **root** logger (`root`, case-insensitive) is the default `EnvFilter` directive;
//! * every other logger name becomes a target directive `<target>=<level>`. Tracing matches a
//!   target directive by string prefix, like Log4j's logger hierarchy.
//!
//! Logger names are shown back exactly as given. The tracing target a name filters on is
//! chosen by [`logger_target`]:
//!
//! * a name containing `::` is a Rust module path and is used as is
//!   (`ferroconnect_runtime::worker`);
//! * a dotted name whose first segment looks like a Rust crate name (it contains `_` or
//!   starts with `ferroconnect`) has its dots turned into `::`
//!   (`ferroconnect_runtime.worker` filters `ferroconnect_runtime::worker`);
//! * any other name (a Java name such as `org.apache.kafka.connect.runtime`) is used verbatim,
//!   so it filters events logged with that explicit target
//!   (`tracing::info!(target: "org.apache.kafka.connect.runtime", ...)`).
//!
//! Levels use Log4j's names, case-insensitively: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`,
//! `FATAL` (filters as `error`), `OFF` and `ALL` (filters as `trace`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::Serialize;
use thiserror::Error;
use tracing_subscriber::filter::{Directive, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

/// The name of the root logger.
pub const ROOT_LOGGER: &str = "root";

/// A logger's level as `/admin/loggers` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggerLevel {
    /// Log4j level name, upper case (`INFO`, `DEBUG`, ...).
    pub level: String,
    /// When the level was last set over REST, in ms since the epoch; null if never.
    pub last_modified: Option<u64>,
}

/// A log level change that could not be made.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum LoggerError {
    /// The level is not a Log4j level name (the JVM's message; REST answers 404).
    #[error("invalid log level '{0}'.")]
    InvalidLevel(String),
    /// The new filter could not be installed.
    #[error("cannot apply log level {level} to logger {logger}: {reason}")]
    Apply {
        /// The logger being changed.
        logger: String,
        /// The requested level.
        level: String,
        /// Why it failed.
        reason: String,
    },
}

/// Reads and changes logger levels at run time (`/admin/loggers`).
pub trait LoggerControl: Send + Sync {
    /// The root logger and every logger with an explicitly set level, root first then by name.
    fn loggers(&self) -> Vec<(String, LoggerLevel)>;
    /// One logger's level; `root` is matched case-insensitively. `None` if the logger has no
    /// level of its own.
    fn logger(&self, name: &str) -> Option<LoggerLevel>;
    /// Sets the level of `name` and of every known logger whose name starts with it (all
    /// loggers for `root`); returns the affected logger names, sorted.
    fn set_level(&self, name: &str, level: &str) -> Result<Vec<String>, LoggerError>;
}

/// Parses a Log4j level name (case-insensitive) into its canonical upper-case name and the
/// tracing level it filters at.
pub fn parse_level(level: &str) -> Option<(&'static str, LevelFilter)> {
    let parsed = match level.trim().to_ascii_uppercase().as_str() {
        "ALL" => ("ALL", LevelFilter::TRACE),
        "TRACE" => ("TRACE", LevelFilter::TRACE),
        "DEBUG" => ("DEBUG", LevelFilter::DEBUG),
        "INFO" => ("INFO", LevelFilter::INFO),
        "WARN" => ("WARN", LevelFilter::WARN),
        "ERROR" => ("ERROR", LevelFilter::ERROR),
        "FATAL" => ("FATAL", LevelFilter::ERROR),
        "OFF" => ("OFF", LevelFilter::OFF),
        _ => return None,
    };
    Some(parsed)
}

/// The tracing target a logger name filters on (see the module docs).
pub fn logger_target(name: &str) -> String {
    if name.contains("::") {
        return name.to_string();
    }
    let first = name.split('.').next().unwrap_or(name);
    if first.contains('_') || first.starts_with("ferroconnect") {
        name.replace('.', "::")
    } else {
        name.to_string()
    }
}

fn is_root(name: &str) -> bool {
    name.eq_ignore_ascii_case(ROOT_LOGGER)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    level: &'static str,
    filter: LevelFilter,
    last_modified: Option<u64>,
}

impl Entry {
    fn view(&self) -> LoggerLevel {
        LoggerLevel {
            level: self.level.to_string(),
            last_modified: self.last_modified,
        }
    }
}

#[derive(Debug, Clone)]
struct State {
    root: Entry,
    named: BTreeMap<String, Entry>,
    /// Directives from `RUST_LOG` that are not plain `target=level` (span or field filters);
    /// kept in the filter but not shown as loggers.
    extra: Vec<Directive>,
}

impl State {
    fn filter(&self) -> EnvFilter {
        let mut filter = EnvFilter::default().add_directive(self.root.filter.into());
        for (name, entry) in &self.named {
            let text = format!("{}={}", logger_target(name), entry.filter);
            // Names the directive syntax cannot express (`=`, `[`, `,` in them) cannot match
            // a tracing target either; they stay listed but filter nothing.
            if let Ok(d) = text.parse::<Directive>() {
                filter = filter.add_directive(d);
            }
        }
        for d in &self.extra {
            filter = filter.add_directive(d.clone());
        }
        filter
    }
}

/// [`LoggerControl`] over a `tracing-subscriber` reloadable `EnvFilter`.
pub struct TracingLoggers {
    state: Mutex<State>,
    handle: reload::Handle<EnvFilter, Registry>,
}

impl std::fmt::Debug for TracingLoggers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracingLoggers")
            .field("state", &*self.state.lock())
            .finish()
    }
}

impl TracingLoggers {
    fn build(state: State) -> (Arc<Self>, reload::Layer<EnvFilter, Registry>) {
        let (layer, handle) = reload::Layer::new(state.filter());
        let control = Arc::new(TracingLoggers {
            state: Mutex::new(state),
            handle,
        });
        (control, layer)
    }

    /// A control that is not installed globally: the caller composes the returned filter
    /// layer into its own subscriber (first, directly on a `Registry`). For tests and
    /// embedding.
    pub fn detached(
        root_level: &str,
    ) -> Result<(Arc<Self>, reload::Layer<EnvFilter, Registry>), LoggerError> {
        let (name, filter) =
            parse_level(root_level).ok_or_else(|| LoggerError::InvalidLevel(root_level.into()))?;
        Ok(Self::build(State {
            root: Entry {
                level: name,
                filter,
                last_modified: None,
            },
            named: BTreeMap::new(),
            extra: Vec::new(),
        }))
    }
}

/// Applies `RUST_LOG`-style directives to an initial state: a bare level sets root,
/// `target=level` (or a bare target, meaning TRACE) adds a named logger, anything with span
/// or field filters is kept as an extra directive. Returns the directives it could not read.
fn apply_env_directives(state: &mut State, spec: &str) -> Vec<String> {
    let mut rejected = Vec::new();
    for raw in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some((name, filter)) = parse_level(raw) {
            state.root = Entry {
                level: name,
                filter,
                last_modified: None,
            };
            continue;
        }
        if raw.contains('[') || raw.contains('{') {
            match raw.parse::<Directive>() {
                Ok(d) => state.extra.push(d),
                Err(_) => rejected.push(raw.to_string()),
            }
            continue;
        }
        let (target, level) = raw.split_once('=').unwrap_or((raw, "TRACE"));
        match parse_level(level) {
            Some((name, filter)) if !target.is_empty() => {
                let entry = Entry {
                    level: name,
                    filter,
                    last_modified: None,
                };
                if is_root(target) {
                    state.root = entry;
                } else {
                    state.named.insert(target.to_string(), entry);
                }
            }
            _ => rejected.push(raw.to_string()),
        }
    }
    rejected
}

/// Installs the global subscriber: a reloadable `EnvFilter` (root level `default_level`, a
/// Log4j level name; `RUST_LOG` directives, if set, are applied on top) and a formatter
/// writing to stdout, as JSON lines when `json` is true. Returns the control for
/// `/admin/loggers`. If a global subscriber is already installed, the returned control
/// changes nothing that is logged.
pub fn init_tracing(default_level: &str, json: bool) -> Arc<TracingLoggers> {
    let (root_name, root_filter, bad_default) = match parse_level(default_level) {
        Some((n, f)) => (n, f, false),
        None => ("INFO", LevelFilter::INFO, true),
    };
    let mut state = State {
        root: Entry {
            level: root_name,
            filter: root_filter,
            last_modified: None,
        },
        named: BTreeMap::new(),
        extra: Vec::new(),
    };
    let rejected = match std::env::var("RUST_LOG") {
        Ok(spec) => apply_env_directives(&mut state, &spec),
        Err(_) => Vec::new(),
    };
    let (control, layer) = TracingLoggers::build(state);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let text = (!json).then(|| tracing_subscriber::fmt::layer().with_ansi(ansi));
    let json_layer = json.then(|| tracing_subscriber::fmt::layer().json());
    let installed = tracing_subscriber::registry()
        .with(layer)
        .with(text)
        .with(json_layer)
        .try_init();
    if installed.is_err() {
        tracing::warn!("a global tracing subscriber was already installed; /admin/loggers changes will not take effect");
    }
    if bad_default {
        tracing::warn!(level = %default_level, "invalid log level; using INFO");
    }
    for r in rejected {
        tracing::warn!(directive = %r, "ignoring unreadable RUST_LOG directive");
    }
    control
}

impl LoggerControl for TracingLoggers {
    fn loggers(&self) -> Vec<(String, LoggerLevel)> {
        let state = self.state.lock();
        let mut out = vec![(ROOT_LOGGER.to_string(), state.root.view())];
        out.extend(state.named.iter().map(|(n, e)| (n.clone(), e.view())));
        out
    }

    fn logger(&self, name: &str) -> Option<LoggerLevel> {
        let state = self.state.lock();
        if is_root(name) {
            return Some(state.root.view());
        }
        state.named.get(name).map(Entry::view)
    }

    fn set_level(&self, name: &str, level: &str) -> Result<Vec<String>, LoggerError> {
        let (level_name, filter) =
            parse_level(level).ok_or_else(|| LoggerError::InvalidLevel(level.to_string()))?;
        let entry = Entry {
            level: level_name,
            filter,
            last_modified: Some(now_ms()),
        };
        let mut state = self.state.lock();
        let mut next = state.clone();
        let mut affected = Vec::new();
        if is_root(name) {
            next.root = entry;
            affected.push(ROOT_LOGGER.to_string());
            for (n, e) in next.named.iter_mut() {
                *e = entry;
                affected.push(n.clone());
            }
        } else {
            for (n, e) in next.named.iter_mut().filter(|(n, _)| n.starts_with(name)) {
                *e = entry;
                affected.push(n.clone());
            }
            if !next.named.contains_key(name) {
                next.named.insert(name.to_string(), entry);
                affected.push(name.to_string());
            }
        }
        affected.sort();
        match self.handle.reload(next.filter()) {
            Ok(()) => {}
            // The subscriber is gone: nothing is filtered any more, keep the bookkeeping.
            Err(e) if e.is_dropped() => {}
            Err(e) => {
                return Err(LoggerError::Apply {
                    logger: name.to_string(),
                    level: level.to_string(),
                    reason: e.to_string(),
                })
            }
        }
        *state = next;
        Ok(affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tracing_subscriber::layer::Context;
    use tracing_subscriber::Layer;

    /// Counts events that pass the filter.
    struct Count(Arc<AtomicUsize>);
    impl<S: tracing::Subscriber> Layer<S> for Count {
        fn on_event(&self, _e: &tracing::Event<'_>, _c: Context<'_, S>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn levels_are_log4j_names_case_insensitive() {
        assert_eq!(parse_level("debug"), Some(("DEBUG", LevelFilter::DEBUG)));
        assert_eq!(parse_level("Fatal"), Some(("FATAL", LevelFilter::ERROR)));
        assert_eq!(parse_level("OFF"), Some(("OFF", LevelFilter::OFF)));
        assert_eq!(parse_level("verbose"), None);
    }

    #[test]
    fn targets_translate_only_rust_like_names() {
        assert_eq!(
            logger_target("ferroconnect_runtime::worker"),
            "ferroconnect_runtime::worker"
        );
        assert_eq!(
            logger_target("ferroconnect_runtime.worker"),
            "ferroconnect_runtime::worker"
        );
        assert_eq!(
            logger_target("org.apache.kafka.connect"),
            "org.apache.kafka.connect"
        );
    }

    #[test]
    fn set_level_changes_what_is_logged() {
        let (ctl, layer) = TracingLoggers::detached("INFO").unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry()
            .with(layer)
            .with(Count(count.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "org.apache.kafka.connect.runtime", "hidden");
            assert_eq!(count.load(Ordering::SeqCst), 0);
            let affected = ctl.set_level("org.apache.kafka.connect", "debug").unwrap();
            assert_eq!(affected, vec!["org.apache.kafka.connect".to_string()]);
            tracing::debug!(target: "org.apache.kafka.connect.runtime", "shown");
            assert_eq!(count.load(Ordering::SeqCst), 1);
            tracing::debug!(target: "org.other", "hidden");
            assert_eq!(count.load(Ordering::SeqCst), 1);
            ctl.set_level("root", "OFF").unwrap();
            tracing::error!(target: "org.apache.kafka.connect.runtime", "hidden");
            assert_eq!(count.load(Ordering::SeqCst), 1);
        });
    }

    #[test]
    fn set_level_affects_children_and_root_affects_all() {
        let (ctl, _layer) = TracingLoggers::detached("info").unwrap();
        ctl.set_level("org.foo.Bar", "DEBUG").unwrap();
        ctl.set_level("org.foo.Baz", "DEBUG").unwrap();
        let affected = ctl.set_level("org.foo", "warn").unwrap();
        assert_eq!(affected, vec!["org.foo", "org.foo.Bar", "org.foo.Baz"]);
        assert_eq!(ctl.logger("org.foo.Bar").unwrap().level, "WARN");
        assert!(ctl.logger("org.foo.Bar").unwrap().last_modified.is_some());
        let all = ctl.set_level("ROOT", "error").unwrap();
        assert_eq!(all, vec!["org.foo", "org.foo.Bar", "org.foo.Baz", "root"]);
        let listed = ctl.loggers();
        assert_eq!(listed[0].0, "root");
        assert!(listed.iter().all(|(_, l)| l.level == "ERROR"));
        assert_eq!(
            ctl.set_level("x", "LOUD"),
            Err(LoggerError::InvalidLevel("LOUD".into()))
        );
        assert!(ctl.logger("never.set").is_none());
        assert_eq!(ctl.logger("Root").unwrap().level, "ERROR");
    }

    #[test]
    fn env_directives_seed_loggers() {
        let (_, mut state) = {
            let (c, _) = TracingLoggers::detached("INFO").unwrap();
            let s = c.state.lock().clone();
            (c, s)
        };
        let bad = apply_env_directives(&mut state, "warn,ferroconnect_runtime=debug,x=LOUD");
        assert_eq!(bad, vec!["x=LOUD".to_string()]);
        assert_eq!(state.root.level, "WARN");
        assert_eq!(state.named["ferroconnect_runtime"].level, "DEBUG");
        assert_eq!(state.named["ferroconnect_runtime"].last_modified, None);
    }
}
