//! Teams: named sets of people that grant their members questionnaires. An agent takes the
//! conversations of their own questionnaires and of their teams' (the rule is
//! [`crate::AgentSnapshot::joining_teams`]); SCIM's Groups will map onto them (issue #13).

use crate::catalog::Catalog;
use crate::error::{Code, Violation};
use crate::input::{keys_of, object};
use crate::{Questionnaire, SortedSet};
use serde::Deserialize;
use serde_json::Value;

/// Longest team name, in characters.
pub const MAX_TEAM_NAME: usize = 100;
/// Most members a team lists.
pub const MAX_TEAM_MEMBERS: usize = 1000;

/// A team as created or replaced (`POST /teams`, `PUT /teams/{id}`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamInput {
    /// Its name, unique in the organization.
    pub name: String,
    /// Questionnaires its members take conversations for, from the catalog; left out or
    /// `null`, none (as every list of the forms reads).
    #[serde(default)]
    pub questionnaires: Option<Vec<Questionnaire>>,
    /// Its members' user ids; left out or `null`, none.
    #[serde(default)]
    pub members: Option<Vec<String>>,
}

/// A checked team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    /// Its name.
    pub name: String,
    /// Questionnaires granted.
    pub questionnaires: SortedSet<Questionnaire>,
    /// Member ids (that they are the organization's people is the store's to check).
    pub members: SortedSet<String>,
}

/// Validates a team against the organization's catalog, every field at once.
pub fn validate_team(input: &Value, catalog: &Catalog) -> Result<NewTeam, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<TeamInput>(), &mut errors) else {
        return Err(errors);
    };
    let name = obj.required_text("name", MAX_TEAM_NAME, &mut errors);
    let mut questionnaires = SortedSet::new();
    for id in obj
        .strings("questionnaires", &mut errors)
        .unwrap_or_default()
    {
        if let Some(q) = catalog.read_questionnaire(id, "questionnaires", &mut errors) {
            questionnaires.insert(q);
        }
    }
    let ids = obj.strings("members", &mut errors).unwrap_or_default();
    if ids.len() > MAX_TEAM_MEMBERS {
        errors.push(Violation::new("members", Code::FieldTooLong).max(MAX_TEAM_MEMBERS));
    }
    let mut members = SortedSet::new();
    for (i, id) in ids.iter().enumerate() {
        if id.is_empty() || id.len() > 64 {
            errors.push(Violation::new(format!("members[{i}]"), Code::FieldInvalid).value(id));
        } else {
            members.insert((*id).to_owned());
        }
    }
    match name {
        Some(name) if errors.is_empty() => Ok(NewTeam {
            name,
            questionnaires,
            members,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_team_takes_its_questionnaires_from_the_catalog() {
        let catalog = crate::catalog::sample();
        let team = validate_team(
            &json!({"name": " Boutique ", "questionnaires": ["shop", "site-fr", "shop"], "members": ["u2", "u1", "u2"]}),
            &catalog,
        )
        .unwrap();
        assert_eq!(team.name, "Boutique");
        assert_eq!(team.questionnaires.len(), 2);
        assert_eq!(team.members.iter().collect::<Vec<_>>(), ["u1", "u2"]);
        let errors: Vec<_> = validate_team(
            &json!({"name": "", "questionnaires": ["nope"], "members": [""]}),
            &catalog,
        )
        .unwrap_err()
        .into_iter()
        .map(|v| (v.field, v.code))
        .collect();
        assert_eq!(
            errors,
            vec![
                ("name".to_owned(), Code::FieldRequired),
                ("questionnaires".to_owned(), Code::QuestionnaireUnknown),
                ("members[0]".to_owned(), Code::FieldInvalid),
            ]
        );
    }
}
