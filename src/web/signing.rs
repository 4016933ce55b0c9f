//! Values the server hands out and must recognise when they come back unchanged: the
//! sign-in form's CSRF token, the notice a redirect carries, the device cookie of a
//! browser that has signed in before. Each is signed with HMAC-SHA256 under a key
//! that every server of the database shares (made once, kept in the database), and
//! under a purpose, so a value signed for one use is worthless for another.

use super::AppState;
use super::error::AppError;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key's name in the database.
const KEY_NAME: &str = "signing-key";

/// What a signature is for; part of what is signed.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    SignInForm,
    Notice,
    Device,
}

impl Purpose {
    fn tag(self) -> &'static [u8] {
        match self {
            Purpose::SignInForm => b"sign-in-form",
            Purpose::Notice => b"notice",
            Purpose::Device => b"device",
        }
    }
}

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    pub fn new(key: &str) -> Signer {
        Signer {
            key: key.as_bytes().to_vec(),
        }
    }

    fn mac(&self, purpose: Purpose, message: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(purpose.tag());
        mac.update(&[0]);
        mac.update(message.as_bytes());
        mac
    }

    /// The signature of `message` for `purpose`, as hex.
    pub fn sign(&self, purpose: Purpose, message: &str) -> String {
        hex(&self.mac(purpose, message).finalize().into_bytes())
    }

    /// Whether `signature` is `message`'s for `purpose`; compared in constant time.
    pub fn verify(&self, purpose: Purpose, message: &str, signature: &str) -> bool {
        let Some(bytes) = unhex(signature) else {
            return false;
        };
        self.mac(purpose, message).verify_slice(&bytes).is_ok()
    }

    /// `message.signature`, for a value that travels whole.
    pub fn seal(&self, purpose: Purpose, message: &str) -> String {
        format!("{message}.{}", self.sign(purpose, message))
    }

    /// The message of a sealed value whose signature holds.
    pub fn open<'v>(&self, purpose: Purpose, sealed: &'v str) -> Option<&'v str> {
        let (message, signature) = sealed.rsplit_once('.')?;
        self.verify(purpose, message, signature).then_some(message)
    }
}

impl AppState {
    /// The shared signer, read from the database on first use.
    pub(super) async fn signer(&self) -> Result<&Signer, AppError> {
        self.signer
            .get_or_try_init(|| async {
                let key = self
                    .store
                    .server_secret(KEY_NAME, crate::credentials::random_token())
                    .await?;
                Ok::<_, AppError>(Signer::new(&key))
            })
            .await
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_unchanged_under_its_key_and_purpose() {
        let signer = Signer::new("key one");
        let sealed = signer.seal(Purpose::SignInForm, "abc");
        assert_eq!(signer.open(Purpose::SignInForm, &sealed), Some("abc"));
        assert_eq!(signer.open(Purpose::Notice, &sealed), None, "another purpose");
        assert_eq!(Signer::new("key two").open(Purpose::SignInForm, &sealed), None);
        let forged = sealed.replacen("abc", "abd", 1);
        assert_eq!(signer.open(Purpose::SignInForm, &forged), None);
        for garbage in ["", "abc", "abc.", "abc.zz", "abc.00", ".", "abc.é1"] {
            assert_eq!(signer.open(Purpose::SignInForm, garbage), None, "{garbage:?}");
        }
    }
}
