//! Fault injection for crash-safety tests: with `GROVE_FAULT=<step>` the process kills itself
//! (SIGKILL, no cleanup) when it reaches that step.

/// Every step at which a fault can be injected, in the order operations reach them.
pub const FAULT_STEPS: &[&str] = &[
    "lock:acquired",
    "create:during-copy",
    "create:after-copy",
    "create:after-prepare",
    "create:before-commit",
    "create:after-rename",
    "reset:during-copy",
    "reset:after-copy",
    "reset:before-commit",
    "reset:after-swap",
    "rebase:during-copy",
    "undo:before-commit",
    "undo:after-swap",
    "delete:before-commit",
    "delete:after-rename",
    "restore:before-commit",
    "rename:before-commit",
    "import:before-commit",
    "housekeeping:after-unregister",
    "deploy:before-commit",
    "deploy:after-commit",
    "revert:before-commit",
    "source-add:during-copy",
    "source-add:before-commit",
    "source-refresh:during-copy",
    "source-refresh:after-copy",
    "source-refresh:before-commit",
];

/// Kills the process if `GROVE_FAULT` names this step.
pub(crate) fn point(step: &str) {
    debug_assert!(FAULT_STEPS.contains(&step), "unknown fault step {step}");
    if std::env::var("GROVE_FAULT").is_ok_and(|v| v == step) {
        eprintln!("grove: GROVE_FAULT={step}: killing this process");
        // Give statements already handed to the connection task time to reach the server.
        std::thread::sleep(std::time::Duration::from_millis(200));
        #[cfg(unix)]
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_steps_are_unique() {
        let mut steps = FAULT_STEPS.to_vec();
        steps.sort();
        steps.dedup();
        assert_eq!(steps.len(), FAULT_STEPS.len());
    }
}
