//! Reading reports: each reader sees what she may (reporter, other villagers, staff in charge,
//! admins, 代办), lists are scoped and paged, nearby duplicates are found and followed.

use cunxiang_tests::intake::{ANNA, BAO, DUKOU, dukou_photo};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn each_reader_sees_what_she_may(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let at = json!({ "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" });
        let (_, garbage) = srv
            .report(
                &anna.access_token,
                Some("a"),
                &json!({ "category": "garbage", "description": "垃圾", "location": at }),
            )
            .await;
        let (_, private_photo) = srv
            .upload(&anna.access_token, dukou_photo(9), "d.jpg")
            .await;
        let (_, dispute) = srv
            .report(
                &anna.access_token,
                Some("b"),
                &json!({ "category": "dispute", "description": "邻里纠纷", "location": at,
                         "media_ids": [private_photo["id"]] }),
            )
            .await;
        let (_, hidden) = srv.report(&anna.access_token, Some("c"), &json!({ "category": "garbage", "description": "匿名", "location": at, "anonymous": true })).await;
        let path = |r: &Value| format!("/v1/reports/{}", r["id"].as_str().unwrap());

        // The reporter: whole, her own phone in full.
        let (_, own) = srv.get_as(&anna.access_token, &path(&garbage)).await;
        contract.check("GET", "/v1/reports/{id}", 200, &own);
        assert_eq!(own["reporter"]["phone"], ANNA);
        // Another villager: public categories only, nobody's identity.
        let (status, seen) = srv.get_as(&bao.access_token, &path(&garbage)).await;
        assert_eq!(status, 200);
        assert!(seen["reporter"].is_null(), "{seen}");
        assert!(seen["timeline"][0]["actor_id"].is_null());
        let (status, answer) = srv.get_as(&bao.access_token, &path(&dispute)).await;
        assert_eq!(status, 404, "{answer}");
        contract.check("GET", "/v1/reports/{id}", 404, &answer);
        let photo_path = format!("/v1/media/{}", private_photo["id"].as_str().unwrap());
        let (status, _) = srv.get_as(&bao.access_token, &photo_path).await;
        assert_eq!(status, 404, "a private report's photo stays private");
        // The grid worker in charge: name and masked phone, but not for an anonymous report.
        let (_, users) = srv
            .get_as(
                &srv.login("admin").await.access_token,
                "/v1/users?limit=100",
            )
            .await;
        let worker = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| {
                u["unit_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|id| *id == garbage["unit"]["id"])
            })
            .and_then(|u| u["username"].as_str())
            .expect("a worker of 渡口村's team")
            .to_owned();
        let gw = srv.login(&worker).await;
        let (_, staff_view) = srv.get_as(&gw.access_token, &path(&garbage)).await;
        assert_eq!(staff_view["reporter"]["phone"], "138****0001");
        let (_, anonymous) = srv.get_as(&gw.access_token, &path(&hidden)).await;
        assert!(anonymous["reporter"].is_null());
        let (_, disputed) = srv.get_as(&gw.access_token, &path(&dispute)).await;
        assert_eq!(
            disputed["category"], "dispute",
            "staff in charge see private categories"
        );
        // Admins see everything, phones in full.
        let admin = srv.login("admin").await;
        let (_, full) = srv.get_as(&admin.access_token, &path(&hidden)).await;
        assert_eq!(full["reporter"]["phone"], ANNA);

        // Lists are scoped the same way.
        let (_, mine) = srv
            .get_as(&anna.access_token, "/v1/reports?mine=true")
            .await;
        contract.check("GET", "/v1/reports", 200, &mine);
        assert_eq!(mine["items"].as_array().unwrap().len(), 3);
        let (_, theirs) = srv.get_as(&bao.access_token, "/v1/reports").await;
        let cats: Vec<&str> = theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["category"].as_str().unwrap())
            .collect();
        assert_eq!(cats, ["garbage", "garbage"], "newest first, no dispute");
        let (_, filtered) = srv
            .get_as(
                &admin.access_token,
                "/v1/reports?category=dispute&status=assigned&region=360603102",
            )
            .await;
        assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
        let (_, paged) = srv.get_as(&admin.access_token, "/v1/reports?limit=2").await;
        assert_eq!(paged["items"].as_array().unwrap().len(), 2);
        let next = paged["next_cursor"].as_str().unwrap();
        let (_, rest) = srv
            .get_as(
                &admin.access_token,
                &format!("/v1/reports?limit=2&cursor={next}"),
            )
            .await;
        assert_eq!(rest["items"].as_array().unwrap().len(), 1);
        assert_eq!(rest["items"][0]["id"], garbage["id"]);
        let (status, _) = srv
            .get_as(&admin.access_token, "/v1/reports?bbox=1,2,3")
            .await;
        assert_eq!(status, 400);

        // 代办: the county's hotline staff report for a villager by phone.
        let yj = srv.login("yj-supervisor").await;
        let body = json!({ "category": "garbage", "description": "电话反映", "location": at,
                           "on_behalf_of": { "phone": "13900001111", "display_name": "王大妈" } });
        let (status, proxied) = srv.report(&yj.access_token, None, &body).await;
        assert_eq!(status, 201, "{proxied}");
        assert_eq!(proxied["channel"], "hotline");
        assert_eq!(proxied["reporter"]["display_name"], "王大妈");
        assert_eq!(proxied["reporter"]["phone"], "139****1111");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn nearby_reports_are_found_and_followed(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let picture = dukou_photo(4);
        let (_, a_photo) = srv
            .upload(&anna.access_token, picture.clone(), "a.jpg")
            .await;
        let body =
            json!({ "category": "garbage", "description": "垃圾", "media_ids": [a_photo["id"]] });
        let (_, report) = srv.report(&anna.access_token, Some("n"), &body).await;

        // 50 m north, with the same picture taken by Bao.
        let (_, b_photo) = srv.upload(&bao.access_token, picture, "b.jpg").await;
        let north = DUKOU.0 + 50.0 / 111_320.0;
        let path = format!(
            "/v1/reports/nearby?lat={north}&lon={}&coord_system=wgs84&category=garbage&media_id={}",
            DUKOU.1,
            b_photo["id"].as_str().unwrap()
        );
        let (status, near) = srv.get_as(&bao.access_token, &path).await;
        assert_eq!(status, 200, "{backend:?}: {near}");
        contract.check("GET", "/v1/reports/nearby", 200, &near);
        assert_eq!(near["items"].as_array().unwrap().len(), 1);
        let d = near["items"][0]["distance_m"].as_f64().unwrap();
        assert!((45.0..55.0).contains(&d), "{d}");
        assert_eq!(near["items"][0]["photo_similarity"], 1.0);
        assert!(near["items"][0]["report"]["reporter"].is_null());
        let far = format!(
            "/v1/reports/nearby?lat={}&lon={}&coord_system=wgs84&category=garbage",
            DUKOU.0 + 0.01,
            DUKOU.1
        );
        let (_, none) = srv.get_as(&bao.access_token, &far).await;
        assert_eq!(none["items"].as_array().unwrap().len(), 0);
        let other = format!(
            "/v1/reports/nearby?lat={north}&lon={}&coord_system=wgs84&category=road",
            DUKOU.1
        );
        let (_, none) = srv.get_as(&bao.access_token, &other).await;
        assert_eq!(none["items"].as_array().unwrap().len(), 0);

        let follow = format!("/v1/reports/{}/follow", report["id"].as_str().unwrap());
        for _ in 0..2 {
            let (status, answer) = srv.post(Some(&bao.access_token), &follow, json!({})).await;
            assert_eq!(status, 200, "{answer}");
            contract.check("POST", "/v1/reports/{id}/follow", 200, &answer);
            assert_eq!(answer["follower_count"], 1, "following twice counts once");
        }
        let (_, seen) = srv
            .get_as(
                &anna.access_token,
                &format!("/v1/reports/{}", report["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(seen["follower_count"], 1);
    }
}
