//! Time per decision: the core against Cedar on the same shared cases, and the add-user form.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use livechat_access::{validate_user, Catalog};
use livechat_access_bench::{cases, core_allows, Cedar, Kind};
use std::hint::black_box;

fn decisions(c: &mut Criterion) {
    let cedar = Cedar::new();
    let all = cases(300);
    for case in &all {
        assert_eq!(core_allows(case), cedar.allows(case), "the engines disagree; timing would be meaningless");
    }
    let mut group = c.benchmark_group("decision");
    for kind in [Kind::ModuleAccess, Kind::ConversationVisibility, Kind::UserEdit] {
        let of_kind: Vec<_> = all.iter().filter(|c| c.kind == kind).collect();
        let name = format!("{kind:?}");
        // Each iteration decides every case of the kind once; figures are divided by the count
        // in BENCHMARKS.md (scripts/bench prints per-decision times).
        group.throughput(criterion::Throughput::Elements(of_kind.len() as u64));
        group.bench_with_input(BenchmarkId::new("core", &name), &of_kind, |b, cases| {
            b.iter(|| cases.iter().filter(|c| core_allows(black_box(c))).count())
        });
        group.bench_with_input(BenchmarkId::new("cedar", &name), &of_kind, |b, cases| {
            b.iter(|| cases.iter().filter(|c| cedar.allows(black_box(c))).count())
        });
    }
    group.finish();

    let form = serde_json::json!({
        "email": "lea.martin@exemple.fr", "password": "une longue phrase", "role": "agent",
        "modules": ["livechat", "history"],
        "livechat": {"maxConversations": 3, "languages": ["fr", "en"], "mainLanguage": "fr",
                     "questionnaires": ["site-fr"], "channels": ["chat"]},
        "profile": {"firstName": "Léa", "pseudonym": "Léa", "timeZone": "Europe/Paris",
                    "avatarUrl": "https://cdn.exemple.fr/lea.png"}
    });
    let catalog = Catalog::default();
    c.bench_function("validate_user/complete agent", |b| b.iter(|| validate_user(black_box(&form), &catalog).is_ok()));
}

criterion_group!(benches, decisions);
criterion_main!(benches);
