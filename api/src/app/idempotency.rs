//! The answers kept for `Idempotency-Key` retries, as the HTTP layer uses them (the middleware
//! in `http::idempotency`; the rows and the claim's rules in `store::idempotency`).

use super::AppState;
use super::error::AppResult;
use crate::store::idempotency as store;
use plaza_domain::UserId;

pub use store::{Answer, Claim, Claimant};

/// Claims `(account, key)` now: first, answered, in flight, or used for another request.
pub async fn claim(state: &AppState, claimant: &Claimant<'_>) -> AppResult<Claim> {
    Ok(store::claim(&state.db, claimant, state.now()).await?)
}

/// Keeps the answer of the first request with the key.
pub async fn record(
    state: &AppState,
    user_id: UserId,
    key: &str,
    answer: &Answer,
) -> AppResult<()> {
    Ok(store::record(&state.db, user_id, key, answer).await?)
}

/// Forgets a claim whose answer a retry should not get.
pub async fn release(state: &AppState, user_id: UserId, key: &str) -> AppResult<()> {
    Ok(store::release(&state.db, user_id, key).await?)
}
