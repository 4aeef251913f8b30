//! Password hashing with argon2id (the argon2 crate's default parameters: 19 MiB, 2 passes),
//! bounded so that a flood of sign-ins cannot exhaust the server.
//!
//! Each hash or verification works in 19 MiB for tens of milliseconds, so a few hundred at once
//! would take gigabytes. [`Hasher`] lets at most `PLAZA_MAX_HASHES` run at a time (a semaphore),
//! and each slot owns its working memory, allocated on first use and reused: the memory bound is
//! that number × 19 MiB whatever the allocator does with freed blocks (glibc's malloc, left to
//! allocate and free 19 MiB per hash, kept half a gigabyte after a flood of 300 sign-ins on two
//! slots; see `docs/performance.md`); a request that cannot get a slot within
//! `PLAZA_HASH_WAIT_MS` ([`SLOT_WAIT`] by default) is answered 503 `busy` with `Retry-After`,
//! never as a wrong password. An argon2
//! failure (out of memory, a stored hash that cannot be read) is an internal error, never "no
//! match". Hashing runs on tokio's blocking pool, holding its slot until it is done even if the
//! request that asked for it is gone. A sign-in for an unknown email still verifies against a
//! fixed dummy hash, so that known and unknown addresses take the same time to answer.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex, OnceLock};
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

/// The working memory of one hashing slot: argon2's blocks, reused from hash to hash.
type Memory = Vec<Block>;

/// The bounded password hasher shared by every request.
#[derive(Clone)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    /// The working memories of the slots not in use (at most one per slot).
    memories: Arc<Mutex<Vec<Memory>>>,
    wait: Duration,
}

impl Hasher {
    /// A hasher running at most `max_concurrent` (at least 1) hashes at a time.
    pub fn new(max_concurrent: usize, wait: Duration) -> Hasher {
        Hasher {
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
            memories: Arc::new(Mutex::new(Vec::new())),
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

    /// Runs `work` on the blocking pool while holding a slot and that slot's working memory.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self.slot().await?;
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            let mut memory = memories
                .lock()
                .map(|mut free| free.pop())
                .unwrap_or_default()
                .unwrap_or_default();
            let result = work(&mut memory);
            if let Ok(mut free) = memories.lock() {
                free.push(memory);
            }
            drop(permit);
            result
        })
        .await
        .map_err(|error| PasswordError::Failed(format!("hashing task: {error}")))?
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$...`).
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move |memory| hash_blocking(memory, &password))
            .await
    }

    /// Verifies a password against a stored hash; with `None` (unknown account, or an account
    /// without a password) it verifies against a dummy hash and answers `false`, taking the same
    /// time.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.run(move |memory| {
            let known = stored.is_some();
            let stored = match stored {
                Some(stored) => stored,
                None => dummy_hash(memory)?.to_string(),
            };
            let matches = verify_blocking(memory, &password, &stored)?;
            Ok(known && matches)
        })
        .await
    }

    /// Computes the dummy hash now, so that the first sign-in with an unknown address does not
    /// take longer than the others (called once at start).
    pub async fn warm_up(&self) -> Result<(), PasswordError> {
        self.run(|memory| dummy_hash(memory).map(|_| ())).await
    }
}

fn failed(error: impl std::fmt::Display) -> PasswordError {
    PasswordError::Failed(error.to_string())
}

/// Runs argon2 with `params` into `out`, in `memory` (grown to the blocks `params` need).
fn derive(
    memory: &mut Memory,
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), PasswordError> {
    let blocks = argon2.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
        .map_err(failed)
}

/// Hashes with argon2id and the default parameters into a PHC string, with a fresh salt.
fn hash_blocking(memory: &mut Memory, password: &str) -> Result<String, PasswordError> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = Salt::generate();
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    derive(memory, &argon2, password, salt.as_ref(), &mut out)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(failed)?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(hash.to_string())
}

/// `Ok(false)` only for a wrong password; every other outcome (an unreadable stored hash, an
/// argon2 failure) is a failure. The stored hash's own algorithm, version and parameters are used,
/// and the outputs are compared in constant time.
fn verify_blocking(
    memory: &mut Memory,
    password: &str,
    stored: &str,
) -> Result<bool, PasswordError> {
    let unreadable =
        |error: &dyn std::fmt::Display| failed(format!("stored hash unreadable: {error}"));
    let hash = PasswordHash::new(stored).map_err(|e| unreadable(&e))?;
    let algorithm = Algorithm::new(hash.algorithm.as_str()).map_err(|e| unreadable(&e))?;
    let version = match hash.version {
        Some(version) => Version::try_from(version).map_err(|e| unreadable(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&hash).map_err(|e| unreadable(&e))?;
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return Err(unreadable(&"no salt or no hash"));
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0_u8; expected.len()];
    derive(memory, &argon2, password, salt.as_ref(), &mut out)?;
    Ok(Output::new(&out).map_err(failed)? == *expected)
}

fn dummy_hash(memory: &mut Memory) -> Result<&'static str, PasswordError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = hash_blocking(memory, "plaza dummy password for timing")?;
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
    async fn hashes_read_and_written_by_the_argon2_crate_itself_agree() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let hasher = Hasher::new(1, SLOT_WAIT);
        // A hash the crate made (as Plaza did before slots owned their memory) still verifies...
        let theirs = Argon2::default()
            .hash_password(b"violet kettle harbour")
            .unwrap()
            .to_string();
        assert!(
            hasher
                .verify("violet kettle harbour".into(), Some(theirs.clone()))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("violet".into(), Some(theirs)).await.unwrap());
        // ... and the crate verifies ours.
        let ours = hasher.hash("violet kettle harbour".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"violet kettle harbour", &parsed)
                .is_ok()
        );
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
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
                        .run(move |_memory| {
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
