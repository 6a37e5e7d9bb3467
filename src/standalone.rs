//! `ferroconnect standalone`: one worker, offsets and connector configs on local disk, the
//! REST API on the configured listener, graceful shutdown on SIGTERM/SIGINT.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context};
use ferroconnect_rest_api::metrics::MetricsRenderer;
use ferroconnect_runtime::config::{properties, WorkerConfig};
use ferroconnect_runtime::herder::Herder;
use ferroconnect_runtime::plugins::PluginRegistry;
use ferroconnect_runtime::standalone::StandaloneHerder;
use ferroconnect_runtime::storage::file_configs::FileConfigStore;
use ferroconnect_runtime::storage::file_offsets::FileOffsetStore;
use tracing::{error, info};

use crate::cli::{LogArgs, LogFormat};
use crate::connector_files;

/// Every plugin compiled into this binary.
pub fn build_registry() -> PluginRegistry {
    let mut registry = PluginRegistry::new();
    ferroconnect_runtime::converter::register_builtin(&mut registry);
    ferroconnect_transforms::register_builtin(&mut registry);
    ferroconnect_connectors::register_builtin(&mut registry);
    registry
}

/// Runs a standalone worker until SIGTERM or SIGINT.
pub async fn run(log: &LogArgs, worker_properties: &Path, files: &[PathBuf]) -> anyhow::Result<()> {
    let started = Instant::now();
    let loggers = ferroconnect_runtime::logging::init_tracing(
        &log.log_level,
        log.log_format == LogFormat::Json,
    );

    let text = std::fs::read_to_string(worker_properties)
        .with_context(|| format!("cannot read worker config {}", worker_properties.display()))?;
    let config = WorkerConfig::from_properties(properties::parse(&text))
        .with_context(|| format!("invalid worker config {}", worker_properties.display()))?;
    let offset_file = config.offset_file.clone().ok_or_else(|| {
        anyhow!("Missing required configuration \"offset.storage.file.filename\" which has no default value.")
    })?;
    if let Some(dir) = offset_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let connectors = files
        .iter()
        .map(|f| connector_files::load(f))
        .collect::<anyhow::Result<Vec<_>>>()?;
    ferroconnect_runtime::metrics::WorkerMetrics::from_config(&config)
        .with_context(|| format!("invalid worker config {}", worker_properties.display()))?;
    let rest_plan = crate::rest_listeners::plan(&config)
        .with_context(|| format!("invalid worker config {}", worker_properties.display()))?;
    let config = Arc::new(config);

    let registry = Arc::new(build_registry());
    let offsets = Arc::new(FileOffsetStore::open(&offset_file)?);
    let configs = Arc::new(FileConfigStore::beside(&offset_file)?);
    let herder = StandaloneHerder::create(config.clone(), registry, offsets, configs);

    let router = ferroconnect_rest_api::router(herder.clone() as Arc<dyn Herder>, loggers);
    let worker = herder.worker().clone();
    let renderer: MetricsRenderer = Arc::new(move || worker.render_metrics());
    let router = ferroconnect_rest_api::metrics::with_metrics(router, renderer.clone());
    let metrics_server = crate::metrics_listener::start(&config, renderer).await?;
    let rest_servers = crate::rest_listeners::start(rest_plan, router).await?;
    info!(worker_id = %config.worker_id(), elapsed_ms = started.elapsed().as_millis() as u64, "REST server listening");

    if let Err(e) = herder.start().await {
        error!(error = %e, "cannot restore the stored connectors");
    }
    for (name, cfg) in connectors {
        match herder.put_connector_config(&name, cfg, true, None).await {
            Ok(_) => info!(connector = %name, "created connector from the command line"),
            Err(e) => {
                error!(connector = %name, error = %e, "cannot create connector from the command line")
            }
        }
    }
    info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "worker started"
    );
    if herder.server_info().await.kafka_cluster_id.is_none() {
        tracing::warn!(
            bootstrap.servers = %config.bootstrap_servers,
            "cannot reach the Kafka cluster: connectors start, but no records move until it is reachable"
        );
    }

    shutdown_signal().await;
    info!("shutting down: stopping connectors and tasks, flushing offsets");
    herder.stop().await;
    if let Some((stop, server)) = metrics_server {
        let _ = stop.send(());
        let _ = server.await;
    }
    rest_servers.stop().await;
    info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
