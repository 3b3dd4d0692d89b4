//! Saved connections with passwords in the real Secret Service, against real servers.
use crate::harness;
use grove_core::conn::{parse_connection_string, ConnectionFields, SslMode};
use grove_core::paths::Paths;
use grove_core::{ConnectionDraft, ErrorCode, Grove};

async fn open_grove(name: &str) -> Grove {
    let dir = harness::scratch_dir(name);
    Grove::open(Paths::at(dir.join("state"))).await.unwrap()
}

fn draft(name: &str, fields: ConnectionFields, password: Option<&str>) -> ConnectionDraft {
    ConnectionDraft {
        name: name.into(),
        fields,
        password: password.map(str::to_string),
    }
}

#[tokio::test]
async fn saved_connection_round_trip_keeps_the_password_in_the_keychain_only() {
    let grove = open_grove("conn-roundtrip").await;
    for major in harness::VERSIONS {
        let pg = harness::server(major).await;
        let role = format!("app_user_{major}");
        let password = format!("S3cret-{}-'\"-pw", harness::uuid_like());
        harness::create_role(pg, &role, &password).await;
        let fields = ConnectionFields {
            user: role.clone(),
            ..pg.fields("postgres")
        };

        let name = format!("pg{major} server");
        let saved = grove
            .save_connection(None, draft(&name, fields.clone(), Some(&password)))
            .await
            .unwrap();
        assert!(saved.has_password);
        assert_eq!(
            grove.secrets.get(&saved.id).await.unwrap().as_deref(),
            Some(password.as_str())
        );

        let ok = grove.test_saved_connection(&name).await.unwrap();
        assert!(
            ok.server_version.starts_with(&major.to_string()),
            "{}",
            ok.server_version
        );

        // Editing without a password keeps the stored one.
        let renamed = format!("{name} (renamed)");
        let edited = grove
            .save_connection(Some(&saved.id), draft(&renamed, fields.clone(), None))
            .await
            .unwrap();
        assert_eq!(edited.id, saved.id);
        assert!(edited.has_password);
        grove.test_saved_connection(&renamed).await.unwrap();

        // A wrong password reaches the user as the server's error.
        let e = grove
            .test_connection(&draft("x", fields.clone(), Some("wrong")), None)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::AuthFailed, "{e:?}");
        assert_eq!(e.sqlstate.as_deref(), Some("28P01"));
        assert!(
            e.message.contains("password authentication failed"),
            "{}",
            e.message
        );

        // The password never reaches SQLite (database, WAL) or anything else in the data dir.
        for entry in harness::walk(&grove.paths.data_dir) {
            let bytes = std::fs::read(&entry).unwrap_or_default();
            assert!(
                !contains(&bytes, password.as_bytes()),
                "password found in {}",
                entry.display()
            );
        }

        grove.remove_connection(&saved.id).await.unwrap();
        assert_eq!(
            grove.secrets.get(&saved.id).await.unwrap(),
            None,
            "keychain entry removed"
        );
        assert!(grove.find_connection(&renamed).await.is_err());
    }
}

#[tokio::test]
async fn duplicate_names_and_bad_fields_are_rejected_without_saving() {
    let grove = open_grove("conn-bad").await;
    let pg = harness::server(18).await;
    grove
        .save_connection(None, draft("one", pg.fields("postgres"), None))
        .await
        .unwrap();
    let e = grove
        .save_connection(None, draft("one", pg.fields("postgres"), None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists);
    let e = grove
        .save_connection(None, draft("  ", pg.fields("postgres"), None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let mut bad = pg.fields("postgres");
    bad.host = String::new();
    assert_eq!(
        grove
            .save_connection(None, draft("two", bad, None))
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    let mut tls = pg.fields("postgres");
    tls.sslmode = SslMode::VerifyFull;
    let e = grove
        .save_connection(None, draft("three", tls, None))
        .await
        .unwrap_err();
    assert!(e.message.contains("CA certificate"), "{}", e.message);
    assert_eq!(
        grove.list_connections().await.unwrap().len(),
        1,
        "nothing else was saved"
    );
}

#[tokio::test]
async fn unreachable_servers_and_malformed_uris_give_clear_errors() {
    let closed = std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = parse_connection_string(&format!(
        "postgresql://u:p@127.0.0.1:{closed}/db?sslmode=disable"
    ))
    .unwrap();
    let e = grove_core::conn::test_connection(&p.fields, p.password.as_deref())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unreachable, "{e:?}");
    assert!(
        e.message.contains(&format!("127.0.0.1:{closed}")),
        "{}",
        e.message
    );

    let e = parse_connection_string("postgresql://u@host:99999/db").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message.contains("malformed connection URI") || e.message.contains("port"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn require_mode_without_server_tls_reports_it() {
    let pg = harness::server(18).await;
    let mut fields = pg.fields("postgres");
    fields.sslmode = SslMode::Require;
    let e = grove_core::conn::test_connection(&fields, Some(pg.password()))
        .await
        .unwrap_err();
    assert!(
        e.message.to_lowercase().contains("tls") || e.message.to_lowercase().contains("ssl"),
        "{e:?}"
    );
    fields.sslmode = SslMode::Prefer;
    grove_core::conn::test_connection(&fields, Some(pg.password()))
        .await
        .unwrap();
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_session_the_server_ends_between_statements_says_why() {
    let pg = harness::server(15).await;
    let (db, s) = harness::fresh_db(pg).await;
    let pid: i32 = s
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let admin = pg.connect(&db).await.unwrap();
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap();
    // Once the connection has read the server's goodbye, statements find it closed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !s.is_closed() {
        assert!(
            std::time::Instant::now() < deadline,
            "the session is still open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let e = s.error(s.batch_execute("SELECT 1").await.unwrap_err());
    assert_eq!(e.code, ErrorCode::Unreachable, "{e:?}");
    assert!(
        e.message
            .contains("terminating connection due to administrator command"),
        "{e:?}"
    );
}
