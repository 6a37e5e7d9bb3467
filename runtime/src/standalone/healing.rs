//! Self-healing (`task.auto.restart.enable=true`): FAILED tasks are restarted with exponential
//! backoff (`task.auto.restart.initial.backoff.ms`, doubled per attempt up to
//! `task.auto.restart.max.backoff.ms`). A task that stays up for the max backoff after a
//! restart starts over at the initial delay. Restarts are counted in the [`StatusStore`]
//! (`auto_restarts_total`, `task_auto_restarts`). Off by default, as on the JVM worker.
//!
//! [`StatusStore`]: super::StatusStore

use std::collections::{HashMap, HashSet};
use std::sync::Weak;
use std::time::{Duration, Instant};

use crate::config::AutoRestart;
use crate::herder::{ConnectorTaskId, State, TargetState};

use super::herder::{task_id, StandaloneHerder};

/// Backoff bookkeeping for one task.
#[derive(Default)]
struct Pending {
    attempts: u32,
    due: Option<Instant>,
    last_restart: Option<Instant>,
}

/// Watches task states until the herder is dropped, restarting FAILED tasks when due.
pub(crate) async fn supervise(herder: Weak<StandaloneHerder>, policy: AutoRestart) {
    let tick = policy
        .initial_backoff
        .clamp(Duration::from_millis(10), Duration::from_millis(250));
    let mut pending: HashMap<ConnectorTaskId, Pending> = HashMap::new();
    loop {
        tokio::time::sleep(tick).await;
        let Some(herder) = herder.upgrade() else {
            return;
        };
        if !herder.is_started() {
            continue;
        }
        let candidates: Vec<ConnectorTaskId> = herder
            .state
            .read()
            .await
            .iter()
            .filter(|(_, e)| e.running && e.target != TargetState::Stopped)
            .flat_map(|(name, e)| (0..e.tasks.len()).map(move |i| task_id(name, i)))
            .collect();
        let now = Instant::now();
        let mut seen = HashSet::with_capacity(candidates.len());
        for id in candidates {
            let failed = herder
                .status
                .task(&id)
                .is_some_and(|s| s.state == State::Failed);
            let p = pending.entry(id.clone()).or_default();
            seen.insert(id.clone());
            if !failed {
                p.due = None;
                if p.last_restart
                    .is_some_and(|t| now.duration_since(t) >= policy.max_backoff)
                {
                    *p = Pending::default();
                }
                continue;
            }
            let due = *p.due.get_or_insert(now + policy.backoff(p.attempts));
            if now < due {
                continue;
            }
            tracing::info!(
                connector = %id.connector,
                task = id.task,
                attempt = p.attempts + 1,
                "restarting FAILED task (task.auto.restart.enable=true)"
            );
            if herder.auto_restart_task(&id).await {
                herder.status.count_auto_restart(&id);
            }
            p.attempts = p.attempts.saturating_add(1);
            p.due = None;
            p.last_restart = Some(Instant::now());
        }
        pending.retain(|id, _| seen.contains(id));
    }
}

impl StandaloneHerder {
    /// Restarts one task if it is still FAILED and its connector still runs; true if restarted.
    pub(crate) async fn auto_restart_task(&self, id: &ConnectorTaskId) -> bool {
        let _ops = self.ops.lock().await;
        let Some(entry) = self.entry(&id.connector).await else {
            return false;
        };
        let i = id.task as usize;
        let still_failed = self
            .status
            .task(id)
            .is_some_and(|s| s.state == State::Failed);
        if !entry.running || entry.target == TargetState::Stopped || i >= entry.tasks.len() {
            return false;
        }
        if !still_failed {
            return false;
        }
        self.stop_tasks(&id.connector, [i]).await;
        self.start_tasks(
            &id.connector,
            &entry.config,
            &entry.tasks,
            [i],
            entry.target,
        )
        .await;
        true
    }
}
