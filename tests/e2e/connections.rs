//! Saved connections: add, test, keep across restarts; the password stays in the keychain.
use crate::harness;
use crate::support::*;
use grove_core::local_pg::{LocalPg, LocalPgOptions};
use std::time::Duration;
use thirtyfour::prelude::*;

#[tokio::test]
async fn add_test_and_keep_a_connection_across_restarts() {
    let data = harness::scratch_dir("e2e");
    let service = format!("dev.grove.e2e.{}", std::process::id());
    let pg = harness::server(15).await;
    let password = format!("e2e-Pw-{}", harness::uuid_like());
    harness::create_role(pg, "e2e_user", &password).await;
    let name = "Team server";

    // First session: add the connection through the dialog.
    {
        let driver = start_driver(&data, &service);
        let d = open_app(&driver).await;
        wait_local_running(&d).await;

        exists(&d, By::Id("add-connection"))
            .await
            .click()
            .await
            .unwrap();
        exists(&d, By::Id("connection-dialog")).await;
        type_into(&d, "conn-name", name).await;
        type_into(&d, "conn-host", "127.0.0.1").await;
        type_into(&d, "conn-port", &pg.port.to_string()).await;
        type_into(&d, "conn-user", "e2e_user").await;
        type_into(&d, "conn-database", "postgres").await;

        // A wrong password shows the server's error, not a crash.
        type_into(&d, "conn-password", "definitely-wrong").await;
        exists(&d, By::Id("conn-test")).await.click().await.unwrap();
        let err = wait_for(
            &d,
            By::Id("conn-test-result"),
            "auth error",
            Duration::from_secs(20),
            |_, s| s == Some("error"),
        )
        .await;
        let text = err.text().await.unwrap();
        assert!(
            text.contains("password authentication failed"),
            "shown: {text}"
        );
        d.screenshot(&shot_path("wrong-password")).await.unwrap();

        type_into(&d, "conn-password", &password).await;
        exists(&d, By::Id("conn-test")).await.click().await.unwrap();
        let ok = wait_for(
            &d,
            By::Id("conn-test-result"),
            "test ok",
            Duration::from_secs(20),
            |_, s| s == Some("ok"),
        )
        .await;
        assert!(
            ok.text().await.unwrap().contains("15"),
            "server version shown"
        );
        exists(&d, By::Id("conn-save")).await.click().await.unwrap();
        let item = exists(&d, connection_item(name)).await;
        item.find(By::Css("[data-testid=\"connection-has-password\"]"))
            .await
            .expect("password marker");
        d.quit().await.unwrap();
    }

    // Second session: the connection is still there and its password comes from the keychain.
    {
        let driver = start_driver(&data, &service);
        let d = open_app(&driver).await;
        wait_local_running(&d).await;
        let item = exists(&d, connection_item(name)).await;
        item.find(By::Css("[data-testid=\"connection-test\"]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let res = wait_for(
            &d,
            By::Css(format!("[data-testid=\"connection-item\"][data-name=\"{name}\"] [data-testid=\"connection-test-result\"]")),
            "saved connection test ok",
            Duration::from_secs(20),
            |_, s| s == Some("ok"),
        )
        .await;
        assert!(res.text().await.unwrap().contains("15"));
        item.find(By::Css(".item-name"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let details = exists(&d, By::Css("[data-testid=\"connection-details\"]")).await;
        assert!(
            details.text().await.unwrap().contains("e2e_user"),
            "details of the selected connection"
        );
        // The picture once the server's (empty) branch tree has loaded.
        exists(&d, By::Css("[data-testid=\"branches-empty\"]")).await;
        d.screenshot(&shot_path("main-window")).await.unwrap();
        d.quit().await.unwrap();
    }

    // The app's embedded server: stop it (adopting it if the app was killed before its exit hook).
    let local = LocalPgOptions::new(data.join("local-pg"));
    if LocalPg::inspect(&local).await.state == grove_core::local_pg::LocalState::Running {
        LocalPg::start(&local).await.unwrap().stop().await.unwrap();
    }

    // After a full session the password is nowhere in Grove's files (SQLite, WAL, logs).
    let mut checked = 0;
    for f in harness::walk(&data) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_bytes()),
            "password found in {}",
            f.display()
        );
        checked += 1;
    }
    assert!(checked > 3, "checked {checked} files");
    assert!(data.join("state.sqlite").is_file() && data.join("grove.log").is_file());
}
