//! The permission table, tested over every role × permission.

use super::*;

fn user(n: u128) -> UserId {
    UserId(uuid::Uuid::from_u128(n))
}

const COUNTY: &str = "/c/";
const TOWN_A: &str = "/c/a/";
const TOWN_B: &str = "/c/b/";
const VILLAGE_A1: &str = "/c/a/1/";

fn actor(role: Role, authority: &[&str]) -> Actor {
    Actor {
        id: user(1),
        role,
        authority: authority.iter().map(|s| (*s).to_owned()).collect(),
        units: Vec::new(),
    }
}

/// The actor each role is tested as: staff serve township A (supervisor: township A's 综治中心).
fn as_role(role: Role) -> Actor {
    match role {
        Role::Villager => actor(role, &[]),
        Role::Admin => actor(role, &[COUNTY]),
        Role::GridWorker | Role::UnitStaff | Role::Supervisor => actor(role, &[TOWN_A]),
    }
}

fn paths(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| (*s).to_owned()).collect()
}

/// The permissions [`every_role_and_permission`] covers (the rest: [`work_and_oversight`]).
const ACCOUNT_AND_ORGANISATION: [Permission; 7] = [
    Permission::ReadOrganisation,
    Permission::ManageOrganisation,
    Permission::ReadUser,
    Permission::ManageUser,
    Permission::ManageClients,
    Permission::ReadAudit,
    Permission::PreviewRouting,
];

/// The expected answer for every (role, permission) on three targets:
/// (a grid worker in village A1, a grid worker in township B, a villager without units).
#[test]
fn every_role_and_permission() {
    use Permission::*;
    use Role::*;
    let in_a = paths(&[VILLAGE_A1]);
    let in_b = paths(&[TOWN_B]);
    let nowhere = paths(&[]);
    let other = user(2);
    let worker_a = Target::User {
        id: other,
        role: GridWorker,
        regions: &in_a,
    };
    let worker_b = Target::User {
        id: other,
        role: GridWorker,
        regions: &in_b,
    };
    let villager = Target::User {
        id: other,
        role: Villager,
        regions: &nowhere,
    };
    // (role, permission, deployment, worker in A, worker in B, villager)
    let table: &[(Role, Permission, bool, bool, bool, bool)] = &[
        (Villager, ReadOrganisation, true, true, true, true),
        (Villager, ManageOrganisation, false, false, false, false),
        (Villager, ReadUser, false, false, false, false),
        (Villager, ManageUser, false, false, false, false),
        (Villager, ManageClients, false, false, false, false),
        (Villager, ReadAudit, false, false, false, false),
        (Villager, PreviewRouting, false, false, false, false),
        (GridWorker, ReadOrganisation, true, true, true, true),
        (GridWorker, ManageOrganisation, false, false, false, false),
        (GridWorker, ReadUser, true, true, false, false),
        (GridWorker, ManageUser, false, false, false, false),
        (GridWorker, ManageClients, false, false, false, false),
        (GridWorker, ReadAudit, false, false, false, false),
        (GridWorker, PreviewRouting, false, false, false, false),
        (UnitStaff, ReadOrganisation, true, true, true, true),
        (UnitStaff, ManageOrganisation, false, false, false, false),
        (UnitStaff, ReadUser, true, true, false, false),
        (UnitStaff, ManageUser, false, false, false, false),
        (UnitStaff, ManageClients, false, false, false, false),
        (UnitStaff, ReadAudit, false, false, false, false),
        (UnitStaff, PreviewRouting, false, false, false, false),
        (Supervisor, ReadOrganisation, true, true, true, true),
        (Supervisor, ManageOrganisation, false, false, false, false),
        (Supervisor, ReadUser, true, true, false, false),
        (Supervisor, ManageUser, true, true, false, false),
        (Supervisor, ManageClients, false, false, false, false),
        (Supervisor, ReadAudit, false, false, false, false),
        (Supervisor, PreviewRouting, true, true, true, true),
        (Admin, ReadOrganisation, true, true, true, true),
        (Admin, ManageOrganisation, true, true, true, true),
        (Admin, ReadUser, true, true, true, true),
        (Admin, ManageUser, true, true, true, true),
        (Admin, ManageClients, true, true, true, true),
        (Admin, ReadAudit, true, true, true, true),
        (Admin, PreviewRouting, true, true, true, true),
    ];
    assert_eq!(
        table.len(),
        Role::ALL.len() * ACCOUNT_AND_ORGANISATION.len(),
        "every pair listed once"
    );
    for role in Role::ALL {
        for permission in ACCOUNT_AND_ORGANISATION {
            let rows: Vec<_> = table
                .iter()
                .filter(|r| r.0 == role && r.1 == permission)
                .collect();
            assert_eq!(rows.len(), 1, "{role:?} × {permission:?}");
            let (_, _, deployment, a, b, v) = *rows[0];
            let who = as_role(role);
            let got = (
                can(&who, permission, &Target::Deployment),
                can(&who, permission, &worker_a),
                can(&who, permission, &worker_b),
                can(&who, permission, &villager),
            );
            assert_eq!(got, (deployment, a, b, v), "{role:?} × {permission:?}");
        }
    }
}

#[test]
fn supervisors_cannot_hand_out_their_own_rank_or_above() {
    let sup = as_role(Role::Supervisor);
    let in_a = paths(&[VILLAGE_A1]);
    for (role, allowed) in [
        (Role::Villager, true),
        (Role::GridWorker, true),
        (Role::UnitStaff, true),
        (Role::Supervisor, false),
        (Role::Admin, false),
    ] {
        let target = Target::User {
            id: user(9),
            role,
            regions: &in_a,
        };
        assert_eq!(
            can(&sup, Permission::ManageUser, &target),
            allowed,
            "{role:?}"
        );
    }
}

#[test]
fn a_user_with_units_in_two_townships_needs_authority_over_both() {
    let sup = as_role(Role::Supervisor);
    let both = paths(&[VILLAGE_A1, TOWN_B]);
    let target = Target::User {
        id: user(9),
        role: Role::GridWorker,
        regions: &both,
    };
    assert!(!can(&sup, Permission::ReadUser, &target));
    assert!(!can(&sup, Permission::ManageUser, &target));
}

#[test]
fn everyone_reads_her_own_account_but_cannot_promote_herself() {
    let me = as_role(Role::Villager);
    let own = Target::User {
        id: me.id,
        role: Role::Villager,
        regions: &[],
    };
    assert!(can(&me, Permission::ReadUser, &own));
    let sup = as_role(Role::Supervisor);
    let in_a = paths(&[VILLAGE_A1]);
    let self_edit = Target::User {
        id: sup.id,
        role: Role::Supervisor,
        regions: &in_a,
    };
    assert!(!can(&sup, Permission::ManageUser, &self_edit));
    let admin = as_role(Role::Admin);
    let demote_self = Target::User {
        id: admin.id,
        role: Role::GridWorker,
        regions: &in_a,
    };
    assert!(
        !can(&admin, Permission::ManageUser, &demote_self),
        "the last admin stays admin"
    );
}

/// Who may change the organisation model of a region: (role, township A, village A1,
/// township B, the county itself).
#[test]
fn managing_the_organisation_of_a_region() {
    use Role::*;
    let table: &[(Role, [bool; 4])] = &[
        (Villager, [false, false, false, false]),
        (GridWorker, [false, false, false, false]),
        (UnitStaff, [false, false, false, false]),
        (Supervisor, [true, true, false, false]),
        (Admin, [true, true, true, true]),
    ];
    assert_eq!(table.len(), Role::ALL.len());
    for (role, expected) in table {
        let me = as_role(*role);
        for (path, want) in [TOWN_A, VILLAGE_A1, TOWN_B, COUNTY].iter().zip(expected) {
            let got = can(
                &me,
                Permission::ManageOrganisation,
                &Target::Region { path },
            );
            assert_eq!(got, *want, "{role:?} managing {path}");
        }
    }
    assert!(
        !can(
            &as_role(Supervisor),
            Permission::ManageOrganisation,
            &Target::Deployment
        ),
        "deployment-wide changes (categories) stay with admins"
    );
}

/// `may_ever` is false only where `can` is false for every target: every role with the
/// widest and the narrowest authority, on every kind of target.
#[test]
fn may_ever_never_refuses_what_can_allows() {
    use Permission::*;
    let other = user(2);
    let regions = [
        paths(&[VILLAGE_A1]),
        paths(&[TOWN_B]),
        paths(&[COUNTY]),
        paths(&[]),
    ];
    for role in Role::ALL {
        let actors = [as_role(role), actor(role, &[COUNTY]), actor(role, &[])];
        for permission in Permission::ALL {
            let mut targets = vec![Target::Deployment];
            for path in [COUNTY, TOWN_A, TOWN_B, VILLAGE_A1] {
                targets.push(Target::Region { path });
            }
            for r in &regions {
                for target_role in Role::ALL {
                    for id in [user(1), other] {
                        targets.push(Target::User {
                            id,
                            role: target_role,
                            regions: r,
                        });
                    }
                }
            }
            let allowed = actors
                .iter()
                .any(|a| targets.iter().any(|t| can(a, permission, t)));
            assert_eq!(
                may_ever(role, permission),
                allowed,
                "{role:?} {permission:?}: may_ever must match can over all targets"
            );
        }
    }
    assert!(!may_ever(Role::Villager, ManageOrganisation));
    assert!(!may_ever(Role::Supervisor, ReadAudit));
}

/// The expected answer for every role and the work, oversight and delivery permissions on
/// five targets: the deployment, village A1 (inside township A, where staff serve), township
/// B (outside), the actor's own account and another villager's.
#[test]
fn work_and_oversight() {
    use Permission::*;
    use Role::*;
    let work = [
        ReadStats,
        WorkTasks,
        Oversee,
        ManageRoutingRules,
        ManageWebhooks,
        ManageDeliveries,
        ReadPhone,
        ReadAnyPhoto,
        FileOnBehalf,
    ];
    assert_eq!(
        work.len() + ACCOUNT_AND_ORGANISATION.len(),
        Permission::ALL.len(),
        "every permission is in one of the two tables"
    );
    let nowhere = paths(&[]);
    let own = Target::User {
        id: user(1),
        role: Villager,
        regions: &nowhere,
    };
    let other = Target::User {
        id: user(2),
        role: Villager,
        regions: &nowhere,
    };
    let in_a = Target::Region { path: VILLAGE_A1 };
    let in_b = Target::Region { path: TOWN_B };
    // (role, permission, deployment, region in A, region in B, own account, other account)
    let t = true;
    let f = false;
    let table: &[(Role, Permission, [bool; 5])] = &[
        (Villager, ReadStats, [f, f, f, f, f]),
        (Villager, WorkTasks, [f, f, f, f, f]),
        (Villager, Oversee, [f, f, f, f, f]),
        (Villager, ManageRoutingRules, [f, f, f, f, f]),
        (Villager, ManageWebhooks, [f, f, f, f, f]),
        (Villager, ManageDeliveries, [f, f, f, f, f]),
        (Villager, ReadPhone, [f, f, f, t, f]),
        (Villager, ReadAnyPhoto, [f, f, f, f, f]),
        (Villager, FileOnBehalf, [f, f, f, f, f]),
        (GridWorker, ReadStats, [t, t, f, f, f]),
        (GridWorker, WorkTasks, [t, t, f, f, f]),
        (GridWorker, Oversee, [f, f, f, f, f]),
        (GridWorker, ManageRoutingRules, [f, f, f, f, f]),
        (GridWorker, ManageWebhooks, [f, f, f, f, f]),
        (GridWorker, ManageDeliveries, [f, f, f, f, f]),
        (GridWorker, ReadPhone, [f, f, f, t, f]),
        (GridWorker, ReadAnyPhoto, [f, f, f, f, f]),
        (GridWorker, FileOnBehalf, [t, t, t, t, t]),
        (UnitStaff, ReadStats, [t, t, f, f, f]),
        (UnitStaff, WorkTasks, [t, t, f, f, f]),
        (UnitStaff, Oversee, [f, f, f, f, f]),
        (UnitStaff, ManageRoutingRules, [f, f, f, f, f]),
        (UnitStaff, ManageWebhooks, [f, f, f, f, f]),
        (UnitStaff, ManageDeliveries, [f, f, f, f, f]),
        (UnitStaff, ReadPhone, [f, f, f, t, f]),
        (UnitStaff, ReadAnyPhoto, [f, f, f, f, f]),
        (UnitStaff, FileOnBehalf, [t, t, t, t, t]),
        (Supervisor, ReadStats, [t, t, f, f, f]),
        (Supervisor, WorkTasks, [t, t, f, f, f]),
        (Supervisor, Oversee, [t, t, f, f, f]),
        (Supervisor, ManageRoutingRules, [t, t, f, f, f]),
        (Supervisor, ManageWebhooks, [f, f, f, f, f]),
        (Supervisor, ManageDeliveries, [f, f, f, f, f]),
        (Supervisor, ReadPhone, [f, f, f, t, f]),
        (Supervisor, ReadAnyPhoto, [f, f, f, f, f]),
        (Supervisor, FileOnBehalf, [t, t, t, t, t]),
        (Admin, ReadStats, [t, t, t, f, f]),
        (Admin, WorkTasks, [t, t, t, f, f]),
        (Admin, Oversee, [t, t, t, f, f]),
        (Admin, ManageRoutingRules, [t, t, t, f, f]),
        (Admin, ManageWebhooks, [t, t, t, t, t]),
        (Admin, ManageDeliveries, [t, t, t, t, t]),
        (Admin, ReadPhone, [t, t, t, t, t]),
        (Admin, ReadAnyPhoto, [t, t, t, t, t]),
        (Admin, FileOnBehalf, [t, t, t, t, t]),
    ];
    assert_eq!(table.len(), Role::ALL.len() * work.len(), "every pair once");
    for &(role, permission, expected) in table {
        let who = as_role(role);
        let got = [
            can(&who, permission, &Target::Deployment),
            can(&who, permission, &in_a),
            can(&who, permission, &in_b),
            can(&who, permission, &own),
            can(&who, permission, &other),
        ];
        assert_eq!(got, expected, "{role:?} × {permission:?}");
    }
}

#[test]
fn an_admins_reads_are_unbounded_and_staff_are_bounded_to_their_authority() {
    assert_eq!(as_role(Role::Admin).bounds(), None);
    assert_eq!(
        as_role(Role::Supervisor).bounds(),
        Some(vec![TOWN_A.to_owned()])
    );
    assert_eq!(as_role(Role::Villager).bounds(), Some(Vec::new()));
}
