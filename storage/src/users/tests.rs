//! Tests of `users`, and the fixtures the other identity modules' tests share: a migrated
//! database per backend (a temporary SQLite file; a fresh PostgreSQL database too when
//! `CUNXIANG_TEST_POSTGRES_URL` is set, restricted by `CUNXIANG_TEST_ONLY` as the suite is).

use cunxiang_core::{RegionLevel, UnitKind};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use uuid::Uuid;

use super::*;
use crate::conn::DatabaseTarget;
use crate::regions::NewRegion;
use crate::units::NewUnit;

/// Drops its PostgreSQL database when the test ends, passed or not.
struct PgDatabase {
    admin: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn migrated(target: &DatabaseTarget) -> DbConn {
    let mut conn = target.connect().unwrap();
    crate::migrate::run_pending(&mut conn).unwrap();
    conn
}

/// Runs `test` on a freshly migrated database of every backend this run covers.
pub(crate) fn each_backend(test: impl Fn(&mut DbConn)) {
    let only = std::env::var("CUNXIANG_TEST_ONLY").unwrap_or_default();
    if only != "postgres" {
        let dir = tempfile::tempdir().unwrap();
        let target = DatabaseTarget::Sqlite {
            path: dir.path().join("cx.db"),
        };
        test(&mut migrated(&target));
    }
    let admin = std::env::var("CUNXIANG_TEST_POSTGRES_URL").unwrap_or_default();
    if !admin.is_empty() && only != "sqlite" {
        let name = format!("cx_storage_{}", Uuid::now_v7().simple());
        PgConnection::establish(&admin)
            .unwrap()
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let _guard = PgDatabase {
            admin: admin.clone(),
            name: name.clone(),
        };
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        let mut conn = migrated(&DatabaseTarget::Postgres {
            url: url.to_string(),
        });
        test(&mut conn);
    }
}

/// A new region: a county when `parent` is `None`, else a village under it.
pub(crate) fn region(conn: &mut DbConn, parent: Option<Uuid>) -> Uuid {
    let level = if parent.is_some() {
        RegionLevel::Village
    } else {
        RegionLevel::County
    };
    let new = NewRegion {
        code: None,
        name: "某地".to_owned(),
        level,
        parent_id: parent,
    };
    crate::regions::insert(conn, &new).unwrap().id
}

/// A new village committee serving `region_id`.
pub(crate) fn unit(conn: &mut DbConn, region_id: Uuid) -> UnitId {
    let new = NewUnit {
        name: "村委会".to_owned(),
        kind: UnitKind::VillageCommittee,
        region_id,
        grid_id: None,
        department: None,
    };
    crate::units::insert(conn, &new).unwrap().id
}

fn new_user(role: Role) -> NewUser {
    NewUser {
        display_name: "张三".to_owned(),
        role,
        phone: None,
        username: None,
        password_hash: None,
        wechat_openid: None,
        wechat_unionid: None,
    }
}

/// A new villager with this phone number.
pub(crate) fn villager(conn: &mut DbConn, phone: &str) -> User {
    let new = NewUser {
        phone: Some(phone.to_owned()),
        ..new_user(Role::Villager)
    };
    insert(conn, &new).unwrap()
}

fn staff(conn: &mut DbConn, username: &str, role: Role) -> User {
    let new = NewUser {
        username: Some(username.to_owned()),
        password_hash: Some(format!("hash-of-{username}")),
        ..new_user(role)
    };
    insert(conn, &new).unwrap()
}

#[test]
fn users_are_found_by_id_phone_and_openid() {
    each_backend(|conn| {
        let new = NewUser {
            phone: Some("13812341234".to_owned()),
            wechat_openid: Some("o-abc".to_owned()),
            wechat_unionid: Some("u-abc".to_owned()),
            ..new_user(Role::Villager)
        };
        let user = insert(conn, &new).unwrap();
        assert_eq!(
            (user.role, user.status),
            (Role::Villager, UserStatus::Active)
        );
        assert_eq!(find(conn, user.id).unwrap().as_ref(), Some(&user));
        assert_eq!(
            find_by_phone(conn, "13812341234").unwrap().as_ref(),
            Some(&user)
        );
        assert_eq!(find_by_openid(conn, "o-abc").unwrap().as_ref(), Some(&user));
        assert_eq!(find(conn, UserId::new()).unwrap(), None);
        assert_eq!(find_by_phone(conn, "13900000000").unwrap(), None);
        assert_eq!(find_by_openid(conn, "o-none").unwrap(), None);
    });
}

#[test]
fn taken_phones_usernames_and_openids_conflict() {
    each_backend(|conn| {
        villager(conn, "13812341234");
        let err = insert(
            conn,
            &NewUser {
                phone: Some("13812341234".to_owned()),
                ..new_user(Role::Villager)
            },
        )
        .unwrap_err();
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
        assert_eq!(
            err.to_string(),
            "user with phone 138****1234 already exists"
        );

        staff(conn, "wang", Role::GridWorker);
        let err = insert(
            conn,
            &NewUser {
                username: Some("wang".to_owned()),
                ..new_user(Role::UnitStaff)
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "user with username wang already exists");

        let openid = NewUser {
            wechat_openid: Some("o-secret".to_owned()),
            ..new_user(Role::Villager)
        };
        insert(conn, &openid).unwrap();
        let err = insert(conn, &openid).unwrap_err();
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
        assert!(!err.to_string().contains("o-secret"), "{err}");
    });
}

#[test]
fn login_state_finds_staff_and_hides_the_hash() {
    each_backend(|conn| {
        let user = staff(conn, "li", Role::UnitStaff);
        let state = login_state(conn, "li").unwrap().unwrap();
        assert_eq!(state.user, user);
        assert_eq!(state.password_hash.as_deref(), Some("hash-of-li"));
        assert!(
            !format!("{state:?}").contains("hash-of-li"),
            "Debug hides the hash"
        );
        assert!(login_state(conn, "nobody").unwrap().is_none());
    });
}

#[test]
fn updates_change_only_the_given_fields() {
    each_backend(|conn| {
        let user = staff(conn, "zhao", Role::GridWorker);
        let changes = UserChanges {
            role: Some(Role::Supervisor),
            status: Some(UserStatus::Disabled),
            ..UserChanges::default()
        };
        let changed = update(conn, user.id, &changes).unwrap().unwrap();
        assert_eq!(
            (changed.role, changed.status),
            (Role::Supervisor, UserStatus::Disabled)
        );
        assert_eq!(changed.display_name, user.display_name);
        assert!(changed.updated_at >= user.updated_at);
        assert_eq!(changed.created_at, user.created_at);

        let changes = UserChanges {
            display_name: Some("赵六".to_owned()),
            password_hash: Some("new-hash".to_owned()),
            ..UserChanges::default()
        };
        let renamed = update(conn, user.id, &changes).unwrap().unwrap();
        assert_eq!(
            (renamed.display_name.as_str(), renamed.role),
            ("赵六", Role::Supervisor)
        );
        let state = login_state(conn, "zhao").unwrap().unwrap();
        assert_eq!(state.password_hash.as_deref(), Some("new-hash"));
        assert_eq!(update(conn, UserId::new(), &changes).unwrap(), None);
    });
}

#[test]
fn set_units_replaces_and_rejects_unknown_units_atomically() {
    each_backend(|conn| {
        let county = region(conn, None);
        let village = region(conn, Some(county));
        let (a, b, c) = (unit(conn, county), unit(conn, village), unit(conn, village));
        let user = staff(conn, "sun", Role::UnitStaff);
        let county_path = crate::regions::path_of(conn, county).unwrap().unwrap();
        let village_path = crate::regions::path_of(conn, village).unwrap().unwrap();

        set_units(conn, user.id, &[b, a, b]).unwrap();
        let kind = UnitKind::VillageCommittee;
        let mut expected = vec![
            (a, county_path.clone(), kind),
            (b, village_path.clone(), kind),
        ];
        expected.sort_by_key(|(id, _, _)| *id);
        assert_eq!(units_of(conn, user.id).unwrap(), expected);

        set_units(conn, user.id, &[c]).unwrap();
        assert_eq!(
            units_of(conn, user.id).unwrap(),
            [(c, village_path.clone(), kind)]
        );

        let ghost = UnitId::new();
        let err = set_units(conn, user.id, &[a, ghost]).unwrap_err();
        assert_eq!(err.to_string(), format!("unit {ghost} not found"));
        assert_eq!(
            units_of(conn, user.id).unwrap(),
            [(c, village_path, kind)],
            "unchanged"
        );

        let nobody = set_units(conn, UserId::new(), &[a]).unwrap_err();
        assert!(matches!(nobody, StorageError::NotFound(_)), "{nobody}");

        set_units(conn, user.id, &[]).unwrap();
        assert_eq!(units_of(conn, user.id).unwrap(), []);
    });
}

#[test]
fn list_within_a_subtree_has_each_member_once() {
    each_backend(|conn| {
        let county = region(conn, None);
        let (v1, v2) = (region(conn, Some(county)), region(conn, Some(county)));
        let elsewhere = region(conn, None);
        let (u1, u1b, u2, ux) = (
            unit(conn, v1),
            unit(conn, v1),
            unit(conn, v2),
            unit(conn, elsewhere),
        );
        let two_units = staff(conn, "a", Role::GridWorker);
        set_units(conn, two_units.id, &[u1, u1b]).unwrap();
        let other_village = staff(conn, "b", Role::UnitStaff);
        set_units(conn, other_village.id, &[u2]).unwrap();
        let outside = staff(conn, "c", Role::GridWorker);
        set_units(conn, outside.id, &[ux]).unwrap();
        let no_units = villager(conn, "13800000021");

        let ids = |page: &Page<User>| page.items.iter().map(|u| u.id).collect::<Vec<_>>();
        let v1_path = crate::regions::path_of(conn, v1).unwrap().unwrap();
        let in_v1 = list(conn, Some(&v1_path), None, None, 10).unwrap();
        assert_eq!(ids(&in_v1), [two_units.id]);

        let county_path = crate::regions::path_of(conn, county).unwrap().unwrap();
        let in_county = list(conn, Some(&county_path), None, None, 10).unwrap();
        assert_eq!(ids(&in_county), [two_units.id, other_village.id]);
        let workers = list(conn, Some(&county_path), Some(Role::GridWorker), None, 10).unwrap();
        assert_eq!(ids(&workers), [two_units.id]);

        let everyone = list(conn, None, None, None, 10).unwrap();
        let all = [two_units.id, other_village.id, outside.id, no_units.id];
        assert_eq!(ids(&everyone), all);
        let first = list(conn, None, None, None, 3).unwrap();
        assert_eq!(first.next_cursor, Some(outside.id.to_string()));
        let rest = list(conn, None, None, first.next_cursor.as_deref(), 3).unwrap();
        assert_eq!((ids(&rest), rest.next_cursor), (vec![no_units.id], None));
    });
}
