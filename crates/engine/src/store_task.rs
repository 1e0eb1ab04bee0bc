//! The store task: runs the machine's store effects one at a time, in order, with bounded time,
//! retried saves, and reports failures to the app.
//!
//! * A load that does not answer within [`STORE_TIMEOUT`] fails with [`StoreError::Timeout`].
//! * A save is tried [`SAVE_ATTEMPTS`] times (backoff [`SAVE_BACKOFF`], doubling) unless the
//!   error is permanent ([`StoreError::is_permanent`]); each attempt is bounded by
//!   [`STORE_TIMEOUT`].
//! * After a load that failed and left the data in place (an I/O, keyring or timeout error, or
//!   corrupt data the store could not move aside), no save is attempted for the rest of the
//!   run: the engine started signed out, and writing would replace a session it never read.
//!   Each such save fails with a message saying so. Build a new engine to try loading again.

use std::sync::Arc;
use std::time::Duration;

use cognito_auth_machine::{EffectId, EffectResult, PersistedSession, StoreFailure};
use tokio::sync::mpsc;

use crate::store::{SessionStore, StoreError};

/// The longest one store operation may take.
pub(crate) const STORE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times a save is tried.
pub(crate) const SAVE_ATTEMPTS: u32 = 3;
/// The wait before the second attempt (doubled for each later one).
pub(crate) const SAVE_BACKOFF: Duration = Duration::from_millis(200);

/// A store job, run in order on the store task.
pub(crate) enum StoreJob {
    Load,
    Save(Box<PersistedSession>),
}

/// A finished job: the machine's result, and what the app must hear about it.
pub(crate) struct StoreDone {
    pub(crate) effect_id: EffectId,
    pub(crate) result: EffectResult,
    pub(crate) event: Option<StoreEvent>,
}

/// A store failure the app is told about (on [`crate::Auth::events`]). Messages never hold
/// session contents.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreEvent {
    /// The stored session could not be read (distinct from "nothing stored"): the engine
    /// started signed out and does not write to the store for the rest of the run, unless the
    /// data was moved aside (a corrupt file kept as `<name>.corrupt-<n>`).
    LoadFailed {
        /// What went wrong.
        error: crate::error::StoreFailure,
        /// Whether saves still go ahead (the unreadable data was moved aside).
        saves_continue: bool,
    },
    /// A save failed after every attempt: the session on disk is older than the one in memory.
    SaveFailed {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        error: crate::error::StoreFailure,
    },
    /// Another process signed out after this engine last read the store; the engine signs
    /// out locally rather than bring the session back.
    SignedOutElsewhere,
}

fn failure(message: String) -> crate::error::StoreFailure {
    crate::error::StoreFailure { message }
}

/// Runs store jobs one at a time, in order.
pub(crate) async fn run(
    store: Arc<dyn SessionStore>,
    mut jobs: mpsc::UnboundedReceiver<(EffectId, StoreJob)>,
    // Boxed: an unbounded channel allocates room for 32 messages up front, and a `StoreDone`
    // is 336 bytes, so unboxed that room would be 10 KiB of every engine.
    done: mpsc::UnboundedSender<Box<StoreDone>>,
) {
    // Set when a load failed and left unread data behind: saves would overwrite it.
    let mut unread: Option<String> = None;
    while let Some((effect_id, job)) = jobs.recv().await {
        let (result, event) = match job {
            StoreJob::Load => {
                let (result, event) = load(store.as_ref()).await;
                if let Some(StoreEvent::LoadFailed {
                    error,
                    saves_continue: false,
                }) = &event
                {
                    unread = Some(error.message.clone());
                }
                (EffectResult::Loaded(result), event)
            }
            StoreJob::Save(session) => {
                let (result, event) = match &unread {
                    Some(why) => refused(why),
                    None => save(store.as_ref(), &session).await,
                };
                (EffectResult::Stored(result), event)
            }
        };
        // After shutdown nobody listens; the save itself has happened, which is what matters.
        let _ = done.send(Box::new(StoreDone {
            effect_id,
            result,
            event,
        }));
    }
}

async fn load(
    store: &dyn SessionStore,
) -> (
    Result<Option<PersistedSession>, StoreFailure>,
    Option<StoreEvent>,
) {
    let outcome = match tokio::time::timeout(STORE_TIMEOUT, store.load()).await {
        Ok(outcome) => outcome,
        Err(_) => Err(StoreError::Timeout {
            operation: "load",
            after: STORE_TIMEOUT,
        }),
    };
    match outcome {
        Ok(session) => (Ok(session), None),
        Err(e) => {
            let saves_continue = matches!(
                e,
                StoreError::Corrupt {
                    quarantined_to: Some(_),
                    ..
                }
            );
            tracing::warn!(error = %e, saves_continue, "the stored session could not be read");
            let message = e.to_string();
            (
                Err(StoreFailure {
                    message: message.clone(),
                }),
                Some(StoreEvent::LoadFailed {
                    error: failure(message),
                    saves_continue,
                }),
            )
        }
    }
}

async fn save(
    store: &dyn SessionStore,
    session: &PersistedSession,
) -> (Result<(), StoreFailure>, Option<StoreEvent>) {
    let mut backoff = SAVE_BACKOFF;
    let mut attempt = 1;
    loop {
        let outcome = match tokio::time::timeout(STORE_TIMEOUT, store.save(session)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(StoreError::Timeout {
                operation: "save",
                after: STORE_TIMEOUT,
            }),
        };
        let e = match outcome {
            Ok(()) => return (Ok(()), None),
            Err(e) => e,
        };
        if let StoreError::SignedOutElsewhere { .. } = e {
            tracing::info!(error = %e, "signed out by another process");
            return (
                Err(StoreFailure {
                    message: e.to_string(),
                }),
                Some(StoreEvent::SignedOutElsewhere),
            );
        }
        if attempt >= SAVE_ATTEMPTS || e.is_permanent() {
            tracing::error!(error = %e, attempt, "saving the session failed");
            let message = e.to_string();
            return (
                Err(StoreFailure {
                    message: message.clone(),
                }),
                Some(StoreEvent::SaveFailed {
                    attempts: attempt,
                    error: failure(message),
                }),
            );
        }
        tracing::warn!(error = %e, attempt, "saving the session failed; retrying");
        tokio::time::sleep(backoff).await;
        backoff = backoff.saturating_mul(2);
        attempt += 1;
    }
}

fn refused(why: &str) -> (Result<(), StoreFailure>, Option<StoreEvent>) {
    let message = format!(
        "not saved: the stored session could not be read at start ({why}), and writing would \
         replace it"
    );
    (
        Err(StoreFailure {
            message: message.clone(),
        }),
        Some(StoreEvent::SaveFailed {
            attempts: 0,
            error: failure(message),
        }),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::store::test_support::session;
    use crate::store::{MemoryStore, StoreFuture};

    /// A memory store whose loads and saves fail (or hang) as scripted.
    #[derive(Default)]
    struct Scripted {
        inner: MemoryStore,
        save_failures: AtomicU32,
        saves: AtomicU32,
        load: Mutex<Option<fn() -> StoreError>>,
        hang: bool,
    }

    fn io_error() -> StoreError {
        StoreError::Io {
            operation: "read",
            path: "session.json".into(),
            source: std::io::Error::other("disk on fire"),
        }
    }

    impl SessionStore for Scripted {
        fn load(&self) -> StoreFuture<'_, Option<PersistedSession>> {
            let failure = self.load.lock().unwrap().map(|f| f());
            let hang = self.hang;
            Box::pin(async move {
                if hang {
                    std::future::pending::<()>().await;
                }
                match failure {
                    Some(e) => Err(e),
                    None => self.inner.load().await,
                }
            })
        }

        fn save<'a>(&'a self, s: &'a PersistedSession) -> StoreFuture<'a, ()> {
            self.saves.fetch_add(1, Ordering::SeqCst);
            let fail = self
                .save_failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            Box::pin(async move {
                if fail {
                    return Err(io_error());
                }
                self.inner.save(s).await
            })
        }

        fn clear(&self) -> StoreFuture<'_, ()> {
            self.inner.clear()
        }
    }

    async fn run_jobs(store: Arc<Scripted>, jobs: Vec<StoreJob>) -> Vec<StoreDone> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        for (i, job) in jobs.into_iter().enumerate() {
            tx.send((EffectId(i as u64), job)).unwrap();
        }
        drop(tx);
        run(store, rx, done_tx).await;
        let mut done = Vec::new();
        while let Ok(d) = done_rx.try_recv() {
            done.push(*d);
        }
        done
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_save_is_retried_then_succeeds_without_an_event() {
        let store = Arc::new(Scripted::default());
        store
            .save_failures
            .store(SAVE_ATTEMPTS - 1, Ordering::SeqCst);
        let done = run_jobs(
            Arc::clone(&store),
            vec![StoreJob::Save(Box::new(session("a")))],
        )
        .await;
        assert!(matches!(done[0].result, EffectResult::Stored(Ok(()))));
        assert_eq!(done[0].event, None);
        assert_eq!(store.saves.load(Ordering::SeqCst), SAVE_ATTEMPTS);
        assert_eq!(store.inner.snapshot(), Some(session("a")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_save_that_keeps_failing_is_reported_after_bounded_attempts() {
        let store = Arc::new(Scripted::default());
        store.save_failures.store(100, Ordering::SeqCst);
        let started = tokio::time::Instant::now();
        let done = run_jobs(
            Arc::clone(&store),
            vec![StoreJob::Save(Box::new(session("a")))],
        )
        .await;
        assert!(matches!(done[0].result, EffectResult::Stored(Err(_))));
        assert!(
            matches!(&done[0].event, Some(StoreEvent::SaveFailed { attempts, error })
                if *attempts == SAVE_ATTEMPTS && error.message.contains("disk on fire")),
            "{:?}",
            done[0].event
        );
        assert_eq!(store.saves.load(Ordering::SeqCst), SAVE_ATTEMPTS);
        // Backoff 200 ms then 400 ms.
        assert_eq!(started.elapsed(), Duration::from_millis(600));
    }

    #[tokio::test(start_paused = true)]
    async fn after_an_unreadable_load_no_save_writes_over_the_data() {
        let store = Arc::new(Scripted::default());
        *store.load.lock().unwrap() = Some(io_error);
        let done = run_jobs(
            Arc::clone(&store),
            vec![StoreJob::Load, StoreJob::Save(Box::new(session("a")))],
        )
        .await;
        assert!(matches!(done[0].result, EffectResult::Loaded(Err(_))));
        assert!(
            matches!(
                &done[0].event,
                Some(StoreEvent::LoadFailed {
                    saves_continue: false,
                    ..
                })
            ),
            "{:?}",
            done[0].event
        );
        let EffectResult::Stored(Err(e)) = &done[1].result else {
            panic!("the save went ahead");
        };
        assert!(e.message.contains("could not be read at start"), "{e:?}");
        assert_eq!(store.saves.load(Ordering::SeqCst), 0);
        assert!(matches!(
            done[1].event,
            Some(StoreEvent::SaveFailed { attempts: 0, .. })
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn a_quarantined_corrupt_file_lets_saves_continue() {
        let store = Arc::new(Scripted::default());
        *store.load.lock().unwrap() = Some(|| StoreError::Corrupt {
            path: "session.json".into(),
            quarantined_to: Some("session.json.corrupt-1".into()),
            reason: "truncated JSON".into(),
        });
        let done = run_jobs(
            Arc::clone(&store),
            vec![StoreJob::Load, StoreJob::Save(Box::new(session("a")))],
        )
        .await;
        assert!(matches!(
            done[0].event,
            Some(StoreEvent::LoadFailed {
                saves_continue: true,
                ..
            })
        ));
        assert!(matches!(done[1].result, EffectResult::Stored(Ok(()))));
    }

    #[tokio::test(start_paused = true)]
    async fn a_load_that_hangs_times_out_as_a_typed_error() {
        let store = Arc::new(Scripted {
            hang: true,
            ..Scripted::default()
        });
        let started = tokio::time::Instant::now();
        let done = run_jobs(store, vec![StoreJob::Load]).await;
        assert_eq!(started.elapsed(), STORE_TIMEOUT);
        let EffectResult::Loaded(Err(e)) = &done[0].result else {
            panic!("expected a failed load");
        };
        assert!(e.message.contains("load took longer than 10s"), "{e:?}");
    }
}
