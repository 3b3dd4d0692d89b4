//! Passwords live in the OS keychain (Secret Service, macOS Keychain, Windows Credential
//! Manager) and nowhere else.
use crate::error::{ApiError, ErrorCode, Result};

const SERVICE: &str = "dev.grove.Grove";

#[derive(Debug, Clone)]
pub struct Secrets {
    service: String,
}

impl Default for Secrets {
    fn default() -> Self {
        Secrets {
            service: std::env::var("GROVE_KEYCHAIN_SERVICE")
                .unwrap_or_else(|_| SERVICE.to_string()),
        }
    }
}

fn keychain_err(e: keyring::Error) -> ApiError {
    ApiError::new(ErrorCode::Keychain, format!("OS keychain: {e}")).with_hint(
        "on Linux a Secret Service provider (GNOME Keyring, KWallet) must be running and unlocked",
    )
}

impl Secrets {
    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account).map_err(keychain_err)
    }

    pub async fn set(&self, account: &str, password: &str) -> Result<()> {
        let (me, account, password) = (self.clone(), account.to_string(), password.to_string());
        tokio::task::spawn_blocking(move || {
            me.entry(&account)?
                .set_password(&password)
                .map_err(keychain_err)
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    }

    pub async fn get(&self, account: &str) -> Result<Option<String>> {
        let (me, account) = (self.clone(), account.to_string());
        tokio::task::spawn_blocking(move || match me.entry(&account)?.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_err(e)),
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    }

    pub async fn delete(&self, account: &str) -> Result<()> {
        let (me, account) = (self.clone(), account.to_string());
        tokio::task::spawn_blocking(move || match me.entry(&account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_err(e)),
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    }
}
