//! The cluster's configuration: Grove's settings in `grove.conf` (rewritten on every start),
//! included from the `postgresql.conf` initdb wrote, and the generated superuser password.
#[cfg(unix)]
use super::os_user::chown;
use super::types::{CloneMode, LocalPgOptions};
use super::LocalPg;
use crate::error::Result;
use std::path::Path;

pub(super) fn random_password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

/// Makes a fresh cluster's `postgresql.conf` read `grove.conf`.
pub(super) fn include_grove_conf(data_dir: &Path) -> Result<()> {
    let conf = data_dir.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf)?;
    text.push_str("\n# Grove writes its settings (port, copy method) here on every start.\ninclude_if_exists = 'grove.conf'\n");
    std::fs::write(&conf, text)?;
    Ok(())
}

impl LocalPg {
    /// Port, loopback-only listening, the copy method and the caller's extra settings.
    pub(super) fn write_conf(&self, opts: &LocalPgOptions) -> Result<()> {
        let mut conf = format!("port = {}\nlisten_addresses = '127.0.0.1'\n", self.port);
        if cfg!(unix) {
            conf.push_str("unix_socket_directories = ''\n");
        }
        if self.clone_mode == CloneMode::Clone {
            conf.push_str("file_copy_method = clone\n");
        }
        for (k, v) in &opts.settings {
            conf.push_str(&format!("{k} = {}\n", crate::ident::quote_literal(v)));
        }
        let path = self.data_dir.join("grove.conf");
        std::fs::write(&path, conf)?;
        #[cfg(unix)]
        if let Some(u) = &self.run_as {
            chown(&path, u)?;
        }
        Ok(())
    }
}
