//! The optional separate metrics port (`metrics.listener=http://:9464`): serves only
//! `GET /metrics`, beside the REST listener (which serves it too).

use std::net::SocketAddr;

use anyhow::{anyhow, Context};
use ferroconnect_rest_api::metrics::MetricsRenderer;
use ferroconnect_runtime::config::worker::parse_listener;
use ferroconnect_runtime::config::WorkerConfig;
use ferroconnect_runtime::metrics::METRICS_LISTENER;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running metrics server: send on the channel to stop it, then await the handle.
pub type MetricsServer = (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>);

/// Starts the `metrics.listener` server if configured.
pub async fn start(
    config: &WorkerConfig,
    renderer: MetricsRenderer,
) -> anyhow::Result<Option<MetricsServer>> {
    let Some(entry) = config
        .props
        .get(METRICS_LISTENER)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let listener = parse_listener(entry)
        .with_context(|| format!("invalid value {entry} for configuration {METRICS_LISTENER}"))?;
    if listener.scheme != "http" {
        return Err(anyhow!(
            "invalid value {entry} for configuration {METRICS_LISTENER}: only http is supported"
        ));
    }
    let host = if listener.host.is_empty() {
        "0.0.0.0"
    } else {
        listener.host.as_str()
    };
    let addr: SocketAddr = format!("{host}:{}", listener.port)
        .parse()
        .or_else(|_| format!("[{host}]:{}", listener.port).parse())
        .with_context(|| format!("invalid host in {METRICS_LISTENER}={entry}"))?;
    let tcp = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({METRICS_LISTENER})"))?;
    tracing::info!(%addr, "metrics listener started");
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(ferroconnect_rest_api::serve(
        tcp,
        ferroconnect_rest_api::metrics::routes(renderer),
        async {
            let _ = rx.await;
        },
    ));
    Ok(Some((tx, server)))
}
