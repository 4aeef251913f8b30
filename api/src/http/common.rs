//! Response shapes shared by several tags.

use poem_openapi::payload::Json;
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
