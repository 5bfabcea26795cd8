//! The one error vocabulary shared by the browser and the server.
//!
//! A [`Code`] is a stable machine string (`email_invalid`, `last_admin`…): clients switch on it,
//! tests assert it, and it is never renamed. The wording lives in [`Code::message`] and may change.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The language a message is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// French, the product's default.
    #[default]
    Fr,
    /// English.
    En,
}

impl Locale {
    /// The wire name (`fr`, `en`).
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// Reads a wire name exactly.
    pub fn parse(name: &str) -> Option<Self> {
        [Locale::Fr, Locale::En]
            .into_iter()
            .find(|l| l.as_str() == name)
    }

    /// The language to write to a person in: theirs (a SCIM `locale` such as `en-GB`) when it is
    /// French or English, else their organization's.
    pub fn for_person(tag: Option<&str>, organization: Locale) -> Self {
        let primary = tag.and_then(|t| t.trim().split(['-', '_']).next());
        match primary {
            Some(p) if p.eq_ignore_ascii_case("en") => Locale::En,
            Some(p) if p.eq_ignore_ascii_case("fr") => Locale::Fr,
            _ => organization,
        }
    }

    /// Reads a locale tag such as `en`, `en-GB` or `fr-FR`; anything else is French.
    pub fn from_tag(tag: &str) -> Self {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Locale::En
        } else {
            Locale::Fr
        }
    }

    /// Picks the first of fr/en named in an HTTP `Accept-Language` header, French otherwise.
    pub fn from_accept_language(header: &str) -> Self {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            let locale = match primary.as_str() {
                "en" => Locale::En,
                "fr" => Locale::Fr,
                _ => continue,
            };
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

macro_rules! codes {
    ($($variant:ident => $code:literal, $fr:literal, $en:literal;)*) => {
        /// A stable machine code for everything that can be refused.
        // Serialized by hand as `as_str` (a table lookup, smaller in the browser than a derived
        // match); tsify reads the renames to declare the union of every code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
        pub enum Code {
            $(#[doc = $en] #[cfg_attr(feature = "wasm", serde(rename = $code))] $variant,)*
        }

        impl Code {
            /// Every code, for documentation and exhaustive tests.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            // One row a code, in declaration order: lookups index it instead of matching, which
            // keeps the browser package small.
            const TABLE: &'static [[&'static str; 3]] = &[$([$code, $fr, $en],)*];

            fn row(self) -> [&'static str; 3] {
                // INVARIANT: TABLE has one row per variant, in declaration order.
                Self::TABLE.get(self as usize).copied().unwrap_or(["internal", "", ""])
            }

            /// The stable string clients switch on.
            pub fn as_str(self) -> &'static str {
                self.row()[0]
            }

            /// Looks a code up by its string.
            pub fn parse(code: &str) -> Option<Code> {
                Self::ALL.iter().copied().find(|c| c.as_str() == code)
            }

            /// The message template; `{value}`, `{min}`, `{max}` are filled from [`Params`].
            fn template(self, locale: Locale) -> &'static str {
                match locale {
                    Locale::Fr => self.row()[1],
                    Locale::En => self.row()[2],
                }
            }
        }
    };
}

codes! {
    // Form fields.
    FieldRequired => "field_required", "Ce champ est obligatoire", "This field is required";
    FieldType => "field_type", "Type de valeur incorrect (attendu : {value})", "Wrong type of value (expected {value})";
    FieldTooLong => "field_too_long", "{max} caractères au maximum", "At most {max} characters";
    FieldInvalid => "field_invalid", "Valeur non valide : `{value}`", "Invalid value: `{value}`";
    UnknownField => "unknown_field", "Champ inconnu : `{value}`", "Unknown field: `{value}`";
    InvalidJson => "invalid_json", "Le contenu n'est pas un objet JSON valide", "The body is not a valid JSON object";
    EmailInvalid => "email_invalid", "Adresse e-mail non valide", "Invalid email address";
    EmailTaken => "email_taken", "Un compte existe déjà avec cette adresse e-mail", "An account already uses this email address";
    PasswordTooShort => "password_too_short", "Le mot de passe doit contenir au moins {min} caractères", "The password must be at least {min} characters long";
    PasswordTooLong => "password_too_long", "Le mot de passe ne doit pas dépasser {max} caractères", "The password must be at most {max} characters long";
    PasswordTooCommon => "password_too_common", "Ce mot de passe est trop courant, choisissez-en un autre", "This password is too common, choose another one";
    PasswordUnchanged => "password_unchanged", "Le nouveau mot de passe doit différer de l'actuel", "The new password must differ from the current one";
    CurrentPasswordWrong => "current_password_wrong", "Mot de passe actuel incorrect", "Wrong current password";
    ResetLinkInvalid => "reset_link_invalid", "Ce lien de réinitialisation n'est plus valable : demandez-en un nouveau", "This reset link no longer works: ask for a new one";
    PasswordContainsEmail => "password_contains_email", "Le mot de passe ne doit pas contenir l'adresse e-mail", "The password must not contain the email address";
    RoleUnknown => "role_unknown", "Rôle inconnu : `{value}`", "Unknown role: `{value}`";
    ModuleUnknown => "module_unknown", "Module inconnu : `{value}`", "Unknown module: `{value}`";
    ModuleNotForRole => "module_not_for_role", "Le module `{value}` n'est pas ouvert à ce rôle", "The `{value}` module is not available to this role";
    MaxConversationsInvalid => "max_conversations_invalid", "Nombre de conversations : illimité ou entre {min} et {max}", "Conversations: unlimited or between {min} and {max}";
    LanguagesEmpty => "languages_empty", "Choisissez au moins une langue", "Choose at least one language";
    LanguageUnknown => "language_unknown", "Langue inconnue : `{value}`", "Unknown language: `{value}`";
    MainLanguageNotAccepted => "main_language_not_accepted", "La langue principale doit faire partie des langues acceptées", "The main language must be one of the accepted languages";
    TimezoneUnknown => "timezone_unknown", "Fuseau horaire inconnu : `{value}`", "Unknown time zone: `{value}`";
    AvatarUrlInvalid => "avatar_url_invalid", "L'avatar doit être une adresse https:// valide", "The avatar must be a valid https:// address";
    ChannelUnknown => "channel_unknown", "Canal inconnu : `{value}`", "Unknown channel: `{value}`";
    QuestionnaireUnknown => "questionnaire_unknown", "Questionnaire absent du catalogue : `{value}`", "Questionnaire not in the catalog: `{value}`";
    LanguageNotOffered => "language_not_offered", "Langue non proposée par l'organisation : `{value}`", "Language not offered by the organization: `{value}`";
    ModuleInvalid => "module_invalid", "Identifiant de module non valide : `{value}` (a-z, 0-9, - et _)", "Invalid module id: `{value}` (a-z, 0-9, - and _)";
    CatalogDuplicate => "catalog_duplicate", "Déjà dans le catalogue : `{value}`", "Already in the catalog: `{value}`";
    QuestionnaireInvalid => "questionnaire_invalid", "Identifiant de questionnaire non valide : `{value}`", "Invalid questionnaire id: `{value}`";
    EmailsEmpty => "emails_empty", "Saisissez au moins une adresse e-mail", "Enter at least one email address";
    EmailsTooMany => "emails_too_many", "{max} adresses au maximum par invitation", "At most {max} addresses per invitation";
    EmailDuplicate => "email_duplicate", "Adresse en double dans la liste", "This address appears twice in the list";
    TokenInvalid => "token_invalid", "Lien d'invitation non valide", "Invalid invitation link";
    PresenceUnknown => "presence_unknown", "Statut inconnu : `{value}`", "Unknown status: `{value}`";
    ScopeUnknown => "scope_unknown", "Portée inconnue : `{value}`", "Unknown scope: `{value}`";
    ScopesEmpty => "scopes_empty", "Choisissez au moins une portée", "Choose at least one scope";
    // Organizations (the platform operator's forms).
    OrganizationSlugInvalid => "organization_slug_invalid", "Identifiant non valide : `{value}` (a-z, 0-9, - et _, 2 à 40 caractères, hors noms réservés)", "Invalid identifier: `{value}` (a-z, 0-9, - and _, 2 to 40 characters, not a reserved name)";
    OrganizationTaken => "organization_taken", "Cet identifiant d'organisation est déjà pris", "This organization identifier is already taken";
    TeamTaken => "team_taken", "Une équipe porte déjà ce nom", "A team already has this name";
    TeamMemberUnknown => "team_member_unknown", "Personne inconnue dans cette organisation : `{value}`", "No such person in this organization: `{value}`";
    CatalogEntryInUse => "catalog_entry_in_use", "`{value}` est encore attribué à {min} personne(s) : retirez-le-leur d'abord", "`{value}` is still held by {min} person(s): take it away from them first";
    CatalogChanged => "catalog_changed", "Le catalogue vient de changer : rechargez et recommencez", "The catalog has just changed: reload and try again";
    DefaultOrganization => "default_organization", "L'organisation par défaut ne peut être ni suspendue ni supprimée", "The default organization can be neither suspended nor deleted";
    // The deployment's settings (GET /health, scripts/run): never their values.
    ConfigurationInvalid => "configuration_invalid", "La configuration du déploiement est incomplète : voir /api/v1/health", "The deployment's configuration is incomplete: see /api/v1/health";
    BootstrapAdminRefused => "bootstrap_admin_refused", "Le premier administrateur (BOOTSTRAP_ADMIN_*) est refusé par la règle `{value}`", "The bootstrap admin (BOOTSTRAP_ADMIN_*) is refused by the rule `{value}`";
    SettingMissing => "setting_missing", "Ce réglage est obligatoire", "This setting is required";
    SettingOutOfRange => "setting_out_of_range", "Un nombre entier entre {min} et {max}", "A whole number between {min} and {max}";
    HashCostTooLow => "hash_cost_too_low", "Coût argon2 sous le minimum de l'OWASP (mémoire en Kio × passes ≥ {min})", "argon2 cost under OWASP's floor (memory in KiB × passes ≥ {min})";
    SecretTooWeak => "secret_too_weak", "Secret trop faible : au moins {min} caractères aléatoires", "Secret too weak: at least {min} random characters";
    FactorKeyInvalid => "factor_key_invalid", "Clés non valides : `id:clé` séparées par des virgules, la plus récente d'abord, chaque clé 32 octets aléatoires en base64url", "Invalid keys: `id:key` separated by commas, the newest first, each key 32 random bytes in base64url";
    FactorKeysRotating => "factor_keys_rotating", "Plusieurs clés dans FACTOR_KEY : retirez l'ancienne quand plus aucun secret n'est scellé par elle (GET /operator/factor-keys)", "Several keys in FACTOR_KEY: remove the old one once no secret is sealed under it (GET /operator/factor-keys)";
    IdentityKeyInvalid => "identity_key_invalid", "Clés non valides : `id:clé` séparées par des virgules, la première sans `+` signe, `+id:clé` pour une clé publiée avant de signer ; chaque clé 32 octets aléatoires en base64url", "Invalid keys: `id:key` separated by commas, the first without `+` signs, `+id:key` for a key published before it signs; each key 32 random bytes in base64url";
    ServiceTokenDeprecated => "service_token_deprecated", "SERVICE_TOKEN est encore défini : il ouvre des conversations dans l'organisation par défaut ; remplacez-le par une clé d'intégration puis retirez le secret", "SERVICE_TOKEN is still set: it opens conversations in the default organization; replace it with an integration key, then remove the secret";
    TestClockOn => "test_clock_on", "Horloge de test active (tests de bout en bout seulement, jamais en production)", "Test clock on (end-to-end tests only, never in production)";
    BenchModesOn => "bench_modes_on", "Modes de mesure actifs (bancs d'essai seulement, jamais en production)", "Benchmark modes on (benchmarks only, never in production)";
    // Authorization.
    Unauthenticated => "unauthenticated", "Connectez-vous pour continuer", "Sign in to continue";
    InvalidCredentials => "invalid_credentials", "E-mail ou mot de passe incorrect", "Wrong email or password";
    Forbidden => "forbidden", "Vous n'avez pas le droit de faire cela", "You are not allowed to do this";
    PrivilegeEscalation => "privilege_escalation", "Vous ne pouvez pas accorder plus de droits que vous n'en avez", "You cannot grant more access than you hold";
    LastAdmin => "last_admin", "Il doit rester au moins un administrateur actif", "At least one active administrator must remain";
    SecondFactorRequired => "second_factor_required", "Votre organisation demande un second facteur : configurez-en un pour continuer", "Your organization requires a second factor: set one up to continue";
    SecondFactorInvalid => "second_factor_invalid", "Ce code ou cette clé n'a pas été accepté", "This code or key was not accepted";
    ChallengeExpired => "challenge_expired", "Cette connexion a expiré : saisissez à nouveau votre mot de passe", "This sign-in has expired: enter your password again";
    OwnFactorsReset => "own_factors_reset", "Vous ne pouvez pas réinitialiser vos propres facteurs : retirez-les depuis votre compte", "You cannot reset your own factors: remove them from your account";
    TotpExists => "totp_exists", "Une application d'authentification est déjà configurée : retirez-la d'abord", "An authenticator app is already set up: remove it first";
    AdminNotProvisioned => "admin_not_provisioned", "Le rôle administrateur se donne et se retire sur la page d'administration, pas par SCIM", "The admin role is given and taken on the admin page, not through SCIM";
    OwnRoleChange => "own_role_change", "Vous ne pouvez pas changer votre propre rôle ou vos accès", "You cannot change your own role or access";
    SelfDelete => "self_delete", "Vous ne pouvez pas supprimer ou désactiver votre propre compte", "You cannot delete or disable your own account";
    AccountDisabled => "account_disabled", "Ce compte est désactivé", "This account is disabled";
    KeyScopeMissing => "key_scope_missing", "Cette clé d'intégration n'a pas la portée nécessaire", "This integration key lacks the scope this needs";
    KeyNotAccepted => "key_not_accepted", "Une clé d'intégration ne peut pas faire cela : une personne connectée le peut", "An integration key cannot do this: a signed-in person can";
    ServiceTokenIsASecret => "service_token_is_a_secret", "Ce jeton est le secret SERVICE_TOKEN du déploiement : retirez le secret pour le révoquer", "This token is the deployment's SERVICE_TOKEN secret: remove the secret to revoke it";
    RateLimited => "rate_limited", "Trop de tentatives, réessayez plus tard", "Too many attempts, try again later";
    // Resources.
    NotFound => "not_found", "Introuvable", "Not found";
    AlreadyMember => "already_member", "Cette personne a déjà un compte", "This person already has an account";
    UserNameTaken => "user_name_taken", "Ce nom d'utilisateur (userName) est déjà pris dans l'organisation", "This userName is already taken in the organization";
    AlreadyInvited => "already_invited", "Une invitation est déjà en cours pour cette adresse", "An invitation is already pending for this address";
    InvitationExpired => "invitation_expired", "Cette invitation a expiré", "This invitation has expired";
    InvitationUsed => "invitation_used", "Cette invitation a déjà été utilisée", "This invitation has already been used";
    InvitationRevoked => "invitation_revoked", "Cette invitation a été annulée", "This invitation was revoked";
    ConversationClosed => "conversation_closed", "Cette conversation est terminée", "This conversation is closed";
    // Routing: why an agent cannot take a conversation.
    AgentDisabled => "agent_disabled", "Le compte du conseiller est désactivé", "The agent's account is disabled";
    AgentNotOnline => "agent_not_online", "Le conseiller n'est pas en ligne", "The agent is not online";
    NoLivechatModule => "no_livechat_module", "Le conseiller n'a pas accès au module livechat", "The agent has no access to the livechat module";
    QuestionnaireNotCovered => "questionnaire_not_covered", "Le conseiller ne traite pas ce questionnaire", "The agent does not handle this questionnaire";
    LanguageNotSpoken => "language_not_spoken", "Le conseiller ne parle pas cette langue", "The agent does not speak this language";
    ChannelNotEnabled => "channel_not_enabled", "Le conseiller n'a pas ce canal", "The agent does not have this channel";
    AtCapacity => "at_capacity", "Le conseiller a atteint son nombre maximal de conversations", "The agent has reached their conversation limit";
    AlreadyAssigned => "already_assigned", "La conversation est déjà attribuée à ce conseiller", "The conversation is already assigned to this agent";
    // HTTP envelope.
    MethodNotAllowed => "method_not_allowed", "Méthode non prise en charge pour cette adresse", "Method not allowed for this address";
    PayloadTooLarge => "payload_too_large", "Requête trop volumineuse", "Request body too large";
    UnsupportedMediaType => "unsupported_media_type", "Le contenu doit être en JSON", "The body must be JSON";
    CrossOrigin => "cross_origin", "Requête d'une autre origine refusée", "Cross-origin request refused";
    WebhookUrlNotHttps => "webhook_url_not_https", "L'adresse doit commencer par https://", "The address must start with https://";
    WebhookAddressForbidden => "webhook_address_forbidden", "Cette adresse est interne ou réservée : elle ne peut pas recevoir d'événements", "This address is internal or reserved: it cannot receive events";
    EventTypeUnknown => "event_type_unknown", "Type d'événement inconnu", "Unknown event type";
    WebhookLoopbackOn => "webhook_loopback_on", "Webhooks vers la boucle locale autorisés (développement et tests seulement, jamais en production)", "Webhooks to loopback allowed (development and tests only, never in production)";
    EventsEmpty => "events_empty", "Choisissez au moins un type d'événement", "Choose at least one event type";
    SsoIssuerInvalid => "sso_issuer_invalid", "L'émetteur doit être une adresse https:// publique, sans paramètres", "The issuer must be a public https:// address, without parameters";
    SsoDomainsRequired => "sso_domains_required", "Une autre revendication que « email » n'est acceptée que pour des domaines autorisés", "A claim other than \"email\" is only trusted for allowed domains";
    SsoDiscoveryInvalid => "sso_discovery_invalid", "Le fournisseur ne publie pas une configuration OpenID utilisable pour cet émetteur", "The provider does not publish a usable OpenID configuration for this issuer";
    SsoProviderUnreachable => "sso_provider_unreachable", "Le fournisseur d'identité ne répond pas", "The identity provider does not answer";
    SsoDenied => "sso_denied", "Le fournisseur d'identité n'a pas autorisé la connexion", "The identity provider did not allow the sign-in";
    SsoStateInvalid => "sso_state_invalid", "Cette connexion a expiré ou a déjà servi : recommencez", "This sign-in has expired or was already used: start again";
    SsoTokenInvalid => "sso_token_invalid", "La réponse du fournisseur d'identité n'est pas valable", "The identity provider's answer is not valid";
    SsoTokenExpired => "sso_token_expired", "La réponse du fournisseur d'identité a expiré : recommencez", "The identity provider's answer has expired: start again";
    SsoEmailMissing => "sso_email_missing", "Le fournisseur d'identité n'a pas transmis d'adresse e-mail", "The identity provider sent no email address";
    SsoEmailUnverified => "sso_email_unverified", "Le fournisseur d'identité n'a pas vérifié cette adresse e-mail", "The identity provider has not verified this email address";
    SsoDomainRefused => "sso_domain_refused", "Ce domaine n'est pas autorisé pour cette connexion", "This domain is not allowed for this sign-in";
    SsoNoAccount => "sso_no_account", "Aucun compte ne correspond à cette identité dans cette organisation : demandez une invitation à un administrateur", "No account matches this identity in this organization: ask an admin for an invitation";
    SsoAlreadyLinked => "sso_already_linked", "Ce compte est déjà lié à une autre identité de ce fournisseur", "This account is already linked to another identity of this provider";
    SsoRequired => "sso_required", "Cette organisation se connecte par authentification unique", "This organization signs in with single sign-on";
    SsoBreakGlassRequired => "sso_break_glass_required", "Nommez un administrateur actif qui pourra toujours se connecter par mot de passe", "Name an active admin who can still sign in with a password";
    SsoJitAdmin => "sso_jit_admin", "La création à la première connexion ne peut pas donner le rôle administrateur", "Creation at first sign-in cannot give the admin role";
    SsoLoopbackOn => "sso_loopback_on", "Fournisseurs d'identité sur la boucle locale autorisés (développement et tests seulement, jamais en production)", "Identity providers on loopback allowed (development and tests only, never in production)";
    WebSocketExpected => "websocket_expected", "Cette adresse attend une connexion WebSocket", "This address expects a WebSocket connection";
    Internal => "internal", "Erreur interne, réessayez", "Internal error, please retry";
}

impl Code {
    /// The user-facing message with its parameters filled in.
    pub fn message(self, locale: Locale, params: &Params) -> String {
        let mut text = self.template(locale).to_owned();
        for (key, value) in [
            ("{value}", params.value.as_deref()),
            ("{min}", params.min.map(|n| n.to_string()).as_deref()),
            ("{max}", params.max.map(|n| n.to_string()).as_deref()),
        ] {
            if let Some(value) = value {
                text = text.replace(key, value);
            }
        }
        text
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Every code, as a string enumeration.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
            .description(Some(
                "A stable machine code: switch on it, show the message",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Code {}

/// The values a message mentions (the offending value, a bound).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// The offending value, shown in backticks; user input is cut to keep messages short.
    pub value: Option<String>,
    /// A lower bound.
    pub min: Option<usize>,
    /// An upper bound.
    pub max: Option<usize>,
}

/// One refused field: where, which rule, with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// A path into the input such as `email`, `livechat.languages` or `emails[3]`; empty for
    /// the whole input.
    pub field: String,
    /// The rule that refused it.
    pub code: Code,
    /// What the message mentions.
    pub params: Params,
}

impl Violation {
    /// A violation with no parameters.
    pub fn new(field: impl Into<String>, code: Code) -> Self {
        Violation {
            field: field.into(),
            code,
            params: Params::default(),
        }
    }

    /// Mentions the offending value, cut at 60 characters.
    pub fn value(mut self, value: &str) -> Self {
        const SHOWN: usize = 60;
        let mut shown: String = value.chars().take(SHOWN).collect();
        if value.chars().nth(SHOWN).is_some() {
            shown.push('…');
        }
        self.params.value = Some(shown);
        self
    }

    /// Mentions a lower bound.
    pub fn min(mut self, min: usize) -> Self {
        self.params.min = Some(min);
        self
    }

    /// Mentions an upper bound.
    pub fn max(mut self, max: usize) -> Self {
        self.params.max = Some(max);
        self
    }

    /// The wire form, with its message in `locale`.
    pub fn localize(&self, locale: Locale) -> FieldError {
        FieldError {
            field: self.field.clone(),
            code: self.code,
            message: self.code.message(locale, &self.params),
        }
    }
}

/// A violation as the browser and HTTP clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Where.
    pub field: String,
    /// Which rule (stable).
    pub code: Code,
    /// Why, in the requested language.
    pub message: String,
}

/// Localizes a list of violations.
pub fn localize_all(violations: &[Violation], locale: Locale) -> Vec<FieldError> {
    violations.iter().map(|v| v.localize(locale)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = crate::SortedSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            assert!(code
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn every_code_has_both_languages() {
        for code in Code::ALL {
            let fr = code.message(Locale::Fr, &Params::default());
            let en = code.message(Locale::En, &Params::default());
            assert!(!fr.is_empty() && !en.is_empty());
            assert_ne!(fr, en, "{code} is not translated");
            assert!(!en.ends_with('.'), "{code}: messages have no final period");
        }
    }

    #[test]
    fn parameters_are_filled() {
        let v = Violation::new("password", Code::PasswordTooShort).min(12);
        assert_eq!(
            v.localize(Locale::En).message,
            "The password must be at least 12 characters long"
        );
        let v = Violation::new("role", Code::RoleUnknown).value(&"x".repeat(100));
        assert!(v
            .localize(Locale::Fr)
            .message
            .contains(&format!("`{}…`", "x".repeat(60))));
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_locale() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), Locale::En);
        assert_eq!(
            Locale::from_accept_language("de, fr;q=0.5, en;q=0.4"),
            Locale::Fr
        );
        assert_eq!(Locale::from_accept_language("de"), Locale::Fr);
        assert_eq!(
            Locale::from_accept_language("fr;q=0.2, en;q=0.8"),
            Locale::En
        );
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag("xx"), Locale::Fr);
        assert_eq!(Locale::for_person(Some("en-GB"), Locale::Fr), Locale::En);
        assert_eq!(Locale::for_person(Some("fr_CA"), Locale::En), Locale::Fr);
        assert_eq!(Locale::for_person(Some("de-DE"), Locale::En), Locale::En);
        assert_eq!(Locale::for_person(None, Locale::Fr), Locale::Fr);
    }
}
