// A small TypeScript consumer of both packages (pkg/web and pkg/node), type-checked with
// `tsc --strict` by the test command: the declarations come from the Rust types (tsify), so a
// wrong or loose one fails here. Never run; `@ts-expect-error` lines must stay errors.
import init, * as web from '../../pkg/web/livechat_access.js';
import * as node from '../../pkg/node/livechat_access.js';
import type { Action, Actor, AgentSnapshot, Code, NewUser, Outcome, UserInput } from '../../pkg/web/livechat_access.js';
import type { IdentityClaims, Scope, SettingError, SettingsCheck } from '../../pkg/node/livechat_access.js';
import type { DeskView, EventType, LiveEvent, LiveMessage, WebhookEvent } from '../../pkg/web/livechat_access.js';

export async function browser(): Promise<string[]> {
  await init();
  const input: UserInput = {
    email: 'lea@exemple.fr', password: 'une longue phrase', role: 'agent',
    livechat: { maxConversations: null, languages: ['fr'], channels: ['chat'] },
    profile: { firstName: 'Léa', timeZone: 'Europe/Paris' },
  };
  const out: Outcome<NewUser> = web.validateUser(input, 'fr');
  if (out.type === 'success') {
    const limit: number | null = out.value.access.livechat.maxConversations;
    const modules: string[] = out.value.access.modules;
    const first: string | null = out.value.profile.firstName;
    return [String(limit), ...modules, first ?? ''];
  }
  const codes: Code[] = out.errors.map((e) => e.code);
  // @ts-expect-error a failure has no value
  out.value;
  return codes;
}

export function decisions(): boolean {
  const actor: Actor = { id: 'm1', organization: 'acme', role: 'manager', modules: ['livechat', 'users'] };
  const actions: Action[] = [
    { type: 'accessModule', module: 'livechat' },
    { type: 'createUser', grant: { role: 'agent', modules: ['livechat'] } },
    { type: 'editUser', target: { id: 'a1', organization: 'acme', role: 'agent' }, after: null, activeAdmins: 2 },
    { type: 'listUsers' },
  ];
  // @ts-expect-error an action of an unknown type
  const unknown: Action = { type: 'launchRocket' };
  // @ts-expect-error editUser needs the count of active admins
  const incomplete: Action = { type: 'editUser', target: { id: 'a1', organization: 'acme', role: 'agent' } };
  // @ts-expect-error every account names its organization
  const nowhere: Action = { type: 'viewUser', target: { id: 'a1', role: 'agent' } };
  void nowhere;
  void unknown; void incomplete;
  return actions.every((action) => {
    const decision = node.isAllowed(actor, action);
    const why: Code | null | undefined = decision.code;
    return decision.allowed || why !== 'last_admin';
  });
}

export function routing(): string | null {
  const agent: AgentSnapshot = {
    id: 'a1', organization: 'acme', role: 'agent', presence: 'online', modules: ['livechat'], questionnaires: ['site-fr'],
    languages: ['fr'], channels: ['chat'], load: 0, maxConversations: 3,
  };
  const roster = new node.AgentRoster();
  const error = roster.replace([agent]);
  if (error !== null) return error.code;
  const answer = roster.route({ organization: 'acme', questionnaire: 'site-fr', language: 'fr', channel: 'chat' });
  roster.free();
  const reasons: { code: Code; count: number }[] = answer.reasons;
  // @ts-expect-error a channel outside the four
  const phone: AgentSnapshot = { ...agent, channels: ['fax'] };
  void phone;
  return reasons.length ? null : answer.agentId;
}

export function invitations(): number {
  const out = web.validateInvitation({ emails: 'a@x.fr, b@x.fr', role: 'agent' }, 'en');
  // Both answers carry a verdict per address.
  const verdicts = out.type === 'success' ? out.value.emails : out.emails ?? [];
  // @ts-expect-error the role is one of three
  web.validateInvitation({ emails: [], role: 'boss' });
  return verdicts.filter((v) => v.status === 'valid').length;
}

export function defaults(): boolean {
  const admin = web.roleDefaults('admin');
  const codes: Code[] = web.errorCodes();
  return admin !== null && admin.modulesLocked && codes.includes('privilege_escalation');
}

export function settings(): string[] {
  const check: SettingsCheck = node.checkSettings({ MAIL_FROM: 'no-reply@example.com' }, 'en');
  const first: SettingError | undefined = check.problems[0];
  const rule: Code | null | undefined = first?.rule;
  // @ts-expect-error settings are text, by name
  node.checkSettings({ ARGON2_T: 2 });
  // @ts-expect-error the browser package does not carry it
  web.checkSettings({});
  return [...check.problems, ...check.warnings].map((p) => `${p.setting} ${p.code} ${rule ?? ''}`);
}

export function held(claims: IdentityClaims): boolean {
  // A verified identity token's payload, held once, asked per message.
  const actor = node.HeldActor.fromClaims(claims);
  const code: Code | null = actor.error;
  const unlimited: boolean = claims.livechat.maxConversations === null;
  const scopes: Scope[] = ['conversations:open', 'identity:issue'];
  // @ts-expect-error scopes are a closed list
  const wrong: Scope = 'admin';
  void wrong;
  // @ts-expect-error an action is one of the core's
  actor.isAllowed({ type: 'launchRockets' });
  // @ts-expect-error the browser package does not carry it
  void web.HeldActor;
  const open = actor.isAllowed({ type: 'viewConversation', conversation: { organization: claims.org, assignedTo: claims.sub } });
  actor.free();
  return open.allowed && code === null && unlimited && scopes.length === 2;
}

export function live(frame: LiveMessage): string {
  // A frame of GET /api/v1/live, as an agent console or the page reads it.
  if (frame.type === 'event') {
    const seq: number = frame.seq;
    const event: LiveEvent = frame.event;
    if (event.type === 'conversationTransferred') {
      const from: string | null = event.from;
      return `${seq} ${event.conversation} ${from ?? '-'} → ${event.to}`;
    }
    // @ts-expect-error events are a closed union
    const never: LiveEvent = { type: 'conversationExploded', conversation: 'c' };
    void never;
    return `${seq} ${event.type}`;
  }
  const desk: DeskView = frame.desk;
  const loads: number[] = desk.agents.map((a) => a.load);
  const capacity: (number | null)[] = desk.agents.map((a) => a.maxConversations);
  const waiting: string[] = desk.queue.map((c) => `${c.questionnaire}/${c.language}`);
  return `${loads.length} ${capacity.length} ${waiting.join(',')}`;
}

export function received(event: WebhookEvent): string {
  // A webhook's body as a receiver reads it once its signature verified (Standard Webhooks).
  const type: EventType = event.type;
  const order: number = event.seq;
  // @ts-expect-error event types are a closed list
  const wrong: EventType = 'person.hacked';
  void wrong;
  if ('subject' in event.data) {
    const who: string | null = event.data.subject.id;
    return `${order} ${type} ${who ?? '-'} by ${event.data.actor ?? 'the platform'}`;
  }
  const live: LiveEvent = event.data;
  return `${order} ${type} ${live.type}`;
}
