//! # livechat-access
//!
//! The rules of a live-chat back office's user and access management, written once and run in
//! the browser (through the `wasm` facade) and in the Cloudflare Worker (natively linked):
//!
//! - forms: [`validate_user`], [`validate_user_patch`], [`validate_invitation`],
//!   [`validate_acceptance`], each returning every field error at once with a stable [`Code`];
//! - authorization: [`authorize`] decides whether an [`Actor`] may perform an [`Action`];
//! - routing: [`route`] picks the agent for a waiting conversation, [`can_transfer`] checks a
//!   transfer.
//!
//! Nothing here knows of JavaScript, HTTP or storage.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![warn(missing_docs)]

mod access;
mod authz;
mod catalog;
mod credentials;
pub mod decode;
mod error;
mod input;
mod integration;
mod invitation;
mod live;
mod mail;
mod organization;
mod outcome;
mod password;
mod retention;
mod routing;
mod scim;
mod scim_schema;
mod second_factor;
mod session;
mod set;
mod settings;
mod sso;
mod team;
mod time;
mod user;
mod webhooks;
mod words;

#[cfg(feature = "wasm")]
pub mod wasm;

pub use access::{
    role_defaults, Access, Channel, ConversationLimit, Language, LivechatInput, LivechatSettings,
    Module, Questionnaire, Role, RoleDefaults, TimeZone,
};
pub use authz::{
    authorize, conversation_scope, user_scope, within_organization, Action, Actor, ConversationRef,
    ConversationScope, Decision, Grant, Subject, UserScope,
};
pub use catalog::{
    plan_catalog_change, validate_catalog, Catalog, CatalogInput, Held, HeldEntry, Holder,
    HolderKind, HolderRef, ModuleEntry, QuestionnaireEntry, Removed, MAX_EXTRA_MODULES,
    MAX_QUESTIONNAIRES, MAX_QUESTIONNAIRE_NAME,
};
pub use credentials::{fold_case, Email, PasswordPolicy};
pub use error::{localize_all, Code, FieldError, Locale, Params, Violation};
pub use integration::{
    validate_identity_token_request, validate_integration_key, Caller, IdentityClaims, IdentityOf,
    IdentityTokenInput, IntegrationKey, IntegrationKeyInput, LivechatClaims, NewIntegrationKey,
    Scope, IDENTITY_AUDIENCE, KEY_PREFIX, MAX_KEY_NAME, SERVICE_TOKEN_KEY_ID,
};
pub use invitation::{
    check_emails, is_token_shaped, split_email_list, validate_acceptance, validate_invitation,
    Acceptance, AcceptanceInput, EmailCheck, EmailList, EmailStatus, EmailVerdict, InvitationInput,
    InvitationRejection, InvitationRequest, MAX_EMAILS, TOKEN_BYTES,
};
pub use live::{
    may_watch, sees, DeskAgent, DeskConversation, DeskMember, DeskView, LiveDesk, LiveEvent,
    LiveMessage, OpenConversation,
};
pub use mail::{
    endpoint_disabled_mail, format_utc, header_text, invitation_mail, reset_mail, retry_delay_s,
    EndpointDisabledMail, InvitationMail, Mail, ResetMail,
};
pub use organization::{
    is_organization_slug, may_suspend_or_delete, validate_organization,
    validate_organization_patch, NewOrganization, OrganizationId, OrganizationInput,
    OrganizationPatchInput, OrganizationStatus, MAX_ORGANIZATION_NAME,
};
pub use outcome::{parse_json, Outcome, MAX_BODY_BYTES};
pub use password::{
    validate_password_change, validate_password_forgot, validate_password_reset, PasswordChange,
    PasswordChangeInput, PasswordForgot, PasswordForgotInput, PasswordReset, PasswordResetInput,
    RESET_TTL_MS,
};
pub use retention::{purge_cutoffs, PurgeCutoffs, INVITATION_RETENTION_MS, PURGE_BATCH};
pub use routing::{
    can_transfer, route, validate_new_conversation, validate_presence, validate_transfer,
    AgentSnapshot, NewConversationInput, Presence, PresenceInput, ReasonCount, RoutingDecision,
    TransferCheck, TransferInput, WaitingConversation,
};
pub use scim::{
    group_resource, provisioned_form, read_external_id, scim_attribute, scim_bool,
    scim_may_give_role, team_form, user_resource, validate_scim_settings, validate_scim_token,
    GroupParts, ProvisionedForm, ScimEmail, ScimIdentity, ScimSettingsInput, ScimTokenInput,
    GROUP_SCHEMA, LIVECHAT_GROUP_SCHEMA, LIVECHAT_USER_SCHEMA, MAX_TOKEN_NAME, USER_SCHEMA,
};
pub use scim_schema::{
    published_schema_ids, published_schemas, schema_attribute, schema_attributes, Attribute,
    AttributeType, Mutability,
};
pub use second_factor::{
    accept_totp_step, after_password, may_remove_factor, must_enrol, normalize_recovery_code,
    passkey_counter_moved_on, validate_new_passkey, validate_passkey_name,
    validate_passkey_request, validate_second_factor, validate_security, validate_totp_code,
    AfterPassword, Factors, PasskeyInput, PasskeyNameInput, PasskeyRequest, PasskeyRequestInput,
    Proof, SecondFactorAttempt, SecondFactorInput, SecondFactorMethod, SecondFactorPolicy,
    SecurityInput, TotpCodeInput, MAX_PASSKEY_NAME, RECOVERY_CODES, TOTP_DIGITS, TOTP_DRIFT,
    TOTP_STEP_S,
};
pub use session::{
    decide_sign_in, validate_login, Failures, Gate, Login, LoginInput, LoginThrottle, SignIn,
};
pub use set::SortedSet;
pub use settings::{
    read_settings, FactorKey, HashCostSetting, IdentityKey, SettingError, SettingProblem, Settings,
    SettingsReport, LEGACY_KEY_ID, MAX_TOKENS, MIN_HASH_WORK_KIB, MIN_SECRET_CHARS, SETTING_NAMES,
};
pub use sso::{
    activation_email_due, after_sso, amr_shows_second_factor, break_glass_fits, check_id_token,
    local_sign_in_allowed, match_person, read_discovery, response_issuer_fits, sso_new_person,
    validate_sso_policy, validate_sso_provider, Discovery, IdTokenExpectations, JitAccessInput,
    SsoCandidate, SsoIdentity, SsoMatch, SsoPolicy, SsoPolicyInput, SsoPreset, SsoProvider,
    SsoProviderInput, TokenAuth, CLOCK_SKEW_S, DEFAULT_EMAIL_CLAIM, SIGNING_ALGORITHMS,
};
pub use team::{validate_team, NewTeam, TeamInput, MAX_TEAM_MEMBERS, MAX_TEAM_NAME};
pub use time::format_iso8601;
pub use user::{
    validate_provisioned_user, validate_user, validate_user_patch, Account, NewUser, Profile,
    ProfileInput, ProfilePatch, UserInput, UserPatch, UserPatchInput, MAX_NAME_CHARS,
    MAX_PSEUDONYM_CHARS,
};
pub use webhooks::{
    address_allowed, delivery_outcome, events_of_change, person_edit_events, url_refusal,
    validate_redelivery, validate_webhook_endpoint, webhook_retry_delay_s, ChangeData,
    DeliveryAttempt, DeliveryOutcome, EventData, EventSubject, EventType, RedeliverInput,
    WebhookEndpoint, WebhookEndpointInput, WebhookEvent,
};
