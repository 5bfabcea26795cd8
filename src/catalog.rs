//! An organization's catalog: the questionnaires its people take conversations for, the modules
//! and languages it offers, and the language its messages are written in. Its admins manage it;
//! every form is read against it, in the browser and in the Worker alike, and routing only knows
//! the questionnaires it lists.

use crate::access::{is_slug, Access, Language, Module, Questionnaire, Role};
use crate::error::{Code, Locale, Violation};
use crate::input::{keys_of, object};
use crate::SortedSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A module offered and the weakest role that may hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleEntry {
    /// Its id.
    pub id: Module,
    /// The weakest role it can be granted to.
    pub min_role: Role,
}

/// A questionnaire (a project, a site) conversations come through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireEntry {
    /// Its id: a-z, 0-9, `-`, `_`, at most 64 characters; what access lists hold.
    pub id: Questionnaire,
    /// Its name, as admins see it in pickers.
    pub name: String,
    /// The language of its conversations when the chat box does not say; one of the offered.
    #[serde(default)]
    pub language: Option<Language>,
}

/// The catalog as sent and as shown (`GET`/`PUT /organization/catalog`): a whole replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CatalogInput {
    /// The questionnaires, at most 500.
    pub questionnaires: Vec<QuestionnaireEntry>,
    /// Modules offered beside the built-in ones (`livechat`, `statistics`, `history`, `users`,
    /// `settings`), open to every role; at most 50.
    pub modules: Vec<Module>,
    /// Languages offered to people and visitors (ISO 639-1), at least one.
    pub languages: Vec<Language>,
    /// The language of the organization's messages (`fr` or `en`).
    pub locale: Locale,
}

/// Most questionnaires a catalog lists.
pub const MAX_QUESTIONNAIRES: usize = 500;
/// Most extra modules a catalog offers.
pub const MAX_EXTRA_MODULES: usize = 50;
/// Longest questionnaire name, in characters.
pub const MAX_QUESTIONNAIRE_NAME: usize = 100;

/// A checked catalog. The default one is a new organization's: the built-in modules, no
/// questionnaire, French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    modules: Vec<ModuleEntry>,
    /// Sorted by id.
    questionnaires: Vec<QuestionnaireEntry>,
    languages: SortedSet<Language>,
    locale: Locale,
}

const BUILT_IN_MODULES: [(&str, Role); 5] = [
    (Module::LIVECHAT, Role::Agent),
    ("statistics", Role::Agent),
    ("history", Role::Agent),
    // Managing people is for managers (their agents) and admins.
    (Module::USERS, Role::Manager),
    (Module::SETTINGS, Role::Admin),
];

impl Default for Catalog {
    fn default() -> Self {
        Catalog {
            modules: BUILT_IN_MODULES
                .iter()
                .map(|&(id, min_role)| ModuleEntry {
                    id: Module::named(id),
                    min_role,
                })
                .collect(),
            questionnaires: Vec::new(),
            languages: SortedSet::from([Language::french()]),
            locale: Locale::Fr,
        }
    }
}

impl Catalog {
    /// The default catalog plus modules open to every role; ids that are not slugs and repeats
    /// are skipped.
    pub fn with_extra<'a>(mut self, extra: impl IntoIterator<Item = &'a str>) -> Self {
        for id in extra {
            let id = id.trim();
            if is_slug(id) && self.module(id).is_none() {
                self.modules.push(ModuleEntry {
                    id: Module::named(id),
                    min_role: Role::Agent,
                });
            }
        }
        self
    }

    /// Adds questionnaires named after their ids; ids that are not slugs are skipped.
    pub fn with_questionnaires<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> Self {
        for id in ids {
            if let (Some(id), None) = (Questionnaire::parse(id), self.questionnaire(id)) {
                self.questionnaires.push(QuestionnaireEntry {
                    name: id.as_str().to_owned(),
                    id,
                    language: None,
                });
            }
        }
        self.questionnaires.sort_by(|a, b| a.id.cmp(&b.id));
        self
    }

    /// Adds offered languages; unknown codes are skipped.
    pub fn with_languages<'a>(mut self, codes: impl IntoIterator<Item = &'a str>) -> Self {
        self.languages
            .extend(codes.into_iter().filter_map(Language::parse));
        self
    }

    /// The catalog entry of a module id.
    pub fn module(&self, id: &str) -> Option<&ModuleEntry> {
        self.modules.iter().find(|e| e.id.as_str() == id)
    }

    /// Every module, built-in ones first.
    pub fn modules(&self) -> &[ModuleEntry] {
        &self.modules
    }

    /// A questionnaire by id.
    pub fn questionnaire(&self, id: &str) -> Option<&QuestionnaireEntry> {
        self.questionnaires
            .binary_search_by(|q| q.id.as_str().cmp(id))
            .ok()
            .and_then(|at| self.questionnaires.get(at))
    }

    /// Every questionnaire, by id.
    pub fn questionnaires(&self) -> &[QuestionnaireEntry] {
        &self.questionnaires
    }

    /// The languages offered, in order.
    pub fn languages(&self) -> impl Iterator<Item = &Language> {
        self.languages.iter()
    }

    /// Whether people and visitors may use `language`.
    pub fn offers(&self, language: &Language) -> bool {
        self.languages.contains(language)
    }

    /// The language of the organization's messages.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The language a new person accepts unless told otherwise: French as the seeds say, when
    /// offered; else the organization's locale, else the first offered.
    pub fn default_language(&self) -> Language {
        [
            Some(Language::french()),
            Language::parse(self.locale.as_str()),
        ]
        .into_iter()
        .flatten()
        .find(|l| self.offers(l))
        .or_else(|| self.languages.iter().next().cloned())
        .unwrap_or_else(Language::french)
    }

    /// The modules a role may hold.
    pub fn allowed_for(&self, role: Role) -> SortedSet<Module> {
        self.modules
            .iter()
            .filter(|e| e.min_role <= role)
            .map(|e| e.id.clone())
            .collect()
    }

    /// The modules ticked when the form switches to `role`.
    pub fn defaults_for(&self, role: Role) -> SortedSet<Module> {
        match role {
            Role::Admin => self.allowed_for(Role::Admin),
            Role::Manager => ["livechat", "statistics", "history", Module::USERS]
                .into_iter()
                .filter(|id| self.module(id).is_some())
                .map(Module::named)
                .collect(),
            Role::Agent => SortedSet::from([Module::named(Module::LIVECHAT)]),
        }
    }

    /// The catalog as sent and shown.
    pub fn to_input(&self) -> CatalogInput {
        CatalogInput {
            questionnaires: self.questionnaires.clone(),
            modules: self
                .modules
                .iter()
                .skip(BUILT_IN_MODULES.len())
                .map(|e| e.id.clone())
                .collect(),
            languages: self.languages.iter().cloned().collect(),
            locale: self.locale,
        }
    }

    /// Reads a questionnaire id of a form against the catalog.
    pub(crate) fn read_questionnaire(
        &self,
        id: &str,
        path: &str,
        errors: &mut Vec<Violation>,
    ) -> Option<Questionnaire> {
        let known = self.questionnaire(id).map(|q| q.id.clone());
        if known.is_none() {
            let code = match Questionnaire::parse(id) {
                Some(_) => Code::QuestionnaireUnknown,
                None => Code::QuestionnaireInvalid,
            };
            errors.push(Violation::new(path, code).value(id));
        }
        known
    }

    /// Reads a language code of a form: ISO 639-1, and offered.
    pub(crate) fn read_language(
        &self,
        code: &str,
        path: &str,
        errors: &mut Vec<Violation>,
    ) -> Option<Language> {
        let Some(language) = Language::parse(code) else {
            errors.push(Violation::new(path, Code::LanguageUnknown).value(code));
            return None;
        };
        if !self.offers(&language) {
            errors.push(Violation::new(path, Code::LanguageNotOffered).value(language.as_str()));
            return None;
        }
        Some(language)
    }
}

impl Serialize for Catalog {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_input().serialize(s)
    }
}

/// Validates a whole catalog (the admins' settings screen, a stored one, the browser's copy),
/// reporting every wrong entry at once.
pub fn validate_catalog(input: &Value) -> Result<Catalog, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<CatalogInput>(), &mut errors) else {
        return Err(errors);
    };
    let mut catalog = Catalog::default();

    let languages = obj.required_strings("languages", &mut errors);
    if let Some(codes) = &languages {
        if codes.is_empty() {
            errors.push(Violation::new("languages", Code::LanguagesEmpty));
        }
        catalog.languages = SortedSet::new();
        for (i, code) in codes.iter().enumerate() {
            match Language::parse(code) {
                Some(language) => {
                    catalog.languages.insert(language);
                }
                None => errors.push(
                    Violation::new(format!("languages[{i}]"), Code::LanguageUnknown).value(code),
                ),
            }
        }
    }

    if let Some(tag) = obj.required_string("locale", &mut errors) {
        match Locale::parse(tag) {
            Some(locale) => catalog.locale = locale,
            None => errors.push(Violation::new("locale", Code::FieldInvalid).value(tag)),
        }
    }

    if let Some(ids) = obj.required_strings("modules", &mut errors) {
        if ids.len() > MAX_EXTRA_MODULES {
            errors.push(Violation::new("modules", Code::FieldTooLong).max(MAX_EXTRA_MODULES));
        }
        for (i, id) in ids.iter().enumerate() {
            let path = format!("modules[{i}]");
            if !is_slug(id) {
                errors.push(Violation::new(path, Code::ModuleInvalid).value(id));
            } else if catalog.module(id).is_some() {
                errors.push(Violation::new(path, Code::CatalogDuplicate).value(id));
            } else {
                catalog.modules.push(ModuleEntry {
                    id: Module::named(id),
                    min_role: Role::Agent,
                });
            }
        }
    }

    match obj.raw("questionnaires") {
        None | Some(Value::Null) => {
            errors.push(Violation::new("questionnaires", Code::FieldRequired));
        }
        Some(Value::Array(items)) => {
            if items.len() > MAX_QUESTIONNAIRES {
                errors.push(
                    Violation::new("questionnaires", Code::FieldTooLong).max(MAX_QUESTIONNAIRES),
                );
            }
            let mut seen = SortedSet::new();
            for (i, item) in items.iter().enumerate() {
                let path = format!("questionnaires[{i}]");
                // A repeated id is reported even when its entry has other faults.
                if let Some(id) = item.get("id").and_then(Value::as_str) {
                    if !seen.insert(id) {
                        errors.push(
                            Violation::new(format!("{path}.id"), Code::CatalogDuplicate).value(id),
                        );
                        continue;
                    }
                }
                if let Some(entry) = read_questionnaire_entry(item, &path, &catalog, &mut errors) {
                    let at = catalog.questionnaires.partition_point(|q| q.id < entry.id);
                    catalog.questionnaires.insert(at, entry);
                }
            }
        }
        Some(_) => errors.push(Violation::new("questionnaires", Code::FieldType).value("array")),
    }

    if errors.is_empty() {
        Ok(catalog)
    } else {
        Err(errors)
    }
}

fn read_questionnaire_entry(
    item: &Value,
    path: &str,
    catalog: &Catalog,
    errors: &mut Vec<Violation>,
) -> Option<QuestionnaireEntry> {
    let obj = object(item, path, keys_of::<QuestionnaireEntry>(), errors)?;
    let id = obj.required_string("id", errors).and_then(|id| {
        let parsed = Questionnaire::parse(id);
        if parsed.is_none() {
            errors.push(Violation::new(obj.path("id"), Code::QuestionnaireInvalid).value(id));
        }
        parsed
    });
    let name = obj.required_text("name", MAX_QUESTIONNAIRE_NAME, errors);
    let language = match obj.string("language", errors) {
        Some(code) => Some(catalog.read_language(code, &obj.path("language"), errors)?),
        None => None,
    };
    Some(QuestionnaireEntry {
        id: id?,
        name: name?,
        language,
    })
}

/// Where a catalog entry is still used: an account, a pending invitation or a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum HolderKind {
    /// An account.
    User,
    /// An invitation not yet accepted.
    Invitation,
    /// A team (its questionnaires).
    Team,
}

/// What a holder holds.
#[derive(Debug, Clone)]
pub enum Held {
    /// A person's (or an invitation's) whole access.
    Access(Access),
    /// A team's questionnaires.
    Questionnaires(SortedSet<Questionnaire>),
}

/// Someone (or a team) whose access a catalog change would touch.
#[derive(Debug, Clone)]
pub struct Holder {
    /// The account's, invitation's or team's id.
    pub id: String,
    /// Their address (a team's name).
    pub email: String,
    /// Account, invitation or team.
    pub kind: HolderKind,
    /// What they hold.
    pub held: Held,
}

/// Who stands in the way of removing one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HeldEntry {
    /// `questionnaires`, `languages` or `modules`.
    pub field: &'static str,
    /// The entry's id.
    pub value: String,
    /// Everyone who holds it.
    pub holders: Vec<HolderRef>,
}

/// A holder, as the refusal lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HolderRef {
    /// The account's or the invitation's id.
    pub id: String,
    /// Their address.
    pub email: String,
    /// Account or invitation.
    pub kind: HolderKind,
}

/// What a catalog change removes, for the store to look up its holders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// Questionnaire ids no longer listed.
    pub questionnaires: Vec<String>,
    /// Languages no longer offered.
    pub languages: Vec<String>,
    /// Extra modules no longer offered.
    pub modules: Vec<String>,
}

impl Removed {
    /// Whether the change removes nothing.
    pub fn is_empty(&self) -> bool {
        self.questionnaires.is_empty() && self.languages.is_empty() && self.modules.is_empty()
    }
}

impl Catalog {
    /// What `next` no longer offers of this catalog.
    pub fn removed_by(&self, next: &Catalog) -> Removed {
        Removed {
            questionnaires: self
                .questionnaires
                .iter()
                .filter(|q| next.questionnaire(q.id.as_str()).is_none())
                .map(|q| q.id.as_str().to_owned())
                .collect(),
            languages: self
                .languages
                .iter()
                .filter(|l| !next.offers(l))
                .map(|l| l.as_str().to_owned())
                .collect(),
            modules: self
                .modules
                .iter()
                .filter(|m| next.module(m.id.as_str()).is_none())
                .map(|m| m.id.as_str().to_owned())
                .collect(),
        }
    }
}

/// Decides a catalog change. An entry someone holds may not be removed: the refusal lists every
/// holder, so the admin can take it away from them first (removing silently would change people's
/// access behind the admin's back). Admins hold every module by rule, so a module added or
/// removed follows on them: the answer is their new access, to write with the catalog.
pub fn plan_catalog_change(
    current: &Catalog,
    next: &Catalog,
    holders: &[Holder],
) -> Result<Vec<(HolderRef, Access)>, Vec<HeldEntry>> {
    let removed = current.removed_by(next);
    let mut held: Vec<HeldEntry> = Vec::new();
    let mut note = |field: &'static str, value: &str, holder: &Holder| {
        let who = HolderRef {
            id: holder.id.clone(),
            email: holder.email.clone(),
            kind: holder.kind,
        };
        match held
            .iter_mut()
            .find(|h| h.field == field && h.value == value)
        {
            Some(entry) => entry.holders.push(who),
            None => held.push(HeldEntry {
                field,
                value: value.to_owned(),
                holders: vec![who],
            }),
        }
    };
    let mut realigned = Vec::new();
    for holder in holders {
        let access = match &holder.held {
            Held::Access(access) => access,
            Held::Questionnaires(team) => {
                for q in &removed.questionnaires {
                    if team.iter().any(|h| h.as_str() == q) {
                        note("questionnaires", q, holder);
                    }
                }
                continue;
            }
        };
        let livechat = &access.livechat;
        for q in &removed.questionnaires {
            if livechat.questionnaires.iter().any(|h| h.as_str() == q) {
                note("questionnaires", q, holder);
            }
        }
        for l in &removed.languages {
            if livechat.languages.iter().any(|h| h.as_str() == l)
                || livechat.main_language.as_str() == l
            {
                note("languages", l, holder);
            }
        }
        if access.role == Role::Admin {
            let aligned = access.clone().normalize(next);
            if &aligned != access {
                realigned.push((
                    HolderRef {
                        id: holder.id.clone(),
                        email: holder.email.clone(),
                        kind: holder.kind,
                    },
                    aligned,
                ));
            }
        } else {
            for m in &removed.modules {
                if access.has_module(m) {
                    note("modules", m, holder);
                }
            }
        }
    }
    if held.is_empty() {
        Ok(realigned)
    } else {
        Err(held)
    }
}

impl HeldEntry {
    /// The refusal of this entry as a field error.
    pub fn violation(&self) -> Violation {
        Violation::new(self.field, Code::CatalogEntryInUse)
            .value(&self.value)
            .min(self.holders.len())
    }
}

/// The catalog unit tests read forms against.
#[cfg(test)]
pub(crate) fn sample() -> Catalog {
    Catalog::default()
        .with_questionnaires(["site-fr", "site-en", "shop"])
        .with_languages(["en", "es", "de", "it"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(r: Result<Catalog, Vec<Violation>>) -> Vec<(String, Code)> {
        r.unwrap_err()
            .into_iter()
            .map(|v| (v.field, v.code))
            .collect()
    }

    #[test]
    fn a_catalog_round_trips_through_its_wire_form() {
        let input = json!({
            "questionnaires": [{"id": "site-fr", "name": "Site France", "language": "fr"},
                               {"id": "app", "name": "Application"}],
            "modules": ["crm"], "languages": ["fr", "EN"], "locale": "en"
        });
        let catalog = validate_catalog(&input).unwrap();
        assert_eq!(
            catalog.questionnaires()[0].id.as_str(),
            "app",
            "sorted by id"
        );
        assert!(catalog.module("crm").is_some() && catalog.module("livechat").is_some());
        assert_eq!(catalog.locale(), Locale::En);
        let again = validate_catalog(&serde_json::to_value(&catalog).unwrap()).unwrap();
        assert_eq!(again, catalog);
    }

    #[test]
    fn every_wrong_entry_is_reported() {
        let got = codes(validate_catalog(&json!({
            "questionnaires": [{"id": "Bad Id", "name": ""}, {"id": "a", "name": "A", "language": "de"},
                               {"id": "a", "name": "again"}],
            "modules": ["livechat", "CRM"], "languages": ["fr", "xx"], "locale": "de"
        })));
        let want: Vec<(String, Code)> = [
            ("languages[1]", Code::LanguageUnknown),
            ("locale", Code::FieldInvalid),
            ("modules[0]", Code::CatalogDuplicate),
            ("modules[1]", Code::ModuleInvalid),
            ("questionnaires[0].id", Code::QuestionnaireInvalid),
            ("questionnaires[0].name", Code::FieldRequired),
            ("questionnaires[1].language", Code::LanguageNotOffered),
            ("questionnaires[2].id", Code::CatalogDuplicate),
        ]
        .into_iter()
        .map(|(f, c)| (f.to_owned(), c))
        .collect();
        assert_eq!(got, want);
        assert_eq!(
            codes(validate_catalog(
                &json!({"languages": [], "modules": [], "questionnaires": [], "locale": "fr"})
            )),
            vec![("languages".to_owned(), Code::LanguagesEmpty)]
        );
    }

    #[test]
    fn default_language_prefers_french_then_the_locale() {
        assert_eq!(Catalog::default().default_language().as_str(), "fr");
        let english = validate_catalog(
            &json!({"questionnaires": [], "modules": [], "languages": ["de", "en"], "locale": "en"}),
        )
        .unwrap();
        assert_eq!(english.default_language().as_str(), "en");
    }

    fn holder(id: &str, kind: HolderKind, access: serde_json::Value, catalog: &Catalog) -> Holder {
        let mut input = json!({"email": format!("{id}@x.fr"), "password": "une phrase de passe"});
        for (k, v) in access.as_object().unwrap() {
            input[k] = v.clone();
        }
        Holder {
            id: id.to_owned(),
            email: format!("{id}@x.fr"),
            kind,
            held: Held::Access(crate::validate_user(&input, catalog).unwrap().access),
        }
    }

    #[test]
    fn removing_what_someone_holds_is_refused_with_every_holder() {
        let current = sample().with_extra(["crm"]);
        let holders = [
            holder(
                "lea",
                HolderKind::User,
                json!({"role": "agent", "modules": ["livechat", "crm"],
                "livechat": {"questionnaires": ["shop"], "languages": ["fr", "de"]}}),
                &current,
            ),
            holder(
                "inv",
                HolderKind::Invitation,
                json!({"role": "manager",
                "livechat": {"questionnaires": ["shop", "site-fr"]}}),
                &current,
            ),
            holder("boss", HolderKind::User, json!({"role": "admin"}), &current),
            Holder {
                id: "t1".into(),
                email: "Boutique".into(),
                kind: HolderKind::Team,
                held: Held::Questionnaires([Questionnaire::parse("shop").unwrap()].into()),
            },
        ];
        let next = validate_catalog(&json!({"questionnaires": [{"id": "site-en", "name": "EN"}],
            "modules": [], "languages": ["fr", "en"], "locale": "fr"}))
        .unwrap();
        let held = plan_catalog_change(&current, &next, &holders).unwrap_err();
        let summary: Vec<(&str, &str, Vec<&str>)> = held
            .iter()
            .map(|h| {
                (
                    h.field,
                    h.value.as_str(),
                    h.holders.iter().map(|r| r.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("questionnaires", "shop", vec!["lea", "inv", "t1"]),
                ("languages", "de", vec!["lea"]),
                ("modules", "crm", vec!["lea"]),
                ("questionnaires", "site-fr", vec!["inv"]),
            ]
        );
        assert_eq!(held[0].violation().code, Code::CatalogEntryInUse);
        assert_eq!(held[0].violation().params.min, Some(3));
    }

    #[test]
    fn admins_follow_the_modules_and_nothing_unheld_stands_in_the_way() {
        let current = sample();
        let holders = [
            holder("boss", HolderKind::User, json!({"role": "admin"}), &current),
            holder("lea", HolderKind::User, json!({"role": "agent"}), &current),
        ];
        let next = sample().with_extra(["crm"]);
        let realigned = plan_catalog_change(&current, &next, &holders).unwrap();
        assert_eq!(realigned.len(), 1, "only the admin changes");
        assert!(realigned[0].1.has_module("crm"));
        let back = plan_catalog_change(
            &next,
            &current,
            &[Holder {
                held: Held::Access(realigned[0].1.clone()),
                ..holders[0].clone()
            }],
        )
        .unwrap();
        assert!(!back[0].1.has_module("crm"));
        // Removing questionnaires and languages nobody holds goes through.
        assert_eq!(
            plan_catalog_change(&current, &Catalog::default(), &holders[1..]),
            Ok(vec![])
        );
    }
}
