//! The audit rows of reads and refusals (a denied card, a failed or locked-out
//! sign-in), written behind the request by one task, in batches.
//!
//! A read must not wait for the database's writer: on SQLite an import holds the one
//! write lock for seconds, and a denied card view that wrote its row inline waited
//! that long for its 404. A sign-in flood would likewise queue a write per guess.
//! Rows are handed to a bounded channel and written in batches; `flush` waits until
//! everything handed over before it is stored (the server flushes when it stops).

use crate::store::{AuditEvent, Store};
use tokio::sync::{mpsc, oneshot};

/// Rows that may wait for the writer; past that, a request waits for room.
const CAPACITY: usize = 10_000;
/// Rows written in one statement at most.
const BATCH: usize = 500;

enum Message {
    Event(AuditEvent),
    Flush(oneshot::Sender<()>),
}

#[derive(Debug, Clone)]
pub struct AuditTrail {
    sender: mpsc::Sender<Message>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Event(event) => event.fmt(f),
            Message::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl AuditTrail {
    /// Starts the writer on the current runtime.
    pub fn start(store: Store) -> AuditTrail {
        let (sender, receiver) = mpsc::channel(CAPACITY);
        tokio::spawn(write(store, receiver));
        AuditTrail { sender }
    }

    /// Hands a row to the writer.
    pub async fn record(&self, actor: &str, action: &str, entity: &str, key: &str, detail: Option<String>) {
        let event = AuditEvent {
            actor: actor.to_owned(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            key: key.to_owned(),
            detail,
        };
        if self.sender.send(Message::Event(event)).await.is_err() {
            tracing::error!(action, entity, key, "the audit writer has stopped; a row is lost");
        }
    }

    /// Waits until every row handed over before is stored.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

async fn write(store: Store, mut receiver: mpsc::Receiver<Message>) {
    while let Some(first) = receiver.recv().await {
        let mut events = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Event(event) => events.push(event),
                Message::Flush(done) => flushes.push(done),
            }
            if events.len() < BATCH {
                next = receiver.try_recv().ok();
            }
        }
        if !events.is_empty() {
            // A database that is away for a moment (a restart, a full disk being
            // cleared) gets two more tries before the rows are given up, loudly.
            for attempt in 1..=3 {
                match store.record(events.clone()).await {
                    Ok(()) => break,
                    Err(error) if attempt == 3 => {
                        tracing::error!(%error, count = events.len(), "audit rows could not be written");
                    }
                    Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
                }
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
