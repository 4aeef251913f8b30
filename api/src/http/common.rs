//! Response shapes shared by several tags.

use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object};

/// A sentence for the person using the app.
#[derive(Debug, Clone, Object)]
pub struct Message {
    pub message: String,
}

/// The request was accepted; what follows happens by mail.
#[derive(ApiResponse)]
pub enum Accepted {
    /// Accepted. The same answer is given whether or not the address has an account.
    #[oai(status = 202)]
    Accepted(Json<Message>),
}

impl Accepted {
    pub fn with(message: &str) -> Accepted {
        Accepted::Accepted(Json(Message {
            message: message.to_string(),
        }))
    }
}

/// Done; nothing to return.
#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

/// A page of a list: the items in the requested order, and the cursor of the next page. Pages
/// are read after the last item seen (not at an offset), so items added while a client pages
/// neither repeat nor shift what it sees.
#[derive(Debug, Object)]
pub struct Page<T: ParseFromJSON + ToJSON + Send + Sync> {
    pub items: Vec<T>,
    /// Pass as `cursor` (with the same `sort` and filters) for the next page; `null` on the last
    /// page.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> Page<T> {
    /// The answer for a page read in the order named `sort`.
    pub fn of<U>(page: crate::app::paging::Page<U>, sort: &str, view: impl FnMut(U) -> T) -> Self {
        let next_cursor = page.next.map(|position| position.to_cursor(sort));
        Page {
            items: page.map(view).items,
            next_cursor,
        }
    }
}

/// The default `limit` of every list.
pub fn default_page_limit() -> u64 {
    crate::app::paging::DEFAULT_LIMIT
}

/// The seed of a `sort=random` list: required with it (400 `invalid_parameter`, `seed`).
pub fn required_seed(seed: Option<u32>) -> Result<u32, crate::app::error::AppError> {
    seed.ok_or_else(|| {
        crate::app::error::AppError::InvalidParameter(vec![plaza_domain::FieldError::new(
            "seed",
            plaza_domain::FieldCode::Required,
            "A random order needs a seed: choose one per visit and keep it.",
        )])
    })
}
