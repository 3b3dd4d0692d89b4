//! Functions, procedures and aggregates.
use super::{acl_changes, comment_if, qi};
use crate::schema::model::*;

pub fn function_keyword(f: &Function) -> &'static str {
    match f.kind.as_str() {
        "p" => "PROCEDURE",
        "a" => "AGGREGATE",
        _ => "FUNCTION",
    }
}

/// What `DROP` and `COMMENT ON` name, e.g. `AGGREGATE "s"."n"(*)` for an aggregate without
/// arguments.
pub fn function_target(f: &Function) -> String {
    if f.kind == "a" && f.id.args.is_empty() {
        format!("AGGREGATE {}.{}(*)", qi(&f.id.schema), qi(&f.id.name))
    } else {
        format!("{} {}", function_keyword(f), f.id.sql())
    }
}

/// What `GRANT` and `REVOKE` name: aggregates are granted on as functions.
pub fn function_acl_target(f: &Function) -> String {
    let keyword = if f.kind == "p" {
        "PROCEDURE"
    } else {
        "FUNCTION"
    };
    format!("{keyword} {}", f.id.sql())
}

pub fn function_statement(f: &Function) -> String {
    let def = f.definition.trim_end();
    if def.ends_with(';') {
        def.to_string()
    } else {
        format!("{def};")
    }
}

pub fn function_create(f: &Function, defaults: &Acl) -> Vec<String> {
    let mut out = vec![function_statement(f)];
    comment_if(&mut out, &function_target(f), &f.comment);
    out.extend(acl_changes(
        &function_acl_target(f),
        None,
        defaults,
        &f.acl,
        "CURRENT_USER",
    ));
    out
}
