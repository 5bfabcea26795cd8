//! Email addresses and the password policy.

use crate::error::{Code, Violation};
use crate::words::WordList;
use serde::{Deserialize, Serialize};

/// Lower-cases what email keys and password checks compare: ASCII, the Latin letters of
/// Western, Central and Eastern European languages and Vietnamese, Greek and Cyrillic. Other
/// characters are kept as written. The standard library's full Unicode table would be a third
/// of the browser package for letters no address in this product is expected to hold; tests
/// check every character here against `char::to_lowercase`.
pub fn fold_case(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Upper-case letters `first..=last` (every `step`-th one) and the distance to their
/// lower-case forms.
const CASE_PAIRS: [(u32, u32, u32, u32); 24] = [
    (0x41, 0x5A, 1, 32),    // A-Z
    (0xC0, 0xD6, 1, 32),    // À-Ö
    (0xD8, 0xDE, 1, 32),    // Ø-Þ
    (0x100, 0x12E, 2, 1),   // Ā-Į
    (0x132, 0x136, 2, 1),   // Ĳ-Ķ
    (0x139, 0x147, 2, 1),   // Ĺ-Ň
    (0x14A, 0x176, 2, 1),   // Ŋ-Ŷ
    (0x179, 0x17D, 2, 1),   // Ź-Ž
    (0x1CD, 0x1DB, 2, 1),   // Ǎ-Ǜ
    (0x1DE, 0x1EE, 2, 1),   // Ǟ-Ǯ
    (0x1F8, 0x21E, 2, 1),   // Ǹ-Ȟ (Romanian Ș, Ț)
    (0x222, 0x232, 2, 1),   // Ȣ-Ȳ
    (0x386, 0x386, 1, 38),  // Ά
    (0x388, 0x38A, 1, 37),  // Έ-Ί
    (0x38C, 0x38C, 1, 64),  // Ό
    (0x38E, 0x38F, 1, 63),  // Ύ-Ώ
    (0x391, 0x3A1, 1, 32),  // Α-Ρ
    (0x3A3, 0x3AB, 1, 32),  // Σ-Ϋ
    (0x400, 0x40F, 1, 80),  // Ѐ-Џ
    (0x410, 0x42F, 1, 32),  // А-Я
    (0x460, 0x480, 2, 1),   // Ѡ-Ҁ
    (0x48A, 0x4BE, 2, 1),   // Ҋ-Ҿ
    (0x1E00, 0x1E94, 2, 1), // Ḁ-Ẕ
    (0x1EA0, 0x1EFE, 2, 1), // Ạ-Ỿ (Vietnamese)
];

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let code = u32::from(c);
    let lower = match code {
        0x178 => 0xFF,  // Ÿ
        0x1E9E => 0xDF, // ẞ
        _ => CASE_PAIRS
            .iter()
            .find(|&&(first, last, step, _)| {
                (first..=last).contains(&code) && (code - first) % step == 0
            })
            .map_or(code, |&(_, _, _, distance)| code + distance),
    };
    char::from_u32(lower).unwrap_or(c)
}

/// A normalised email address: trimmed, domain lower-cased. Two addresses that differ only in
/// case are the same account ([`Email::key`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// The longest address SMTP carries.
    pub const MAX_LEN: usize = 254;

    /// Reads an address: one `@`, a local part of at most 64 bytes without spaces or quotes,
    /// a domain of dot-separated labels (letters, digits, hyphens; Unicode letters allowed)
    /// with at least one dot.
    pub fn parse(raw: &str) -> Option<Email> {
        let raw = raw.trim();
        if raw.len() > Self::MAX_LEN {
            return None;
        }
        let (local, domain) = raw.split_once('@')?;
        let local_ok = (1..=64).contains(&local.len())
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| {
                c.is_alphanumeric() || (c.is_ascii_punctuation() && !"()<>[]:;@\\,\"".contains(c))
            });
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                (1..=63).contains(&label.len())
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                tld.chars().all(char::is_alphabetic) && tld.chars().count() >= 2
            });
        (local_ok && domain_ok).then(|| Email(format!("{local}@{}", fold_case(domain))))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: the whole address lower-cased ([`fold_case`]), so `Ana@x.fr` and
    /// `ana@x.fr` are one account.
    pub fn key(&self) -> String {
        fold_case(&self.0)
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or("")
    }

    /// Reads and reports.
    pub(crate) fn read(raw: &str, field: &str, errors: &mut Vec<Violation>) -> Option<Email> {
        let email = Email::parse(raw);
        if email.is_none() {
            errors.push(Violation::new(field, Code::EmailInvalid).value(raw));
        }
        email
    }
}

/// The password policy (NIST SP 800-63B style): length only, no composition rules, no common
/// passwords, nothing built on the address.
pub struct PasswordPolicy;

static COMMON_PASSWORDS: WordList = WordList::new(include_str!("data/common_passwords.txt"));

impl PasswordPolicy {
    /// Fewest characters.
    pub const MIN_CHARS: usize = 12;
    /// Most characters (argon2 takes any length, but unbounded input is a denial-of-service).
    pub const MAX_CHARS: usize = 128;

    /// Checks a password, counting characters rather than bytes so accented and non-Latin
    /// passwords get the same bounds; `email` feeds the "not built on the address" rule.
    pub fn check(password: &str, email: Option<&Email>) -> Result<(), Violation> {
        let chars = password.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(Violation::new("password", Code::PasswordTooShort).min(Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return Err(Violation::new("password", Code::PasswordTooLong).max(Self::MAX_CHARS));
        }
        let lowered = fold_case(password);
        let first = lowered.chars().next();
        let one_repeated_char = lowered.chars().all(|c| Some(c) == first);
        if one_repeated_char || COMMON_PASSWORDS.contains(&lowered) {
            return Err(Violation::new("password", Code::PasswordTooCommon));
        }
        if let Some(email) = email {
            let local = fold_case(email.local_part());
            // A two-letter local part would forbid half of all passwords; three is where it
            // starts to identify the person.
            if local.chars().count() >= 3 && lowered.contains(&local) {
                return Err(Violation::new("password", Code::PasswordContainsEmail));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(password: &str, email: Option<&str>) -> Option<Code> {
        let email = email.and_then(Email::parse);
        PasswordPolicy::check(password, email.as_ref())
            .err()
            .map(|v| v.code)
    }

    #[test]
    fn case_folding_matches_the_standard_library_where_it_folds() {
        let folds = |c: char| {
            let std: Vec<char> = c.to_lowercase().collect();
            (std.len() == 1).then(|| std[0]).filter(|&l| l != c)
        };
        let mut folded = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let ours = fold_char(c);
            if ours != c {
                assert_eq!(Some(ours), folds(c), "{c:?} U+{:04X}", u32::from(c));
                folded += 1;
            }
        }
        // Every letter of the covered blocks is folded, not only some of them.
        let covered = [
            0x0..0x180,
            0x1CD..0x1F1,
            0x1F8..0x220,
            0x222..0x234,
            0x386..0x3B0,
            0x400..0x4C0,
            0x1E00..0x1F00,
        ];
        for c in covered.into_iter().flatten().filter_map(char::from_u32) {
            assert_eq!(
                Some(fold_char(c)).filter(|&l| l != c),
                folds(c),
                "U+{:04X}",
                u32::from(c)
            );
        }
        assert!(folded >= 400, "{folded}");
        assert_eq!(fold_case("ÉLODIE.ŞAHİN@Ex.FR"), "élodie.şahİn@ex.fr");
    }

    #[test]
    fn emails_are_normalised() {
        let e = Email::parse("  Ana.Dupont@Exemple.FR ").unwrap();
        assert_eq!(e.as_str(), "Ana.Dupont@exemple.fr");
        assert_eq!(e.key(), "ana.dupont@exemple.fr");
        assert_eq!(e.local_part(), "Ana.Dupont");
        assert!(Email::parse("josé@café.fr").is_some());
        assert_eq!(
            Email::parse("José@CAFÉ.fr").map(|e| e.key()),
            Email::parse("josé@café.FR").map(|e| e.key())
        );
        assert!(Email::parse("a+tag@x.io").is_some());
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in [
            "",
            "@",
            "a@",
            "@b.fr",
            "a@b",
            "a b@c.fr",
            "a@@b.fr",
            "a@b..fr",
            ".a@b.fr",
            "a.@b.fr",
            "a@-b.fr",
            "a@b.f",
            "a@b.12",
            "\"a\"@b.fr",
            "a@b.fr'; DROP TABLE users;--",
            "a<script>@b.fr",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@b.fr", "a".repeat(65))).is_none());
    }

    #[test]
    fn password_policy() {
        assert_eq!(code("short", None), Some(Code::PasswordTooShort));
        assert_eq!(code("ééééééééééé", None), Some(Code::PasswordTooShort));
        assert_eq!(code("éléphant-rosé", None), None);
        assert_eq!(code(&"x".repeat(129), None), Some(Code::PasswordTooLong));
        assert_eq!(code(&"xy".repeat(64), None), None);
        assert_eq!(code("Password1234", None), Some(Code::PasswordTooCommon));
        assert_eq!(code("AZERTYUIOP123", None), Some(Code::PasswordTooCommon));
        assert_eq!(code("zzzzzzzzzzzzzz", None), Some(Code::PasswordTooCommon));
        assert_eq!(
            code("marie.curie-2026!", Some("Marie.Curie@lab.fr")),
            Some(Code::PasswordContainsEmail)
        );
        assert_eq!(code("correct horse battery", Some("al@lab.fr")), None);
    }
}
