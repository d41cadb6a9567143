//! Single-use links sent by e-mail (undo a contact change, "this was not
//! me", choose a first password): 256-bit random tokens of which only the
//! SHA-256 is stored, bound to a login and a purpose, expiring, and used at
//! most once (`take_link` marks them used in the caller's transaction).

use jiff::SignedDuration;
use uuid::Uuid;

use crate::App;
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppError;
use crate::ports::{ActionTokenRecord, LoginRecord, Tx};

impl App {
    /// Stores a new link and returns its token, for the URL.
    pub(crate) async fn issue_link(
        &self,
        tx: &mut dyn Tx,
        login_id: Uuid,
        purpose: &str,
        payload: serde_json::Value,
        valid_for: SignedDuration,
    ) -> Result<String, AppError> {
        let token = random_token()?;
        let now = self.clock().now();
        tx.insert_action_token(&ActionTokenRecord {
            token_hash: sha256_hex(&token),
            purpose: purpose.into(),
            login_id,
            payload,
            created_at: now,
            expires_at: now + valid_for,
            used_at: None,
        })
        .await?;
        Ok(token)
    }

    /// The link behind `token` if it is live (right purpose, unused, not
    /// expired, its login enabled); otherwise "not found", whatever the
    /// reason, so that dead links cannot be told apart.
    pub(crate) async fn live_link(
        &self,
        tx: &mut dyn Tx,
        token: &str,
        purpose: &str,
    ) -> Result<(ActionTokenRecord, LoginRecord), AppError> {
        let now = self.clock().now();
        let record = tx
            .action_token(&sha256_hex(token))
            .await?
            .filter(|t| t.purpose == purpose && t.used_at.is_none() && t.expires_at > now)
            .ok_or(AppError::NotFound)?;
        let login = tx
            .login_by_id(record.login_id)
            .await?
            .filter(|l| !l.disabled)
            .ok_or(AppError::NotFound)?;
        Ok((record, login))
    }

    /// [`Self::live_link`], marked used: a concurrent use loses the race
    /// and gets "not found".
    pub(crate) async fn take_link(
        &self,
        tx: &mut dyn Tx,
        token: &str,
        purpose: &str,
    ) -> Result<(ActionTokenRecord, LoginRecord), AppError> {
        let (record, login) = self.live_link(tx, token, purpose).await?;
        if !tx
            .use_action_token(&record.token_hash, self.clock().now())
            .await?
        {
            return Err(AppError::NotFound);
        }
        Ok((record, login))
    }
}
