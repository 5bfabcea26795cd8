//! What the product's emails say: the invitation and the password reset, in the organization's
//! locale (French first, English), as plain text and HTML. Turning them into a message (MIME,
//! headers) is the Worker's; the texts here are safe to put there: [`header_text`] is one line.

use crate::access::Role;
use crate::error::Locale;

/// An email's words, ready to be wrapped in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// One line: no control character, so it cannot end the header it is written in.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body; every value in it is escaped.
    pub html: String,
}

/// An invitation to join an organization.
#[derive(Debug, Clone)]
pub struct InvitationMail<'a> {
    /// The organization's name.
    pub organization: &'a str,
    /// Who invites: their name, or their address.
    pub inviter: &'a str,
    /// The role offered.
    pub role: Role,
    /// The single-use link.
    pub link: &'a str,
    /// When the link stops working, ms since the epoch.
    pub expires_at: i64,
    /// The organization requires single sign-on: no password to choose, sign-in goes through
    /// its provider.
    pub through_provider: bool,
}

/// A password reset link.
#[derive(Debug, Clone)]
pub struct ResetMail<'a> {
    /// The organization's name.
    pub organization: &'a str,
    /// The single-use link.
    pub link: &'a str,
    /// When the link stops working, ms since the epoch.
    pub expires_at: i64,
}

/// An organization's webhook endpoint, disabled after failing for too long.
#[derive(Debug, Clone)]
pub struct EndpointDisabledMail<'a> {
    /// The organization's name.
    pub organization: &'a str,
    /// The endpoint's address.
    pub url: &'a str,
    /// Since when it failed, ms since the epoch.
    pub failing_since: i64,
    /// Where its admins see its deliveries and enable it again (the admin page).
    pub link: &'a str,
}

/// Tells an organization's admins that one of its webhook endpoints was disabled.
pub fn endpoint_disabled_mail(m: &EndpointDisabledMail<'_>, locale: Locale) -> Mail {
    let organization = header_text(m.organization);
    let since = format_utc(m.failing_since, locale);
    match locale {
        Locale::Fr => compose(
            format!("Webhook désactivé – {organization}"),
            &[
                "Bonjour,".to_owned(),
                format!("L'adresse {} ne reçoit plus les événements de {organization} : elle échoue depuis le {since}.", m.url),
                "Les événements non livrés restent dans son journal ; une fois l'adresse réparée, réactivez-la et relivrez ceux qui vous manquent.".to_owned(),
            ],
            "Voir les webhooks",
            m.link,
            "Vous recevez ce message parce que vous administrez cette organisation.",
        ),
        Locale::En => compose(
            format!("Webhook disabled – {organization}"),
            &[
                "Hello,".to_owned(),
                format!("The address {} no longer receives {organization}'s events: it has been failing since {since}.", m.url),
                "Undelivered events stay in its log; once the address is fixed, enable it again and redeliver those you miss.".to_owned(),
            ],
            "See the webhooks",
            m.link,
            "You receive this message because you administer this organization.",
        ),
    }
}

/// Text for a header: every control character (CR, LF, TAB…) and line or paragraph separator
/// becomes a space and runs of spaces one, so a name can never start another header; and `=?`,
/// which opens an RFC 2047 encoded word, gets a word joiner (U+2060) between its two characters,
/// so no mail reader decodes a name into other text (the joiner is invisible, and makes the
/// message writer encode the whole value, which then reads back as typed).
pub fn header_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let c = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            ' '
        } else {
            c
        };
        if c == '?' && out.ends_with('=') {
            out.push('\u{2060}');
        }
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// Escapes text for HTML element content and attribute values.
fn html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn role_name(role: Role, locale: Locale) -> &'static str {
    match (role, locale) {
        (Role::Agent, Locale::Fr) => "conseiller",
        (Role::Manager, Locale::Fr) => "manager",
        (Role::Admin, Locale::Fr) => "administrateur",
        (Role::Agent, Locale::En) => "agent",
        (Role::Manager, Locale::En) => "manager",
        (Role::Admin, Locale::En) => "administrator",
    }
}

/// A moment as people read it, in UTC: `30 novembre 2026 à 15:04 UTC`, `30 November 2026, 15:04 UTC`.
pub fn format_utc(ms: i64, locale: Locale) -> String {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let seconds = ms.div_euclid(1000);
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = crate::time::civil_from_days(days);
    let (hour, minute) = (of_day / 3600, of_day % 3600 / 60);
    let names = match locale {
        Locale::Fr => FR,
        Locale::En => EN,
    };
    let month = names.get(month as usize - 1).copied().unwrap_or("?");
    match locale {
        Locale::Fr => format!("{day} {month} {year} à {hour:02}:{minute:02} UTC"),
        Locale::En => format!("{day} {month} {year}, {hour:02}:{minute:02} UTC"),
    }
}

/// How long the outbox waits before trying a message again after its `attempt`-th failure (from
/// 1): the first delay, doubled each time (1×, 2×, 4×…), at most 1024 times it.
pub fn retry_delay_s(first_delay_s: u32, attempt: u32) -> u32 {
    let doublings = attempt.saturating_sub(1).min(10);
    first_delay_s.saturating_mul(1 << doublings)
}

/// A message of a greeting line, paragraphs, one button-like link and a closing note.
fn compose(subject: String, paragraphs: &[String], action: &str, link: &str, note: &str) -> Mail {
    let mut text = paragraphs.join("\n\n");
    text.push_str(&format!("\n\n{action}\n{link}\n\n{note}\n"));
    let mut body = String::new();
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>\n", html(p)));
    }
    body.push_str(&format!(
        "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 18px;background:#1f5fbf;color:#fff;border-radius:6px;text-decoration:none\">{}</a></p>\n<p style=\"color:#555;font-size:13px\">{}<br>{}</p>\n",
        html(link),
        html(action),
        html(note),
        html(link)
    ));
    Mail {
        html: format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\n{body}</body></html>\n",
            html(&subject)
        ),
        subject: header_text(&subject),
        text,
    }
}

/// The invitation email.
pub fn invitation_mail(m: &InvitationMail<'_>, locale: Locale) -> Mail {
    let (organization, inviter) = (header_text(m.organization), header_text(m.inviter));
    let when = format_utc(m.expires_at, locale);
    let role = role_name(m.role, locale);
    match locale {
        Locale::Fr => compose(
            format!("{inviter} vous invite à rejoindre {organization}"),
            &[
                "Bonjour,".to_owned(),
                format!("{inviter} vous invite à rejoindre l'espace de {organization} sur le back-office de chat en direct, en tant que {role}."),
                if m.through_provider {
                    format!("Activez votre compte, puis connectez-vous avec le fournisseur d'identité de {organization}.")
                } else {
                    "Choisissez votre mot de passe pour activer votre compte.".to_owned()
                },
            ],
            "Activer mon compte",
            m.link,
            &format!("Ce lien ne sert qu'une fois et expire le {when}. Si vous n'attendiez pas cette invitation, ignorez ce message."),
        ),
        Locale::En => compose(
            format!("{inviter} invites you to join {organization}"),
            &[
                "Hello,".to_owned(),
                format!("{inviter} invites you to join {organization} on the live-chat back office, as {role}."),
                if m.through_provider {
                    format!("Activate your account, then sign in with {organization}'s identity provider.")
                } else {
                    "Choose your password to activate your account.".to_owned()
                },
            ],
            "Activate my account",
            m.link,
            &format!("This link works once and expires on {when}. If you did not expect this invitation, ignore this message."),
        ),
    }
}

/// The password reset email.
pub fn reset_mail(m: &ResetMail<'_>, locale: Locale) -> Mail {
    let organization = header_text(m.organization);
    let when = format_utc(m.expires_at, locale);
    match locale {
        Locale::Fr => compose(
            format!("Réinitialisation de votre mot de passe – {organization}"),
            &[
                "Bonjour,".to_owned(),
                format!("Quelqu'un a demandé à réinitialiser le mot de passe de votre compte {organization}."),
                "Si c'est vous, choisissez un nouveau mot de passe : vos autres sessions seront fermées.".to_owned(),
            ],
            "Choisir un nouveau mot de passe",
            m.link,
            &format!("Ce lien ne sert qu'une fois et expire le {when}. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas."),
        ),
        Locale::En => compose(
            format!("Reset your password – {organization}"),
            &[
                "Hello,".to_owned(),
                format!("Someone asked to reset the password of your {organization} account."),
                "If it was you, choose a new password: your other sessions will end.".to_owned(),
            ],
            "Choose a new password",
            m.link,
            &format!("This link works once and expires on {when}. If you asked for nothing, ignore this message: your password stays as it is."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_is_one_line_and_never_an_encoded_word() {
        assert_eq!(
            header_text(" Acme\r\nBcc: x@evil.test \u{2028} SA "),
            "Acme Bcc: x@evil.test SA"
        );
        assert_eq!(header_text("=?utf-8?q?x?="), "=\u{2060}?utf-8?q?x?=");
        assert_eq!(header_text("Zoé « l'équipe »"), "Zoé « l'équipe »");
    }

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_a_ceiling() {
        let delays: Vec<u32> = (1..=5).map(|attempt| retry_delay_s(30, attempt)).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480]);
        assert_eq!(retry_delay_s(30, 0), 30, "a first try counts as the first");
        assert_eq!(retry_delay_s(1, 11), 1024);
        assert_eq!(retry_delay_s(1, 40), 1024, "the ceiling");
        assert_eq!(retry_delay_s(u32::MAX, 3), u32::MAX, "never wraps");
    }

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(format_utc(0, Locale::Fr), "1 janvier 1970 à 00:00 UTC");
        assert_eq!(
            format_utc(1_795_449_166_132, Locale::En),
            "23 November 2026, 15:52 UTC"
        );
        assert_eq!(
            format_utc(951_782_400_000, Locale::Fr),
            "29 février 2000 à 00:00 UTC"
        );
    }

    #[test]
    fn an_invitation_names_the_organization_the_inviter_the_role_and_the_expiry() {
        let m = InvitationMail {
            organization: "Acme <SA>",
            inviter: "Zoé",
            role: Role::Manager,
            link: "https://x.test/accept#token=a&b",
            expires_at: 0,
            through_provider: false,
        };
        let fr = invitation_mail(&m, Locale::Fr);
        assert_eq!(fr.subject, "Zoé vous invite à rejoindre Acme <SA>");
        assert!(
            fr.text.contains("en tant que manager") && fr.text.contains("expire le 1 janvier 1970")
        );
        assert!(fr.html.contains("Acme &lt;SA&gt;") && fr.html.contains("token=a&amp;b"));
        assert!(!fr.html.contains("<SA>"));
        let en = invitation_mail(&m, Locale::En);
        assert_eq!(en.subject, "Zoé invites you to join Acme <SA>");
        assert!(en.text.contains("expires on 1 January 1970, 00:00 UTC"));
        assert!(fr.text.contains("Choisissez votre mot de passe"));
        // Under SSO required there is no password to choose.
        let sso = InvitationMail {
            through_provider: true,
            ..m
        };
        let fr = invitation_mail(&sso, Locale::Fr);
        assert!(!fr.text.contains("mot de passe"));
        assert!(fr.text.contains("fournisseur d'identité de Acme <SA>"));
        let en = invitation_mail(&sso, Locale::En);
        assert!(!en.text.contains("password"));
        assert!(en.text.contains("Acme <SA>'s identity provider"));
    }
}
