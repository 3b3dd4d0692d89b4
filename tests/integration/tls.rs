//! sslmode against a real TLS-enabled server with a throwaway CA.
use crate::harness;
use grove_core::conn::{test_connection, SslMode};
use grove_core::local_pg::{run_as_for_current_user, LocalPg};
use grove_core::ErrorCode;
use std::path::Path;
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed CA certificate `<name>.pem` with its key `<name>.key`.
fn self_signed_ca(dir: &Path, cn: &str, name: &str) {
    let (subj, key, pem) = (
        format!("/CN={cn}"),
        format!("{name}.key"),
        format!("{name}.pem"),
    );
    let args = [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &subj, "-keyout",
        &key, "-out", &pem,
    ];
    openssl(dir, &args);
}

/// A CA and a server certificate valid for the name `localhost` only.
fn make_certs(dir: &Path) {
    self_signed_ca(dir, "Grove Test CA", "ca");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    );
    // A second, unrelated CA.
    self_signed_ca(dir, "Other CA", "other");
    for f in ["ca.pem", "server.pem", "other.pem"] {
        harness::set_mode(&dir.join(f), 0o644);
    }
    // Postgres insists its key is private to the account it runs as.
    harness::set_mode(&dir.join("server.key"), 0o600);
    if let Some(u) = run_as_for_current_user().unwrap() {
        std::os::unix::fs::chown(dir.join("server.key"), Some(u.uid), Some(u.gid)).unwrap();
    }
}

/// A PostgreSQL 18 server with TLS on, and the directory of its certificates: `ca.pem` signed
/// its certificate (valid for `localhost` only), `other.pem` is an unrelated CA.
pub(crate) async fn tls_server(name: &str) -> (LocalPg, std::path::PathBuf) {
    let certs = harness::scratch_dir(&format!("{name}-certs"));
    make_certs(&certs);
    let mut opts = harness::options(18, name);
    opts.settings = vec![
        ("ssl".into(), "on".into()),
        (
            "ssl_cert_file".into(),
            certs.join("server.pem").display().to_string(),
        ),
        (
            "ssl_key_file".into(),
            certs.join("server.key").display().to_string(),
        ),
    ];
    (LocalPg::start(&opts).await.unwrap(), certs)
}

#[tokio::test]
async fn verify_full_and_verify_ca_against_a_tls_server() {
    let (pg, certs) = tls_server("tls-server").await;
    let ca = Some(certs.join("ca.pem").display().to_string());

    let mut f = pg.fields("postgres");
    f.host = "localhost".into();
    f.sslmode = SslMode::VerifyFull;
    f.sslrootcert = ca.clone();
    test_connection(&f, Some(pg.password()))
        .await
        .expect("verify-full with the right CA and name");

    // The certificate does not name 127.0.0.1: verify-full refuses, verify-ca accepts.
    let mut by_ip = f.clone();
    by_ip.host = "127.0.0.1".into();
    let e = test_connection(&by_ip, Some(pg.password()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Tls, "{e:?}");
    by_ip.sslmode = SslMode::VerifyCa;
    test_connection(&by_ip, Some(pg.password()))
        .await
        .expect("verify-ca ignores the host name");

    // A certificate from another CA is refused.
    let mut other = f.clone();
    other.sslrootcert = Some(certs.join("other.pem").display().to_string());
    let e = test_connection(&other, Some(pg.password()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Tls, "{e:?}");

    // require encrypts without verifying.
    let mut req = by_ip.clone();
    req.sslmode = SslMode::Require;
    req.sslrootcert = None;
    test_connection(&req, Some(pg.password()))
        .await
        .expect("require");
    pg.stop().await.unwrap();
}
