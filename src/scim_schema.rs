//! What this product publishes of itself in SCIM (RFC 7643 §7): one table of attributes per
//! schema, from which `/Schemas` is written and by which a PATCH finds an attribute's shape
//! (multi-valued or not, writable or not). The canonical values of the product's own attributes
//! are the organization's: its catalog's modules, questionnaires and languages.

use crate::access::{Channel, ConversationLimit, Role, TimeZone};
use crate::catalog::Catalog;
use crate::scim::{GROUP_SCHEMA, LIVECHAT_GROUP_SCHEMA, LIVECHAT_USER_SCHEMA, USER_SCHEMA};
use serde_json::{json, Value};

/// An attribute's type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// Text.
    String,
    /// `true` or `false`.
    Boolean,
    /// A whole number.
    Integer,
    /// An object of sub-attributes.
    Complex,
    /// A URI: `external` (an address elsewhere) or a resource type here (`User`).
    Reference(&'static str),
}

/// Who may write an attribute (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// The server's alone (`id`, `meta`, a member's `display`).
    ReadOnly,
    /// Written and read.
    ReadWrite,
    /// Written, never read (the password).
    WriteOnly,
}

/// Where an attribute's canonical values come from: fixed words, or the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canonical {
    /// None published.
    Open,
    /// These words.
    Words(&'static [&'static str]),
    /// The roles an identity provider may give (not `admin`: see [`crate::scim_may_give_role`]).
    ProvisionedRoles,
    /// The catalog's modules any role may hold (those bound to a role are in the description).
    Modules,
    /// The languages the organization offers.
    Languages,
    /// The catalog's questionnaires.
    Questionnaires,
    /// Every channel.
    Channels,
    /// Every IANA time zone the product knows.
    TimeZones,
    /// 1 to 50 simultaneous conversations (unlimited is no value).
    ConversationLimits,
}

/// One attribute of a schema.
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    /// Its name, as SCIM spells it (compared in any case).
    pub name: &'static str,
    /// Its type.
    pub kind: AttributeType,
    /// Whether it holds a list.
    pub multi_valued: bool,
    /// Whether every resource has one (a create without it is refused or takes a default).
    pub required: bool,
    /// Who may write it.
    pub mutability: Mutability,
    /// Whether no two resources of an organization share it.
    pub unique: bool,
    /// Its canonical values.
    pub canonical: Canonical,
    /// A complex attribute's parts.
    pub sub_attributes: &'static [Attribute],
    /// What it is, in the product's words.
    pub description: &'static str,
}

impl Attribute {
    const fn new(name: &'static str, kind: AttributeType, description: &'static str) -> Self {
        Attribute {
            name,
            kind,
            multi_valued: false,
            required: false,
            mutability: Mutability::ReadWrite,
            unique: false,
            canonical: Canonical::Open,
            sub_attributes: &[],
            description,
        }
    }
    const fn text(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttributeType::String, description)
    }
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    const fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }
    const fn canonical(mut self, canonical: Canonical) -> Self {
        self.canonical = canonical;
        self
    }
    const fn parts(mut self, sub_attributes: &'static [Attribute]) -> Self {
        self.sub_attributes = sub_attributes;
        self
    }

    /// A part of this complex attribute, by name in any case.
    pub fn part(&self, name: &str) -> Option<&'static Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    fn describe(&self, catalog: &Catalog) -> Value {
        let kind = match self.kind {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Integer => "integer",
            AttributeType::Complex => "complex",
            AttributeType::Reference(_) => "reference",
        };
        let mut out = json!({
            "name": self.name,
            "type": kind,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": false,
            "mutability": match self.mutability {
                Mutability::ReadOnly => "readOnly",
                Mutability::ReadWrite => "readWrite",
                Mutability::WriteOnly => "writeOnly",
            },
            "returned": if self.mutability == Mutability::WriteOnly { "never" } else { "default" },
            "uniqueness": if self.unique { "server" } else { "none" },
        });
        let mut more = serde_json::Map::new();
        if let AttributeType::Reference(to) = self.kind {
            more.insert("referenceTypes".into(), json!([to]));
        }
        if !self.sub_attributes.is_empty() {
            more.insert(
                "subAttributes".into(),
                self.sub_attributes
                    .iter()
                    .map(|a| a.describe(catalog))
                    .collect(),
            );
        }
        let values: Vec<Value> = match self.canonical {
            Canonical::Open => Vec::new(),
            Canonical::Words(words) => words.iter().map(|w| json!(w)).collect(),
            Canonical::ProvisionedRoles => Role::ALL
                .into_iter()
                .filter(|r| crate::scim_may_give_role(None, *r))
                .map(|r| json!(r.as_str()))
                .collect(),
            Canonical::Modules => catalog
                .modules()
                .iter()
                .filter(|m| m.min_role == Role::Agent)
                .map(|m| json!(m.id.as_str()))
                .collect(),
            Canonical::Languages => catalog.languages().map(|l| json!(l.as_str())).collect(),
            Canonical::Questionnaires => catalog
                .questionnaires()
                .iter()
                .map(|q| json!(q.id.as_str()))
                .collect(),
            Canonical::Channels => Channel::ALL.iter().map(|c| json!(c.as_str())).collect(),
            Canonical::TimeZones => TimeZone::all().map(|z| json!(z)).collect(),
            Canonical::ConversationLimits => ConversationLimit::RANGE
                .map(|n| json!(n.to_string()))
                .collect(),
        };
        if !values.is_empty() {
            more.insert("canonicalValues".into(), Value::Array(values));
        }
        if let Some(object) = out.as_object_mut() {
            object.extend(more);
        }
        out
    }
}

const EMAIL_PARTS: &[Attribute] = &[
    Attribute::text("value", "The address").required(),
    Attribute::text("type", "work, home or other")
        .canonical(Canonical::Words(&["work", "home", "other"])),
    Attribute::new(
        "primary",
        AttributeType::Boolean,
        "The sign-in address, when several are sent",
    ),
];

/// The core User schema as this product keeps it: what it does not keep is not published.
pub const USER_ATTRIBUTES: &[Attribute] = &[
    Attribute::text(
        "userName",
        "How the identity provider names the person (often their address); unique, in any case",
    )
    .required()
    .unique(),
    Attribute::new("name", AttributeType::Complex, "Internal names, never shown to visitors").parts(&[
        Attribute::text("givenName", "First name"),
        Attribute::text("familyName", "Last name"),
    ]),
    Attribute::text("displayName", "The pseudonym visitors see"),
    Attribute::new(
        "emails",
        AttributeType::Complex,
        "The primary one (else the first) is the sign-in address; without emails, userName must be an address",
    )
    .multi()
    .required()
    .parts(EMAIL_PARTS),
    Attribute::new("active", AttributeType::Boolean, "false: cannot sign in, takes no conversation").required(),
    Attribute::text("locale", "The language the product writes to the person in (fr or en; others read as the organization's)")
        .canonical(Canonical::Words(&["fr", "en"])),
    Attribute::text("timezone", "IANA time zone; Europe/Paris when left out")
        .required()
        .canonical(Canonical::TimeZones),
    Attribute::new("photos", AttributeType::Complex, "The avatar visitors see (an https address); one is kept")
        .multi()
        .parts(&[Attribute::new("value", AttributeType::Reference("external"), "The avatar's address").required()]),
    Attribute::text("password", "Without one, the person chooses it through the activation email")
        .mutability(Mutability::WriteOnly),
];

/// The product's User extension: what the person may do.
pub const LIVECHAT_USER_ATTRIBUTES: &[Attribute] = &[
    Attribute::text(
        "role",
        "agent or manager (admins are named on the admin page); agent when left out",
    )
    .required()
    .canonical(Canonical::ProvisionedRoles),
    Attribute::text(
        "modules",
        "Back-office modules; users needs a manager, settings an admin; the role's defaults when left out",
    )
    .multi()
    .required()
    .canonical(Canonical::Modules),
    Attribute::text("languages", "Languages the person chats in, among those offered")
        .multi()
        .required()
        .canonical(Canonical::Languages),
    Attribute::text("mainLanguage", "One of languages")
        .required()
        .canonical(Canonical::Languages),
    // Text, so that its values can be listed (canonical values are strings); a number is read too.
    Attribute::text(
        "maxConversations",
        "Simultaneous conversations, \"1\" to \"50\"; none: unlimited",
    )
    .canonical(Canonical::ConversationLimits),
    Attribute::text("questionnaires", "Questionnaires the person takes conversations for (admins take all)")
        .multi()
        .canonical(Canonical::Questionnaires),
    Attribute::text("channels", "Channels the person answers on; chat when left out")
        .multi()
        .required()
        .canonical(Canonical::Channels),
];

/// The core Group schema: a team.
pub const GROUP_ATTRIBUTES: &[Attribute] = &[
    Attribute::text("displayName", "The team's name, unique in the organization")
        .required()
        .unique(),
    Attribute::new("members", AttributeType::Complex, "The team's people")
        .multi()
        .parts(&[
            Attribute::text("value", "A User's id").required(),
            Attribute::new(
                "$ref",
                AttributeType::Reference("User"),
                "The User's address",
            ),
            Attribute::text("type", "User").canonical(Canonical::Words(&["User"])),
        ]),
];

/// The product's Group extension: what a team grants.
pub const LIVECHAT_GROUP_ATTRIBUTES: &[Attribute] = &[Attribute::text(
    "questionnaires",
    "Questionnaires every member takes conversations for; none when left out",
)
.multi()
.required()
.canonical(Canonical::Questionnaires)];

/// Every schema published: id, name, description, attributes.
pub const SCHEMAS: [(&str, &str, &str, &[Attribute]); 4] = [
    (
        USER_SCHEMA,
        "User",
        "A person of the organization",
        USER_ATTRIBUTES,
    ),
    (
        LIVECHAT_USER_SCHEMA,
        "LivechatUser",
        "What the person may do in the live-chat back office",
        LIVECHAT_USER_ATTRIBUTES,
    ),
    (GROUP_SCHEMA, "Group", "A team", GROUP_ATTRIBUTES),
    (
        LIVECHAT_GROUP_SCHEMA,
        "LivechatGroup",
        "What a team grants its members",
        LIVECHAT_GROUP_ATTRIBUTES,
    ),
];

/// The schemas as `/Schemas` shows them, with the organization's canonical values; `location`
/// relative to the SCIM base.
pub fn published_schemas(catalog: &Catalog) -> Vec<Value> {
    SCHEMAS
        .iter()
        .map(|(id, name, description, attributes)| {
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                "id": id,
                "name": name,
                "description": description,
                "attributes": attributes.iter().map(|a| a.describe(catalog)).collect::<Vec<_>>(),
                "meta": {"resourceType": "Schema", "location": format!("Schemas/{id}")},
            })
        })
        .collect()
}

/// What every resource has (RFC 7643 §3.1), not published in a schema.
const COMMON_ATTRIBUTES: &[Attribute] = &[
    Attribute::text("id", "The product's id").mutability(Mutability::ReadOnly),
    Attribute::text("externalId", "The identity provider's id, kept as sent"),
    Attribute::new("meta", AttributeType::Complex, "Dates, version, location")
        .mutability(Mutability::ReadOnly),
    Attribute::text("schemas", "The schemas of the resource")
        .multi()
        .mutability(Mutability::ReadOnly),
];

/// The attributes of a schema (none for an unknown one).
pub fn schema_attributes(schema: &str) -> &'static [Attribute] {
    SCHEMAS
        .iter()
        .find(|(id, ..)| id.eq_ignore_ascii_case(schema))
        .map_or(&[], |(.., attributes)| *attributes)
}

/// The id of every schema published.
pub fn published_schema_ids() -> impl Iterator<Item = &'static str> {
    SCHEMAS.iter().map(|(id, ..)| *id)
}

/// The attribute a path names in a schema (`None`: the core schema of `resource`), in any case.
pub fn schema_attribute(schema: &str, name: &str) -> Option<&'static Attribute> {
    let attributes = schema_attributes(schema);
    let common = if [USER_SCHEMA, GROUP_SCHEMA]
        .iter()
        .any(|core| core.eq_ignore_ascii_case(schema))
    {
        COMMON_ATTRIBUTES
    } else {
        &[]
    };
    attributes
        .iter()
        .chain(common)
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_schemas_follow_the_catalog() {
        let catalog = crate::catalog::sample();
        let schemas = published_schemas(&catalog);
        let ext = schemas
            .iter()
            .find(|s| s["id"] == LIVECHAT_USER_SCHEMA)
            .unwrap();
        let canonical = |name: &str| -> Vec<Value> {
            ext["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == name)
                .unwrap()["canonicalValues"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(canonical("role"), [json!("agent"), json!("manager")]);
        assert!(canonical("modules").contains(&json!("history")));
        assert!(
            !canonical("modules").contains(&json!("users")),
            "a manager's"
        );
        assert!(!canonical("modules").contains(&json!("settings")));
        assert_eq!(
            canonical("languages"),
            catalog
                .languages()
                .map(|l| json!(l.as_str()))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            canonical("questionnaires").len(),
            catalog.questionnaires().len()
        );
        assert_eq!(canonical("maxConversations").first(), Some(&json!("1")));
        let user = &schemas[0];
        assert_eq!(user["attributes"][0]["uniqueness"], "server");
        let password = user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "password")
            .unwrap();
        assert_eq!(password["returned"], "never");
        assert!(schema_attribute(USER_SCHEMA, "EMAILS").is_some_and(|a| a.multi_valued));
        assert!(schema_attribute(GROUP_SCHEMA, "id")
            .is_some_and(|d| d.mutability == Mutability::ReadOnly));
    }
}
