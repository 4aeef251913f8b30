//! Credentials: password hashing, access tokens, and the random and keyed-hash tokens around them.
//!
//! Everything secret is derived from the server secret (`PLAZA_SECRET`) with distinct labels, one
//! key per purpose, so that the key that signs access tokens is not the key that hashes census
//! documents. Each key has a public id ([`key_id`]): access tokens name theirs in the JWT `kid`
//! header, and the database records the census key's, so that a changed secret is noticed at
//! start instead of silently invalidating every census hash. The census key can be pinned to a
//! secret of its own (`PLAZA_CENSUS_SECRET`), and a former `PLAZA_SECRET` kept to verify access
//! tokens it signed (`PLAZA_SECRET_PREVIOUS`): see the README's "Rotating the secret".

pub mod jwt;
pub mod passwords;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Keys derived from the server secret.
#[derive(Clone)]
pub struct Keys {
    /// Signs and verifies access tokens (HS256).
    pub jwt: Vec<u8>,
    /// The access-token key of the former secret, accepted (never used to sign) during a
    /// rotation.
    pub previous_jwt: Option<Vec<u8>>,
    /// Keys the census document hashes.
    pub census: Vec<u8>,
    /// Derives each refresh token's successor from it ([`Keys::successor_refresh_token`]).
    pub refresh: Vec<u8>,
    /// Seals ballot receipts ([`Keys::receipt_key`]).
    pub receipt: Vec<u8>,
    /// The receipt key of the former secret, which still checks the receipts it sealed.
    pub previous_receipt: Option<Vec<u8>>,
}

impl Keys {
    pub fn derive(secret: &[u8]) -> Keys {
        Keys {
            jwt: hmac_sha256(secret, b"plaza/jwt/v1").to_vec(),
            previous_jwt: None,
            census: hmac_sha256(secret, b"plaza/census/v1").to_vec(),
            refresh: hmac_sha256(secret, b"plaza/refresh/v1").to_vec(),
            receipt: hmac_sha256(secret, b"plaza/receipt/v1").to_vec(),
            previous_receipt: None,
        }
    }

    /// The keys of the settings: `PLAZA_SECRET`, with the census key from `PLAZA_CENSUS_SECRET`
    /// when set, and the former secret's access-token key from `PLAZA_SECRET_PREVIOUS`.
    pub fn from_settings(settings: &crate::config::Settings) -> Keys {
        let mut keys = Keys::derive(&settings.secret);
        if let Some(census_secret) = &settings.census_secret {
            keys.census = Keys::derive(census_secret).census;
        }
        keys.previous_jwt = settings
            .previous_secret
            .as_ref()
            .map(|previous| Keys::derive(previous).jwt);
        keys.previous_receipt = settings
            .previous_secret
            .as_ref()
            .map(|previous| Keys::derive(previous).receipt);
        keys
    }

    /// The keys an access token may be signed with: the current one, then the former one.
    pub fn verifying_jwt(&self) -> Vec<&[u8]> {
        std::iter::once(self.jwt.as_slice())
            .chain(self.previous_jwt.as_deref())
            .collect()
    }

    /// The key that seals new ballot receipts, named by its [`key_id`] (printed on each receipt).
    pub fn receipt_key(&self) -> plaza_domain::budgets::ReceiptKey {
        receipt_key(&self.receipt)
    }

    /// The key that sealed a receipt naming `key_id`: the current one or the former secret's
    /// (`None`: a key this server no longer has).
    pub fn receipt_key_named(&self, key_id: &str) -> Option<plaza_domain::budgets::ReceiptKey> {
        std::iter::once(&self.receipt)
            .chain(self.previous_receipt.as_ref())
            .map(|bytes| receipt_key(bytes))
            .find(|key| key.id() == key_id)
    }

    /// The refresh token that replaces `token` when it is spent: an HMAC of it under the refresh
    /// key, so that a retry within the grace period can be answered with the same successor
    /// without storing any token in clear. Unpredictable without the token and the key.
    pub fn successor_refresh_token(&self, token: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(hmac_sha256(&self.refresh, token.as_bytes()))
    }

    /// The keyed hash under which a census document number is stored: HMAC-SHA256 over the
    /// organization id and the normalised number, hex encoded. Without the server secret the
    /// hashes cannot be reversed by trying every document number.
    pub fn census_document_hash(
        &self,
        organization_id: uuid::Uuid,
        document: &plaza_domain::census::DocumentNumber,
    ) -> String {
        let mut message = organization_id.as_bytes().to_vec();
        message.extend_from_slice(document.as_str().as_bytes());
        hex(&hmac_sha256(&self.census, &message))
    }
}

/// The public id of a key: 12 hex digits of an HMAC of a fixed label under it. It names a key
/// without revealing it, and changes with it.
pub fn key_id(key: &[u8]) -> String {
    hex(&hmac_sha256(key, b"plaza/key-id")[..6])
}

fn receipt_key(bytes: &[u8]) -> plaza_domain::budgets::ReceiptKey {
    // Derived keys are 32 bytes, the length `ReceiptKey` asks for.
    plaza_domain::budgets::ReceiptKey::new(key_id(bytes), bytes.to_vec())
        .unwrap_or_else(|| unreachable!("a derived key has 32 bytes"))
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// A random token of `bytes` random bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system provides random numbers");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

/// The SHA-256 of a token, hex encoded: how refresh tokens and mailed tokens are stored, so that
/// reading the database does not give anyone a usable token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// The SHA-256 of `bytes`, hex encoded.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `bytes` as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_per_purpose_and_secret() {
        let a = Keys::derive(b"first secret that is long enough!");
        let b = Keys::derive(b"other secret that is long enough!");
        assert_ne!(a.jwt, a.census);
        assert_ne!(a.jwt, b.jwt);
    }

    #[test]
    fn key_ids_name_keys_without_revealing_them() {
        let a = Keys::derive(b"first secret that is long enough!");
        let b = Keys::derive(b"other secret that is long enough!");
        assert_eq!(key_id(&a.jwt).len(), 12);
        assert_eq!(key_id(&a.jwt), key_id(&a.jwt));
        assert_ne!(key_id(&a.jwt), key_id(&b.jwt));
        assert_ne!(key_id(&a.jwt), key_id(&a.census));
    }

    #[test]
    fn census_hashes_depend_on_the_organization() {
        let keys = Keys::derive(b"first secret that is long enough!");
        let document = plaza_domain::census::DocumentNumber::parse("12345678Z").unwrap();
        let first = keys.census_document_hash(uuid::Uuid::from_u128(1), &document);
        assert_eq!(first.len(), 64);
        assert_eq!(
            first,
            keys.census_document_hash(uuid::Uuid::from_u128(1), &document)
        );
        assert_ne!(
            first,
            keys.census_document_hash(uuid::Uuid::from_u128(2), &document)
        );
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let token = random_token(32);
        assert_eq!(token.len(), 43);
        assert_ne!(token, random_token(32));
        assert_eq!(token_hash("abc").len(), 64);
    }
}
