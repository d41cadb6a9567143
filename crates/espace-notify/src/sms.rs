//! SMS through an HTTP gateway: a small JSON webhook that most SMS
//! providers (or a few lines of glue) can take.
//!
//! `POST {url}` with `Content-Type: application/json`,
//! `Authorization: Bearer {token}` (when configured) and
//! `Idempotency-Key: {outbox id}`; body `{"id": "…", "to": "+33612345678",
//! "text": "…"}`. Any 2xx is delivered; 408, 429 and 5xx are retried; any
//! other status is a permanent refusal.

use std::time::Duration;

use async_trait::async_trait;
use espace_app::ports::{DeliveryError, Sms, SmsSender};
use secrecy::{ExposeSecret, SecretString};

use crate::SmsGatewayConfig;

pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    token: Option<SecretString>,
}

impl HttpSmsGateway {
    pub fn new(config: &SmsGatewayConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("notify.sms: {e}"))?;
        Ok(Self {
            client,
            url: config.url.clone(),
            token: config.token()?,
        })
    }
}

#[async_trait]
impl SmsSender for HttpSmsGateway {
    async fn send(&self, sms: &Sms) -> Result<(), DeliveryError> {
        let mut request = self
            .client
            .post(&self.url)
            .header("Idempotency-Key", sms.idempotency_key.to_string())
            .json(&serde_json::json!({
                "id": sms.idempotency_key,
                "to": sms.to,
                "text": sms.text,
            }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose_secret());
        }
        let response = request
            .send()
            .await
            .map_err(|e| DeliveryError::Transient(format!("gateway unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(DeliveryError::Transient(format!(
                "gateway answered {status}"
            )))
        } else {
            Err(DeliveryError::Permanent(format!(
                "gateway refused: {status}"
            )))
        }
    }
}
