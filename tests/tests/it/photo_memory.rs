//! Photo memory is bounded by bytes, not pixels (issue 16, item 2): a 16-bit RGBA PNG of
//! 7071×7071 passes the pixel limit in a few hundred KB but decodes into 400 MB; it is refused
//! from its header with 422 `image_too_large`, and the server goes on. Photos that need more
//! than the whole memory budget still go through, one at a time.

use cunxiang_photo::fixtures::png_rgba16;
use cunxiang_tests::intake::{ANNA, BAO, dukou_photo};
use cunxiang_tests::{Backend, Contract, TestDb, TestServer, covered};
use rstest::rstest;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_photo_that_decodes_too_large_is_refused_and_the_budget_never_blocks(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    let hostile = png_rgba16(7071, 7071);
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            // Smaller than one 1500×1000 16-bit PNG's decode (≈ 20 MiB): each runs alone.
            s.photo_memory_mb = 8;
            s.test_phones = [ANNA, BAO]
                .map(|p| (p.into(), cunxiang_api::settings::Secret("123456".into())))
                .to_vec();
        })
        .await;
        let anna = srv.villager(ANNA).await;
        let (status, answer) = srv
            .upload(&anna.access_token, hostile.clone(), "big.png")
            .await;
        assert_eq!(status, 422, "{backend:?}: {answer}");
        assert_eq!(answer["error"]["code"], "image_too_large", "{answer}");
        contract.check("post", "/v1/media", 422, &answer);
        assert_eq!(srv.db.files_under("tmp"), 0);
        assert_eq!(srv.blob_count().await, 0);

        // The server is still there, and photos bigger than the budget are served in turn.
        let bao = srv.villager(BAO).await;
        let uploads = (0..3).map(|i| {
            let token = if i % 2 == 0 { &anna } else { &bao };
            srv.upload(&token.access_token, png_rgba16(1500 + i, 1000), "deep.png")
        });
        for (status, answer) in futures_util::future::join_all(uploads).await {
            assert_eq!(status, 201, "{backend:?}: {answer}");
        }
        let (status, answer) = srv
            .upload(&anna.access_token, dukou_photo(1), "p.jpg")
            .await;
        assert_eq!(status, 201, "{answer}");
    }
}
