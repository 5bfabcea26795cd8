//! Email addresses and the password policy.

use crate::error::{Code, Violation};
use serde::{Deserialize, Serialize};

/// A normalised email address: trimmed, domain lower-cased. Two addresses that differ only in
/// case are the same account ([`Email::key`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
        (local_ok && domain_ok).then(|| Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: the whole address lower-cased, so `Ana@x.fr` and `ana@x.fr` are one
    /// account.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
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

const COMMON_PASSWORDS: &str = include_str!("data/common_passwords.txt");

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
        let lowered = password.to_lowercase();
        let first = lowered.chars().next();
        let one_repeated_char = lowered.chars().all(|c| Some(c) == first);
        if one_repeated_char || COMMON_PASSWORDS.lines().any(|common| common == lowered) {
            return Err(Violation::new("password", Code::PasswordTooCommon));
        }
        if let Some(email) = email {
            let local = email.local_part().to_lowercase();
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
    fn emails_are_normalised() {
        let e = Email::parse("  Ana.Dupont@Exemple.FR ").unwrap();
        assert_eq!(e.as_str(), "Ana.Dupont@exemple.fr");
        assert_eq!(e.key(), "ana.dupont@exemple.fr");
        assert_eq!(e.local_part(), "Ana.Dupont");
        assert!(Email::parse("josé@café.fr").is_some());
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
