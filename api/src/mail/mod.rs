//! Mail: what is sent ([`OutgoingMail`], rendered by [`templates`]) and how ([`Mailer`]).
//!
//! Use cases never send mail themselves: they render an [`OutgoingMail`] and put it in the outbox
//! inside their transaction; the outbox worker hands it to the [`Mailer`]. The embedded default
//! writes `.eml` files into `$PLAZA_DATA_DIR/mail`; with `SMTP_URL` set, mail goes over SMTP,
//! with STARTTLS required unless the server is on loopback or the URL says otherwise.

pub mod templates;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A rendered mail, as stored in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// `.eml` files in a directory (the embedded default, and handy in development).
    Files { dir: PathBuf, from: Mailbox },
    /// An SMTP server.
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

/// A mail could not be handed over; the outbox will retry it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SendError(String);

impl Mailer {
    /// The mailer for `smtp_url` (mail sent over SMTP) or, without one, for mail written as
    /// files into `dir` (created if missing), each sent from `from`.
    pub fn new(smtp_url: Option<&str>, from: Mailbox, dir: PathBuf) -> Result<Mailer, SendError> {
        match smtp_url {
            Some(url) => Ok(Mailer::Smtp {
                transport: smtp_builder(url)?.build(),
                from,
            }),
            None => {
                std::fs::create_dir_all(&dir)
                    .map_err(|e| SendError(format!("cannot create {}: {e}", dir.display())))?;
                Ok(Mailer::Files { dir, from })
            }
        }
    }

    /// Hands one mail over.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let from = match self {
            Mailer::Files { from, .. } | Mailer::Smtp { from, .. } => from.clone(),
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| SendError(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| SendError(format!("message: {e}")))?;
        match self {
            Mailer::Files { dir, .. } => AsyncFileTransport::<Tokio1Executor>::new(dir)
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError(e.to_string())),
            Mailer::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError(e.to_string())),
        }
    }
}

/// Checks an `SMTP_URL` at start, so a typo stops the server instead of every mail. (Only the
/// builder is made: building the transport starts its connection pool, which needs the runtime.)
pub fn validate_smtp_url(url: &str) -> Result<(), String> {
    smtp_builder(url).map(|_| ()).map_err(|e| e.0)
}

/// `smtp://` URLs without a `tls` parameter get `tls=required` (STARTTLS) unless the host is
/// loopback, so that credentials and residents' addresses never cross a network in clear text by
/// accident. `tls=none` is accepted for a plain relay the operator trusts.
fn smtp_builder(
    url: &str,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, SendError> {
    let parsed =
        url::Url::parse(url).map_err(|e| SendError(format!("{url:?} is not a URL: {e}")))?;
    let host = parsed.host_str().unwrap_or_default().to_string();
    let tls = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.to_string());
    let is_loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let mut effective = parsed.clone();
    match (parsed.scheme(), tls.as_deref()) {
        ("smtp", None) if !is_loopback => {
            effective.query_pairs_mut().append_pair("tls", "required");
        }
        ("smtp", Some("none")) => {
            let others: Vec<(String, String)> = parsed
                .query_pairs()
                .filter(|(k, _)| k != "tls")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            effective.set_query(None);
            if !others.is_empty() {
                effective.query_pairs_mut().extend_pairs(others);
            }
        }
        ("smtp" | "smtps", _) => {}
        (scheme, _) => {
            return Err(SendError(format!(
                "the scheme must be smtp or smtps, not {scheme}"
            )));
        }
    }
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(effective.as_str())
        .map_err(|e| SendError(format!("{e}")))?
        .timeout(Some(std::time::Duration::from_secs(20)));
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_checked() {
        assert!(validate_smtp_url("smtp://127.0.0.1:2525").is_ok());
        assert!(validate_smtp_url("smtp://user:pass@mail.example.org:587").is_ok());
        assert!(validate_smtp_url("smtp://relay.internal:25?tls=none").is_ok());
        assert!(validate_smtp_url("smtps://mail.example.org").is_ok());
        assert!(validate_smtp_url("http://mail.example.org").is_err());
        assert!(validate_smtp_url("not a url").is_err());
    }
}
