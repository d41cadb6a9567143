//! My company (SPEC §6): the company's information, its web account
//! manager, and the conversation with them. The manager's side is the
//! back office inbox (`/backoffice/messages`).

use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{ActingRole, AuditEvent, AuditKind, ClientInfo};
use crate::error::{AppError, FormRejection, Problem};
use crate::notify::{Notice, Recipient};
use crate::ports::{CompanyRecord, LinkTo, LoginRecord, Tx, WamMessageRecord};
use crate::rights::policy;
use crate::session::CurrentSession;

/// Longest message, in characters.
pub const MAX_MESSAGE: usize = 5000;

/// A message with the name of who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub record: WamMessageRecord,
    pub author: String,
}

#[derive(Debug, Clone)]
pub struct MyCompany {
    pub company: CompanyRecord,
    pub manager: Option<LoginRecord>,
    pub conversation: Vec<MessageView>,
}

/// One conversation in the manager's inbox.
#[derive(Debug, Clone)]
pub struct InboxEntry {
    pub customer: LoginRecord,
    pub company: String,
    pub last: MessageView,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub customer: LoginRecord,
    pub company: CompanyRecord,
    pub messages: Vec<MessageView>,
}

pub fn display_name(login: &LoginRecord) -> String {
    let name = format!("{} {}", login.first_name, login.last_name);
    let name = name.trim();
    if name.is_empty() {
        login.identifier.clone()
    } else {
        name.to_owned()
    }
}

fn message_body(raw: &str) -> Result<String, FormRejection> {
    let body = raw.trim().replace("\r\n", "\n");
    if body.is_empty() {
        return Err(FormRejection::one("message", Problem::Required));
    }
    if body.chars().count() > MAX_MESSAGE {
        return Err(FormRejection::one(
            "message",
            Problem::TooLong { max: MAX_MESSAGE },
        ));
    }
    Ok(body)
}

impl App {
    async fn named(
        tx: &mut dyn Tx,
        messages: Vec<WamMessageRecord>,
    ) -> Result<Vec<MessageView>, AppError> {
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            let author = tx
                .login_by_id(m.author_login_id)
                .await?
                .map_or_else(String::new, |l| display_name(&l));
            out.push(MessageView { record: m, author });
        }
        Ok(out)
    }

    /// The own company only; `None` for staff logins without a company.
    pub async fn my_company(
        &self,
        session: &CurrentSession,
    ) -> Result<Option<MyCompany>, AppError> {
        let Some(company_id) = session.login.company_id else {
            return Ok(None);
        };
        let mut tx = self.store().begin_read().await?;
        let Some(company) = tx.company(company_id).await? else {
            return Ok(None);
        };
        let manager = match company.web_account_manager_id {
            Some(id) => tx.login_by_id(id).await?,
            None => None,
        };
        let messages = tx.wam_conversation(session.login.id).await?;
        let conversation = Self::named(tx.as_mut(), messages).await?;
        Ok(Some(MyCompany {
            company,
            manager,
            conversation,
        }))
    }

    /// "Contact my web account manager": stored in their inbox and sent to
    /// them by e-mail, in one transaction.
    pub async fn contact_manager(
        &self,
        session: &CurrentSession,
        raw: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let body = message_body(raw)?;
        let login = &session.login;
        let company_id = login.company_id.ok_or(AppError::NotFound)?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let company = tx.company(company_id).await?.ok_or(AppError::NotFound)?;
        let manager_id = company.web_account_manager_id.ok_or(AppError::NotFound)?;
        let manager = tx
            .login_by_id(manager_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.insert_wam_message(&WamMessageRecord {
            id: Uuid::now_v7(),
            company_id,
            customer_login_id: login.id,
            author_login_id: login.id,
            from_staff: false,
            body: body.clone(),
            created_at: now,
        })
        .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::ManagerContacted, now, client)
                .by_self(login.id)
                .detail(json!({ "characters": body.chars().count() })),
        )
        .await?;
        if let Some(email) = &manager.email {
            self.queue(
                tx.as_mut(),
                Recipient::Email(email),
                Some(manager.id),
                Self::locale_of(&manager),
                &Notice::ManagerMessage {
                    customer: display_name(login),
                    company: company.name.clone(),
                    body,
                    url: format!(
                        "{}/backoffice/messages/{}",
                        self.config().public_url,
                        login.id
                    ),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn require_manager(
        &self,
        session: &CurrentSession,
    ) -> Result<policy::AccountManager, AppError> {
        let mut tx = self.store().begin_read().await?;
        policy::account_manager(&Self::holder(tx.as_mut(), &session.login).await?)
            .ok_or(AppError::Forbidden)
    }

    /// The back office inbox of a web account manager: the conversations
    /// of the companies assigned to them, latest first.
    pub async fn manager_inbox(
        &self,
        session: &CurrentSession,
    ) -> Result<Vec<InboxEntry>, AppError> {
        self.require_manager(session).await?;
        let mut tx = self.store().begin_read().await?;
        let latest = tx.wam_inbox(session.login.id).await?;
        let mut out = Vec::new();
        for m in Self::named(tx.as_mut(), latest).await? {
            let Some(customer) = tx.login_by_id(m.record.customer_login_id).await? else {
                continue;
            };
            let company = tx
                .company(m.record.company_id)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            out.push(InboxEntry {
                customer,
                company,
                last: m,
            });
        }
        Ok(out)
    }

    /// One conversation; only for the manager of the customer's company.
    pub async fn manager_conversation(
        &self,
        session: &CurrentSession,
        customer_id: Uuid,
    ) -> Result<Conversation, AppError> {
        self.require_manager(session).await?;
        let mut tx = self.store().begin_read().await?;
        let (customer, company) = Self::managed_customer(tx.as_mut(), session, customer_id).await?;
        let messages = tx.wam_conversation(customer.id).await?;
        let messages = Self::named(tx.as_mut(), messages).await?;
        Ok(Conversation {
            customer,
            company,
            messages,
        })
    }

    async fn managed_customer(
        tx: &mut dyn Tx,
        session: &CurrentSession,
        customer_id: Uuid,
    ) -> Result<(LoginRecord, CompanyRecord), AppError> {
        let customer = tx
            .login_by_id(customer_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let company_id = customer.company_id.ok_or(AppError::NotFound)?;
        let company = tx.company(company_id).await?.ok_or(AppError::NotFound)?;
        if company.web_account_manager_id != Some(session.login.id) {
            return Err(AppError::NotFound);
        }
        Ok((customer, company))
    }

    /// The manager answers; the customer sees it on My company and gets an
    /// e-mail. Shown in the customer's timeline as a staff action.
    pub async fn manager_reply(
        &self,
        session: &CurrentSession,
        customer_id: Uuid,
        raw: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        self.require_manager(session).await?;
        let body = message_body(raw)?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (customer, company) = Self::managed_customer(tx.as_mut(), session, customer_id).await?;
        tx.insert_wam_message(&WamMessageRecord {
            id: Uuid::now_v7(),
            company_id: company.id,
            customer_login_id: customer.id,
            author_login_id: session.login.id,
            from_staff: true,
            body: body.clone(),
            created_at: now,
        })
        .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::ManagerReplied, now, client)
                .by(session.login.id, customer.id)
                .acting_as(ActingRole::WebAccountManager),
        )
        .await?;
        if let Some(email) = &customer.email {
            self.queue(
                tx.as_mut(),
                Recipient::Email(email),
                Some(customer.id),
                Self::locale_of(&customer),
                &Notice::ManagerReply {
                    manager: display_name(&session.login),
                    body,
                    url: self.link_to(LinkTo::CompanyAccount),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
