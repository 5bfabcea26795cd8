//! Time per routing decision over 10, 1,000 and 10,000 agents.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use livechat_access::{route, AgentSnapshot, Channel, ConversationLimit, Module, OrganizationId, Presence, Role, WaitingConversation};
use std::hint::black_box;

/// A realistic mix: most agents online, a third full, a few other languages and questionnaires.
pub fn agents(n: usize) -> Vec<AgentSnapshot> {
    (0..n)
        .map(|i| AgentSnapshot {
            id: format!("agent-{i:05}"),
            organization: OrganizationId::new("acme"),
            role: if i % 50 == 0 { Role::Manager } else { Role::Agent },
            disabled: i % 97 == 0,
            presence: if i % 7 == 0 { Presence::Away } else { Presence::Online },
            modules: vec![Module::named("livechat"), Module::named("history")],
            questionnaires: vec![if i % 5 == 0 { "site-de" } else { "site-fr" }.to_owned(), "shop".to_owned()],
            languages: if i % 3 == 0 { vec!["fr".into(), "en".into()] } else { vec!["fr".into()] },
            channels: vec![Channel::Chat, Channel::Messaging],
            load: (i % 4) as u32,
            max_conversations: ConversationLimit::AtMost(3),
            last_assigned_at: Some(1_700_000_000_000 + (i as i64 * 7919) % 100_000),
        })
        .collect()
}

fn routing(c: &mut Criterion) {
    let conversation = WaitingConversation { organization: OrganizationId::new("acme"), questionnaire: "site-fr".into(), language: "fr".into(), channel: Channel::Chat, assigned_to: None };
    let mut group = c.benchmark_group("route");
    for n in [10, 1_000, 10_000] {
        let pool = agents(n);
        assert!(route(&conversation, &pool).agent_id.is_some());
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &pool, |b, pool| b.iter(|| route(black_box(&conversation), black_box(pool))));
    }
    group.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
