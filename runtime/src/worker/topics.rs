//! KIP-158 topic creation in a source task: before the first record to a topic the task has
//! not seen, the topic's existence is checked through the task's admin client
//! (`connector-adminclient-<conn>-<task>`, `admin.override.*` applied) and, if the broker does
//! not know it, the topic is created with the settings of its creation group
//! ([`TopicCreation::group_for`]).
//!
//! The admin client runs with `allow.auto.create.topics=false`, so its metadata request asks
//! the broker not to auto-create the topic (librdkafka producers, which admin clients are,
//! ask for auto-creation by default, and a broker would then create it with its own default
//! partition count instead of the group's).

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use super::Shared;
use crate::clients::{self, ClientKind};
use crate::config::topic_creation::{TopicCreation, TopicCreationGroup};
use crate::config::ConfigMap;
use crate::error::{ConnectError, ConnectResult};
use crate::herder::ConnectorTaskId;

/// How long a metadata or create-topics request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A failed topic creation; the message names the topic, its group and the cause.
#[derive(Debug, thiserror::Error)]
#[error("Task failed to create new topic {topic} (creation group {group}, partitions {partitions}, replication factor {replication_factor}): {cause}. Ensure that the task is authorized to create topics or that the topic exists and restart the task")]
pub struct TopicCreationFailed {
    /// The topic.
    pub topic: String,
    /// Its creation group.
    pub group: String,
    /// Partitions asked for (-1: broker default).
    pub partitions: i32,
    /// Replication factor asked for (-1: broker default).
    pub replication_factor: i16,
    /// What the admin client or the broker said.
    pub cause: String,
}

impl From<TopicCreationFailed> for ConnectError {
    fn from(e: TopicCreationFailed) -> Self {
        ConnectError::other(e.to_string())
    }
}

/// Creates a source task's missing topics with its connector's `topic.creation.*` settings.
pub struct TopicCreator {
    rules: TopicCreation,
    admin: Arc<AdminClient<DefaultClientContext>>,
}

impl TopicCreator {
    /// The task's creator, or `None` when topic creation is off for the connector (the
    /// worker's `topic.creation.enable` is false or the `default` group is not configured).
    pub fn for_task(
        shared: &Shared,
        id: &ConnectorTaskId,
        connector_config: &ConfigMap,
    ) -> ConnectResult<Option<TopicCreator>> {
        let rules =
            TopicCreation::from_config(shared.config.topic_creation_enable, connector_config)
                .map_err(|e| ConnectError::config(e.to_string()))?;
        let Some(rules) = rules else {
            return Ok(None);
        };
        let mut settings = clients::build(
            ClientKind::Admin,
            &shared.config,
            &id.connector,
            Some(connector_config),
            &clients::admin_client_id(&id.connector, id.task),
        )?;
        settings.config.set("allow.auto.create.topics", "false");
        let admin = settings.config.create().map_err(|e| {
            ConnectError::config(format!(
                "Failed to create the admin client for topic creation: {e}"
            ))
        })?;
        Ok(Some(TopicCreator {
            rules,
            admin: Arc::new(admin),
        }))
    }

    /// Makes sure `topic` exists: its partition count if it already did, `None` if it was just
    /// created (or created by another task at the same time).
    pub async fn ensure(&self, topic: &str) -> Result<Option<i32>, TopicCreationFailed> {
        if let Some(count) = self.existing_partitions(topic).await {
            return Ok(Some(count));
        }
        let group = self.rules.group_for(topic);
        tracing::info!(topic, group = %group.name, partitions = group.partitions,
            replication.factor = group.replication_factor, "creating topic");
        self.create(topic, group).await?;
        Ok(None)
    }

    /// The topic's partition count from metadata (without auto-creation); `None` if the broker
    /// does not know it or cannot say (creation then tells).
    async fn existing_partitions(&self, topic: &str) -> Option<i32> {
        let admin = self.admin.clone();
        let name = topic.to_string();
        tokio::task::spawn_blocking(move || {
            super::produce::metadata_partition_count(admin.inner(), &name, REQUEST_TIMEOUT)
        })
        .await
        .ok()
        .flatten()
    }

    async fn create(
        &self,
        topic: &str,
        group: &TopicCreationGroup,
    ) -> Result<(), TopicCreationFailed> {
        let failed = |cause: String| TopicCreationFailed {
            topic: topic.to_string(),
            group: group.name.clone(),
            partitions: group.partitions,
            replication_factor: group.replication_factor,
            cause,
        };
        let mut new_topic = NewTopic::new(
            topic,
            group.partitions,
            TopicReplication::Fixed(i32::from(group.replication_factor)),
        );
        for (key, value) in &group.topic_configs {
            new_topic = new_topic.set(key, value);
        }
        let opts = AdminOptions::new().request_timeout(Some(REQUEST_TIMEOUT));
        let results = self
            .admin
            .create_topics([&new_topic], &opts)
            .await
            .map_err(|e| failed(e.to_string()))?;
        match results.into_iter().next() {
            Some(Ok(_)) => {
                tracing::info!(topic, group = %group.name, "created topic");
                Ok(())
            }
            Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) => {
                tracing::info!(topic, "found existing topic");
                Ok(())
            }
            Some(Err((_, code))) => Err(failed(code.to_string())),
            None => Err(failed("the broker sent no result for the topic".into())),
        }
    }
}
