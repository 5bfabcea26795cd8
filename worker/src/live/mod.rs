//! The live layer: each organization's desk is a Durable Object (`desk.rs`, `OrganizationDesk`)
//! holding its conversations, queue and presence, deciding by the core and pushing what changed
//! to its people's sockets. This module is what the rest of the Worker calls: it asks the desk
//! (`wire.rs`), and never decides anything itself.

pub mod desk;
mod wire;

use crate::ctx::Ctx;
use crate::http::ApiError;
use crate::store::ConversationRow;
use crate::store::ConversationStatus;
use livechat_access::{Code, OrganizationId, WaitingConversation};
use serde::de::DeserializeOwned;
use wire::{Command, Reply};
use worker::{Env, Headers, Method, Request, RequestInit, Response};

/// An organization's desk, as the Worker reaches it.
pub struct Desk {
    stub: worker::Stub,
    organization: OrganizationId,
}

/// What a refused command says: its codes, first first.
pub struct Refused(pub Vec<Code>);

impl From<Refused> for ApiError {
    fn from(Refused(codes): Refused) -> Self {
        ApiError::code(codes.first().copied().unwrap_or(Code::Internal))
    }
}

impl Desk {
    /// The organization's desk: one object per organization, named by its id.
    pub fn of(env: &Env, organization: &OrganizationId) -> Result<Desk, ApiError> {
        let stub = env
            .durable_object("DESKS")?
            .id_from_name(organization.as_str())?
            .get_stub()?;
        Ok(Desk {
            stub,
            organization: organization.clone(),
        })
    }

    fn name(&self) -> String {
        self.organization.as_str().to_owned()
    }

    async fn ask<T: DeserializeOwned>(
        &self,
        command: &Command,
    ) -> Result<Result<T, Refused>, ApiError> {
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(serde_json::to_string(command)?.into()));
        let request = Request::new_with_init("https://desk/command", &init)?;
        let mut response = self.stub.fetch_with_request(request).await?;
        if response.status_code() != 200 {
            return Err(ApiError::Internal(format!(
                "desk answered {}: {}",
                response.status_code(),
                response.text().await.unwrap_or_default()
            )));
        }
        Ok(match response.json::<Reply<T>>().await? {
            Reply::Ok(value) => Ok(value),
            Reply::Refused(codes) => Err(Refused(
                codes.iter().filter_map(|c| Code::parse(c)).collect(),
            )),
        })
    }

    /// Opens and routes a conversation; the answer is `POST /conversations`' body.
    pub async fn open(
        &self,
        id: &str,
        conversation: WaitingConversation,
        now: i64,
        version: i64,
    ) -> Result<serde_json::Value, ApiError> {
        Ok(self
            .ask(&Command::Open {
                organization: self.name(),
                id: id.to_owned(),
                questionnaire: conversation.questionnaire,
                language: conversation.language,
                channel: conversation.channel,
                now,
                version,
            })
            .await??)
    }

    /// Conversations, newest first: everyone's (`assigned_to: None`) or one person's.
    pub async fn list(
        &self,
        assigned_to: Option<&str>,
        status: Option<ConversationStatus>,
        limit: u32,
    ) -> Result<Vec<ConversationRow>, ApiError> {
        Ok(self
            .ask(&Command::List {
                organization: self.name(),
                assigned_to: assigned_to.map(str::to_owned),
                status,
                limit,
            })
            .await??)
    }

    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationRow>, ApiError> {
        Ok(self
            .ask(&Command::Get {
                organization: self.name(),
                id: id.to_owned(),
            })
            .await??)
    }

    /// Hands `row` to `to`; refused with routing's reasons.
    pub async fn transfer(
        &self,
        row: &ConversationRow,
        to: &str,
        now: i64,
        version: i64,
    ) -> Result<Result<ConversationRow, Refused>, ApiError> {
        let answer: Result<Option<ConversationRow>, Refused> = self
            .ask(&Command::Transfer {
                organization: self.name(),
                id: row.id.clone(),
                from: row.assigned_to.clone(),
                to: to.to_owned(),
                now,
                version,
            })
            .await?;
        Ok(answer.map(|r| r.unwrap_or_else(|| row.clone())))
    }

    pub async fn close(
        &self,
        row: &ConversationRow,
        now: i64,
        version: i64,
    ) -> Result<ConversationRow, ApiError> {
        let closed: Option<ConversationRow> = self
            .ask(&Command::Close {
                organization: self.name(),
                id: row.id.clone(),
                from: row.assigned_to.clone(),
                now,
                version,
            })
            .await??;
        closed.ok_or_else(|| Code::NotFound.into())
    }

    /// The organization was deleted: its desk's storage goes too, its sockets close.
    pub async fn wipe(&self) -> Result<(), ApiError> {
        Ok(self
            .ask::<()>(&Command::Wipe {
                organization: self.name(),
            })
            .await??)
    }
}

/// After a write of an organization's data: its desk catches up with D1 before the request
/// answers, so that from then on nothing is routed against the old state, and waiting
/// conversations go at once to whoever may now take them. D1's triggers have already moved the
/// organization's access version in the write's own transaction; should this call fail (or the
/// Worker die first), the next request carrying that version makes the desk catch up before it
/// routes. Failing here therefore never fails the write that succeeded.
pub async fn caught_up(ctx: &Ctx) {
    let Some(organization) = ctx.touched.borrow().clone() else {
        return;
    };
    let result = async {
        Desk::of(&ctx.env, &organization)?
            .ask::<()>(&Command::CatchUp {
                organization: organization.as_str().to_owned(),
                now: ctx.now,
            })
            .await?
            .map_err(ApiError::from)
    }
    .await;
    if let Err(e) = result {
        worker::console_error!("desk {}: not caught up: {e:?}", organization.as_str());
    }
}

/// `GET /live`: a person's live connection (WebSocket), authenticated by their session like any
/// request, its origin checked (a page of another site cannot open it with the cookie), then
/// handed to their organization's desk, which accepts it.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/live", operation_id = "live", tag = "conversations", summary = "Live desk events (WebSocket; JSON text frames, LiveMessage)", params(("upgrade" = Option<String>, Header, description = "`websocket`: without it the answer is 426 `websocket_expected`")), responses((status = 101, description = "Switching protocols: frames are LiveMessage JSON", body = livechat_access::LiveMessage), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 426, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn connect(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    if let Some(origin) = ctx.req.headers().get("origin")? {
        if origin != ctx.origin()? {
            return Err(Code::CrossOrigin.into());
        }
    }
    let upgrade = ctx.req.headers().get("upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(Code::WebSocketExpected.into());
    }
    let actor = &session.actor;
    if matches!(
        livechat_access::conversation_scope(actor),
        livechat_access::ConversationScope::Nothing
    ) {
        return Err(Code::Forbidden.into());
    }
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set(wire::PERSON_HEADER, &actor.id)?;
    headers.set(wire::ORGANIZATION_HEADER, actor.organization.as_str())?;
    headers.set(
        wire::VERSION_HEADER,
        &session.catalog.access_version.to_string(),
    )?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let request = Request::new_with_init("https://desk/connect", &init)?;
    let desk = Desk::of(&ctx.env, &actor.organization)?;
    let response = desk.stub.fetch_with_request(request).await?;
    if response.status_code() == 403 {
        return Err(Code::Forbidden.into());
    }
    Ok(response)
}
