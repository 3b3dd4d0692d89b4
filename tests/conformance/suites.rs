//! The suites: where each one's cases live, their inputs, and what is known about them.
use std::path::{Path, PathBuf};

/// Each suite: (name, FROM file, TO file, whether the file names carry the case name). A
/// suite's folder holds one folder per case; pgschema's cases may need a newer server
/// (`min_pg` in its `manifest.tsv`).
pub const SUITES: &[(&str, &str, &str, bool)] = &[
    ("migra", "a.sql", "b.sql", false),
    ("apgdiff", "_original.sql", "_new.sql", true),
    ("pgschema", "a.sql", "b.sql", false),
];

/// Cases that cannot pass, with the reason. (suite, case, versions or empty for all, reason)
pub const EXPECTED_FAILURES: &[(&str, &str, &[u32], &str)] = &[];

/// Load errors that are not the inputs' fault: statements recreating what every current
/// database already has.
pub const BENIGN_LOAD_ERRORS: &[&str] = &[
    // `CREATE EXTENSION plpgsql` / `CREATE PROCEDURAL LANGUAGE plpgsql`: built in since 9.0.
    "extension \"plpgsql\" already exists",
    "language \"plpgsql\" already exists",
    // `CREATE SCHEMA public`: exists in every new database.
    "schema \"public\" already exists",
];

/// Roles the fixtures grant to, own objects as, or name in policies.
pub const ROLES: &[&str] = &[
    "postgres",
    "admin",
    "anonymous",
    "asi",
    "customer",
    "dv",
    "fordfrog",
    "intranet",
    "krioweb2",
    "manager",
    "schemainspect_test_role",
    "webuser",
];

#[derive(Clone)]
pub struct Case {
    pub suite: &'static str,
    pub name: String,
    pub from: Option<PathBuf>,
    pub to: Option<PathBuf>,
    /// The oldest major version whose server loads the inputs (0: any).
    pub min_pg: u32,
}

#[derive(Clone, Debug)]
pub enum Outcome {
    Pass,
    Loose,
    Fail(String),
    NoLoad {
        reason: String,
        partial: Option<Box<Outcome>>,
    },
}

impl Outcome {
    pub fn short(&self) -> String {
        match self {
            Outcome::Pass => "pass".into(),
            Outcome::Loose => "loose".into(),
            Outcome::Fail(_) => "FAIL".into(),
            Outcome::NoLoad { partial, .. } => match partial {
                Some(p) => format!("no-load [{}]", p.short().to_lowercase()),
                None => "no-load".into(),
            },
        }
    }
}

/// The fixtures belong with the project: `../shared/conformance/schema-diff` from its root,
/// and nowhere else (a copy found elsewhere could be another checkout's).
pub fn fixture_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("../shared/conformance/schema-diff");
    assert!(
        dir.join("README.md").is_file(),
        "schema-diff conformance fixtures not found: expected {} (`../shared/conformance/schema-diff` \
         relative to the project root {}), with its README.md",
        dir.display(),
        root.display()
    );
    dir
}

pub fn cases(dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for &(suite, from, to, named) in SUITES {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(suite))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(suite).display()))
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(
            !names.is_empty(),
            "no {suite} cases in {}",
            dir.join(suite).display()
        );
        let min_pg = min_pg(&dir.join(suite));
        for name in names {
            let d = dir.join(suite).join(&name);
            let file = |suffix: &str| {
                let p = if named {
                    d.join(format!("{name}{suffix}"))
                } else {
                    d.join(suffix)
                };
                p.is_file().then_some(p)
            };
            let (from, to) = (file(from), file(to));
            out.push(Case {
                suite,
                min_pg: min_pg.get(&name).copied().unwrap_or(0),
                name,
                from,
                to,
            });
        }
    }
    out
}

/// `min_pg` by case from a suite's `manifest.tsv` (columns `case`, …, `min_pg`, …), if any.
fn min_pg(suite_dir: &Path) -> std::collections::BTreeMap<String, u32> {
    let Ok(text) = std::fs::read_to_string(suite_dir.join("manifest.tsv")) else {
        return Default::default();
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n);
    let (Some(case), Some(min)) = (col("case"), col("min_pg")) else {
        panic!(
            "{}: no case / min_pg column",
            suite_dir.join("manifest.tsv").display()
        );
    };
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let v = f.get(min)?.trim().parse().ok()?;
            Some((f.get(case)?.to_string(), v))
        })
        .collect()
}

pub fn expected_failure(case: &Case, version: u32) -> Option<&'static str> {
    EXPECTED_FAILURES
        .iter()
        .find(|(s, c, v, _)| {
            *s == case.suite && *c == case.name && (v.is_empty() || v.contains(&version))
        })
        .map(|(_, _, _, r)| *r)
}
