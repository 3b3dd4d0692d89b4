//! End-to-end: the real Grove app under Xvfb, driven through tauri-driver + WebKitWebDriver.
//! Needs DISPLAY (xvfb-run), a Secret Service (dbus-run-session + gnome-keyring-daemon), the
//! UI built into ui/dist and the app built (`make test` does all of that).
#[path = "../harness/mod.rs"]
pub mod harness;

mod branches;
mod connections;
mod deploy;
mod layout;
mod paging;
mod sources;
mod support;
