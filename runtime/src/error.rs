//! Error types shared by the runtime, connectors and transforms.

use thiserror::Error;

/// A value did not fit its schema or could not be converted (`DataException`).
#[derive(Debug, Clone, Error, PartialEq)]
#[error("{message}")]
pub struct DataError {
    message: String,
}

impl DataError {
    /// Creates a data error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        DataError {
            message: message.into(),
        }
    }
    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// An error raised by a connector, task, transform or converter.
///
/// The variant decides how the worker treats it: `Retriable` is retried within
/// `errors.retry.timeout`; everything else fails the operation at once (and then
/// `errors.tolerance` decides whether the record is skipped or the task fails).
#[derive(Debug, Error)]
pub enum ConnectError {
    /// Bad configuration (`ConfigException`); the message names the key.
    #[error("{0}")]
    Config(String),
    /// Bad data (`DataException`).
    #[error("{0}")]
    Data(#[from] DataError),
    /// A transient failure worth retrying (`RetriableException`).
    #[error("{0}")]
    Retriable(String),
    /// Any other failure (`ConnectException`).
    #[error("{0}")]
    Other(String),
    /// A failure with context wrapped around its cause.
    #[error("{context}: {source}")]
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        #[source]
        source: Box<ConnectError>,
    },
}

impl ConnectError {
    /// A `ConnectException` with a message.
    pub fn other(msg: impl Into<String>) -> Self {
        ConnectError::Other(msg.into())
    }
    /// A `ConfigException` with a message.
    pub fn config(msg: impl Into<String>) -> Self {
        ConnectError::Config(msg.into())
    }
    /// A `DataException` with a message.
    pub fn data(msg: impl Into<String>) -> Self {
        ConnectError::Data(DataError::new(msg))
    }
    /// A `RetriableException` with a message.
    pub fn retriable(msg: impl Into<String>) -> Self {
        ConnectError::Retriable(msg.into())
    }
    /// Wraps this error with context.
    pub fn context(self, context: impl Into<String>) -> Self {
        ConnectError::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }
    /// True if the worker may retry the failed operation.
    pub fn is_retriable(&self) -> bool {
        match self {
            ConnectError::Retriable(_) => true,
            ConnectError::Context { source, .. } => source.is_retriable(),
            _ => false,
        }
    }
    /// The Java exception class name this error corresponds to, for traces and DLQ headers.
    pub fn java_class(&self) -> &'static str {
        match self {
            ConnectError::Config(_) => "org.apache.kafka.common.config.ConfigException",
            ConnectError::Data(_) => "org.apache.kafka.connect.errors.DataException",
            ConnectError::Retriable(_) => "org.apache.kafka.connect.errors.RetriableException",
            ConnectError::Other(_) => "org.apache.kafka.connect.errors.ConnectException",
            ConnectError::Context { .. } => "org.apache.kafka.connect.errors.ConnectException",
        }
    }
    /// A Java-style trace for `/status`: the class and message, then each cause.
    pub fn trace(&self) -> String {
        let mut out = format!("{}: {}", self.java_class(), self);
        let mut cur: Option<&ConnectError> = Some(self);
        while let Some(ConnectError::Context { source, .. }) = cur {
            out.push_str(&format!("\nCaused by: {}: {}", source.java_class(), source));
            cur = Some(source);
        }
        out
    }
}

/// Adds context to results, like `anyhow::Context` for [`ConnectError`].
pub trait ResultExt<T> {
    /// Wraps the error with a context message.
    fn connect_context(self, context: impl FnOnce() -> String) -> Result<T, ConnectError>;
}

impl<T, E: std::fmt::Display> ResultExt<T> for Result<T, E> {
    fn connect_context(self, context: impl FnOnce() -> String) -> Result<T, ConnectError> {
        self.map_err(|e| ConnectError::Other(format!("{}: {e}", context())))
    }
}

/// Shorthand result type.
pub type ConnectResult<T> = Result<T, ConnectError>;
