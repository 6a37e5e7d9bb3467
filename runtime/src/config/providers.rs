//! Config providers (Kafka's KIP-297/KIP-887): connector configs may hold references such as
//! `${env:DB_PASSWORD}`, `${file:/etc/secrets/db.properties:password}` or
//! `${directory:/run/secrets:db-password}` that the worker resolves when the connector and its
//! tasks start. The stored config and every REST answer keep the reference text.
//!
//! Worker properties, as on the JVM worker:
//!
//! ```properties
//! config.providers=env,file,directory
//! config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
//! config.providers.env.param.allowlist.pattern=^DB_.*
//! config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//! config.providers.file.param.allowed.paths=/etc/secrets
//! config.providers.directory.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
//! ```
//!
//! Class names may also be given by their simple names (`EnvVarConfigProvider`, ...).
//! Differences from the JVM: a reference to an unknown provider, a missing variable, file or key
//! fails the connector (the JVM leaves the text unresolved) with an error naming the config key
//! and the reference, never the value. Without `config.providers` nothing is resolved.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use regex::Regex;

use super::{parse_list, properties, ConfigMap};
use crate::error::{ConnectError, ConnectResult};

/// `config.providers`.
pub const CONFIG_PROVIDERS: &str = "config.providers";
/// The `allowlist.pattern` parameter of the environment provider.
pub const ALLOWLIST_PATTERN: &str = "allowlist.pattern";
/// The `allowed.paths` parameter of the file and directory providers.
pub const ALLOWED_PATHS: &str = "allowed.paths";

/// A source of values for `${name:path:key}` references.
pub trait ConfigProvider: Send + Sync {
    /// The value of `key` at `path` (`path` is empty when the reference has none); `Ok(None)`
    /// when there is no such key. Errors must not contain secret values.
    fn get(&self, path: &str, key: &str) -> ConnectResult<Option<String>>;
}

/// Environment variables (`EnvVarConfigProvider`); `path` is ignored.
#[derive(Debug)]
pub struct EnvVarProvider {
    allow: Option<Regex>,
}

impl ConfigProvider for EnvVarProvider {
    fn get(&self, _path: &str, key: &str) -> ConnectResult<Option<String>> {
        if let Some(allow) = &self.allow {
            if !allow.is_match(key) {
                return Ok(None);
            }
        }
        Ok(std::env::var(key).ok())
    }
}

/// Paths a file-based provider may read (`allowed.paths`; everything when unset).
#[derive(Debug, Default)]
struct AllowedPaths(Option<Vec<PathBuf>>);

impl AllowedPaths {
    fn parse(params: &HashMap<String, String>, provider: &str) -> ConnectResult<Self> {
        let Some(raw) = params.get(ALLOWED_PATHS).filter(|v| !v.trim().is_empty()) else {
            return Ok(AllowedPaths(None));
        };
        let mut paths = Vec::new();
        for p in parse_list(raw) {
            let path = Path::new(&p);
            if !path.is_absolute() {
                return Err(ConnectError::config(format!(
                    "Invalid value {p} for configuration config.providers.{provider}.param.{ALLOWED_PATHS}: Path {p} is not absolute"
                )));
            }
            paths.push(normalize(path));
        }
        Ok(AllowedPaths(Some(paths)))
    }

    /// The normalized path if it may be read.
    fn check(&self, path: &str) -> ConnectResult<PathBuf> {
        let normalized = normalize(Path::new(path));
        match &self.0 {
            Some(allowed) if !allowed.iter().any(|a| normalized.starts_with(a)) => {
                Err(ConnectError::config(format!(
                    "Path {path} is not allowed to be accessed by the config provider (see {ALLOWED_PATHS})"
                )))
            }
            _ => Ok(normalized),
        }
    }
}

/// Lexical normalization (`.` and `..` removed) so `allowed.paths` cannot be escaped.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Keys of a Java properties file (`FileConfigProvider`): `${file:/path/x.properties:key}`.
#[derive(Debug)]
pub struct FileProvider {
    allowed: AllowedPaths,
}

impl ConfigProvider for FileProvider {
    fn get(&self, path: &str, key: &str) -> ConnectResult<Option<String>> {
        if path.is_empty() {
            return Ok(None);
        }
        let file = self.allowed.check(path)?;
        let text = std::fs::read_to_string(&file).map_err(|e| {
            ConnectError::config(format!("Could not read properties from file {path}: {e}"))
        })?;
        Ok(properties::parse(&text).shift_remove(key))
    }
}

/// Files of a directory (`DirectoryConfigProvider`): `${directory:/dir:file}` is the content of
/// the regular file `file` in `/dir`.
#[derive(Debug)]
pub struct DirectoryProvider {
    allowed: AllowedPaths,
}

impl ConfigProvider for DirectoryProvider {
    fn get(&self, path: &str, key: &str) -> ConnectResult<Option<String>> {
        if path.is_empty() || key.is_empty() || key.contains('/') || key == ".." {
            return Ok(None);
        }
        let dir = self.allowed.check(path)?;
        let file = dir.join(key);
        match std::fs::metadata(&file) {
            Ok(m) if m.is_file() => std::fs::read_to_string(&file).map(Some).map_err(|e| {
                ConnectError::config(format!(
                    "Could not read file {key} in directory {path}: {e}"
                ))
            }),
            _ => Ok(None),
        }
    }
}

/// The providers named in the worker's `config.providers`.
#[derive(Clone, Default)]
pub struct ConfigProviders {
    providers: HashMap<String, Arc<dyn ConfigProvider>>,
}

impl std::fmt::Debug for ConfigProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.providers.keys().collect();
        names.sort();
        f.debug_struct("ConfigProviders")
            .field("providers", &names)
            .finish()
    }
}

/// `${provider:[path:]key}`, as Kafka's `ConfigTransformer` reads it.
fn reference_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}").expect("static pattern is valid")
    })
}

/// Whether a value contains a `${provider:...}` reference.
pub fn has_reference(value: &str) -> bool {
    value.contains("${") && reference_pattern().is_match(value)
}

impl ConfigProviders {
    /// Builds the providers listed in `config.providers`; errors name the key at fault.
    pub fn from_worker_props(props: &ConfigMap) -> ConnectResult<Self> {
        let names = parse_list(props.get(CONFIG_PROVIDERS).map_or("", |v| v.as_str()));
        let mut providers: HashMap<String, Arc<dyn ConfigProvider>> = HashMap::new();
        for name in names {
            let class_key = format!("{CONFIG_PROVIDERS}.{name}.class");
            let class = props
                .get(&class_key)
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    ConnectError::config(format!(
                        "Missing required configuration \"{class_key}\" for config provider {name}"
                    ))
                })?;
            let param_prefix = format!("{CONFIG_PROVIDERS}.{name}.param.");
            let params: HashMap<String, String> = props
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&param_prefix).map(|p| (p.into(), v.clone())))
                .collect();
            let simple = class.rsplit('.').next().unwrap_or(class);
            let provider: Arc<dyn ConfigProvider> = match simple {
                "EnvVarConfigProvider" => {
                    let allow = match params.get(ALLOWLIST_PATTERN).filter(|p| !p.is_empty()) {
                        Some(p) => Some(Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                            ConnectError::config(format!(
                                "Invalid value {p} for configuration {param_prefix}{ALLOWLIST_PATTERN}: {e}"
                            ))
                        })?),
                        None => None,
                    };
                    Arc::new(EnvVarProvider { allow })
                }
                "FileConfigProvider" => Arc::new(FileProvider {
                    allowed: AllowedPaths::parse(&params, &name)?,
                }),
                "DirectoryConfigProvider" => Arc::new(DirectoryProvider {
                    allowed: AllowedPaths::parse(&params, &name)?,
                }),
                _ => {
                    return Err(ConnectError::config(format!(
                        "Invalid value {class} for configuration {class_key}: Class {class} cannot be found \
                         (supported: EnvVarConfigProvider, FileConfigProvider, DirectoryConfigProvider)"
                    )))
                }
            };
            providers.insert(name, provider);
        }
        Ok(ConfigProviders { providers })
    }

    /// Adds (or replaces) a provider under `name`.
    pub fn with(mut self, name: &str, provider: Arc<dyn ConfigProvider>) -> Self {
        self.providers.insert(name.to_string(), provider);
        self
    }

    /// Whether no provider is configured (then configs are used as written).
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// `config` with every reference replaced by its value. Errors name the config key and the
    /// reference, never a resolved value.
    pub fn resolve(&self, config: &ConfigMap) -> ConnectResult<ConfigMap> {
        self.resolve_collecting(config, &mut Vec::new())
    }

    /// [`ConfigProviders::resolve`] that also appends each substituted value to `secrets`,
    /// so they can be scrubbed from failure traces (see [`redact`]).
    pub fn resolve_collecting(
        &self,
        config: &ConfigMap,
        secrets: &mut Vec<String>,
    ) -> ConnectResult<ConfigMap> {
        if self.is_empty() || !config.values().any(|v| has_reference(v)) {
            return Ok(config.clone());
        }
        let mut out = ConfigMap::with_capacity(config.len());
        for (key, value) in config {
            out.insert(key.clone(), self.resolve_references(key, value, secrets)?);
        }
        Ok(out)
    }

    /// One value with its references replaced; errors name `key` and the reference.
    pub fn resolve_value(&self, key: &str, value: &str) -> ConnectResult<String> {
        if self.is_empty() {
            return Ok(value.to_string());
        }
        self.resolve_references(key, value, &mut Vec::new())
    }

    fn resolve_references(
        &self,
        key: &str,
        value: &str,
        secrets: &mut Vec<String>,
    ) -> ConnectResult<String> {
        if !has_reference(value) {
            return Ok(value.to_string());
        }
        let mut out = String::with_capacity(value.len());
        let mut last = 0;
        for caps in reference_pattern().captures_iter(value) {
            let Some(whole) = caps.get(0) else { continue };
            let reference = whole.as_str();
            let name = caps.get(1).map_or("", |m| m.as_str());
            let path = caps.get(2).map_or("", |m| m.as_str());
            let var = caps.get(3).map_or("", |m| m.as_str());
            let fail = |why: String| {
                ConnectError::config(format!(
                    "Could not resolve the config reference {reference} in configuration {key}: {why}"
                ))
            };
            let provider = self.providers.get(name).ok_or_else(|| {
                fail(format!(
                    "no config provider named '{name}' (see the worker's {CONFIG_PROVIDERS})"
                ))
            })?;
            let resolved = provider
                .get(path, var)
                .map_err(|e| fail(e.to_string()))?
                .ok_or_else(|| fail(format!("provider '{name}' has no key '{var}'")))?;
            out.push_str(&value[last..whole.start()]);
            out.push_str(&resolved);
            if !secrets.contains(&resolved) {
                secrets.push(resolved);
            }
            last = whole.end();
        }
        out.push_str(&value[last..]);
        Ok(out)
    }
}

/// Secrets shorter than this are not scrubbed from traces (it would mangle ordinary text).
pub const MIN_REDACTED_LEN: usize = 4;

/// `text` with every secret of at least [`MIN_REDACTED_LEN`] characters replaced by
/// `[hidden]`, longest first.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_REDACTED_LEN)
        .collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in sorted {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "[hidden]");
        }
    }
    out
}

/// Puts the reference text back into a generated task config (Kafka's `reverseTransform`): for
/// each connector key whose raw value holds a reference, a task value equal to the resolved
/// connector value is replaced by the raw one, so stored and shown task configs hold no
/// secrets.
pub fn unresolve(raw: &ConfigMap, resolved: &ConfigMap, mut task: ConfigMap) -> ConfigMap {
    for (key, raw_value) in raw {
        if !has_reference(raw_value) {
            continue;
        }
        if let (Some(t), Some(r)) = (task.get_mut(key), resolved.get(key)) {
            if t == r {
                *t = raw_value.clone();
            }
        }
    }
    task
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn providers(extra: &[(&str, &str)]) -> ConfigProviders {
        let mut props = map(&[
            ("config.providers", "env, file,directory"),
            (
                "config.providers.env.class",
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            ),
            ("config.providers.file.class", "FileConfigProvider"),
            (
                "config.providers.directory.class",
                "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            ),
        ]);
        for (k, v) in extra {
            props.insert(k.to_string(), v.to_string());
        }
        ConfigProviders::from_worker_props(&props).unwrap()
    }

    #[test]
    fn resolves_env_file_and_directory_references() {
        let dir = tempfile::tempdir().unwrap();
        let props = dir.path().join("db.properties");
        std::fs::write(&props, "user=admin\npassword = s3cr3t-file\n").unwrap();
        std::fs::write(dir.path().join("token"), "tok-123").unwrap();
        std::env::set_var("FERRO_PROVIDER_TEST_VAR", "s3cr3t-env");
        let p = providers(&[]);
        let d = dir.path().display();
        let config = map(&[
            ("a", "${env:FERRO_PROVIDER_TEST_VAR}"),
            (
                "b",
                &format!(
                    "u=${{file:{d}/db.properties:user}};p=${{file:{d}/db.properties:password}}"
                ),
            ),
            ("c", &format!("${{directory:{d}:token}}")),
            ("d", "${topic}-plain"),
        ]);
        let r = p.resolve(&config).unwrap();
        assert_eq!(r["a"], "s3cr3t-env");
        assert_eq!(r["b"], "u=admin;p=s3cr3t-file");
        assert_eq!(r["c"], "tok-123");
        assert_eq!(r["d"], "${topic}-plain");
        let mut secrets = Vec::new();
        p.resolve_collecting(&config, &mut secrets).unwrap();
        assert_eq!(secrets, ["s3cr3t-env", "admin", "s3cr3t-file", "tok-123"]);
        assert_eq!(
            redact("login admin/s3cr3t-file failed (tok-123, s3c)", &secrets),
            "login [hidden]/[hidden] failed ([hidden], s3c)"
        );
        // Task configs get the references back.
        let task = map(&[("a", "s3cr3t-env"), ("c", "other"), ("task.id", "0")]);
        let back = unresolve(&config, &r, task);
        assert_eq!(back["a"], "${env:FERRO_PROVIDER_TEST_VAR}");
        assert_eq!(back["c"], "other");
    }

    #[test]
    fn failures_name_the_key_and_never_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let props = dir.path().join("db.properties");
        std::fs::write(&props, "password=hunter2\n").unwrap();
        let p = providers(&[("config.providers.env.param.allowlist.pattern", "ALLOWED_.*")]);
        std::env::set_var("FERRO_PROVIDER_TEST_DENIED", "hunter2");
        let err = |k: &str, v: &str| p.resolve(&map(&[(k, v)])).unwrap_err().to_string();
        let e = err("connection.password", "${env:FERRO_PROVIDER_TEST_DENIED}");
        assert!(e.contains("connection.password"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = err("x", "${vault:secret/db:pw}");
        assert!(e.contains("no config provider named 'vault'"), "{e}");
        let e = err("y", &format!("${{file:{}:missing}}", props.display()));
        assert!(
            e.contains("has no key 'missing'") && e.contains("configuration y"),
            "{e}"
        );
        let e = err("z", "${file:/nonexistent/ferro.properties:k}");
        assert!(e.contains("/nonexistent/ferro.properties"), "{e}");
    }

    #[test]
    fn allowed_paths_and_bad_worker_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.properties"), "k=v\n").unwrap();
        let allowed = dir.path().join("inner");
        let p = providers(&[(
            "config.providers.file.param.allowed.paths",
            allowed.to_str().unwrap(),
        )]);
        let escape = format!("${{file:{}/../s.properties:k}}", allowed.display());
        let e = p.resolve(&map(&[("k", &escape)])).unwrap_err().to_string();
        assert!(e.contains("not allowed"), "{e}");

        let bad = ConfigProviders::from_worker_props(&map(&[
            ("config.providers", "vault"),
            (
                "config.providers.vault.class",
                "com.example.VaultConfigProvider",
            ),
        ]))
        .unwrap_err()
        .to_string();
        assert!(bad.contains("config.providers.vault.class"), "{bad}");
        let missing = ConfigProviders::from_worker_props(&map(&[("config.providers", "env")]))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("config.providers.env.class"), "{missing}");
        // No providers: references are left alone.
        let none = ConfigProviders::default();
        let c = map(&[("a", "${env:HOME}")]);
        assert_eq!(none.resolve(&c).unwrap(), c);
    }
}
