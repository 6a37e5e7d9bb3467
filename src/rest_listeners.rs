//! The REST API on every `listeners` entry (`http://` and `https://` side by side, as on the
//! JVM worker), each with the worker's basic auth and CORS settings and TLS for `https://`.

use std::net::SocketAddr;

use anyhow::{anyhow, Context};
use axum::Router;
use ferroconnect_rest_api::security::RestSecurity;
use ferroconnect_runtime::config::{Listener, WorkerConfig};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info};

/// One listener and its security settings, checked before anything starts.
pub struct Planned {
    listener: Listener,
    security: RestSecurity,
}

/// Reads the security settings of every listener; errors name the key at fault.
pub fn plan(config: &WorkerConfig) -> anyhow::Result<Vec<Planned>> {
    if config.listeners.is_empty() {
        return Err(anyhow!("no REST listener configured"));
    }
    config
        .listeners
        .iter()
        .map(|l| {
            let security = RestSecurity::from_worker_props(&config.props, l.scheme == "https")
                .map_err(|e| anyhow!("{e}"))?;
            Ok(Planned {
                listener: l.clone(),
                security,
            })
        })
        .collect()
}

/// Running REST servers.
pub struct RestServers {
    stop: watch::Sender<bool>,
    servers: Vec<(SocketAddr, JoinHandle<std::io::Result<()>>)>,
}

fn socket_addr(l: &Listener) -> anyhow::Result<SocketAddr> {
    let host = if l.host.is_empty() {
        "0.0.0.0"
    } else {
        l.host.as_str()
    };
    format!("{host}:{}", l.port)
        .parse()
        .or_else(|_| format!("[{host}]:{}", l.port).parse())
        .with_context(|| format!("invalid listener host {host}"))
}

/// Binds every planned listener (all or nothing) and serves `router` on each.
pub async fn start(planned: Vec<Planned>, router: Router) -> anyhow::Result<RestServers> {
    let mut bound = Vec::with_capacity(planned.len());
    for p in planned {
        let addr = socket_addr(&p.listener)?;
        let tcp = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        bound.push((p, addr, tcp));
    }
    let (stop, stopped) = watch::channel(false);
    let mut servers = Vec::with_capacity(bound.len());
    for (p, addr, tcp) in bound {
        let router = router.clone();
        let mut stopped = stopped.clone();
        let scheme = p.listener.scheme.clone();
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            ferroconnect_rest_api::security::serve_secure(tcp, router, &p.security, shutdown).await
        });
        info!(%addr, %scheme, "REST listener bound");
        servers.push((addr, server));
    }
    Ok(RestServers { stop, servers })
}

impl RestServers {
    /// Stops accepting, finishes in-flight requests and waits for every server.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for (addr, server) in self.servers {
            match server.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => error!(%addr, error = %e, "REST server error"),
                Err(e) => error!(%addr, error = %e, "REST server task failed"),
            }
        }
    }
}
