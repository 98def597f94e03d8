//! The visibility rule as one table: role × relation × category publicity, with anonymity
//! for what the sight reveals; and the list scope admits exactly what the rule lets one see.

use uuid::Uuid;

use super::*;
use crate::permission::Actor;

const ME: UserId = UserId(Uuid::from_u128(1));
const SOMEONE: UserId = UserId(Uuid::from_u128(2));
const MY_UNIT: UnitId = UnitId(Uuid::from_u128(10));
const OTHER_UNIT: UnitId = UnitId(Uuid::from_u128(11));
const MY_REGION: &str = "/county/town-a/";
const INSIDE: &str = "/county/town-a/village-1/";
const OUTSIDE: &str = "/county/town-b/village-9/";

/// How the reader stands, as the report's facts make it.
#[derive(Debug, Clone, Copy)]
enum Rel {
    /// She reported it (held elsewhere, outside her region).
    Reporter,
    /// Her unit holds it (outside her region).
    InUnit,
    /// It lies in her region subtree (held by another unit).
    InRegion,
    /// None of these.
    Stranger,
}

fn actor(role: Role) -> Actor {
    let staff = role != Role::Villager;
    Actor {
        id: ME,
        role,
        authority: if staff {
            vec![MY_REGION.into()]
        } else {
            Vec::new()
        },
        units: if staff { vec![MY_UNIT] } else { Vec::new() },
    }
}

/// (reporter, unit, region path) of a report the reader stands to as `rel`.
fn facts(rel: Rel) -> (UserId, Option<UnitId>, &'static str) {
    match rel {
        Rel::Reporter => (ME, Some(OTHER_UNIT), OUTSIDE),
        Rel::InUnit => (SOMEONE, Some(MY_UNIT), OUTSIDE),
        Rel::InRegion => (SOMEONE, Some(OTHER_UNIT), INSIDE),
        Rel::Stranger => (SOMEONE, Some(OTHER_UNIT), OUTSIDE),
    }
}

/// Expected sight per role and relation: (private category, public category). `-` = none.
const TABLE: &[(Role, &[(&str, &str)])] = &[
    //                     Reporter        InUnit           InRegion         Stranger
    (
        Role::Villager,
        &[
            ("reporter", "reporter"),
            ("-", "public"),
            ("-", "public"),
            ("-", "public"),
        ],
    ),
    (
        Role::GridWorker,
        &[
            ("reporter", "reporter"),
            ("staff", "staff"),
            ("staff", "staff"),
            ("-", "public"),
        ],
    ),
    (
        Role::UnitStaff,
        &[
            ("reporter", "reporter"),
            ("staff", "staff"),
            ("staff", "staff"),
            ("-", "public"),
        ],
    ),
    (
        Role::Supervisor,
        &[
            ("reporter", "reporter"),
            ("staff", "staff"),
            ("staff", "staff"),
            ("-", "public"),
        ],
    ),
    (
        Role::Admin,
        &[
            ("admin", "admin"),
            ("admin", "admin"),
            ("admin", "admin"),
            ("admin", "admin"),
        ],
    ),
];

fn name(sight: Option<Sight>) -> &'static str {
    match sight {
        None => "-",
        Some(Sight::Admin) => "admin",
        Some(Sight::Reporter) => "reporter",
        Some(Sight::Staff) => "staff",
        Some(Sight::Public) => "public",
    }
}

#[test]
fn the_table_of_who_sees_what() {
    let rels = [Rel::Reporter, Rel::InUnit, Rel::InRegion, Rel::Stranger];
    let mut checked = 0;
    for (role, row) in TABLE {
        let me = actor(*role);
        for (rel, (private, public)) in rels.iter().zip(row.iter()) {
            for (is_public, expected) in [(false, *private), (true, *public)] {
                let (reporter, unit, path) = facts(*rel);
                let relation = Relation {
                    reporter: reporter == me.id,
                    in_charge: in_charge(&me, unit, path),
                    public: is_public,
                };
                let got = sight(Viewer::Person(*role), relation);
                assert_eq!(name(got), expected, "{role:?} {rel:?} public={is_public}");
                // The list shows exactly the reports the rule lets her see.
                let listed = scope(&me).admits(reporter, unit, path, is_public);
                assert_eq!(
                    listed,
                    got.is_some(),
                    "list scope: {role:?} {rel:?} {is_public}"
                );
                // Anonymity hides the reporter from all but admins and herself.
                if let Some(s) = got {
                    let reveals = s.sees_reporter(true);
                    let expected = matches!(s, Sight::Admin | Sight::Reporter);
                    assert_eq!(reveals, expected, "anonymous: {role:?} {rel:?}");
                    assert!(s.sees_reporter(false) || s == Sight::Public);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 4 * 2);
}

#[test]
fn an_anonymous_reader_sees_public_categories_only_and_never_the_reporter() {
    for rel in [Rel::Reporter, Rel::InUnit, Rel::InRegion, Rel::Stranger] {
        for public in [false, true] {
            let relation = Relation {
                reporter: false,
                in_charge: false,
                public,
            };
            let got = sight(Viewer::Anonymous, relation);
            assert_eq!(got, public.then_some(Sight::Public), "{rel:?}");
            let (reporter, unit, path) = facts(rel);
            let listed = scope_of(None).admits(reporter, unit, path, public);
            assert_eq!(listed, got.is_some(), "anonymous list: {rel:?} {public}");
        }
    }
    // Even a relation that would let a person in does not let the anonymous reader in.
    let all = Relation {
        reporter: true,
        in_charge: true,
        public: false,
    };
    assert_eq!(sight(Viewer::Anonymous, all), None);
}

#[test]
fn the_streams_reasons_give_the_sights_of_the_relations_they_stand_for() {
    use crate::push::Reason;
    for role in Role::ALL {
        for reason in Reason::ALL {
            for is_reporter in [false, true] {
                let got = sight(
                    Viewer::Person(role),
                    Relation::of_reason(reason, is_reporter),
                );
                let expected = if role == Role::Admin {
                    Sight::Admin
                } else if is_reporter || reason == Reason::Reporter {
                    Sight::Reporter
                } else if role != Role::Villager
                    && matches!(reason, Reason::Handler | Reason::Supervisor)
                {
                    Sight::Staff
                } else {
                    Sight::Public
                };
                assert_eq!(got, Some(expected), "{role:?} {reason:?} {is_reporter}");
            }
        }
    }
}
