//! Random tokens, token digests and password hashing.

use argon2::password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use std::cell::OnceCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // Web Crypto's CSPRNG, present in every Workers isolate.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buffer: &mut [u8]);
}

/// `N` bytes from the platform's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    get_random_values(&mut bytes);
    bytes
}

/// A bearer token: 32 random bytes, unpadded base64url (43 characters).
pub fn new_token() -> String {
    base64url(&random_bytes::<{ livechat_access::TOKEN_BYTES }>())
}

/// A random identifier for rows (128 bits, hex).
pub fn new_id() -> String {
    hex(&random_bytes::<16>())
}

/// What is stored in place of a token: its SHA-256, hex. Tokens carry 256 bits of entropy, so a
/// fast hash is enough and look-ups by digest leak nothing useful through timing.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unpadded base64url.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Argon2id cost parameters; OWASP's baseline by default (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        HashCost {
            m_kib: Params::DEFAULT_M_COST,
            t: Params::DEFAULT_T_COST,
            p: Params::DEFAULT_P_COST,
        }
    }
}

impl HashCost {
    fn hasher(self) -> Result<Argon2<'static>, String> {
        let params = Params::new(self.m_kib, self.t, self.p, None).map_err(|e| e.to_string())?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// A PHC string (`$argon2id$v=19$m=…`) for a new password.
    pub fn hash(self, password: &str) -> Result<String, String> {
        let salt = random_bytes::<16>();
        self.hasher()?
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    }

    /// Checks a password against a stored PHC string (its own parameters apply; argon2 compares
    /// the outputs in constant time).
    pub fn verify(self, password: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        self.hasher()
            .is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
    }

    /// Spends the same work as a real verification, for sign-ins to unknown addresses, so that
    /// response time does not tell which addresses have accounts.
    pub fn verify_nothing(self, password: &str) {
        thread_local! {
            static DUMMY: OnceCell<(HashCost, String)> = const { OnceCell::new() };
        }
        let phc = DUMMY.with(|cell| {
            let (cost, phc) =
                cell.get_or_init(|| (self, self.hash("no such account").unwrap_or_default()));
            (*cost == self).then(|| phc.clone())
        });
        let phc = phc.unwrap_or_else(|| self.hash("no such account").unwrap_or_default());
        let _ = self.verify(password, &phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_the_rfc_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(&[0u8; 32]).len(), 43);
        assert!(livechat_access::is_token_shaped(&base64url(&[7u8; 32])));
    }

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
