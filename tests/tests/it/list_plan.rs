//! Every role's report list stays on the order index: the database's own plan for one page,
//! read back after a county's worth of reports (with statistics gathered), walks
//! `(created_at, id)` — or `(reporter_id, created_at, id)` for "my reports" — and sorts
//! nothing. Without that, a villager's list and Open311's `requests` read every public report
//! and sort them (seconds at a million reports).

use chrono::Duration;
use cunxiang_core::ReportStatus;
use cunxiang_storage::Backend;
use cunxiang_storage::reports::listing::plan;
use cunxiang_storage::reports::{ReportFilter, Scope};
use cunxiang_tests::intake::ANNA;
use cunxiang_tests::{TestServer, covered};
use diesel::RunQueryDsl;
use rstest::rstest;
use uuid::Uuid;

/// Reports made from one filed over the API, spread over the past days.
const REPORTS: i64 = 4000;

fn sorts(backend: Backend, lines: &[String]) -> bool {
    lines.iter().any(|l| match backend {
        Backend::Sqlite => l.contains("TEMP B-TREE"),
        Backend::Postgres => {
            let step = l.trim_start().trim_start_matches("->").trim_start();
            step.starts_with("Sort") || step.starts_with("Incremental Sort")
        }
    })
}

fn walks(backend: Backend, lines: &[String], index: &str) -> bool {
    lines.iter().any(|l| match backend {
        Backend::Sqlite => l.contains(&format!("USING INDEX {index}")),
        Backend::Postgres => l.contains(&format!("Index Scan Backward using {index}")),
    })
}

#[rstest]
#[case::sqlite(cunxiang_tests::Backend::Sqlite)]
#[case::postgres(cunxiang_tests::Backend::Postgres)]
#[tokio::test]
async fn every_roles_list_walks_the_order_index_and_sorts_nothing(
    #[case] backend: cunxiang_tests::Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let first = srv.report_at_dukou(&anna, "garbage", "路边垃圾堆").await;
        let id: Uuid = first["id"].as_str().unwrap().parse().unwrap();
        let mut conn = srv.db.connect();
        let template = cunxiang_storage::reports::find(&mut conn, cunxiang_core::ReportId(id))
            .unwrap()
            .unwrap();
        cunxiang_storage::conn::transaction(&mut conn, |c| {
            for i in 1..=REPORTS {
                let mut r = template.clone();
                r.id = cunxiang_core::ReportId::new();
                r.case_number = format!("PLAN-{i}");
                r.created_at = template.created_at - Duration::minutes(i);
                r.updated_at = r.created_at;
                cunxiang_storage::reports::insert(c, &r)?;
            }
            Ok::<_, cunxiang_storage::StorageError>(())
        })
        .unwrap();
        diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();

        let county_path = template
            .region_path
            .split_inclusive('/')
            .take(2)
            .collect::<String>();
        let staff = Scope::Staff {
            user_id: cunxiang_core::UserId(Uuid::nil()),
            paths: vec![county_path.clone()],
            units: template.unit_id.into_iter().collect(),
        };
        let villager = Scope::Villager {
            user_id: template.reporter_id,
        };
        let public = Scope::Public;
        let recent = ReportFilter {
            from: Some(template.created_at - Duration::days(2)),
            to: Some(template.created_at),
            ..ReportFilter::default()
        };
        let open = ReportFilter {
            statuses: vec![ReportStatus::Assigned, ReportStatus::Accepted],
            within_path: Some(county_path),
            ..ReportFilter::default()
        };
        let mine = ReportFilter {
            reporter: Some(template.reporter_id),
            ..ReportFilter::default()
        };
        let middle = Some(format!("{}", template.id));
        let cases: [(&str, &Scope, &ReportFilter, Option<&str>); 8] = [
            ("admin", &Scope::All, &ReportFilter::default(), None),
            ("staff", &staff, &ReportFilter::default(), None),
            ("villager", &villager, &ReportFilter::default(), None),
            ("open311 public", &public, &ReportFilter::default(), None),
            ("staff, open in the county", &staff, &open, None),
            ("admin, two days", &Scope::All, &recent, None),
            (
                "villager, next page",
                &villager,
                &ReportFilter::default(),
                middle.as_deref(),
            ),
            ("villager, my reports", &villager, &mine, None),
        ];
        let engine = conn.backend();
        for (name, scope, filter, before) in cases {
            let lines = plan(&mut conn, scope, filter, before, 51).unwrap();
            assert!(!lines.is_empty(), "{backend:?} {name}: no plan");
            assert!(
                !sorts(engine, &lines),
                "{backend:?} {name}: the list sorts\n{}",
                lines.join("\n")
            );
            let on_order = walks(engine, &lines, "reports_created_idx")
                || (filter.reporter.is_some() && walks(engine, &lines, "reports_reporter_idx"));
            assert!(
                on_order,
                "{backend:?} {name}: the list leaves the order index\n{}",
                lines.join("\n")
            );
        }
        // And the list still answers: newest first, the cursor resumes below the last row.
        let page = cunxiang_storage::reports::list(&mut conn, &villager, &mine, None, 3).unwrap();
        assert_eq!(page.items[0].id, template.id);
        let next = cunxiang_storage::reports::list(
            &mut conn,
            &villager,
            &mine,
            page.next_cursor.as_deref(),
            3,
        )
        .unwrap();
        assert!(next.items[0].created_at < page.items[2].created_at);
    }
}
