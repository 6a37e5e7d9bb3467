//! `ferroconnect`: a Kafka Connect-compatible worker. CLI wiring only; the work happens in
//! the runtime, connector, transform and REST crates.

mod alloc;
mod cli;
mod connector_files;
mod metrics_listener;
mod rest_listeners;
mod standalone;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc (see [`alloc`]).
#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

fn main() -> ExitCode {
    ferroconnect_runtime::standalone::set_build_commit(env!("FERRO_GIT_COMMIT"));
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ferroconnect: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match args.command {
            cli::Command::Standalone { worker_properties, connector_files } => {
                standalone::run(&args.log, &worker_properties, &connector_files).await
            }
            cli::Command::Distributed { worker_properties } => Err(anyhow::anyhow!(
                "distributed mode is not supported yet (worker config {}); run `ferroconnect standalone` instead",
                worker_properties.display()
            )),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferroconnect: {e:#}");
            ExitCode::FAILURE
        }
    }
}
