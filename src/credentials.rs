//! Secrets and their hashes: passwords (argon2id), session and API tokens (random,
//! stored only as SHA-256). The command line, the demo and the web all make accounts
//! and tokens, so this lives beside them rather than inside any one.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every API token starts so, that a leaked one is recognisable (secret scanners, logs).
const API_TOKEN_PREFIX: &str = "ysk_";

/// 256 random bits, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is stored of a session or API token: a leaked table signs nobody in.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// An argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("cannot make a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `password` matches `hash` (a PHC string); a malformed hash matches nothing.
/// Slow on purpose: call it off the async workers.
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A new API token (shown once) and the hash that is stored.
pub fn new_api_token() -> (String, String) {
    let token = format!("{API_TOKEN_PREFIX}{}", random_token());
    let hash = token_hash(&token);
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_and_nothing_else() {
        let hash = hash_password("correct horse battery").expect("a hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse batterY", &hash));
        assert!(!password_matches("correct horse battery", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").expect("a hash"), "salted");
    }

    #[test]
    fn an_api_token_is_recognisable_and_stored_only_as_its_hash() {
        let (token, hash) = new_api_token();
        assert!(token.starts_with("ysk_") && token.len() == 4 + 64, "{token}");
        assert_eq!(hash, token_hash(&token));
        assert!(!hash.contains(&token[4..]));
    }
}
