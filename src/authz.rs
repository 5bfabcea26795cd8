//! Who may do what. Deny by default: every action names the rule that lets it through.

use crate::access::{Module, Questionnaire, Role};
use crate::error::Code;
use crate::organization::OrganizationId;
use crate::SortedSet;
use serde::Serialize;

/// The person asking, as stored (never as they claim).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(missing_as_null),
    serde(rename_all = "camelCase")
)]
pub struct Actor {
    /// Their user id.
    pub id: String,
    /// The organization they belong to: they act inside it only.
    pub organization: OrganizationId,
    /// Their role.
    pub role: Role,
    /// Their modules (an admin's are the whole catalog).
    pub modules: SortedSet<Module>,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// Their questionnaires (ignored for admins, who cover all).
    pub questionnaires: SortedSet<Questionnaire>,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// A disabled account may do nothing.
    pub disabled: bool,
}

impl Actor {
    fn has_module(&self, id: &str) -> bool {
        self.modules.iter().any(|m| m.as_str() == id)
    }

    fn manages_users(&self) -> bool {
        self.role >= Role::Manager && self.has_module(Module::USERS)
    }

    /// Whether `grant` stays within what this actor holds; `Err(PrivilegeEscalation)` otherwise.
    fn may_grant(&self, grant: &Grant) -> Result<(), Code> {
        let within = grant.role <= self.role
            // Managers hand out the agent role only.
            && (self.role == Role::Admin || grant.role == Role::Agent)
            && grant.modules.is_subset(&self.modules)
            && (self.role.covers_all_questionnaires()
                || grant.questionnaires.is_subset(&self.questionnaires));
        if within {
            Ok(())
        } else {
            Err(Code::PrivilegeEscalation)
        }
    }
}

/// Another account, as it stands before the action.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(missing_as_null),
    serde(rename_all = "camelCase")
)]
pub struct Subject {
    /// Their user id.
    pub id: String,
    /// Their organization.
    pub organization: OrganizationId,
    /// Their current role.
    pub role: Role,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// Whether the account is disabled now.
    pub disabled: bool,
}

/// The access an action would give someone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(missing_as_null),
    serde(rename_all = "camelCase")
)]
pub struct Grant {
    /// Role.
    pub role: Role,
    /// Modules.
    pub modules: SortedSet<Module>,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// Questionnaires (empty for admins).
    pub questionnaires: SortedSet<Questionnaire>,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// Whether the account ends up disabled.
    pub disabled: bool,
}

/// A conversation, as far as visibility goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(missing_as_null),
    serde(rename_all = "camelCase")
)]
pub struct ConversationRef {
    /// The organization whose visitor opened it.
    pub organization: OrganizationId,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// Who holds it now (after any transfer), if anyone.
    pub assigned_to: Option<String>,
}

/// Something an actor wants to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(missing_as_null),
    serde(
        tag = "type",
        rename_all = "camelCase",
        rename_all_fields = "camelCase"
    )
)]
pub enum Action {
    /// Open a back-office module.
    AccessModule {
        /// Which.
        module: Module,
    },
    /// See a conversation.
    ViewConversation {
        /// Which.
        conversation: ConversationRef,
    },
    /// Answer in a conversation.
    ReplyConversation {
        /// Which.
        conversation: ConversationRef,
    },
    /// Hand a conversation to someone else (the target is checked by routing).
    TransferConversation {
        /// Which.
        conversation: ConversationRef,
    },
    /// Close a conversation.
    CloseConversation {
        /// Which.
        conversation: ConversationRef,
    },
    /// Open a conversation on behalf of a visitor (normally the chat box's service token).
    OpenConversation,
    /// List accounts.
    ListUsers,
    /// See one account.
    ViewUser {
        /// Whose.
        target: Subject,
    },
    /// Create an account with this access.
    CreateUser {
        /// The access it would have.
        grant: Grant,
    },
    /// Invite people with this access.
    InviteUser {
        /// The access they would have.
        grant: Grant,
    },
    /// Edit an account; `after` is its access after the edit, or `None` when only the profile or
    /// password changes.
    EditUser {
        /// Whose.
        target: Subject,
        /// The access after the edit.
        #[cfg_attr(feature = "wasm", serde(default))]
        after: Option<Grant>,
        /// Active (enabled) admins right now, the target included.
        active_admins: u32,
    },
    /// Delete an account.
    DeleteUser {
        /// Whose.
        target: Subject,
        /// Active admins right now.
        active_admins: u32,
    },
    /// Take away someone's second factors (they enrol again at their next sign-in).
    ResetSecondFactors {
        /// Whose.
        target: Subject,
    },
    /// Get a signed identity token for someone, to show the vendor's other services.
    IssueIdentityToken {
        /// Whose.
        target: Subject,
    },
    /// Change platform settings.
    ChangeSettings,
    /// Read the audit log.
    ViewAudit,
}

/// The answer to "may they?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    /// Yes or no.
    pub allowed: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
}

impl From<Result<(), Code>> for Decision {
    fn from(result: Result<(), Code>) -> Self {
        Decision {
            allowed: result.is_ok(),
            code: result.err(),
        }
    }
}

/// Which accounts someone may list: listing and [`Action::ViewUser`] share this one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserScope {
    /// Every account (admins).
    All,
    /// Agents and themself (managers holding the users module).
    AgentsAndSelf(String),
    /// Themself only.
    SelfOnly(String),
}

impl UserScope {
    /// Whether an account falls inside.
    pub fn includes(&self, target: &Subject) -> bool {
        match self {
            UserScope::All => true,
            UserScope::AgentsAndSelf(me) => target.role == Role::Agent || target.id == *me,
            UserScope::SelfOnly(me) => target.id == *me,
        }
    }
}

/// The accounts `actor` may see.
pub fn user_scope(actor: &Actor) -> UserScope {
    match actor.role {
        _ if !actor.manages_users() || actor.disabled => UserScope::SelfOnly(actor.id.clone()),
        Role::Admin => UserScope::All,
        Role::Manager | Role::Agent => UserScope::AgentsAndSelf(actor.id.clone()),
    }
}

/// Which conversations someone may see: listing and [`Action::ViewConversation`] share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationScope {
    /// Every conversation (managers and admins with the livechat module).
    All,
    /// Those assigned to this user, transfers to them included (agents).
    AssignedTo(String),
    /// None (no livechat module, or disabled).
    Nothing,
}

impl ConversationScope {
    /// Whether a conversation falls inside.
    pub fn includes(&self, conversation: &ConversationRef) -> bool {
        match self {
            ConversationScope::All => true,
            ConversationScope::AssignedTo(me) => conversation.assigned_to.as_deref() == Some(me),
            ConversationScope::Nothing => false,
        }
    }
}

/// The conversations `actor` may see.
pub fn conversation_scope(actor: &Actor) -> ConversationScope {
    if actor.disabled || !actor.has_module(Module::LIVECHAT) {
        ConversationScope::Nothing
    } else if actor.role >= Role::Manager {
        ConversationScope::All
    } else {
        ConversationScope::AssignedTo(actor.id.clone())
    }
}

fn require(condition: bool, code: Code) -> Result<(), Code> {
    if condition {
        Ok(())
    } else {
        Err(code)
    }
}

impl Action {
    /// The organization of what the action touches, when it touches something that has one
    /// (grants are given inside the actor's own organization).
    pub(crate) fn organization(&self) -> Option<&OrganizationId> {
        match self {
            Action::ViewConversation { conversation }
            | Action::ReplyConversation { conversation }
            | Action::TransferConversation { conversation }
            | Action::CloseConversation { conversation } => Some(&conversation.organization),
            Action::ViewUser { target }
            | Action::EditUser { target, .. }
            | Action::DeleteUser { target, .. }
            | Action::ResetSecondFactors { target }
            | Action::IssueIdentityToken { target } => Some(&target.organization),
            Action::AccessModule { .. }
            | Action::OpenConversation
            | Action::ListUsers
            | Action::CreateUser { .. }
            | Action::InviteUser { .. }
            | Action::ChangeSettings
            | Action::ViewAudit => None,
        }
    }
}

/// Whether something of `organization` exists for `actor` at all: `not_found` when it belongs to
/// another organization, for records the actions above do not name (an invitation).
pub fn within_organization(actor: &Actor, organization: &OrganizationId) -> Result<(), Code> {
    require(actor.organization == *organization, Code::NotFound)
}

/// Decides whether `actor` may do `action`. Anything of another organization is `not_found`,
/// exactly as an id that does not exist, so that ids cannot be probed across organizations.
pub fn authorize(actor: &Actor, action: &Action) -> Result<(), Code> {
    if let Some(theirs) = action.organization() {
        within_organization(actor, theirs)?;
    }
    require(!actor.disabled, Code::AccountDisabled)?;
    let sees_conversation =
        |c: &ConversationRef| require(conversation_scope(actor).includes(c), Code::Forbidden);
    // Managers act on agents only; admins on everyone.
    let manages = |target: &Subject| {
        require(actor.manages_users(), Code::Forbidden)?;
        require(
            actor.role == Role::Admin || target.role == Role::Agent,
            Code::Forbidden,
        )
    };
    let keeps_an_admin = |target: &Subject, stays_active_admin: bool, active_admins: u32| {
        let removes_an_admin =
            target.role == Role::Admin && !target.disabled && !stays_active_admin;
        require(!removes_an_admin || active_admins > 1, Code::LastAdmin)
    };
    match action {
        Action::AccessModule { module } => {
            require(actor.has_module(module.as_str()), Code::Forbidden)
        }
        Action::ViewConversation { conversation }
        | Action::ReplyConversation { conversation }
        | Action::TransferConversation { conversation }
        | Action::CloseConversation { conversation } => sees_conversation(conversation),
        Action::OpenConversation => require(actor.role == Role::Admin, Code::Forbidden),
        Action::ListUsers => require(actor.manages_users(), Code::Forbidden),
        Action::ViewUser { target } => require(user_scope(actor).includes(target), Code::Forbidden),
        Action::CreateUser { grant } | Action::InviteUser { grant } => {
            require(actor.manages_users(), Code::Forbidden)?;
            actor.may_grant(grant)
        }
        Action::EditUser {
            target,
            after,
            active_admins,
        } => {
            let Some(after) = after else {
                // Anyone may edit their own profile and password.
                return if target.id == actor.id {
                    Ok(())
                } else {
                    manages(target)
                };
            };
            if target.id == actor.id {
                require(after.role == target.role, Code::OwnRoleChange)?;
                require(!after.disabled || target.disabled, Code::SelfDelete)?;
                // Only admins set their own access; they hold everything anyway.
                require(actor.role == Role::Admin, Code::OwnRoleChange)?;
            } else {
                manages(target)?;
            }
            actor.may_grant(after)?;
            keeps_an_admin(
                target,
                after.role == Role::Admin && !after.disabled,
                *active_admins,
            )
        }
        Action::DeleteUser {
            target,
            active_admins,
        } => {
            require(target.id != actor.id, Code::SelfDelete)?;
            manages(target)?;
            keeps_an_admin(target, false, *active_admins)
        }
        // Admins only: a manager who could strip an agent's factor could sign in as them after a
        // password reset. Never one's own: that is done from one's account, with a factor.
        Action::ResetSecondFactors { target } => {
            require(target.id != actor.id, Code::OwnFactorsReset)?;
            require(actor.role == Role::Admin, Code::Forbidden)
        }
        // A person gets their own token; services acting for someone use an integration key.
        Action::IssueIdentityToken { target } => require(target.id == actor.id, Code::Forbidden),
        Action::ChangeSettings => require(
            actor.role == Role::Admin && actor.has_module(Module::SETTINGS),
            Code::Forbidden,
        ),
        Action::ViewAudit => require(actor.role == Role::Admin, Code::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: &str, role: Role) -> Actor {
        let catalog = crate::catalog::sample();
        Actor {
            id: id.into(),
            organization: OrganizationId::new("acme"),
            role,
            modules: crate::access::role_defaults(role, &catalog).modules,
            questionnaires: [Questionnaire::parse("site-fr").unwrap()].into(),
            disabled: false,
        }
    }

    fn subject(id: &str, role: Role) -> Subject {
        Subject {
            id: id.into(),
            organization: OrganizationId::new("acme"),
            role,
            disabled: false,
        }
    }

    fn grant(role: Role, modules: &[&str]) -> Grant {
        Grant {
            role,
            modules: modules.iter().map(|m| Module::named(m)).collect(),
            questionnaires: SortedSet::new(),
            disabled: false,
        }
    }

    #[test]
    fn only_admins_reset_second_factors_and_never_their_own() {
        let admin = actor("ad", Role::Admin);
        let reset = |target: Subject| Action::ResetSecondFactors { target };
        assert_eq!(
            authorize(&admin, &reset(subject("a1", Role::Agent))),
            Ok(())
        );
        assert_eq!(
            authorize(&admin, &reset(subject("ad2", Role::Admin))),
            Ok(())
        );
        assert_eq!(
            authorize(&admin, &reset(subject("ad", Role::Admin))),
            Err(Code::OwnFactorsReset)
        );
        let manager = actor("m", Role::Manager);
        assert_eq!(
            authorize(&manager, &reset(subject("a1", Role::Agent))),
            Err(Code::Forbidden)
        );
    }

    #[test]
    fn another_organization_is_not_found_whatever_the_role() {
        let admin = actor("z", Role::Admin);
        let elsewhere = OrganizationId::new("globex");
        let mut stranger = subject("s", Role::Agent);
        stranger.organization = elsewhere.clone();
        let theirs = ConversationRef {
            organization: elsewhere,
            assigned_to: Some("z".into()),
        };
        for action in [
            Action::ViewUser {
                target: stranger.clone(),
            },
            Action::EditUser {
                target: stranger.clone(),
                after: None,
                active_admins: 2,
            },
            Action::DeleteUser {
                target: stranger.clone(),
                active_admins: 2,
            },
            Action::ViewConversation {
                conversation: theirs.clone(),
            },
            Action::ReplyConversation {
                conversation: theirs.clone(),
            },
            Action::TransferConversation {
                conversation: theirs.clone(),
            },
            Action::CloseConversation {
                conversation: theirs,
            },
        ] {
            assert_eq!(
                authorize(&admin, &action),
                Err(Code::NotFound),
                "{action:?}"
            );
        }
        // Even a disabled actor learns nothing more than "not found" about another company.
        let mut disabled = actor("z", Role::Admin);
        disabled.disabled = true;
        let view = Action::ViewUser { target: stranger };
        assert_eq!(authorize(&disabled, &view), Err(Code::NotFound));
    }

    #[test]
    fn modules_follow_the_actor() {
        let agent = actor("a", Role::Agent);
        let open = |a: &Actor, m: &str| {
            authorize(
                a,
                &Action::AccessModule {
                    module: Module::named(m),
                },
            )
        };
        assert_eq!(open(&agent, "livechat"), Ok(()));
        assert_eq!(open(&agent, "statistics"), Err(Code::Forbidden));
        assert_eq!(open(&actor("m", Role::Manager), "statistics"), Ok(()));
        assert_eq!(open(&actor("z", Role::Admin), "settings"), Ok(()));
        let mut disabled = actor("z", Role::Admin);
        disabled.disabled = true;
        assert_eq!(open(&disabled, "livechat"), Err(Code::AccountDisabled));
    }

    #[test]
    fn agents_see_their_own_conversations_and_transfers_to_them() {
        let agent = actor("a", Role::Agent);
        let view = |a: &Actor, to: Option<&str>| {
            authorize(
                a,
                &Action::ViewConversation {
                    conversation: ConversationRef {
                        organization: OrganizationId::new("acme"),
                        assigned_to: to.map(Into::into),
                    },
                },
            )
        };
        assert_eq!(view(&agent, Some("a")), Ok(()));
        assert_eq!(view(&agent, Some("b")), Err(Code::Forbidden));
        assert_eq!(view(&agent, None), Err(Code::Forbidden));
        assert_eq!(view(&actor("m", Role::Manager), Some("b")), Ok(()));
        assert_eq!(view(&actor("z", Role::Admin), None), Ok(()));
    }

    #[test]
    fn managers_manage_agents_only_and_grant_no_more_than_they_hold() {
        let manager = actor("m", Role::Manager);
        let create = |g| authorize(&manager, &Action::CreateUser { grant: g });
        assert_eq!(create(grant(Role::Agent, &["livechat", "history"])), Ok(()));
        assert_eq!(
            create(grant(Role::Manager, &["livechat"])),
            Err(Code::PrivilegeEscalation)
        );
        assert_eq!(
            create(grant(Role::Admin, &[])),
            Err(Code::PrivilegeEscalation)
        );
        assert_eq!(
            create(grant(Role::Agent, &["settings"])),
            Err(Code::PrivilegeEscalation)
        );
        let mut other_questionnaire = grant(Role::Agent, &["livechat"]);
        other_questionnaire
            .questionnaires
            .insert(Questionnaire::parse("site-de").unwrap());
        assert_eq!(create(other_questionnaire), Err(Code::PrivilegeEscalation));
        assert_eq!(
            authorize(
                &manager,
                &Action::ViewUser {
                    target: subject("z", Role::Admin)
                }
            ),
            Err(Code::Forbidden)
        );
        assert_eq!(
            authorize(
                &manager,
                &Action::DeleteUser {
                    target: subject("b", Role::Manager),
                    active_admins: 1
                }
            ),
            Err(Code::Forbidden)
        );
        assert_eq!(
            authorize(
                &manager,
                &Action::DeleteUser {
                    target: subject("a", Role::Agent),
                    active_admins: 1
                }
            ),
            Ok(())
        );
        assert_eq!(
            authorize(&actor("a", Role::Agent), &Action::ListUsers),
            Err(Code::Forbidden)
        );
    }

    #[test]
    fn nobody_changes_their_own_role_or_removes_themself() {
        let admin = actor("z", Role::Admin);
        let me = subject("z", Role::Admin);
        let all = crate::catalog::sample().allowed_for(Role::Admin);
        let mut demoted = grant(Role::Manager, &["livechat"]);
        assert_eq!(
            authorize(
                &admin,
                &Action::EditUser {
                    target: me.clone(),
                    after: Some(demoted.clone()),
                    active_admins: 5
                }
            ),
            Err(Code::OwnRoleChange)
        );
        demoted.role = Role::Admin;
        demoted.modules = all;
        demoted.disabled = true;
        assert_eq!(
            authorize(
                &admin,
                &Action::EditUser {
                    target: me.clone(),
                    after: Some(demoted),
                    active_admins: 5
                }
            ),
            Err(Code::SelfDelete)
        );
        assert_eq!(
            authorize(
                &admin,
                &Action::DeleteUser {
                    target: me.clone(),
                    active_admins: 5
                }
            ),
            Err(Code::SelfDelete)
        );
        assert_eq!(
            authorize(
                &admin,
                &Action::EditUser {
                    target: me,
                    after: None,
                    active_admins: 5
                }
            ),
            Ok(())
        );
        let agent = actor("a", Role::Agent);
        assert_eq!(
            authorize(
                &agent,
                &Action::EditUser {
                    target: subject("a", Role::Agent),
                    after: None,
                    active_admins: 1
                }
            ),
            Ok(())
        );
        assert_eq!(
            authorize(
                &agent,
                &Action::EditUser {
                    target: subject("a", Role::Agent),
                    after: Some(grant(Role::Agent, &["livechat"])),
                    active_admins: 1
                }
            ),
            Err(Code::OwnRoleChange)
        );
    }

    #[test]
    fn the_last_admin_stays() {
        let admin = actor("z", Role::Admin);
        let other = subject("y", Role::Admin);
        let demote = Action::EditUser {
            target: other.clone(),
            after: Some(grant(Role::Agent, &["livechat"])),
            active_admins: 1,
        };
        assert_eq!(authorize(&admin, &demote), Err(Code::LastAdmin));
        let demote = Action::EditUser {
            target: other.clone(),
            after: Some(grant(Role::Agent, &["livechat"])),
            active_admins: 2,
        };
        assert_eq!(authorize(&admin, &demote), Ok(()));
        assert_eq!(
            authorize(
                &admin,
                &Action::DeleteUser {
                    target: other.clone(),
                    active_admins: 1
                }
            ),
            Err(Code::LastAdmin)
        );
        let mut disabled_admin = other;
        disabled_admin.disabled = true;
        assert_eq!(
            authorize(
                &admin,
                &Action::DeleteUser {
                    target: disabled_admin,
                    active_admins: 1
                }
            ),
            Ok(())
        );
    }

    #[test]
    fn settings_and_audit_are_for_admins() {
        assert_eq!(
            authorize(&actor("m", Role::Manager), &Action::ChangeSettings),
            Err(Code::Forbidden)
        );
        assert_eq!(
            authorize(&actor("z", Role::Admin), &Action::ChangeSettings),
            Ok(())
        );
        assert_eq!(
            authorize(&actor("m", Role::Manager), &Action::ViewAudit),
            Err(Code::Forbidden)
        );
    }
}
