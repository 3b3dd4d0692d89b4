//! The `grove` binary as scripts use it: JSON output, exit codes, one-line errors.
use crate::harness;
use serde_json::Value;
use std::process::{Command, Output};

fn grove(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(harness::grove_bin())
        .env("GROVE_DATA_DIR", data)
        .env_remove("GROVE_SERVER")
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}\nstdout: {}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test]
async fn local_server_lifecycle_from_the_cli() {
    let data = harness::scratch_dir("cli-local");
    let before = json(&grove(&data, &["--json", "local", "status"]));
    assert_eq!(before["state"], "stopped");
    assert!(
        before["version"].as_str().unwrap().starts_with("18"),
        "bundled 18 is found: {before}"
    );

    let started = json(&grove(&data, &["--json", "local", "start"]));
    assert_eq!(started["state"], "running");
    let port = started["port"].as_u64().unwrap();
    let status = json(&grove(&data, &["--json", "local", "status"]));
    assert_eq!(status["state"], "running");
    assert_eq!(status["port"].as_u64(), Some(port));
    assert!(["clone", "copy"].contains(&status["clone_mode"].as_str().unwrap()));

    let stopped = json(&grove(&data, &["--json", "local", "stop"]));
    assert_eq!(stopped["state"], "stopped");
    let text = grove(&data, &["local", "status"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("state: stopped"));
}

#[tokio::test]
async fn server_add_list_test_remove() {
    let data = harness::scratch_dir("cli-server");
    let pg = harness::server(15).await;
    let password = "cli-pass-word-15";
    harness::create_role(pg, "cli_user", password).await;
    let uri = format!(
        "postgresql://cli_user:{password}@127.0.0.1:{}/postgres?sslmode=disable",
        pg.port
    );

    let added = json(&grove(&data, &["--json", "server", "add", "team db", &uri]));
    assert_eq!(added["name"], "team db");
    assert_eq!(added["has_password"], true);
    assert!(
        !String::from_utf8_lossy(&grove(&data, &["--json", "server", "list"]).stdout)
            .contains(password)
    );

    let list = json(&grove(&data, &["--json", "server", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let tested = json(&grove(&data, &["--json", "server", "test", "team db"]));
    assert!(tested["server_version"].as_str().unwrap().starts_with("15"));

    // --server / GROVE_SERVER pick a server by URL too.
    let via_env = Command::new(harness::grove_bin())
        .env("GROVE_DATA_DIR", &data)
        .env("GROVE_SERVER", &uri)
        .args(["--json", "server", "test"])
        .output()
        .unwrap();
    assert!(json(&via_env)["server_version"]
        .as_str()
        .unwrap()
        .starts_with("15"));

    // Errors: non-zero exit, one line on stderr, JSON with --json.
    let bad = grove(
        &data,
        &["server", "add", "x", "postgresql://u@h:notaport/db"],
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("grove: malformed connection URI"), "{err}");
    let wrong = grove(
        &data,
        &[
            "--json",
            "server",
            "add",
            "y",
            &uri.replace(password, "nope"),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(v["error"]["code"], "auth_failed");
    assert_eq!(v["error"]["sqlstate"], "28P01");

    json(&grove(&data, &["--json", "server", "remove", "team db"]));
    assert_eq!(
        json(&grove(&data, &["--json", "server", "list"]))
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let gone = grove(&data, &["server", "remove", "team db"]);
    assert_eq!(gone.status.code(), Some(1));
}
