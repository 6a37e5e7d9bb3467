//! Ferroconnect's runtime: the Connect data model, the connector API, converters, the worker
//! that runs source and sink tasks against Kafka, config/offset/status storage and the herder
//! the REST API drives. Nothing here knows a concrete connector.

pub mod clients;
pub mod config;
pub mod connector;
pub mod converter;
pub mod data;
pub mod error;
pub mod herder;
pub mod logging;
pub mod metrics;
pub mod plugins;
pub mod standalone;
pub mod storage;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod transform;
pub mod worker;

pub use error::{ConnectError, ConnectResult, DataError};
