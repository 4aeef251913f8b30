//! Password hashing with argon2id (the argon2 crate's default parameters: 19 MiB, 2 passes),
//! bounded so that a flood of sign-ins cannot exhaust the server.
//!
//! Each hash or verification holds 19 MiB for tens of milliseconds, so a few hundred at once would
//! take gigabytes. [`Hasher`] lets at most `PLAZA_MAX_HASHES` run at a time (a semaphore; the
//! memory bound is that number × 19 MiB); a request that cannot get a slot within
//! `PLAZA_HASH_WAIT_MS` ([`SLOT_WAIT`] by default) is answered 503 `busy` with `Retry-After`,
//! never as a wrong password. An argon2
//! failure (out of memory, a stored hash that cannot be read) is an internal error, never "no
//! match". Hashing runs on tokio's blocking pool, holding its slot until it is done even if the
//! request that asked for it is gone. A sign-in for an unknown email still verifies against a
//! fixed dummy hash, so that known and unknown addresses take the same time to answer.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a request waits for a hashing slot before it is answered `busy`, unless
/// `PLAZA_HASH_WAIT_MS` says otherwise.
pub const SLOT_WAIT: Duration = Duration::from_secs(2);

/// What a client waiting for a slot in vain is told to wait before retrying, in seconds.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 2;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every hashing slot stayed taken for [`SLOT_WAIT`]: the server is saturated.
    #[error("every password hashing slot is taken")]
    Busy,
    /// argon2 failed (out of memory, unreadable stored hash, ...): a fault, logged.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// The bounded password hasher shared by every request.
#[derive(Clone)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Hasher {
    /// A hasher running at most `max_concurrent` (at least 1) hashes at a time.
    pub fn new(max_concurrent: usize, wait: Duration) -> Hasher {
        Hasher {
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
            wait,
        }
    }

    /// The default bound: one hash per core.
    pub fn default_max_concurrent() -> usize {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    }

    /// Takes one hashing slot until the returned permit is dropped (what every hash does; also
    /// how a test saturates the hasher deterministically).
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, PasswordError> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(PasswordError::Failed("hashing slots closed".into())),
            Err(_elapsed) => Err(PasswordError::Busy),
        }
    }

    /// Runs `work` on the blocking pool while holding a slot.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|error| PasswordError::Failed(format!("hashing task: {error}")))?
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$...`).
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move || hash_blocking(&password)).await
    }

    /// Verifies a password against a stored hash; with `None` (unknown account, or an account
    /// without a password) it verifies against a dummy hash and answers `false`, taking the same
    /// time.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.run(move || {
            let known = stored.is_some();
            let stored = match stored {
                Some(stored) => stored,
                None => dummy_hash()?.to_string(),
            };
            let matches = verify_blocking(&password, &stored)?;
            Ok(known && matches)
        })
        .await
    }

    /// Computes the dummy hash now, so that the first sign-in with an unknown address does not
    /// take longer than the others (called once at start).
    pub async fn warm_up(&self) -> Result<(), PasswordError> {
        self.run(|| dummy_hash().map(|_| ())).await
    }
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordError::Failed(error.to_string()))
}

/// `Ok(false)` only for a wrong password; every other argon2 outcome is a failure.
fn verify_blocking(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let hash = PasswordHash::new(stored)
        .map_err(|error| PasswordError::Failed(format!("stored hash unreadable: {error}")))?;
    match Argon2::default().verify_password(password.as_bytes(), &hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(error) => Err(PasswordError::Failed(error.to_string())),
    }
}

fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = hash_blocking("plaza dummy password for timing")?;
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hasher = Hasher::new(2, SLOT_WAIT);
        let stored = hasher.hash("violet kettle harbour".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        let verify =
            |password: &str, stored: Option<String>| hasher.verify(password.to_string(), stored);
        assert!(
            verify("violet kettle harbour", Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("violet kettle harbor", Some(stored)).await.unwrap());
        assert!(
            !verify("plaza dummy password for timing", None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unreadable_stored_hash_is_a_failure_not_a_mismatch() {
        let hasher = Hasher::new(1, SLOT_WAIT);
        let result = hasher
            .verify("anything".into(), Some("$argon2id$garbage".into()))
            .await;
        assert!(
            matches!(result, Err(PasswordError::Failed(_))),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_request_that_finds_every_slot_taken_is_told_busy() {
        let hasher = Hasher::new(1, Duration::from_millis(50));
        let held = hasher.slot().await.unwrap();
        let result = hasher.hash("violet kettle harbour".into()).await;
        assert!(matches!(result, Err(PasswordError::Busy)), "{result:?}");
        drop(held);
        assert!(hasher.hash("violet kettle harbour".into()).await.is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_the_slots() {
        let hasher = Hasher::new(2, Duration::from_secs(60));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (hasher, running, most) = (hasher.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    hasher
                        .run(move || {
                            use std::sync::atomic::Ordering::SeqCst;
                            let now = running.fetch_add(1, SeqCst) + 1;
                            most.fetch_max(now, SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            running.fetch_sub(1, SeqCst);
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
