//! `DRYDOCK_SECRET_KEY`: the key the App's secrets are sealed with before they reach the database.
//!
//! AES-256-GCM, a fresh random 96-bit nonce per value (at most a few values are ever sealed under one
//! key, far below GCM's nonce-collision bound), and the field's name as associated data, so a sealed
//! private key cannot be passed off as a webhook secret by swapping columns. A sealed value is
//! `v1:` + base64(nonce ‖ ciphertext ‖ tag); the version prefix leaves room for another scheme.
//!
//! The key is 32 bytes, written as base64 (`openssl rand -base64 32`) or 64 hex digits. Opening with a
//! different key fails authentication, and the error says so instead of returning garbage.

use std::fmt;

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::SecretString;

/// The prefix of a value sealed with this scheme.
const SEALED_PREFIX: &str = "v1:";
/// GCM's nonce length.
const NONCE_LEN: usize = 12;

/// Why a key or a sealed value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretKeyError {
    /// The key text is not 32 bytes of base64 or hex.
    #[error(
        "the secret key is not 32 bytes written as base64 or 64 hex digits; make one with `openssl rand -base64 32`"
    )]
    BadKey,
    /// The value does not open under this key (another key sealed it, or it was altered).
    #[error(
        "the stored {field} does not decrypt with this DRYDOCK_SECRET_KEY: set the key the App was set up \
         with, or delete the stored credentials (table app_credentials) and run setup again"
    )]
    WrongKey {
        /// Which field.
        field: String,
    },
    /// The value is not in the sealed form at all.
    #[error("the stored {field} is not a sealed value; delete the stored credentials and run setup again")]
    Malformed {
        /// Which field.
        field: String,
    },
}

/// The key that seals and opens stored secrets. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SecretKey {
    cipher: Aes256Gcm,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl SecretKey {
    /// Reads a key written as base64 (padded or not) or as 64 hex digits; surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, SecretKeyError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| SecretKeyError::BadKey)?
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                .map_err(|_| SecretKeyError::BadKey)?
        };
        if bytes.len() != 32 {
            return Err(SecretKeyError::BadKey);
        }
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| SecretKeyError::BadKey)?;
        Ok(Self { cipher })
    }

    /// Seals `plaintext` as the value of `field` (bound to it as associated data).
    pub fn seal(&self, field: &str, plaintext: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = Nonce::from(nonce_bytes);
        // Encryption fails only for messages longer than 64 GiB; ours are a few kilobytes.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: field.as_bytes() })
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(out))
    }

    /// Opens a value [`SecretKey::seal`] made for `field`.
    pub fn open(&self, field: &str, sealed: &str) -> Result<SecretString, SecretKeyError> {
        let malformed = || SecretKeyError::Malformed { field: field.to_owned() };
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b64| STANDARD.decode(b64).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(malformed)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| malformed())?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: field.as_bytes() })
            .map_err(|_| SecretKeyError::WrongKey { field: field.to_owned() })?;
        String::from_utf8(plain).map(SecretString::from).map_err(|_| malformed())
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    const KEY_B64: &str = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

    #[test]
    fn keys_parse_from_base64_and_hex_and_nothing_else() {
        assert!(SecretKey::parse(KEY_B64).is_ok());
        assert!(SecretKey::parse(&format!("  {KEY_B64}\n")).is_ok());
        assert!(SecretKey::parse(KEY_B64.trim_end_matches('=')).is_ok());
        assert!(SecretKey::parse(&"ab".repeat(32)).is_ok());
        for bad in ["", "hunter2", &"ab".repeat(16), "q83vEjRWeJCrze8SNFZ4kA=="] {
            assert_eq!(SecretKey::parse(bad).unwrap_err(), SecretKeyError::BadKey, "{bad}");
        }
        assert!(!format!("{:?}", SecretKey::parse(KEY_B64).unwrap()).contains("q83v"));
    }

    #[test]
    fn sealing_round_trips_hides_the_plaintext_and_uses_a_fresh_nonce() {
        let key = SecretKey::parse(KEY_B64).unwrap();
        let a = key.seal("webhook_secret", "hunter2-secret");
        let b = key.seal("webhook_secret", "hunter2-secret");
        assert!(a.starts_with("v1:") && !a.contains("hunter2"), "{a}");
        assert_ne!(a, b, "a fresh nonce per value");
        assert_eq!(key.open("webhook_secret", &a).unwrap().expose_secret(), "hunter2-secret");
    }

    #[test]
    fn a_wrong_key_a_swapped_field_or_tampering_is_a_clear_error() {
        let key = SecretKey::parse(KEY_B64).unwrap();
        let other = SecretKey::parse(&"ab".repeat(32)).unwrap();
        let sealed = key.seal("private_key", "pem");
        let err = other.open("private_key", &sealed).unwrap_err();
        assert_eq!(err, SecretKeyError::WrongKey { field: "private_key".to_owned() });
        assert!(err.to_string().contains("set the key the App was set up with"), "{err}");
        assert!(matches!(key.open("webhook_secret", &sealed), Err(SecretKeyError::WrongKey { .. })));
        let mut tampered = sealed.clone();
        tampered.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert!(key.open("private_key", &tampered).is_err());
        assert!(matches!(key.open("private_key", "pem"), Err(SecretKeyError::Malformed { .. })));
        assert!(matches!(key.open("private_key", "v1:%%%"), Err(SecretKeyError::Malformed { .. })));
    }
}
