//! Who is on the other end: the client's address and the host it asked for, trusting forwarded
//! headers only from the proxies named in `PLAZA_TRUSTED_PROXIES`.
//!
//! Without trusted proxies the client is the socket's peer and `X-Forwarded-*` headers are
//! ignored: anyone can write them. When the peer is a trusted proxy, the client is the rightmost
//! `X-Forwarded-For` address that is not itself a trusted proxy (each proxy appends the address
//! it saw, so the addresses left of it are the client's word, not evidence), and
//! `X-Forwarded-Host` replaces `Host`. One setting governs every forwarded header.
//!
//! The per-client rate limits ([`Limit`]) run as extractors, before the body is read.

use crate::app::AppState;
use crate::app::error::AppError;
use crate::config::IpNet;
use crate::limits::LimitClass;
use poem::http::HeaderMap;
use poem::{FromRequest, Request, RequestBody};
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;

/// The client's address, as the request's extensions carry it (`None` for a request that did
/// not come over IP, such as the tests' in-process client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// Who sent a request and to which host, from the peer and the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub client: Option<IpAddr>,
    /// The host a trusted proxy forwarded (`X-Forwarded-Host`), to use instead of `Host`.
    pub forwarded_host: Option<String>,
}

/// Decides the client and host of a request from `peer` over `headers`.
pub fn origin(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Origin {
    let is_trusted = |address: IpAddr| trusted.iter().any(|net| net.contains(address));
    let Some(peer) = peer.filter(|peer| is_trusted(*peer)) else {
        return Origin {
            client: peer,
            forwarded_host: None,
        };
    };
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect();
    let client = forwarded
        .iter()
        .rev()
        .copied()
        .find(|address| !is_trusted(*address))
        .or_else(|| forwarded.first().copied())
        .unwrap_or(peer);
    let forwarded_host = headers
        .get("x-forwarded-host")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .map(str::to_string);
    Origin {
        client: Some(client),
        forwarded_host,
    }
}

/// A class of requests with a per-client rate limit, as a type (see [`Limit`]).
pub trait PerClientClass: Send + Sync {
    const CLASS: LimitClass;
}

/// Sign-in and password attempts.
pub struct SignIn;
impl PerClientClass for SignIn {
    const CLASS: LimitClass = LimitClass::SignIn;
}

/// Registrations.
pub struct SignUp;
impl PerClientClass for SignUp {
    const CLASS: LimitClass = LimitClass::SignUp;
}

/// Requests that mail a link.
pub struct Mail;
impl PerClientClass for Mail {
    const CLASS: LimitClass = LimitClass::Mail;
}

/// An extractor that counts the request against its client's limit of class `C` and refuses it
/// (429 `rate_limited`) past the limit. Put it before the body in a handler's arguments, so that
/// a refused request is not even read.
pub struct Limit<C: PerClientClass>(PhantomData<C>);

impl<'a, C: PerClientClass> FromRequest<'a> for Limit<C> {
    async fn from_request(request: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = request
            .data::<Arc<AppState>>()
            .ok_or_else(|| AppError::internal("application state missing"))?;
        let client = request
            .extensions()
            .get::<ClientAddr>()
            .and_then(|client| client.0);
        state.limits.check_client(C::CLASS, client)?;
        Ok(Limit(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_trusted_proxies;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn blocks_contain_their_addresses() {
        let net = IpNet::parse("10.1.0.0/16").unwrap();
        assert!(net.contains(ip("10.1.255.7")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        assert!(
            IpNet::parse("2001:db8::/32")
                .unwrap()
                .contains(ip("2001:db8:ff::1"))
        );
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("203.0.113.9"))
        );
        assert!(IpNet::parse("127.0.0.1").unwrap().contains(ip("127.0.0.1")));
        assert!(!IpNet::parse("127.0.0.1").unwrap().contains(ip("127.0.0.2")));
        for bad in ["", "10.0.0.0/33", "localhost", "10.0.0.0/x"] {
            assert!(IpNet::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_trusted_proxies("10.0.0.0/8, ::1").unwrap().len(), 2);
    }

    #[test]
    fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
        let origin = origin(
            Some(ip("198.51.100.7")),
            &headers(&[
                ("x-forwarded-for", "203.0.113.1"),
                ("x-forwarded-host", "evil.example"),
            ]),
            &[IpNet::parse("10.0.0.0/8").unwrap()],
        );
        assert_eq!(origin.client, Some(ip("198.51.100.7")));
        assert_eq!(origin.forwarded_host, None);
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_first_untrusted_address_from_the_right() {
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
        // The client wrote a fake address first; the edge proxy appended the real one, and an
        // inner proxy appended the edge proxy's.
        let origin = origin(
            Some(ip("10.0.0.2")),
            &headers(&[
                ("x-forwarded-for", "1.2.3.4, 203.0.113.9"),
                ("x-forwarded-for", "10.0.0.1"),
                ("x-forwarded-host", "barcelona.example"),
            ]),
            &trusted,
        );
        assert_eq!(origin.client, Some(ip("203.0.113.9")));
        assert_eq!(origin.forwarded_host.as_deref(), Some("barcelona.example"));
        // No header: the proxy itself is the client.
        assert_eq!(
            super::origin(Some(ip("10.0.0.2")), &HeaderMap::new(), &trusted).client,
            Some(ip("10.0.0.2"))
        );
    }
}
