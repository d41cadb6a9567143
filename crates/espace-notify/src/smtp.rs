//! E-mail over SMTP with lettre: plain (for a local relay), STARTTLS or
//! implicit TLS, optional authentication. The outbox id becomes the
//! `Message-ID`, so a message re-sent after a crash is recognisably the
//! same one.

use std::time::Duration;

use async_trait::async_trait;
use espace_app::ports::{DeliveryError, Email, Mailer};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::{SmtpConfig, SmtpSecurity};

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    id_domain: String,
}

impl SmtpMailer {
    pub fn new(config: &SmtpConfig, from: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("notify.from is not an address: {e}"))?;
        let mut builder = match config.security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(|e| format!("notify.smtp: {e}"))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| format!("notify.smtp: {e}"))?,
        }
        .port(config.port)
        .timeout(Some(Duration::from_secs(config.timeout_secs)));
        if let Some(user) = &config.username {
            let password = config.password()?;
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            id_domain: from.email.domain().to_owned(),
            from,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), DeliveryError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| DeliveryError::Permanent(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!(
                "<{}@{}>",
                email.idempotency_key, self.id_domain
            )))
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| DeliveryError::Permanent(format!("message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(e.to_string())),
            Err(e) => Err(DeliveryError::Transient(e.to_string())),
        }
    }
}
