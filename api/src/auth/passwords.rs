//! Password hashing with argon2id (the argon2 crate's default parameters: 19 MiB, 2 passes).
//!
//! Hashing is CPU-heavy, so it runs on tokio's blocking pool, never on a request thread. A login
//! for an unknown email still verifies against a fixed dummy hash, so that known and unknown
//! addresses take the same time to answer.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub async fn hash(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|_| PasswordError)?
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|_| PasswordError)
}

/// Verifies a password against a stored hash; with `None` (unknown account, or an account without
/// a password) it verifies against a dummy hash and answers `false`, taking the same time.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
        let matches = PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false);
        known && matches
    })
    .await
    .unwrap_or(false)
}

/// Computes the dummy hash now, so that the first sign-in with an unknown address does not take
/// longer than the others (called once at start).
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(dummy_hash).await;
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("plaza dummy password for timing").unwrap_or_default())
}

/// Hashing failed (never expected with valid parameters).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct PasswordError;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let stored = hash("violet kettle harbour".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("violet kettle harbour".into(), Some(stored.clone())).await);
        assert!(!verify("violet kettle harbor".into(), Some(stored)).await);
        assert!(!verify("plaza dummy password for timing".into(), None).await);
    }
}
