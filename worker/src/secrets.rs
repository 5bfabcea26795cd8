//! Random tokens, token digests and password hashing.

use argon2::{Algorithm, Argon2, Block, Params, Version};
use sha2::{Digest, Sha256};
use std::cell::{OnceCell, RefCell};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // Web Crypto's CSPRNG, present in every Workers isolate.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buffer: &mut [u8]);
    // Web Crypto's RSA verification (the runtime's BoringSSL): what RS256 ID tokens need, without
    // an RSA crate in the Worker's wasm (about 100 KB gzipped, BENCHMARKS §3).
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = importKey, catch)]
    fn import_key(
        format: &str,
        key: &JsValue,
        algorithm: &JsValue,
        extractable: bool,
        usages: &js_sys::Array,
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = verify, catch)]
    fn subtle_verify(
        algorithm: &JsValue,
        key: &JsValue,
        signature: &[u8],
        data: &[u8],
    ) -> Result<js_sys::Promise, JsValue>;
}

/// Least RSA modulus accepted, in bits (NIST SP 800-131A).
pub const MIN_RSA_BITS: u32 = 2048;

/// Whether `signature` is an RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256) of `data` by the
/// public key `jwk` (a JWK object: `kty` RSA, `n`, `e`) of at least [`MIN_RSA_BITS`] bits. Any
/// failure (a malformed key, a short one, a runtime refusal) is a no.
pub async fn rs256_verify(jwk: &serde_json::Value, data: &[u8], signature: &[u8]) -> bool {
    let public = serde_json::json!({
        "kty": "RSA",
        "n": jwk.get("n"),
        "e": jwk.get("e"),
        "alg": "RS256",
        "ext": true,
    });
    let Ok(key_js) = js_sys::JSON::parse(&public.to_string()) else {
        return false;
    };
    let algorithm = js_sys::Object::new();
    let set =
        |k: &str, v: &JsValue| js_sys::Reflect::set(&algorithm, &JsValue::from_str(k), v).is_ok();
    if !(set("name", &JsValue::from_str("RSASSA-PKCS1-v1_5"))
        && set("hash", &JsValue::from_str("SHA-256")))
    {
        return false;
    }
    let usages = js_sys::Array::of1(&JsValue::from_str("verify"));
    let Ok(imported) = import_key("jwk", &key_js, &algorithm, false, &usages) else {
        return false;
    };
    let Ok(key) = worker::wasm_bindgen_futures::JsFuture::from(imported).await else {
        return false;
    };
    let bits = js_sys::Reflect::get(&key, &JsValue::from_str("algorithm"))
        .and_then(|a| js_sys::Reflect::get(&a, &JsValue::from_str("modulusLength")))
        .ok()
        .and_then(|b| b.as_f64())
        .unwrap_or(0.0);
    if bits < f64::from(MIN_RSA_BITS) {
        return false;
    }
    let Ok(verifying) = subtle_verify(
        &JsValue::from_str("RSASSA-PKCS1-v1_5"),
        &key,
        signature,
        data,
    ) else {
        return false;
    };
    matches!(
        worker::wasm_bindgen_futures::JsFuture::from(verifying)
            .await
            .map(|v| v.as_bool()),
        Ok(Some(true))
    )
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

/// A 256-bit key from its base64url text (padding allowed), or `None`.
pub fn key_of(text: &str) -> Option<[u8; 32]> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .ok()?
        .try_into()
        .ok()
}

/// The keys authenticator-app secrets are sealed with (`FACTOR_KEY`), newest first: the newest
/// seals, any opens what it sealed, found by the id written before the secret (`k2.…`).
pub struct Keyring(Vec<(String, [u8; 32])>);

/// A secret opened, and whether an older key than the newest had sealed it (reseal it).
pub struct Opened {
    pub plain: String,
    pub stale: bool,
}

impl Keyring {
    /// The keys the core accepted (`read_settings` checked every one).
    pub fn new(keys: &[livechat_access::FactorKey]) -> Keyring {
        Keyring(
            keys.iter()
                .filter_map(|k| Some((k.id.clone(), key_of(&k.key)?)))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a key of this id is in the ring.
    pub fn has(&self, id: &str) -> bool {
        self.0.iter().any(|(kid, _)| kid == id)
    }

    /// The id of the key that seals.
    pub fn sealing_id(&self) -> Option<&str> {
        self.0.first().map(|(id, _)| id.as_str())
    }

    /// Seals with AES-256-GCM under the newest key: its id, `.`, and base64url of a random 96-bit
    /// nonce and the ciphertext with its tag.
    pub fn seal(&self, plain: &str) -> Option<String> {
        let (id, key) = self.0.first()?;
        Some(seal_with(id, key, &random_bytes::<12>(), plain))
    }

    /// Opens what a key of this ring sealed; `None` for an unknown id, another key, a changed byte.
    pub fn open(&self, sealed: &str) -> Option<Opened> {
        let (id, _) = sealed.split_once('.')?;
        let position = self.0.iter().position(|(kid, _)| kid == id)?;
        let (_, key) = self.0.get(position)?;
        Some(Opened {
            plain: open_with(key, sealed)?,
            stale: position > 0,
        })
    }
}

fn seal_with(id: &str, key: &[u8; 32], nonce: &[u8; 12], plain: &str) -> String {
    use aes_gcm::aead::{Aead, KeyInit};
    let sealed = aes_gcm::Aes256Gcm::new(key.into())
        .encrypt(nonce.into(), plain.as_bytes())
        .unwrap_or_default();
    format!("{id}.{}", base64url(&[nonce.as_slice(), &sealed].concat()))
}

fn open_with(key: &[u8; 32], sealed: &str) -> Option<String> {
    use aes_gcm::aead::{Aead, KeyInit};
    use base64::Engine;
    let (_, payload) = sealed.split_once('.')?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let (nonce, ciphertext) = bytes.split_at_checked(12)?;
    let plain = aes_gcm::Aes256Gcm::new(key.into())
        .decrypt(nonce.into(), ciphertext)
        .ok()?;
    String::from_utf8(plain).ok()
}

/// Unpadded base64url.
pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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

thread_local! {
    // argon2's working memory (19 MiB by default), allocated once per isolate and reused: a fresh
    // allocation per hash fragments wasm memory, which never shrinks, until the isolate hits its
    // memory limit and restarts (seen under concurrent sign-ins).
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs argon2 over the shared working memory.
fn argon2_into(cost: HashCost, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), String> {
    let params =
        Params::new(cost.m_kib, cost.t, cost.p, Some(out.len())).map_err(|e| e.to_string())?;
    let blocks = params.block_count();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .map_err(|e| e.to_string())
    })
}

/// Standard base64 without padding, as PHC strings use.
fn b64(bytes: &[u8]) -> String {
    base64url(bytes).replace('-', "+").replace('_', "/")
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::with_capacity(text.len() * 3 / 4));
    for c in text.bytes() {
        bits = (bits << 6) | ALPHABET.iter().position(|&a| a == c)? as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

impl HashCost {
    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for a new password.
    pub fn hash(self, password: &str) -> Result<String, String> {
        let salt = random_bytes::<16>();
        let mut out = [0u8; 32];
        argon2_into(self, password.as_bytes(), &salt, &mut out)?;
        Ok(format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            self.m_kib,
            self.t,
            self.p,
            b64(&salt),
            b64(&out)
        ))
    }

    /// Checks a password against a stored PHC string, with the parameters it was made with;
    /// the outputs are compared in constant time.
    pub fn verify(self, password: &str, phc: &str) -> bool {
        let parts: Vec<&str> = phc.split('$').collect();
        let [_, "argon2id", "v=19", params, salt, hash] = parts.as_slice() else {
            return false;
        };
        let mut cost = HashCost {
            m_kib: 0,
            t: 0,
            p: 0,
        };
        for pair in params.split(',') {
            match pair.split_once('=').map(|(k, v)| (k, v.parse::<u32>())) {
                Some(("m", Ok(v))) => cost.m_kib = v,
                Some(("t", Ok(v))) => cost.t = v,
                Some(("p", Ok(v))) => cost.p = v,
                _ => return false,
            }
        }
        let (Some(salt), Some(expected)) = (unb64(salt), unb64(hash)) else {
            return false;
        };
        let mut out = vec![0u8; expected.len()];
        if expected.is_empty() || argon2_into(cost, password.as_bytes(), &salt, &mut out).is_err() {
            return false;
        }
        out.iter()
            .zip(&expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
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

    /// The core's FACTOR_KEY rule (what `/health` and `scripts/run` accept) and the key this
    /// Worker opens it with never disagree: every byte pattern of the last character, and keys
    /// one character short, long, padded, or outside the alphabet.
    #[test]
    fn the_core_accepts_exactly_the_factor_keys_the_worker_opens() {
        let core_accepts = |key: &str| {
            !livechat_access::read_settings(&|name| (name == "FACTOR_KEY").then(|| key.to_owned()))
                .settings
                .factor_keys
                .is_empty()
        };
        let base = super::base64url(&[0x5a; 32]);
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.";
        let mut candidates = vec![
            base.clone(),
            format!("{base}="),
            format!("{base}=="),
            base[..42].to_owned(),
            format!("{base}A"),
            super::base64url(&[0x5a; 31]),
            super::base64url(&[0x5a; 33]),
        ];
        candidates.extend(alphabet.chars().map(|c| format!("{}{c}", &base[..42])));
        candidates.extend(alphabet.chars().map(|c| format!("{c}{}", &base[1..])));
        for key in candidates {
            assert_eq!(core_accepts(&key), super::key_of(&key).is_some(), "`{key}`");
        }
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let key = [7u8; 32];
        let sealed = seal_with("v1", &key, &[1; 12], "JBSWY3DPEHPK3PXP");
        assert!(sealed.starts_with("v1.") && !sealed.contains("JBSWY3DP"));
        let ring = |keys: &[(&str, [u8; 32])]| {
            Keyring(keys.iter().map(|(id, k)| ((*id).to_owned(), *k)).collect())
        };
        let opened = ring(&[("v1", key)]).open(&sealed).unwrap();
        assert_eq!(
            (opened.plain.as_str(), opened.stale),
            ("JBSWY3DPEHPK3PXP", false)
        );
        assert!(
            ring(&[("v1", [8u8; 32])]).open(&sealed).is_none(),
            "another key"
        );
        assert!(ring(&[("k2", key)]).open(&sealed).is_none(), "another id");
        // After a rotation: sealed by the newest, the old one still opens (and says so).
        let rotated = ring(&[("k2", [9u8; 32]), ("v1", key)]);
        assert!(rotated.open(&sealed).unwrap().stale);
        // What `seal` writes (with a fixed nonce: natively there is no Web Crypto).
        let resealed = seal_with("k2", &[9u8; 32], &[2; 12], "JBSWY3DPEHPK3PXP");
        assert!(resealed.starts_with("k2."));
        assert!(!rotated.open(&resealed).unwrap().stale);
        assert!(
            ring(&[("v1", key)]).open(&resealed).is_none(),
            "the old ring cannot open it"
        );
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(ring(&[("v1", key)])
            .open(&String::from_utf8(tampered).unwrap())
            .is_none());
        assert!(
            ring(&[("v1", key)]).open("JBSWY3DPEHPK3PXP").is_none(),
            "not sealed"
        );
        assert_eq!(key_of(&base64url(&[9u8; 32])), Some([9u8; 32]));
        assert_eq!(key_of("short"), None);
    }

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

    /// PHC strings written by the reference implementation (the C `argon2` command, Debian's
    /// package `argon2` 0~20171227), not by this code:
    /// `echo -n password | argon2 somesaltsomesalt -id -t 1 -k 64 -p 1 -l 32 -e` and
    /// `echo -n "correct horse battery staple" | argon2 an-owasp-profile -id -t 2 -k 19456 -p 1 -l 32 -e`
    /// (this deployment's cost).
    const REFERENCE_LOW: &str = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$55PWTvddWPUD1GMbKxSff4ASfF85k9ibHJt4HlHQtBM";
    const REFERENCE_OWASP: &str = "$argon2id$v=19$m=19456,t=2,p=1$YW4tb3dhc3AtcHJvZmlsZQ$rzFFr2ilpnUXiiJfLT7ck5fdNUVqEFAEO991cV68hSo";

    #[test]
    fn the_reference_implementation_s_hashes_verify_and_ours_match_them() {
        let low = HashCost {
            m_kib: 64,
            t: 1,
            p: 1,
        };
        assert!(low.verify("password", REFERENCE_LOW));
        assert!(!low.verify("passwore", REFERENCE_LOW));
        assert!(HashCost::default().verify("correct horse battery staple", REFERENCE_OWASP));
        assert!(!HashCost::default().verify("correct horse battery stapler", REFERENCE_OWASP));
        // Our own hash of the same password and salt is the reference's, byte for byte.
        let mut out = [0u8; 32];
        argon2_into(low, b"password", b"somesaltsomesalt", &mut out).unwrap();
        assert_eq!(
            format!(
                "$argon2id$v=19$m=64,t=1,p=1${}${}",
                b64(b"somesaltsomesalt"),
                b64(&out)
            ),
            REFERENCE_LOW
        );
        // What is not an argon2id PHC string verifies nothing.
        assert!(!low.verify("password", &REFERENCE_LOW.replace("argon2id", "argon2i")));
        assert!(!low.verify("password", "garbage"));
        assert_eq!(
            unb64(&b64(b"any bytes at all")).unwrap(),
            b"any bytes at all"
        );
    }

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
