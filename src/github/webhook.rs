//! Webhook deliveries before they are trusted: the secrets, the signature check
//! and the headers that name a delivery.
//!
//! GitHub signs each delivery's raw body with HMAC-SHA256 under the App's
//! webhook secret and sends `X-Hub-Signature-256: sha256=<hex>`. [`verify`]
//! checks that signature in constant time (`Mac::verify_slice`, never `==`)
//! before anything reads the body, so a forged delivery costs one HMAC and is
//! never parsed. Several secrets may be configured at once ([`WebhookSecrets`]):
//! while a secret is rotated, GitHub signs with the new one and the old one still
//! verifies deliveries already in flight or redelivered.
//!
//! The signature carries no timestamp, so a captured delivery can be replayed;
//! the store's unique delivery id ([`DeliveryId`]) makes a replay a no-op.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// GitHub's payload cap: larger events are not delivered, so a larger body is
/// not from GitHub and is refused (413) before it is read in full.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// The header that names the event (`pull_request`, `push`, …).
pub const EVENT_HEADER: &str = "x-github-event";
/// The header that carries the delivery's GUID, shared by its redeliveries.
pub const DELIVERY_HEADER: &str = "x-github-delivery";

/// The prefix of a SHA-256 signature header value.
const PREFIX: &str = "sha256=";
/// Bytes in an HMAC-SHA256 tag.
const TAG_BYTES: usize = 32;

/// One or more webhook secrets; a delivery signed with any of them verifies.
///
/// Built only by [`WebhookSecrets::parse`], so it is never empty. `Debug` shows
/// how many secrets there are, never what they are.
#[derive(Clone)]
pub struct WebhookSecrets(Vec<SecretString>);

/// Why a webhook secret setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// The setting is empty or only whitespace.
    #[error("no webhook secret is set; set the GitHub App's webhook secret (several may be comma-separated)")]
    Missing,
    /// One comma-separated entry is empty (`a,,b`, or a trailing comma).
    #[error("webhook secret number {position} of the comma-separated list is empty; remove the stray comma")]
    EmptyEntry {
        /// 1-based position of the empty entry.
        position: usize,
    },
}

impl WebhookSecrets {
    /// Parses a comma-separated list of secrets. Whitespace around each entry is
    /// dropped, so `old, new` and a secrets file's trailing newline both work; a
    /// secret therefore cannot contain a comma or start or end with whitespace.
    pub fn parse(list: &str) -> Result<Self, SecretsError> {
        if list.trim().is_empty() {
            return Err(SecretsError::Missing);
        }
        let mut secrets = Vec::new();
        for (i, entry) in list.split(',').enumerate() {
            let entry = entry.trim();
            if entry.is_empty() {
                return Err(SecretsError::EmptyEntry { position: i + 1 });
            }
            secrets.push(SecretString::from(entry));
        }
        Ok(Self(secrets))
    }

    /// How many secrets are configured (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: parsing refuses an empty list. Present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The secret new signatures are made with: the first of the list (the newest while rotating).
    pub fn signing_secret(&self) -> &SecretString {
        // `parse` refuses an empty list, so there is always a first.
        &self.0[0]
    }
}

impl FromStr for WebhookSecrets {
    type Err = SecretsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookSecrets([REDACTED; {}])", self.0.len())
    }
}

/// Why a delivery's signature was refused. Every variant means 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    #[error("missing X-Hub-Signature-256 header; set a webhook secret on the GitHub App")]
    Missing,
    /// The header does not start with `sha256=` (e.g. only a legacy `sha1=` value).
    #[error("X-Hub-Signature-256 does not start with `sha256=`; GitHub signs with HMAC-SHA256")]
    UnsupportedAlgorithm,
    /// The part after `sha256=` is not 64 hexadecimal digits.
    #[error("X-Hub-Signature-256 is not `sha256=` followed by 64 hexadecimal digits")]
    Malformed,
    /// Well formed, but no configured secret produces it.
    #[error("signature does not match any configured webhook secret; check the App's webhook secret")]
    Mismatch,
}

/// Checks `X-Hub-Signature-256` against the raw request body with each secret,
/// in constant time per secret. Call it before parsing anything in the body.
pub fn verify(secrets: &WebhookSecrets, signature_header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let header = signature_header.ok_or(SignatureError::Missing)?;
    let hex_tag = header.strip_prefix(PREFIX).ok_or(SignatureError::UnsupportedAlgorithm)?;
    let mut tag = [0u8; TAG_BYTES];
    // `decode_to_slice` refuses a wrong length as well as a non-hex digit.
    hex::decode_to_slice(hex_tag, &mut tag).map_err(|_| SignatureError::Malformed)?;
    for secret in &secrets.0 {
        let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose_secret().as_bytes()) else {
            // HMAC takes a key of any length; nothing to verify with if that ever changes.
            continue;
        };
        mac.update(body);
        if mac.verify_slice(&tag).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value GitHub would send for `body` under `secret`:
/// for tests, fakes and tools that send deliveries of their own.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("hmac takes any key"));
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// Why a delivery header was refused. Every variant means 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// `X-GitHub-Delivery` is not 1 to 100 letters, digits or dashes.
    #[error("X-GitHub-Delivery must be 1 to 100 letters, digits or dashes (GitHub sends a GUID)")]
    DeliveryId,
    /// `X-GitHub-Event` is not 1 to 64 lowercase letters, digits or underscores.
    #[error("X-GitHub-Event must be 1 to 64 lowercase letters, digits or underscores (e.g. `pull_request`)")]
    EventName,
}

/// A delivery's `X-GitHub-Delivery` GUID: the idempotency key, since a
/// redelivery reuses it. Non-empty, at most 100 ASCII letters, digits or dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryId(String);

impl DeliveryId {
    /// The longest id accepted; GitHub's GUIDs are 36 characters.
    pub const MAX_LEN: usize = 100;

    /// Parses a header value.
    pub fn parse(s: &str) -> Result<Self, HeaderError> {
        let ok = !s.is_empty() && s.len() <= Self::MAX_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok { Ok(Self(s.to_owned())) } else { Err(HeaderError::DeliveryId) }
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A delivery's `X-GitHub-Event` name (`pull_request`, `push`, …). Non-empty, at
/// most 64 ASCII lowercase letters, digits or underscores, as all GitHub event
/// names are; whether drydock handles the event is [`super::events::parse`]'s call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventName(String);

impl EventName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 64;

    /// Parses a header value.
    pub fn parse(s: &str) -> Result<Self, HeaderError> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok { Ok(Self(s.to_owned())) } else { Err(HeaderError::EventName) }
    }

    /// The name as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_SECRET: &str = "It's a Secret to Everybody";
    const VECTOR_BODY: &[u8] = b"Hello, World!";
    const VECTOR_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    fn secrets(s: &str) -> WebhookSecrets {
        WebhookSecrets::parse(s).unwrap()
    }

    #[test]
    fn github_published_vector_verifies() {
        assert_eq!(verify(&secrets(VECTOR_SECRET), Some(VECTOR_SIG), VECTOR_BODY), Ok(()));
    }

    #[test]
    fn sign_reproduces_the_published_vector() {
        assert_eq!(sign(VECTOR_SECRET, VECTOR_BODY), VECTOR_SIG);
    }

    #[test]
    fn wrong_secret_is_a_mismatch() {
        assert_eq!(verify(&secrets("not the secret"), Some(VECTOR_SIG), VECTOR_BODY), Err(SignatureError::Mismatch));
    }

    #[test]
    fn changed_body_is_a_mismatch() {
        assert_eq!(verify(&secrets(VECTOR_SECRET), Some(VECTOR_SIG), b"Hello, World?"), Err(SignatureError::Mismatch));
    }

    #[test]
    fn rotation_any_secret_may_match() {
        let both = secrets(&format!("old-secret,{VECTOR_SECRET}"));
        assert_eq!(both.len(), 2);
        assert_eq!(verify(&both, Some(VECTOR_SIG), VECTOR_BODY), Ok(()));
        let first = secrets(&format!("{VECTOR_SECRET}, old-secret"));
        assert_eq!(verify(&first, Some(VECTOR_SIG), VECTOR_BODY), Ok(()));
        let neither = secrets("a,b,c");
        assert_eq!(verify(&neither, Some(VECTOR_SIG), VECTOR_BODY), Err(SignatureError::Mismatch));
    }

    #[test]
    fn missing_header() {
        assert_eq!(verify(&secrets(VECTOR_SECRET), None, VECTOR_BODY), Err(SignatureError::Missing));
    }

    #[test]
    fn sha1_only_is_refused() {
        let sha1 = "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59";
        assert_eq!(verify(&secrets(VECTOR_SECRET), Some(sha1), VECTOR_BODY), Err(SignatureError::UnsupportedAlgorithm));
        let bare = VECTOR_SIG.trim_start_matches(PREFIX);
        assert_eq!(verify(&secrets(VECTOR_SECRET), Some(bare), VECTOR_BODY), Err(SignatureError::UnsupportedAlgorithm));
        assert_eq!(
            verify(&secrets(VECTOR_SECRET), Some(&VECTOR_SIG.replace("sha256", "SHA256")), VECTOR_BODY),
            Err(SignatureError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn uppercase_hex_is_the_same_tag() {
        let upper = format!("{PREFIX}{}", VECTOR_SIG.trim_start_matches(PREFIX).to_ascii_uppercase());
        assert_eq!(verify(&secrets(VECTOR_SECRET), Some(&upper), VECTOR_BODY), Ok(()));
    }

    #[test]
    fn truncated_or_overlong_or_non_hex_is_malformed() {
        let s = secrets(VECTOR_SECRET);
        let truncated = &VECTOR_SIG[..VECTOR_SIG.len() - 2];
        assert_eq!(verify(&s, Some(truncated), VECTOR_BODY), Err(SignatureError::Malformed));
        let odd = &VECTOR_SIG[..VECTOR_SIG.len() - 1];
        assert_eq!(verify(&s, Some(odd), VECTOR_BODY), Err(SignatureError::Malformed));
        assert_eq!(verify(&s, Some(&format!("{VECTOR_SIG}00")), VECTOR_BODY), Err(SignatureError::Malformed));
        let non_hex = format!("{truncated}zz");
        assert_eq!(verify(&s, Some(&non_hex), VECTOR_BODY), Err(SignatureError::Malformed));
        assert_eq!(verify(&s, Some("sha256="), VECTOR_BODY), Err(SignatureError::Malformed));
        assert_eq!(verify(&s, Some(&format!(" {VECTOR_SIG}")), VECTOR_BODY), Err(SignatureError::UnsupportedAlgorithm));
        let multibyte = format!("sha256={}é", &VECTOR_SIG[7..69]);
        assert_eq!(verify(&s, Some(&multibyte), VECTOR_BODY), Err(SignatureError::Malformed));
    }

    #[test]
    fn empty_body_verifies_with_its_own_signature() {
        let s = secrets(VECTOR_SECRET);
        // Computed independently (Python's hmac module).
        let sig = "sha256=66a0c074deaa0f489ead6537e0d32f9a344b90bbeda705b6ed45ecd3b413fb40";
        assert_eq!(sign(VECTOR_SECRET, b""), sig);
        assert_eq!(verify(&s, Some(sig), b""), Ok(()));
        assert_eq!(verify(&s, None, b""), Err(SignatureError::Missing));
        assert_eq!(verify(&s, Some(VECTOR_SIG), b""), Err(SignatureError::Mismatch));
    }

    #[test]
    fn secrets_parse_and_refuse_empty_entries() {
        assert_eq!(WebhookSecrets::parse("").unwrap_err(), SecretsError::Missing);
        assert_eq!(WebhookSecrets::parse(" \n").unwrap_err(), SecretsError::Missing);
        assert_eq!(WebhookSecrets::parse("a,,b").unwrap_err(), SecretsError::EmptyEntry { position: 2 });
        assert_eq!(WebhookSecrets::parse("a,b,").unwrap_err(), SecretsError::EmptyEntry { position: 3 });
        assert_eq!(WebhookSecrets::parse(",a").unwrap_err(), SecretsError::EmptyEntry { position: 1 });
        assert_eq!(WebhookSecrets::parse("a, ,b").unwrap_err(), SecretsError::EmptyEntry { position: 2 });
        let s: WebhookSecrets = "one\n".parse().unwrap();
        assert_eq!(s.len(), 1);
        assert!(!s.is_empty());
        // A secrets file's trailing newline does not become part of the key.
        assert_eq!(verify(&secrets(&format!("{VECTOR_SECRET}\n")), Some(VECTOR_SIG), VECTOR_BODY), Ok(()));
    }

    #[test]
    fn debug_is_redacted() {
        let s = secrets("hunter2,correct horse");
        let shown = format!("{s:?}");
        assert_eq!(shown, "WebhookSecrets([REDACTED; 2])");
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn errors_are_lowercase_without_trailing_period() {
        let messages = [
            SignatureError::Missing.to_string(),
            SignatureError::UnsupportedAlgorithm.to_string(),
            SignatureError::Malformed.to_string(),
            SignatureError::Mismatch.to_string(),
            SecretsError::Missing.to_string(),
            SecretsError::EmptyEntry { position: 2 }.to_string(),
            HeaderError::DeliveryId.to_string(),
            HeaderError::EventName.to_string(),
        ];
        for m in messages {
            assert!(!m.ends_with('.'), "{m}");
            // Lowercase prose; a message may open with a header name such as `X-Hub-Signature-256`.
            let first = m.split(' ').next().unwrap();
            assert!(first.starts_with("X-") || first.chars().all(|c| !c.is_ascii_uppercase()), "{m}");
        }
    }

    #[test]
    fn delivery_id_parse() {
        let guid = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
        assert_eq!(DeliveryId::parse(guid).unwrap().as_str(), guid);
        assert_eq!(DeliveryId::parse(guid).unwrap().to_string(), guid);
        assert_eq!(DeliveryId::parse(&"a".repeat(100)).unwrap().as_str().len(), 100);
        for bad in ["", " ", "abc def", "abc\n", "a/b", "a_b", "é", "'; drop table deliveries; --"] {
            assert_eq!(DeliveryId::parse(bad), Err(HeaderError::DeliveryId), "{bad:?}");
        }
        assert_eq!(DeliveryId::parse(&"a".repeat(101)), Err(HeaderError::DeliveryId));
    }

    #[test]
    fn event_name_parse() {
        for good in ["pull_request", "installation_repositories", "ping", "check_run", "x1"] {
            assert_eq!(EventName::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(EventName::parse("push").unwrap().to_string(), "push");
        for bad in ["", "Pull_Request", "pull-request", "pull request", "push\n", "é"] {
            assert_eq!(EventName::parse(bad), Err(HeaderError::EventName), "{bad:?}");
        }
        assert!(EventName::parse(&"a".repeat(64)).is_ok());
        assert_eq!(EventName::parse(&"a".repeat(65)), Err(HeaderError::EventName));
    }
}
