//! Who may see and change which accounts: admins everywhere, supervisors within their region
//! and below their rank, grid workers only their own township's colleagues, villagers nobody.

use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

fn usernames(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["username"].as_str().map(str::to_owned))
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn staff_see_only_accounts_within_their_authority(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let hx = srv.login("hx-supervisor").await;
        let (status, list) = srv.get_as(&hx.access_token, "/v1/users").await;
        assert_eq!(status, 200, "{backend:?}: {list}");
        contract.check("GET", "/v1/users", 200, &list);
        let mut names = usernames(&list);
        names.sort();
        assert_eq!(
            names,
            ["gw-1", "gw-2", "hx-supervisor", "vt-1"],
            "潢溪镇's staff only (vt-1: 渡口村帮帮团)"
        );

        // gw-3 patrols 锦江镇: a 潢溪 grid worker may not read her, nor list 锦江镇.
        let gw1 = srv.login("gw-1").await;
        let gw3 = srv.login("gw-3").await;
        let (status, body) = srv
            .get_as(&gw1.access_token, &format!("/v1/users/{}", gw3.id()))
            .await;
        assert_eq!(status, 403, "{body}");
        contract.check("GET", "/v1/users/{id}", 403, &body);
        let (status, _) = srv
            .get_as(&gw1.access_token, "/v1/users?region=360603101")
            .await;
        assert_eq!(status, 403);
        // Her authority is her grid's village: her own account, not the township above it.
        let own_path = format!("/v1/users/{}", gw1.id());
        let (status, own) = srv.get_as(&gw1.access_token, &own_path).await;
        assert_eq!(status, 200, "{own}");
        contract.check("GET", "/v1/users/{id}", 200, &own);
        let hx_path = format!("/v1/users/{}", hx.id());
        let (status, _) = srv.get_as(&gw1.access_token, &hx_path).await;
        assert_eq!(status, 403);
        let (status, seen) = srv.get_as(&hx.access_token, &own_path).await;
        assert_eq!(status, 200, "{seen}");

        let admin = srv.login("admin").await;
        let (_, all) = srv
            .get_as(&admin.access_token, "/v1/users?limit=1000")
            .await;
        assert_eq!(
            usernames(&all).len(),
            10,
            "admin, two supervisors, six grid workers, a volunteer"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn villagers_and_grid_workers_cannot_reach_admin_routes(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(cunxiang_tests::TestDb::new(backend), |s| {
            s.test_phones = vec![(
                "13800000000".into(),
                cunxiang_api::settings::Secret("123456".into()),
            )];
        })
        .await;
        srv.post(None, "/v1/auth/otp", json!({ "phone": "13800000000" }))
            .await;
        let (_, login) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "phone": "13800000000", "code": "123456" }),
            )
            .await;
        let villager = login["access_token"].as_str().unwrap().to_owned();
        let gw = srv.login("gw-1").await;
        for token in [villager.as_str(), gw.access_token.as_str()] {
            for path in ["/v1/audit", "/v1/clients"] {
                let (status, body) = srv.get_as(token, path).await;
                assert_eq!(status, 403, "{backend:?} {path}: {body}");
                assert_eq!(body["error"]["code"], "forbidden");
            }
            let (status, _) = srv
                .post(
                    Some(token),
                    "/v1/users",
                    json!({ "display_name": "x", "role": "admin",
                    "username": "sneaky", "password": "0123456789ab" }),
                )
                .await;
            assert_eq!(status, 403);
        }
        let (status, _) = srv.get_as(&villager, "/v1/users").await;
        assert_eq!(status, 403, "a villager lists nobody");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn supervisors_create_staff_below_their_rank_within_their_region(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let hx = srv.login("hx-supervisor").await;
        let dukou = srv.unit_id("渡口村民委员会").await;
        let jinjiang = srv.unit_id("锦江镇综治中心").await;
        let new_staff = |role: &str, unit: &str, username: &str| {
            json!({ "display_name": "新同事", "role": role, "username": username,
                    "password": "a-long-password", "unit_ids": [unit] })
        };
        let (status, body) = srv
            .post(
                Some(&hx.access_token),
                "/v1/users",
                new_staff("unit_staff", &dukou, "dk-staff"),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        contract.check("POST", "/v1/users", 201, &body);
        let (status, body) = srv
            .post(
                Some(&hx.access_token),
                "/v1/users",
                new_staff("supervisor", &dukou, "dk-sup"),
            )
            .await;
        assert_eq!(status, 403, "no supervisors made by supervisors: {body}");
        let (status, _) = srv
            .post(
                Some(&hx.access_token),
                "/v1/users",
                new_staff("grid_worker", &jinjiang, "jj-gw"),
            )
            .await;
        assert_eq!(status, 403, "锦江镇 is outside 潢溪镇");

        // The new account logs in.
        let (status, _) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "username": "dk-staff", "password": "a-long-password" }),
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn failed_creations_leave_nothing_behind(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let dukou = srv.unit_id("渡口村民委员会").await;
        let body = |unit: &str| {
            json!({ "display_name": "王网格", "role": "grid_worker", "username": "wang",
                    "password": "a-long-password", "unit_ids": [unit] })
        };
        let ghost = "01000000-0000-7000-8000-000000000000";
        let (status, answer) = srv
            .post(Some(&admin.access_token), "/v1/users", body(ghost))
            .await;
        assert_eq!(status, 422, "{backend:?}: {answer}");
        contract.check("POST", "/v1/users", 422, &answer);
        let (status, answer) = srv
            .post(Some(&admin.access_token), "/v1/users", body(&dukou))
            .await;
        assert_eq!(status, 201, "the username is still free: {answer}");
        let (status, answer) = srv
            .post(Some(&admin.access_token), "/v1/users", body(&dukou))
            .await;
        assert_eq!(status, 409, "{answer}");
        contract.check("POST", "/v1/users", 409, &answer);

        let short = json!({ "display_name": "x", "role": "grid_worker", "username": "li",
                            "password": "short", "unit_ids": [dukou] });
        let (status, answer) = srv
            .post(Some(&admin.access_token), "/v1/users", short)
            .await;
        assert_eq!(status, 422, "{answer}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn role_changes_are_audited_and_phones_masked_for_staff(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let dukou = srv.unit_id("渡口村民委员会").await;
        let (_, created) = srv
            .post(
                Some(&admin.access_token),
                "/v1/users",
                json!({ "display_name": "李村干", "role": "unit_staff", "username": "li-cadre",
                        "password": "a-long-password", "phone": "13812341234", "unit_ids": [dukou] }),
            )
            .await;
        assert_eq!(
            created["phone"], "13812341234",
            "admins see the full number"
        );
        let id = created["id"].as_str().unwrap();
        let hx = srv.login("hx-supervisor").await;
        let (status, seen) = srv
            .get_as(&hx.access_token, &format!("/v1/users/{id}"))
            .await;
        assert_eq!(status, 200, "{backend:?}: {seen}");
        assert_eq!(seen["phone"], "138****1234");

        let (status, changed) = srv
            .patch(
                &hx.access_token,
                &format!("/v1/users/{id}"),
                json!({ "role": "grid_worker" }),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        let (status, _) = srv
            .patch(
                &hx.access_token,
                &format!("/v1/users/{id}"),
                json!({ "role": "admin" }),
            )
            .await;
        assert_eq!(status, 403, "no promotion above the supervisor's rank");

        let (_, audit) = srv
            .get_as(&admin.access_token, "/v1/audit?action=user_changed")
            .await;
        let entry = &audit["items"][0];
        assert_eq!(entry["subject"], id);
        assert_eq!(entry["actor"], hx.id());
        assert_eq!(
            entry["details"]["role"],
            json!({ "from": "unit_staff", "to": "grid_worker" })
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn supervisors_cannot_touch_admins_peers_themselves_or_move_staff_out(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let hx = srv.login("hx-supervisor").await;
        let yj = srv.login("yj-supervisor").await;
        let admin = srv.login("admin").await;
        let gw1 = srv.login("gw-1").await;
        let jinjiang = srv.unit_id("锦江镇综治中心").await;
        let t = hx.access_token.as_str();
        for (who, body) in [
            (admin.id(), json!({ "status": "disabled" })),
            (yj.id(), json!({ "display_name": "x" })),
            (hx.id(), json!({ "role": "admin" })),
            (gw1.id(), json!({ "unit_ids": [jinjiang] })),
        ] {
            let (status, answer) = srv
                .patch(t, &format!("/v1/users/{who}"), body.clone())
                .await;
            assert_eq!(status, 403, "{backend:?} {body}: {answer}");
        }
        // Within her region and rank she may.
        let (status, _) = srv
            .patch(
                t,
                &format!("/v1/users/{}", gw1.id()),
                json!({ "display_name": "小王" }),
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_new_password_ends_the_old_sessions(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let gw = srv.login("gw-4").await;
        let path = format!("/v1/users/{}", gw.id());
        let (status, _) = srv
            .patch(
                &admin.access_token,
                &path,
                json!({ "password": "a-brand-new-one" }),
            )
            .await;
        assert_eq!(status, 200);
        let refresh = json!({ "refresh_token": gw.refresh_token.unwrap() });
        let (status, _) = srv.post(None, "/v1/auth/refresh", refresh).await;
        assert_eq!(status, 401, "{backend:?}: the stolen refresh token is dead");
        let login = json!({ "username": "gw-4", "password": "a-brand-new-one" });
        let (status, _) = srv.post(None, "/v1/auth/login", login).await;
        assert_eq!(status, 200);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn staff_phones_cannot_log_in_by_sms_code(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(cunxiang_tests::TestDb::new(backend), |s| {
            s.test_phones = vec![(
                "13900009999".into(),
                cunxiang_api::settings::Secret("123456".into()),
            )];
        })
        .await;
        let admin = srv.login("admin").await;
        let gw = srv.login("gw-5").await;
        let path = format!("/v1/users/{}", gw.id());
        let (status, _) = srv
            .patch(
                &admin.access_token,
                &path,
                json!({ "display_name": "有手机的网格员" }),
            )
            .await;
        assert_eq!(status, 200);
        let dukou = srv.unit_id("渡口村民委员会").await;
        let (status, body) = srv
            .post(
                Some(&admin.access_token),
                "/v1/users",
                json!({ "display_name": "带手机的干部", "role": "unit_staff", "username": "phone-staff",
                        "password": "a-long-password", "phone": "13900009999", "unit_ids": [dukou] }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        srv.post(None, "/v1/auth/otp", json!({ "phone": "13900009999" }))
            .await;
        let (status, body) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "phone": "13900009999", "code": "123456" }),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (403, Some("password_required")),
            "{backend:?}"
        );
    }
}
