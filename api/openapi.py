# Generates api/openapi.json, the OpenAPI 3.1 description of the HTTP API (served by the Worker at
# /api/v1/openapi.json and checked against every response by the e2e tests).
# Run: python3 api/openapi.py   (the test command checks the committed file is up to date)
import json, pathlib

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def obj(props, required=None, extra=False):
    s = {"type": "object", "properties": props, "additionalProperties": extra}
    s["required"] = list(props) if required is None else required
    return s
S = {"type": "string"}
I = {"type": "integer"}
B = {"type": "boolean"}
def nullable(s): return {"anyOf": [s, {"type": "null"}]}
def arr(s): return {"type": "array", "items": s}

ROLE = {"type": "string", "enum": ["agent", "manager", "admin"]}
TOKEN = {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}
CHANNEL = {"type": "string", "enum": ["chat", "call", "video", "messaging"]}
schemas = {
    "Role": ROLE,
    "Channel": CHANNEL,
    "FieldError": obj({"field": S, "code": S, "message": S}),
    "Problem": obj({
        "type": S, "title": S, "status": I, "code": S,
        "errors": arr(ref("FieldError")), "emails": arr(ref("EmailVerdict")), "reasons": arr(S),
    }, required=["type", "title", "status", "code"]),
    "EmailVerdict": obj({"input": S, "email": nullable(S), "status": {"enum": ["valid", "invalid"]},
                         "code": nullable(S), "message": nullable(S)}),
    "LivechatSettings": obj({
        "maxConversations": nullable({"type": "integer", "minimum": 1, "maximum": 50}),
        "languages": arr(S), "mainLanguage": S, "questionnaires": arr(S), "channels": arr(CHANNEL)}),
    "Profile": obj({"firstName": nullable(S), "lastName": nullable(S), "pseudonym": nullable(S),
                    "avatarUrl": nullable(S), "timeZone": S}),
    "User": obj({"id": S, "email": S, "role": ROLE, "modules": arr(S), "livechat": ref("LivechatSettings"),
                 "profile": ref("Profile"), "disabled": B, "presence": {"enum": ["online", "away", "offline"]},
                 "createdAt": I, "updatedAt": I}),
    "UserPage": obj({"items": arr(ref("User")), "nextCursor": nullable(S)}),
    "Session": obj({"token": S, "expiresAt": I, "user": ref("User")}),
    "LivechatInput": {"type": "object", "description": "Any subset; missing fields take the role's defaults.",
        "properties": {"maxConversations": nullable(I), "languages": arr(S), "mainLanguage": S,
                       "questionnaires": arr(S), "channels": arr(CHANNEL)}, "additionalProperties": False},
    "ProfileInput": {"type": "object", "properties": {k: nullable(S) for k in ["firstName", "lastName", "pseudonym", "avatarUrl", "timeZone"]},
                     "additionalProperties": False},
    "NewUser": {"type": "object", "required": ["email", "password", "role"], "additionalProperties": False,
                "properties": {"email": S, "password": S, "role": ROLE, "modules": arr(S),
                               "livechat": ref("LivechatInput"), "profile": ref("ProfileInput")}},
    "UserPatch": {"type": "object", "additionalProperties": False,
                  "properties": {"email": S, "password": S, "role": ROLE, "modules": arr(S), "disabled": B,
                                 "livechat": ref("LivechatInput"), "profile": ref("ProfileInput")}},
    "Login": obj({"email": {"type": "string", "format": "email", "maxLength": 254}, "password": {"type": "string", "maxLength": 128}}),
    "Presence": obj({"status": {"enum": ["online", "away", "offline"]}}),
    "InvitationInput": {"type": "object", "required": ["emails", "role"], "additionalProperties": False,
                        "properties": {"emails": {"anyOf": [S, arr(S)], "description": "An array, or one string separated by commas, semicolons or white space; at most 100."},
                                       "role": ROLE, "modules": arr(S), "livechat": ref("LivechatInput")}},
    "InvitationResult": {"type": "object", "additionalProperties": False, "required": ["input", "status"],
        "properties": {"input": S, "email": S, "status": {"enum": ["invited", "already_member", "already_invited", "invalid"]},
                       "code": nullable(S), "message": nullable(S), "invitationId": S, "acceptUrl": S, "expiresAt": I}},
    "InvitationResults": obj({"invited": I, "results": arr(ref("InvitationResult"))}),
    "Invitation": obj({"id": S, "email": S, "role": ROLE, "modules": arr(S), "livechat": ref("LivechatSettings"),
                       "status": {"enum": ["pending", "accepted", "revoked", "expired"]}, "invitedBy": S,
                       "createdAt": I, "expiresAt": I, "acceptedAt": nullable(I), "userId": nullable(S)}),
    "InvitationList": obj({"items": arr(ref("Invitation"))}),
    "Access": obj({"role": ROLE, "modules": arr(S), "livechat": ref("LivechatSettings")}),
    "InvitationLookup": obj({"email": S, "role": ROLE, "expiresAt": I, "access": ref("Access")}),
    "Acceptance": {"type": "object", "required": ["token", "password"], "additionalProperties": False,
                   "properties": {"token": TOKEN, "password": {"type": "string", "minLength": 12, "maxLength": 128},
                                  "profile": ref("ProfileInput")}},
    "Resent": obj({"invitationId": S, "acceptUrl": S, "expiresAt": I}),
    "NewConversation": obj({"questionnaire": S, "language": S, "channel": CHANNEL}),
    "Conversation": obj({"id": S, "questionnaire": S, "language": S, "channel": CHANNEL,
                         "status": {"enum": ["waiting", "assigned", "closed"]}, "assignedTo": nullable(S),
                         "createdAt": I, "updatedAt": I}),
    "ConversationList": obj({"items": arr(ref("Conversation"))}),
    "ReasonCount": obj({"code": S, "count": I}),
    "OpenedConversation": obj({"id": S, "status": {"enum": ["waiting", "assigned"]}, "assignedTo": nullable(S),
                               "conversation": ref("Conversation"),
                               "routing": obj({"eligible": I, "reasons": arr(ref("ReasonCount"))})}),
    "Transfer": obj({"to": S}),
    "AuditEntry": obj({"id": I, "at": I, "actorId": nullable(S), "action": S, "targetId": nullable(S),
                       "targetEmail": nullable(S), "before": nullable(ref("Access")), "after": nullable(ref("Access"))}),
    "AuditLog": obj({"items": arr(ref("AuditEntry"))}),
    "Health": obj({"status": {"const": "ok"}}),
}

def body(name): return {"required": True, "content": {"application/json": {"schema": ref(name)}}}
def ok(name, status="200", desc="OK"): return {status: {"description": desc, "content": {"application/json": {"schema": ref(name)}}}}
def problems(*statuses):
    return {str(s): {"description": "Problem", "content": {"application/problem+json": {"schema": ref("Problem")}}} for s in statuses}
NO_CONTENT = {"204": {"description": "Done"}}
AUTH = [{"bearer": []}, {"cookie": []}]
def op(operation_id, summary, responses, request=None, params=None, security=AUTH):
    o = {"operationId": operation_id, "summary": summary, "responses": responses}
    if request: o["requestBody"] = body(request)
    if params: o["parameters"] = params
    o["security"] = security
    return o
def q(name, schema=S, desc="", required=False): return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc}
def limit(top): return q("limit", {"type": "integer", "minimum": 1, "maximum": top})
BEFORE = q("before", {"type": "integer", "minimum": 0, "maximum": 9007199254740991})
ID = [{"name": "id", "in": "path", "required": True, "schema": S}]
PUBLIC = []
COMMON = (401, 403, 415, 413, 422, 400)

paths = {
    "/health": {"get": op("health", "Liveness", ok("Health"), security=PUBLIC)},
    "/openapi.json": {"get": {"operationId": "openapi", "summary": "This description", "security": PUBLIC, "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}},
    "/session": {
        "post": op("signIn", "Sign in", {**ok("Session"), **problems(400, 401, 403, 413, 415, 422, 429)}, "Login", security=PUBLIC),
        "delete": op("signOut", "Sign out", {**NO_CONTENT, **problems(401, 403)}),
    },
    "/me": {"get": op("me", "The signed-in user", {**ok("User"), **problems(401)})},
    "/me/presence": {"put": op("setPresence", "Set presence; coming online picks up waiting conversations", {**ok("User"), **problems(*COMMON)}, "Presence")},
    "/users": {
        "get": op("listUsers", "List accounts (admins: all; managers: agents and themself)", {**ok("UserPage"), **problems(401, 403, 422)},
                  params=[q("role", ROLE), q("q", S, "search in address and names"), limit(100), q("cursor")]),
        "post": op("createUser", "Create an account", {**ok("User", "201", "Created"), **problems(*COMMON, 409)}, "NewUser"),
    },
    "/users/{id}": {
        "parameters": ID,
        "get": op("getUser", "One account", {**ok("User"), **problems(401, 404)}),
        "patch": op("editUser", "Edit an account (fields sent only)", {**ok("User"), **problems(*COMMON, 404, 409)}, "UserPatch"),
        "delete": op("deleteUser", "Delete an account", {**NO_CONTENT, **problems(401, 403, 404)}),
    },
    "/audit": {"get": op("audit", "Who changed whose access (admins)", {**ok("AuditLog"), **problems(401, 403, 422)}, params=[BEFORE, limit(500)])},
    "/invitations": {
        "post": op("invite", "Invite many addresses with one access", {**ok("InvitationResults"), **problems(*COMMON)}, "InvitationInput"),
        "get": op("listInvitations", "Invitations the caller could have sent", {**ok("InvitationList"), **problems(401, 403, 422)}, params=[BEFORE, limit(500)]),
    },
    "/invitations/lookup": {"get": op("lookupInvitation", "What the accept page shows", {**ok("InvitationLookup"), **problems(404, 410, 422)}, params=[q("token", TOKEN, required=True)], security=PUBLIC)},
    "/invitations/accept": {"post": op("acceptInvitation", "Accept: creates the account and signs in", {**ok("Session", "201", "Created"), **problems(400, 404, 409, 410, 413, 415, 422)}, "Acceptance", security=PUBLIC)},
    "/invitations/{id}": {"parameters": ID, "delete": op("revokeInvitation", "Revoke", {**NO_CONTENT, **problems(401, 403, 404, 410)})},
    "/invitations/{id}/resend": {"parameters": ID, "post": op("resendInvitation", "New link; the old one dies", {**ok("Resent"), **problems(401, 403, 404, 410)})},
    "/conversations": {
        "post": op("openConversation", "Open and route a conversation (admins or the service token)", {**ok("OpenedConversation", "201", "Created"), **problems(*COMMON)}, "NewConversation",
                   security=[{"bearer": []}]),
        "get": op("listConversations", "Conversations (agents: their own)", {**ok("ConversationList"), **problems(401, 422)}, params=[q("status", {"enum": ["waiting", "assigned", "closed"]}), limit(500)]),
    },
    "/conversations/{id}/transfer": {"parameters": ID, "post": op("transferConversation", "Transfer (routing rules apply)", {**ok("Conversation"), **problems(*COMMON, 404, 409)}, "Transfer")},
    "/conversations/{id}/close": {"parameters": ID, "post": op("closeConversation", "Close; the slot goes to the queue", {**ok("Conversation"), **problems(401, 403, 404, 409)})},
}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "livechat-access", "version": "1.0.0",
             "description": "Users, invitations, sessions and routing for a live-chat back office. Errors are RFC 9457 problem+json with a stable `code`; `Accept-Language` picks fr or en."},
    "servers": [{"url": "/api/v1"}],
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "lca_session"}}},
}
import sys
text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
if "--stdout" in sys.argv:
    sys.stdout.write(text)
else:
    pathlib.Path(__file__).with_name("openapi.json").write_text(text)
