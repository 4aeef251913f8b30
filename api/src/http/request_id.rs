//! The request id: accepted from `x-request-id` when a proxy sets a sane one, generated otherwise,
//! kept in a task-local for the duration of the request so that problem bodies and log lines
//! can carry it without threading it through every function.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `future` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// The incoming id when it is 1..=64 characters of letters, digits, `-` and `_`; a new one
/// otherwise (an attacker-chosen id must not be able to forge log lines).
pub fn accept_or_generate(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            id.to_string()
        }
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_incoming_ids_are_kept() {
        assert_eq!(accept_or_generate(Some("abc-123_X")), "abc-123_X");
        assert_ne!(
            accept_or_generate(Some("bad id\nforged log")),
            "bad id\nforged log"
        );
        assert_eq!(accept_or_generate(None).len(), 32);
    }

    #[tokio::test]
    async fn the_id_is_visible_inside_its_scope_only() {
        assert_eq!(current(), None);
        assert_eq!(
            scope("r1".into(), async { current() }).await,
            Some("r1".to_string())
        );
    }
}
