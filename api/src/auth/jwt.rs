//! Access tokens: short-lived HS256 JWTs bound to one organization and one login session.
//!
//! The token says who (`sub`), in which organization (`org`, and the audience
//! `plaza:<organization id>`), in which session (`sid`), and until when (`exp`, checked against
//! the application's clock rather than the library's, so tests can move time). A token is not
//! valid before its `nbf`, and one issued in the future (`iat` beyond [`CLOCK_LEEWAY_SECONDS`],
//! the skew allowed between replicas) is refused: it can only be forged or come from a server
//! whose clock is wrong. Only HS256 with
//! our key is accepted: `alg: none`, other algorithms, other keys, other organizations and
//! expired tokens all fail. Refresh tokens are opaque random strings, never JWTs, so one cannot
//! be mistaken for the other.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use plaza_domain::Timestamp;
use plaza_domain::{OrganizationId, SessionId, UserId};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "plaza";
const ACCESS_TYPE: &str = "access";

/// How far apart the clocks of two replicas may be, in seconds.
pub const CLOCK_LEEWAY_SECONDS: i64 = 30;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: UserId,
    pub org: OrganizationId,
    pub sid: SessionId,
    pub typ: String,
    pub iat: i64,
    /// Not before (tokens issued by Plaza set it to `iat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub exp: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Well formed and signed by us, but past its expiry: the client should refresh.
    Expired,
    /// Anything else: malformed, forged, wrong algorithm, wrong organization, wrong type.
    Invalid,
}

fn audience(organization_id: OrganizationId) -> String {
    format!("plaza:{organization_id}")
}

/// Signs an access token for `user` in `session` of `organization`, valid from `now` for
/// `lifetime_seconds`.
pub fn issue(
    key: &[u8],
    organization: OrganizationId,
    user: UserId,
    session: SessionId,
    now: Timestamp,
    lifetime_seconds: i64,
) -> String {
    let claims = AccessClaims {
        iss: ISSUER.into(),
        aud: audience(organization),
        sub: user,
        org: organization,
        sid: session,
        typ: ACCESS_TYPE.into(),
        iat: now.seconds(),
        nbf: Some(now.seconds()),
        exp: now.seconds() + lifetime_seconds,
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(super::key_id(key));
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(key))
        .expect("HS256 signing with an in-memory key cannot fail")
}

/// Verifies an access token with whichever of `keys` its `kid` header names (a token without
/// `kid` is tried with the first). A `kid` that names none of them is an invalid token.
pub fn verify_with_any(
    keys: &[&[u8]],
    token: &str,
    organization: OrganizationId,
    now: Timestamp,
) -> Result<AccessClaims, TokenRejection> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejection::Invalid)?;
    let key = match header.kid {
        Some(kid) => keys
            .iter()
            .find(|key| super::key_id(key) == kid)
            .ok_or(TokenRejection::Invalid)?,
        None => keys.first().ok_or(TokenRejection::Invalid)?,
    };
    verify(key, token, organization, now)
}

/// Verifies an access token presented to `organization` at `now`.
pub fn verify(
    key: &[u8],
    token: &str,
    organization: OrganizationId,
    now: Timestamp,
) -> Result<AccessClaims, TokenRejection> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    // nbf and iat are checked below against the application's clock, as exp is.
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[audience(organization)]);
    let data =
        jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(key), &validation)
            .map_err(|_| TokenRejection::Invalid)?;
    let claims = data.claims;
    if claims.typ != ACCESS_TYPE || claims.org != organization {
        return Err(TokenRejection::Invalid);
    }
    let latest_acceptable = now.seconds() + CLOCK_LEEWAY_SECONDS;
    if claims.iat > latest_acceptable || claims.nbf.is_some_and(|nbf| nbf > latest_acceptable) {
        return Err(TokenRejection::Invalid);
    }
    if now.seconds() >= claims.exp {
        return Err(TokenRejection::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use uuid::Uuid;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const ORG: OrganizationId = OrganizationId::from_uuid(Uuid::from_u128(1));
    const ANA: UserId = UserId::from_uuid(Uuid::from_u128(2));
    const SESSION: SessionId = SessionId::from_uuid(Uuid::from_u128(3));

    fn token(now: i64) -> String {
        issue(KEY, ORG, ANA, SESSION, Timestamp(now), 900)
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let claims = verify(KEY, &token(1_000), ORG, Timestamp(1_899)).unwrap();
        assert_eq!((claims.sub, claims.sid), (ANA, SESSION));
        assert_eq!(
            verify(KEY, &token(1_000), ORG, Timestamp(1_900)),
            Err(TokenRejection::Expired)
        );
    }

    fn signed(claims: &AccessClaims) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(KEY),
        )
        .unwrap()
    }

    #[test]
    fn a_token_from_the_future_is_refused() {
        let issued_at_1000 = verify(KEY, &token(1_000), ORG, Timestamp(1_000)).unwrap();
        assert_eq!(issued_at_1000.nbf, Some(1_000));
        // A replica whose clock runs a little behind still accepts it.
        assert!(
            verify(
                KEY,
                &token(1_000),
                ORG,
                Timestamp(1_000 - CLOCK_LEEWAY_SECONDS)
            )
            .is_ok()
        );
        assert_eq!(
            verify(
                KEY,
                &token(1_000),
                ORG,
                Timestamp(1_000 - CLOCK_LEEWAY_SECONDS - 1)
            ),
            Err(TokenRejection::Invalid)
        );
        // A signed token whose nbf lies ahead is not valid yet, whatever its iat says.
        let not_yet = AccessClaims {
            nbf: Some(5_000),
            ..issued_at_1000.clone()
        };
        assert_eq!(
            verify(KEY, &signed(&not_yet), ORG, Timestamp(1_100)),
            Err(TokenRejection::Invalid)
        );
        assert!(verify(KEY, &signed(&not_yet), ORG, Timestamp(1_899)).is_err());
        // A token without nbf (older issue) is still read.
        let without_nbf = AccessClaims {
            nbf: None,
            ..issued_at_1000
        };
        assert!(verify(KEY, &signed(&without_nbf), ORG, Timestamp(1_100)).is_ok());
    }

    #[test]
    fn a_token_names_its_key_and_is_verified_with_it() {
        let former: &[u8] = b"a former key a former key a former";
        let signed_before = issue(former, ORG, ANA, SESSION, Timestamp(1_000), 900);
        let header = jsonwebtoken::decode_header(&signed_before).unwrap();
        assert_eq!(header.kid, Some(super::super::key_id(former)));
        // During a rotation both keys verify; afterwards the former one's tokens are refused.
        assert!(verify_with_any(&[KEY, former], &signed_before, ORG, Timestamp(1_001)).is_ok());
        assert!(verify_with_any(&[KEY, former], &token(1_000), ORG, Timestamp(1_001)).is_ok());
        assert_eq!(
            verify_with_any(&[KEY], &signed_before, ORG, Timestamp(1_001)),
            Err(TokenRejection::Invalid)
        );
    }

    #[test]
    fn other_keys_and_organizations_are_refused() {
        assert_eq!(
            verify(
                b"another key another key another!!",
                &token(0),
                ORG,
                Timestamp(1)
            ),
            Err(TokenRejection::Invalid)
        );
        assert_eq!(
            verify(
                KEY,
                &token(0),
                OrganizationId::from(Uuid::from_u128(9)),
                Timestamp(1)
            ),
            Err(TokenRejection::Invalid)
        );
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = token(0).split('.').nth(1).unwrap().to_string();
        let header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            verify(KEY, &format!("{header}.{payload}."), ORG, Timestamp(1)),
            Err(TokenRejection::Invalid)
        );
        assert_eq!(
            verify(KEY, "not a token", ORG, Timestamp(1)),
            Err(TokenRejection::Invalid)
        );
    }
}
