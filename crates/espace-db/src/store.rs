//! The [`Store`] and [`Tx`] ports, implemented once for both engines.

use async_trait::async_trait;
use espace_app::audit::{ActingRole, AuditEvent};
use espace_app::ports::{
    ActionTokenRecord, AuditPage, AuthMethodRecord, CeremonyRecord, CodeRecord, CompanyRecord,
    ContractRecord, DeviceSeen, FactorResetRecord, IdpLinkRecord, JoseKeyRecord, LoginRecord,
    OutboxRecord, PushRequestRecord, RecoveryCaseRecord, RecoveryRequestRecord, RightRecord,
    SessionRecord, Store, StoreResult, StrongAuthRuleRecord, Tx, WamMessageRecord,
};
use espace_domain::lockout::AttemptState;
use espace_domain::mfa::MethodKind;
use espace_domain::ratelimit::RateWindow;
use espace_domain::rights::{CompanyRole, StaffRole};
use espace_domain::throttle::IpWindow;
use jiff::Timestamp;
use sqlx::Row;
use uuid::Uuid;

use crate::error::{decode, err, other};

fn company_role(r: &str) -> StoreResult<CompanyRole> {
    CompanyRole::parse(r).ok_or_else(|| decode(format!("company role {r}")))
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn ts(ms: i64) -> StoreResult<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(decode)
}

macro_rules! login_query {
    ($where:literal) => {
        concat!(
            "SELECT id, person_id, company_id, identifier, password_hash, email, phone, title, \
             first_name, last_name, locale, disabled, email_verified, phone_verified FROM logins WHERE ",
            $where
        )
    };
}

macro_rules! outbox_query {
    ($head:literal, $tail:literal) => {
        concat!(
            $head,
            "id, channel, recipient, login_id, kind, subject, body_text, body_html, status, \
             attempts, next_attempt_at, last_error, created_at, sent_at",
            $tail
        )
    };
}

macro_rules! case_query {
    ($tail:literal) => {
        concat!(
            "SELECT id, reference, status, typed_who, company_name, new_email, phone, message, locale, \
             created_at, updated_at, login_id, agent_id, verification_method, verification_note, \
             closing_note, opener_hash FROM recovery_cases ",
            $tail
        )
    };
}

macro_rules! method_query {
    ($tail:literal) => {
        concat!(
            "SELECT id, login_id, kind, label, secret, is_default, created_at, verified_at, \
             last_used_at, last_step, credential_id FROM auth_methods ",
            $tail
        )
    };
}

macro_rules! push_query {
    ($tail:literal) => {
        concat!(
            "SELECT id, login_id, method_id, waiter, session_hash, link_hash, purpose, number, choices, \
             ip, user_agent, status, created_at, expires_at, answered_at FROM push_requests ",
            $tail
        )
    };
}

macro_rules! audit_query {
    ($tail:literal) => {
        concat!(
            "SELECT id, at, kind, actor_login_id, subject_login_id, identifier, ip, user_agent, \
             request_id, detail, actor_role FROM audit_events ",
            $tail
        )
    };
}

macro_rules! store_impl {
    ($store:ident, $db:ty, $pool:ty, $row:ty, begin_write: $begin_write:literal, for_update: $for_update:literal, skip_locked: $skip_locked:literal) => {
        #[derive(Clone)]
        pub struct $store {
            pool: $pool,
        }

        impl $store {
            pub fn new(pool: $pool) -> Self {
                Self { pool }
            }

            pub fn pool(&self) -> &$pool {
                &self.pool
            }
        }

        #[async_trait]
        impl Store for $store {
            async fn begin(&self) -> StoreResult<Box<dyn Tx>> {
                let tx = self.pool.begin_with($begin_write).await.map_err(err)?;
                Ok(Box::new(DbTx::<$db> { tx }))
            }

            async fn begin_read(&self) -> StoreResult<Box<dyn Tx>> {
                let tx = self.pool.begin().await.map_err(err)?;
                Ok(Box::new(DbTx::<$db> { tx }))
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(err)?;
                Ok(())
            }
        }

        impl DbTx<$db> {
            /// One column of a row, as `T`.
            fn col<T>(row: &$row, name: &str) -> StoreResult<T>
            where
                T: for<'r> sqlx::Decode<'r, $db> + sqlx::Type<$db>,
            {
                row.try_get(name).map_err(err)
            }

            fn idp_link(row: &$row) -> StoreResult<IdpLinkRecord> {
                Ok(IdpLinkRecord {
                    method_id: Self::col(row, "method_id")?,
                    login_id: Self::col(row, "login_id")?,
                    issuer: Self::col(row, "issuer")?,
                    subject: Self::col(row, "subject")?,
                    given_name: Self::col(row, "given_name")?,
                    family_name: Self::col(row, "family_name")?,
                    birthdate: Self::col(row, "birthdate")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                })
            }

            fn login(row: &$row) -> StoreResult<LoginRecord> {
                Ok(LoginRecord {
                    id: Self::col(&row, "id")?,
                    person_id: Self::col(&row, "person_id")?,
                    company_id: Self::col(&row, "company_id")?,
                    identifier: Self::col(&row, "identifier")?,
                    password_hash: Self::col(&row, "password_hash")?,
                    email: Self::col(&row, "email")?,
                    phone: Self::col(&row, "phone")?,
                    title: Self::col(&row, "title")?,
                    first_name: Self::col(&row, "first_name")?,
                    last_name: Self::col(&row, "last_name")?,
                    locale: Self::col(&row, "locale")?,
                    disabled: Self::col(&row, "disabled")?,
                    email_verified: Self::col(&row, "email_verified")?,
                    phone_verified: Self::col(&row, "phone_verified")?,
                })
            }

            fn logins(rows: &[$row]) -> StoreResult<Vec<LoginRecord>> {
                rows.iter().map(Self::login).collect()
            }

            fn outbox(row: &$row) -> StoreResult<OutboxRecord> {
                Ok(OutboxRecord {
                    id: Self::col(row, "id")?,
                    channel: Self::col(row, "channel")?,
                    recipient: Self::col(row, "recipient")?,
                    login_id: Self::col(row, "login_id")?,
                    kind: Self::col(row, "kind")?,
                    subject: Self::col(row, "subject")?,
                    body_text: Self::col(row, "body_text")?,
                    body_html: Self::col(row, "body_html")?,
                    status: Self::col(row, "status")?,
                    attempts: Self::col(row, "attempts")?,
                    next_attempt_at: ts(Self::col(row, "next_attempt_at")?)?,
                    last_error: Self::col(row, "last_error")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                    sent_at: Self::col::<Option<i64>>(row, "sent_at")?.map(ts).transpose()?,
                })
            }

            fn recovery_case(row: &$row) -> StoreResult<RecoveryCaseRecord> {
                Ok(RecoveryCaseRecord {
                    id: Self::col(row, "id")?,
                    reference: Self::col(row, "reference")?,
                    status: Self::col(row, "status")?,
                    typed_who: Self::col(row, "typed_who")?,
                    company_name: Self::col(row, "company_name")?,
                    new_email: Self::col(row, "new_email")?,
                    phone: Self::col(row, "phone")?,
                    message: Self::col(row, "message")?,
                    locale: Self::col(row, "locale")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                    updated_at: ts(Self::col(row, "updated_at")?)?,
                    login_id: Self::col(row, "login_id")?,
                    agent_id: Self::col(row, "agent_id")?,
                    verification_method: Self::col(row, "verification_method")?,
                    verification_note: Self::col(row, "verification_note")?,
                    closing_note: Self::col(row, "closing_note")?,
                    opener_hash: Self::col(row, "opener_hash")?,
                })
            }

            fn auth_method(row: &$row) -> StoreResult<AuthMethodRecord> {
                let at = |name: &str| -> StoreResult<Option<Timestamp>> {
                    Self::col::<Option<i64>>(row, name)?.map(ts).transpose()
                };
                let kind: String = Self::col(row, "kind")?;
                Ok(AuthMethodRecord {
                    id: Self::col(row, "id")?,
                    login_id: Self::col(row, "login_id")?,
                    kind: MethodKind::parse(&kind).ok_or_else(|| decode(format!("method kind {kind}")))?,
                    label: Self::col(row, "label")?,
                    secret: Self::col(row, "secret")?,
                    is_default: Self::col(row, "is_default")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                    verified_at: at("verified_at")?,
                    last_used_at: at("last_used_at")?,
                    last_step: Self::col(row, "last_step")?,
                    credential_id: Self::col(row, "credential_id")?,
                })
            }

            fn push(row: &$row) -> StoreResult<PushRequestRecord> {
                Ok(PushRequestRecord {
                    id: Self::col(row, "id")?,
                    login_id: Self::col(row, "login_id")?,
                    method_id: Self::col(row, "method_id")?,
                    waiter: Self::col(row, "waiter")?,
                    session_hash: Self::col(row, "session_hash")?,
                    link_hash: Self::col(row, "link_hash")?,
                    purpose: Self::col(row, "purpose")?,
                    number: Self::col(row, "number")?,
                    choices: Self::col(row, "choices")?,
                    ip: Self::col(row, "ip")?,
                    user_agent: Self::col(row, "user_agent")?,
                    status: Self::col(row, "status")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                    expires_at: ts(Self::col(row, "expires_at")?)?,
                    answered_at: Self::col::<Option<i64>>(row, "answered_at")?.map(ts).transpose()?,
                })
            }

            fn rule(row: &$row) -> StoreResult<StrongAuthRuleRecord> {
                Ok(StrongAuthRuleRecord {
                    id: Self::col(row, "id")?,
                    company_id: Self::col(row, "company_id")?,
                    scope: Self::col(row, "scope")?,
                    login_id: Self::col(row, "login_id")?,
                    section: Self::col(row, "section")?,
                    profile: Self::col(row, "profile")?,
                    deadline: Self::col::<Option<i64>>(row, "deadline")?.map(ts).transpose()?,
                    created_by: Self::col(row, "created_by")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                })
            }

            fn factor_reset(row: &$row) -> StoreResult<FactorResetRecord> {
                Ok(FactorResetRecord {
                    id: Self::col(row, "id")?,
                    login_id: Self::col(row, "login_id")?,
                    requested_by: Self::col(row, "requested_by")?,
                    reason: Self::col(row, "reason")?,
                    status: Self::col(row, "status")?,
                    requested_at: ts(Self::col(row, "requested_at")?)?,
                    effective_at: ts(Self::col(row, "effective_at")?)?,
                    closed_at: Self::col::<Option<i64>>(row, "closed_at")?.map(ts).transpose()?,
                    closed_by: Self::col(row, "closed_by")?,
                })
            }

            fn wam(row: &$row) -> StoreResult<WamMessageRecord> {
                Ok(WamMessageRecord {
                    id: Self::col(row, "id")?,
                    company_id: Self::col(row, "company_id")?,
                    customer_login_id: Self::col(row, "customer_login_id")?,
                    author_login_id: Self::col(row, "author_login_id")?,
                    from_staff: Self::col(row, "from_staff")?,
                    body: Self::col(row, "body")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                })
            }

            fn contract(row: &$row) -> StoreResult<ContractRecord> {
                Ok(ContractRecord {
                    id: Self::col(row, "id")?,
                    reference: Self::col(row, "reference")?,
                    offer_name: Self::col(row, "offer_name")?,
                    status: Self::col(row, "status")?,
                    commitment_end: Self::col(row, "commitment_end")?,
                    referent_login_id: Self::col(row, "referent_login_id")?,
                })
            }

            /// Runs an update of one row keyed by a login id.
            async fn exec(&mut self, sql: &'static str, q: impl FnOnce(sqlx::query::Query<'static, $db, <$db as sqlx::Database>::Arguments>) -> sqlx::query::Query<'static, $db, <$db as sqlx::Database>::Arguments>) -> StoreResult<u64> {
                let done = q(sqlx::query(sql)).execute(&mut *self.tx).await.map_err(err)?;
                Ok(done.rows_affected())
            }

            fn session(row: &$row) -> StoreResult<SessionRecord> {
                Ok(SessionRecord {
                    id_hash: Self::col(row, "id_hash")?,
                    login_id: Self::col(row, "login_id")?,
                    created_at: ts(Self::col(row, "created_at")?)?,
                    last_seen_at: ts(Self::col(row, "last_seen_at")?)?,
                    authenticated_at: ts(Self::col(row, "authenticated_at")?)?,
                    aal: Self::col(row, "aal")?,
                    ip: Self::col(row, "ip")?,
                    user_agent: Self::col(row, "user_agent")?,
                })
            }

            fn attempt(row: Option<$row>) -> StoreResult<AttemptState> {
                let Some(row) = row else { return Ok(AttemptState::default()) };
                let failures: i32 = Self::col(&row, "failures")?;
                let fingerprints: String = Self::col(&row, "fingerprints")?;
                let locked_until: Option<i64> = Self::col(&row, "locked_until")?;
                Ok(AttemptState {
                    failures: u32::try_from(failures).unwrap_or(0),
                    fingerprints: serde_json::from_str(&fingerprints).map_err(decode)?,
                    locked_until: locked_until.map(ts).transpose()?,
                    last_was_repeat: Self::col(&row, "last_was_repeat")?,
                })
            }

            fn audit(row: &$row) -> StoreResult<AuditEvent> {
                let detail: String = Self::col(&row, "detail")?;
                Ok(AuditEvent {
                    id: Self::col(&row, "id")?,
                    at: ts(Self::col(&row, "at")?)?,
                    kind: Self::col(&row, "kind")?,
                    actor_login_id: Self::col(&row, "actor_login_id")?,
                    subject_login_id: Self::col(&row, "subject_login_id")?,
                    identifier: Self::col(&row, "identifier")?,
                    ip: Self::col(&row, "ip")?,
                    user_agent: Self::col(&row, "user_agent")?,
                    request_id: Self::col(&row, "request_id")?,
                    detail: serde_json::from_str(&detail).map_err(decode)?,
                    actor_role: Self::col::<Option<String>>(&row, "actor_role")?
                        .as_deref()
                        .and_then(ActingRole::parse),
                })
            }

            async fn strings(&mut self, sql: &'static str, id: Uuid) -> StoreResult<Vec<String>> {
                let rows = sqlx::query(sql).bind(id).fetch_all(&mut *self.tx).await.map_err(err)?;
                rows.iter().map(|r| r.try_get::<String, _>(0).map_err(err)).collect()
            }
        }

        #[async_trait]
        impl Tx for DbTx<$db> {
            async fn commit(self: Box<Self>) -> StoreResult<()> {
                self.tx.commit().await.map_err(err)
            }

            async fn secret(&mut self, name: &str) -> StoreResult<Option<Vec<u8>>> {
                let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.map(|r| r.try_get::<Vec<u8>, _>("value").map_err(err)).transpose()
            }

            async fn insert_secret_if_absent(&mut self, name: &str, value: &[u8]) -> StoreResult<()> {
                sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(value)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn login_by_identifier(&mut self, normalized: &str) -> StoreResult<Option<LoginRecord>> {
                let row = sqlx::query(login_query!("identifier_norm = $1"))
                    .bind(normalized)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::login).transpose()
            }

            async fn login_by_id(&mut self, id: Uuid) -> StoreResult<Option<LoginRecord>> {
                let row = sqlx::query(login_query!("id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::login).transpose()
            }

            async fn set_password_hash(&mut self, login_id: Uuid, phc: &str) -> StoreResult<()> {
                sqlx::query("UPDATE logins SET password_hash = $1 WHERE id = $2")
                    .bind(phc)
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn set_login_locale(&mut self, login_id: Uuid, locale: &str) -> StoreResult<()> {
                sqlx::query("UPDATE logins SET locale = $1 WHERE id = $2")
                    .bind(locale)
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn set_title(&mut self, login_id: Uuid, title: &str) -> StoreResult<()> {
                let title = title.to_owned();
                self.exec("UPDATE logins SET title = $1 WHERE id = $2", |q| q.bind(title).bind(login_id)).await?;
                Ok(())
            }

            async fn set_email(&mut self, login_id: Uuid, email: Option<&str>, verified: bool) -> StoreResult<()> {
                let display = email.map(str::to_owned);
                let norm = email.map(str::to_ascii_lowercase);
                self.exec(
                    "UPDATE logins SET email = $1, email_norm = $2, email_verified = $3 WHERE id = $4",
                    |q| q.bind(display).bind(norm).bind(verified).bind(login_id),
                )
                .await?;
                Ok(())
            }

            async fn set_phone(&mut self, login_id: Uuid, phone: Option<&str>, verified: bool) -> StoreResult<()> {
                let phone = phone.map(str::to_owned);
                self.exec("UPDATE logins SET phone = $1, phone_verified = $2 WHERE id = $3", |q| {
                    q.bind(phone).bind(verified).bind(login_id)
                })
                .await?;
                Ok(())
            }

            async fn set_disabled(&mut self, login_id: Uuid, disabled: bool) -> StoreResult<()> {
                self.exec("UPDATE logins SET disabled = $1 WHERE id = $2", |q| q.bind(disabled).bind(login_id)).await?;
                Ok(())
            }

            async fn logins_by_verified_email(&mut self, normalized: &str) -> StoreResult<Vec<LoginRecord>> {
                let rows = sqlx::query(login_query!("email_norm = $1 AND email_verified ORDER BY identifier_norm"))
                    .bind(normalized)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Self::logins(&rows)
            }

            async fn logins_of_company(&mut self, company_id: Uuid) -> StoreResult<Vec<LoginRecord>> {
                let rows = sqlx::query(login_query!("company_id = $1 ORDER BY last_name, first_name, identifier_norm"))
                    .bind(company_id)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Self::logins(&rows)
            }

            async fn search_logins(&mut self, needle: &str, limit: i64) -> StoreResult<Vec<LoginRecord>> {
                let pattern = format!(
                    "%{}%",
                    needle.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
                );
                let rows = sqlx::query(login_query!(
                    "identifier_norm LIKE $1 ESCAPE '\\' OR LOWER(first_name) LIKE $1 ESCAPE '\\' \
                     OR LOWER(last_name) LIKE $1 ESCAPE '\\' OR email_norm LIKE $1 ESCAPE '\\' \
                     ORDER BY identifier_norm LIMIT $2"
                ))
                .bind(pattern)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                Self::logins(&rows)
            }

            async fn enqueue(&mut self, m: &OutboxRecord) -> StoreResult<()> {
                sqlx::query(outbox_query!("INSERT INTO outbox (", ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"))
                    .bind(m.id)
                    .bind(&m.channel)
                    .bind(&m.recipient)
                    .bind(m.login_id)
                    .bind(&m.kind)
                    .bind(&m.subject)
                    .bind(&m.body_text)
                    .bind(&m.body_html)
                    .bind(&m.status)
                    .bind(m.attempts)
                    .bind(ms(m.next_attempt_at))
                    .bind(&m.last_error)
                    .bind(ms(m.created_at))
                    .bind(m.sent_at.map(ms))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn claim_outbox(&mut self, channels: &[&str], now: Timestamp, lease_until: Timestamp, limit: i64) -> StoreResult<Vec<OutboxRecord>> {
                let rows = sqlx::query(concat!(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN (\
                     SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                     AND ((channel = 'email' AND $3) OR (channel = 'sms' AND $4)) \
                     ORDER BY next_attempt_at, id LIMIT $5",
                    $skip_locked,
                    ") RETURNING id, channel, recipient, login_id, kind, subject, body_text, body_html, status, \
                     attempts, next_attempt_at, last_error, created_at, sent_at"
                ))
                .bind(ms(lease_until))
                .bind(ms(now))
                .bind(channels.contains(&"email"))
                .bind(channels.contains(&"sms"))
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::outbox).collect()
            }

            async fn outbox_sent(&mut self, id: Uuid, now: Timestamp, keep_body: bool) -> StoreResult<()> {
                // Bodies may hold one-time codes: dropped once delivered
                // unless kept on purpose (the demo outbox).
                self.exec(
                    "UPDATE outbox SET status = 'sent', sent_at = $1, last_error = NULL, \
                     body_text = CASE WHEN $2 THEN body_text ELSE '' END, \
                     body_html = CASE WHEN $2 THEN body_html ELSE NULL END WHERE id = $3",
                    |q| q.bind(ms(now)).bind(keep_body).bind(id),
                )
                .await?;
                Ok(())
            }

            async fn outbox_retry(&mut self, id: Uuid, next_attempt_at: Timestamp, error: &str) -> StoreResult<()> {
                let error: String = error.chars().take(500).collect();
                self.exec("UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3", |q| {
                    q.bind(ms(next_attempt_at)).bind(error).bind(id)
                })
                .await?;
                Ok(())
            }

            async fn outbox_failed(&mut self, id: Uuid, error: &str) -> StoreResult<()> {
                let error: String = error.chars().take(500).collect();
                self.exec("UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2", |q| q.bind(error).bind(id)).await?;
                Ok(())
            }

            async fn outbox_recent(&mut self, limit: i64) -> StoreResult<Vec<OutboxRecord>> {
                let rows = sqlx::query(outbox_query!("SELECT ", " FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(err)?;
                rows.iter().map(Self::outbox).collect()
            }

            async fn outbox_by_id(&mut self, id: Uuid) -> StoreResult<Option<OutboxRecord>> {
                let row = sqlx::query(outbox_query!("SELECT ", " FROM outbox WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::outbox).transpose()
            }

            async fn outbox_pending(&mut self) -> StoreResult<Vec<(String, i64)>> {
                let rows = sqlx::query("SELECT channel, COUNT(*) AS n FROM outbox WHERE status = 'pending' GROUP BY channel ORDER BY channel")
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(err)?;
                rows.iter().map(|r| Ok((Self::col(r, "channel")?, Self::col(r, "n")?))).collect()
            }

            async fn put_code(&mut self, c: &CodeRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO one_time_codes (login_id, purpose, target, code_hash, created_at, expires_at, tries) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (login_id, purpose) DO UPDATE SET \
                     target = excluded.target, code_hash = excluded.code_hash, created_at = excluded.created_at, \
                     expires_at = excluded.expires_at, tries = excluded.tries",
                )
                .bind(c.login_id)
                .bind(&c.purpose)
                .bind(&c.target)
                .bind(&c.code_hash)
                .bind(ms(c.created_at))
                .bind(ms(c.expires_at))
                .bind(c.tries)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn code(&mut self, login_id: Uuid, purpose: &str) -> StoreResult<Option<CodeRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT login_id, purpose, target, code_hash, created_at, expires_at, tries FROM one_time_codes \
                     WHERE login_id = $1 AND purpose = $2",
                    $for_update
                ))
                .bind(login_id)
                .bind(purpose)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(CodeRecord {
                    login_id: Self::col(&row, "login_id")?,
                    purpose: Self::col(&row, "purpose")?,
                    target: Self::col(&row, "target")?,
                    code_hash: Self::col(&row, "code_hash")?,
                    created_at: ts(Self::col(&row, "created_at")?)?,
                    expires_at: ts(Self::col(&row, "expires_at")?)?,
                    tries: Self::col(&row, "tries")?,
                }))
            }

            async fn set_code_tries(&mut self, login_id: Uuid, purpose: &str, tries: i32) -> StoreResult<()> {
                let purpose = purpose.to_owned();
                self.exec("UPDATE one_time_codes SET tries = $1 WHERE login_id = $2 AND purpose = $3", |q| {
                    q.bind(tries).bind(login_id).bind(purpose)
                })
                .await?;
                Ok(())
            }

            async fn delete_code(&mut self, login_id: Uuid, purpose: &str) -> StoreResult<()> {
                let purpose = purpose.to_owned();
                self.exec("DELETE FROM one_time_codes WHERE login_id = $1 AND purpose = $2", |q| q.bind(login_id).bind(purpose)).await?;
                Ok(())
            }

            async fn insert_action_token(&mut self, t: &ActionTokenRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO action_tokens (token_hash, purpose, login_id, payload, created_at, expires_at, used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&t.token_hash)
                .bind(&t.purpose)
                .bind(t.login_id)
                .bind(t.payload.to_string())
                .bind(ms(t.created_at))
                .bind(ms(t.expires_at))
                .bind(t.used_at.map(ms))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn action_token(&mut self, token_hash: &str) -> StoreResult<Option<ActionTokenRecord>> {
                let row = sqlx::query(
                    "SELECT token_hash, purpose, login_id, payload, created_at, expires_at, used_at FROM action_tokens WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                let Some(row) = row else { return Ok(None) };
                let payload: String = Self::col(&row, "payload")?;
                Ok(Some(ActionTokenRecord {
                    token_hash: Self::col(&row, "token_hash")?,
                    purpose: Self::col(&row, "purpose")?,
                    login_id: Self::col(&row, "login_id")?,
                    payload: serde_json::from_str(&payload).map_err(decode)?,
                    created_at: ts(Self::col(&row, "created_at")?)?,
                    expires_at: ts(Self::col(&row, "expires_at")?)?,
                    used_at: Self::col::<Option<i64>>(&row, "used_at")?.map(ts).transpose()?,
                }))
            }

            async fn set_action_token_payload(&mut self, token_hash: &str, payload: &serde_json::Value) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE action_tokens SET payload = $2 WHERE token_hash = $1 AND used_at IS NULL")
                    .bind(token_hash)
                    .bind(payload.to_string())
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn use_action_token(&mut self, token_hash: &str, now: Timestamp) -> StoreResult<bool> {
                let hash = token_hash.to_owned();
                let n = self
                    .exec("UPDATE action_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL", |q| {
                        q.bind(ms(now)).bind(hash)
                    })
                    .await?;
                Ok(n == 1)
            }

            async fn void_action_tokens(&mut self, login_id: Uuid, purpose: &str, now: Timestamp) -> StoreResult<()> {
                let purpose = purpose.to_owned();
                self.exec(
                    "UPDATE action_tokens SET used_at = $1 WHERE login_id = $2 AND purpose = $3 AND used_at IS NULL",
                    |q| q.bind(ms(now)).bind(login_id).bind(purpose),
                )
                .await?;
                Ok(())
            }

            async fn device_known(&mut self, login_id: Uuid, device_hash: &str) -> StoreResult<bool> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM known_devices WHERE login_id = $1 AND device_hash = $2")
                    .bind(login_id)
                    .bind(device_hash)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let n: i64 = Self::col(&row, "n")?;
                Ok(n > 0)
            }

            async fn remember_device(&mut self, login_id: Uuid, device_hash: &str, now: Timestamp) -> StoreResult<DeviceSeen> {
                let hash = device_hash.to_owned();
                let row = sqlx::query("SELECT COUNT(*) AS n FROM known_devices WHERE login_id = $1")
                    .bind(login_id)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let before: i64 = Self::col(&row, "n")?;
                let added = self
                    .exec(
                        "INSERT INTO known_devices (login_id, device_hash, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3) \
                         ON CONFLICT (login_id, device_hash) DO NOTHING",
                        |q| q.bind(login_id).bind(hash.clone()).bind(ms(now)),
                    )
                    .await?;
                if added == 0 {
                    self.exec("UPDATE known_devices SET last_seen_at = $1 WHERE login_id = $2 AND device_hash = $3", |q| {
                        q.bind(ms(now)).bind(login_id).bind(hash)
                    })
                    .await?;
                }
                Ok(match (added, before) {
                    (0, _) => DeviceSeen::Known,
                    (_, 0) => DeviceSeen::First,
                    _ => DeviceSeen::New,
                })
            }

            async fn insert_wam_message(&mut self, m: &WamMessageRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO wam_messages (id, company_id, customer_login_id, author_login_id, from_staff, body, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(m.id)
                .bind(m.company_id)
                .bind(m.customer_login_id)
                .bind(m.author_login_id)
                .bind(m.from_staff)
                .bind(&m.body)
                .bind(ms(m.created_at))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn wam_conversation(&mut self, customer_login_id: Uuid) -> StoreResult<Vec<WamMessageRecord>> {
                let rows = sqlx::query(
                    "SELECT m.id, m.company_id, m.customer_login_id, m.author_login_id, m.from_staff, m.body, m.created_at \
                     FROM wam_messages m WHERE m.customer_login_id = $1 ORDER BY m.created_at, m.id",
                )
                .bind(customer_login_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::wam).collect()
            }

            async fn wam_inbox(&mut self, manager_login_id: Uuid) -> StoreResult<Vec<WamMessageRecord>> {
                let rows = sqlx::query(
                    "SELECT m.id, m.company_id, m.customer_login_id, m.author_login_id, m.from_staff, m.body, m.created_at \
                     FROM wam_messages m JOIN companies c ON c.id = m.company_id AND c.web_account_manager_id = $1 \
                     WHERE m.id = (SELECT m2.id FROM wam_messages m2 WHERE m2.customer_login_id = m.customer_login_id \
                                   ORDER BY m2.created_at DESC, m2.id DESC LIMIT 1) \
                     ORDER BY m.created_at DESC, m.id DESC",
                )
                .bind(manager_login_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::wam).collect()
            }

            async fn insert_recovery_case(&mut self, c: &RecoveryCaseRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO recovery_cases (id, reference, status, typed_who, company_name, new_email, phone, \
                     message, locale, created_at, updated_at, login_id, agent_id, verification_method, \
                     verification_note, closing_note, opener_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                )
                .bind(c.id)
                .bind(&c.reference)
                .bind(&c.status)
                .bind(&c.typed_who)
                .bind(&c.company_name)
                .bind(&c.new_email)
                .bind(&c.phone)
                .bind(&c.message)
                .bind(&c.locale)
                .bind(ms(c.created_at))
                .bind(ms(c.updated_at))
                .bind(c.login_id)
                .bind(c.agent_id)
                .bind(&c.verification_method)
                .bind(&c.verification_note)
                .bind(&c.closing_note)
                .bind(&c.opener_hash)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn update_recovery_case(&mut self, c: &RecoveryCaseRecord) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE recovery_cases SET status = $2, updated_at = $3, login_id = $4, agent_id = $5, \
                     verification_method = $6, verification_note = $7, closing_note = $8 WHERE id = $1",
                )
                .bind(c.id)
                .bind(&c.status)
                .bind(ms(c.updated_at))
                .bind(c.login_id)
                .bind(c.agent_id)
                .bind(&c.verification_method)
                .bind(&c.verification_note)
                .bind(&c.closing_note)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn recovery_case(&mut self, id: Uuid) -> StoreResult<Option<RecoveryCaseRecord>> {
                let row = sqlx::query(concat!(case_query!("WHERE id = $1"), $for_update))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::recovery_case).transpose()
            }

            async fn recovery_case_by_reference(&mut self, reference: &str) -> StoreResult<Option<RecoveryCaseRecord>> {
                let row = sqlx::query(concat!(case_query!("WHERE reference = $1"), $for_update))
                    .bind(reference)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::recovery_case).transpose()
            }

            async fn recovery_cases(&mut self, open_only: bool, limit: i64) -> StoreResult<Vec<RecoveryCaseRecord>> {
                let rows = sqlx::query(case_query!(
                    "WHERE ($1 = FALSE OR status NOT IN ('completed', 'rejected')) ORDER BY created_at DESC, id DESC LIMIT $2"
                ))
                .bind(open_only)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::recovery_case).collect()
            }

            async fn insert_auth_method(&mut self, m: &AuthMethodRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO auth_methods (id, login_id, kind, label, secret, is_default, created_at, \
                     verified_at, last_used_at, last_step, credential_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(m.id)
                .bind(m.login_id)
                .bind(m.kind.as_str())
                .bind(&m.label)
                .bind(&m.secret)
                .bind(m.is_default)
                .bind(ms(m.created_at))
                .bind(m.verified_at.map(ms))
                .bind(m.last_used_at.map(ms))
                .bind(m.last_step)
                .bind(&m.credential_id)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn auth_methods_of(&mut self, login_id: Uuid) -> StoreResult<Vec<AuthMethodRecord>> {
                let rows = sqlx::query(method_query!("WHERE login_id = $1 ORDER BY created_at, id"))
                    .bind(login_id)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(err)?;
                rows.iter().map(Self::auth_method).collect()
            }

            async fn auth_method(&mut self, login_id: Uuid, id: Uuid) -> StoreResult<Option<AuthMethodRecord>> {
                let row = sqlx::query(concat!(method_query!("WHERE login_id = $1 AND id = $2"), $for_update))
                    .bind(login_id)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::auth_method).transpose()
            }

            async fn update_auth_method(&mut self, m: &AuthMethodRecord) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE auth_methods SET label = $3, is_default = $4, verified_at = $5, last_used_at = $6, \
                     last_step = $7, secret = $8, credential_id = $9 WHERE login_id = $1 AND id = $2",
                )
                .bind(m.login_id)
                .bind(m.id)
                .bind(&m.label)
                .bind(m.is_default)
                .bind(m.verified_at.map(ms))
                .bind(m.last_used_at.map(ms))
                .bind(m.last_step)
                .bind(&m.secret)
                .bind(&m.credential_id)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn delete_auth_method(&mut self, login_id: Uuid, id: Uuid) -> StoreResult<bool> {
                sqlx::query("DELETE FROM idp_links WHERE login_id = $1 AND method_id = $2")
                    .bind(login_id)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                sqlx::query("DELETE FROM companion_devices WHERE login_id = $1 AND method_id = $2")
                    .bind(login_id)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                sqlx::query("UPDATE push_requests SET status = 'void' WHERE method_id = $1 AND status IN ('pending', 'approved')")
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let done = sqlx::query("DELETE FROM auth_methods WHERE login_id = $1 AND id = $2")
                    .bind(login_id)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn auth_method_by_credential(&mut self, credential_id: &str) -> StoreResult<Option<AuthMethodRecord>> {
                let row = sqlx::query(concat!(method_query!("WHERE credential_id = $1"), $for_update))
                    .bind(credential_id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::auth_method).transpose()
            }

            async fn insert_strong_auth_rule(&mut self, r: &StrongAuthRuleRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO strong_auth_rules (id, company_id, scope, login_id, section, profile, deadline, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(r.id)
                .bind(r.company_id)
                .bind(&r.scope)
                .bind(r.login_id)
                .bind(&r.section)
                .bind(&r.profile)
                .bind(r.deadline.map(ms))
                .bind(r.created_by)
                .bind(ms(r.created_at))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn strong_auth_rules_of(&mut self, company_id: Uuid) -> StoreResult<Vec<StrongAuthRuleRecord>> {
                let rows = sqlx::query(
                    "SELECT id, company_id, scope, login_id, section, profile, deadline, created_by, created_at \
                     FROM strong_auth_rules WHERE company_id = $1 ORDER BY created_at, id",
                )
                .bind(company_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::rule).collect()
            }

            async fn delete_strong_auth_rule(&mut self, company_id: Uuid, id: Uuid) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM strong_auth_rules WHERE company_id = $1 AND id = $2")
                    .bind(company_id)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_strong_auth_request(&mut self, login_id: Uuid, at: Option<Timestamp>) -> StoreResult<()> {
                let q = match at {
                    Some(at) => sqlx::query(
                        "INSERT INTO strong_auth_requests (login_id, requested_at) VALUES ($1, $2) \
                         ON CONFLICT (login_id) DO UPDATE SET requested_at = $2",
                    )
                    .bind(login_id)
                    .bind(ms(at)),
                    None => sqlx::query("DELETE FROM strong_auth_requests WHERE login_id = $1").bind(login_id),
                };
                q.execute(&mut *self.tx).await.map_err(err)?;
                Ok(())
            }

            async fn strong_auth_request(&mut self, login_id: Uuid) -> StoreResult<Option<Timestamp>> {
                let at: Option<i64> = sqlx::query_scalar("SELECT requested_at FROM strong_auth_requests WHERE login_id = $1")
                    .bind(login_id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                at.map(ts).transpose()
            }

            async fn replace_recovery_codes(&mut self, login_id: Uuid, hashes: &[String], now: Timestamp) -> StoreResult<()> {
                sqlx::query("DELETE FROM recovery_codes WHERE login_id = $1")
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                for hash in hashes {
                    sqlx::query("INSERT INTO recovery_codes (login_id, code_hash, created_at) VALUES ($1, $2, $3)")
                        .bind(login_id)
                        .bind(hash)
                        .bind(ms(now))
                        .execute(&mut *self.tx)
                        .await
                        .map_err(err)?;
                }
                Ok(())
            }

            async fn use_recovery_code(&mut self, login_id: Uuid, hash: &str, now: Timestamp) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $3 WHERE login_id = $1 AND code_hash = $2 AND used_at IS NULL",
                )
                .bind(login_id)
                .bind(hash)
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn recovery_codes_left(&mut self, login_id: Uuid) -> StoreResult<i64> {
                sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE login_id = $1 AND used_at IS NULL")
                    .bind(login_id)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(err)
            }

            async fn factor_reset_wait(&mut self, company_id: Uuid) -> StoreResult<Option<i64>> {
                sqlx::query_scalar("SELECT factor_reset_wait FROM companies WHERE id = $1")
                    .bind(company_id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)
            }

            async fn set_factor_reset_wait(&mut self, company_id: Uuid, secs: i64) -> StoreResult<()> {
                sqlx::query("UPDATE companies SET factor_reset_wait = $2 WHERE id = $1")
                    .bind(company_id)
                    .bind(secs)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn insert_factor_reset(&mut self, r: &FactorResetRecord) -> StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO factor_resets (id, login_id, requested_by, reason, status, requested_at, \
                     effective_at, closed_at, closed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(r.id)
                .bind(r.login_id)
                .bind(r.requested_by)
                .bind(&r.reason)
                .bind(&r.status)
                .bind(ms(r.requested_at))
                .bind(ms(r.effective_at))
                .bind(r.closed_at.map(ms))
                .bind(r.closed_by)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn pending_factor_reset(&mut self, login_id: Uuid) -> StoreResult<Option<FactorResetRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT id, login_id, requested_by, reason, status, requested_at, effective_at, closed_at, closed_by \
                     FROM factor_resets WHERE login_id = $1 AND status = 'pending'",
                    $for_update
                ))
                .bind(login_id)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                row.as_ref().map(Self::factor_reset).transpose()
            }

            async fn due_factor_resets(&mut self, now: Timestamp, limit: i64) -> StoreResult<Vec<FactorResetRecord>> {
                let rows = sqlx::query(
                    "SELECT id, login_id, requested_by, reason, status, requested_at, effective_at, closed_at, closed_by \
                     FROM factor_resets WHERE status = 'pending' AND effective_at <= $1 ORDER BY effective_at, id LIMIT $2",
                )
                .bind(ms(now))
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::factor_reset).collect()
            }

            async fn close_factor_reset(&mut self, id: Uuid, status: &str, at: Timestamp, by: Option<Uuid>) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE factor_resets SET status = $2, closed_at = $3, closed_by = $4 WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .bind(status)
                .bind(ms(at))
                .bind(by)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_all_methods(&mut self, login_id: Uuid) -> StoreResult<u64> {
                sqlx::query("DELETE FROM idp_links WHERE login_id = $1")
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                sqlx::query("DELETE FROM companion_devices WHERE login_id = $1")
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                sqlx::query("UPDATE push_requests SET status = 'void' WHERE login_id = $1 AND status IN ('pending', 'approved')")
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                sqlx::query("DELETE FROM recovery_codes WHERE login_id = $1")
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let done = sqlx::query("DELETE FROM auth_methods WHERE login_id = $1")
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected())
            }

            async fn insert_companion_device(&mut self, token_hash: &str, method_id: Uuid, login_id: Uuid, now: Timestamp) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO companion_devices (token_hash, method_id, login_id, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(method_id)
                .bind(login_id)
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn auth_method_by_id(&mut self, id: Uuid) -> StoreResult<Option<AuthMethodRecord>> {
                let row = sqlx::query(concat!(method_query!("WHERE id = $1"), $for_update))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::auth_method).transpose()
            }

            async fn companion_method(&mut self, token_hash: &str) -> StoreResult<Option<AuthMethodRecord>> {
                let row = sqlx::query(method_query!(
                    "WHERE id = (SELECT method_id FROM companion_devices WHERE token_hash = $1) \
                     AND kind = 'companion' AND verified_at IS NOT NULL"
                ))
                .bind(token_hash)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                row.as_ref().map(Self::auth_method).transpose()
            }

            async fn touch_companion_device(&mut self, token_hash: &str, now: Timestamp, since: Timestamp) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE companion_devices SET last_seen_at = $1 \
                     WHERE token_hash = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)",
                )
                .bind(ms(now))
                .bind(token_hash)
                .bind(ms(since))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn companion_last_seen(&mut self, method_id: Uuid) -> StoreResult<Option<Timestamp>> {
                let at: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(COALESCE(last_seen_at, created_at)) FROM companion_devices WHERE method_id = $1",
                )
                .bind(method_id)
                .fetch_one(&mut *self.tx)
                .await
                .map_err(err)?;
                at.map(ts).transpose()
            }

            async fn insert_push_request(&mut self, r: &PushRequestRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO push_requests (id, login_id, method_id, waiter, session_hash, link_hash, purpose, \
                     number, choices, ip, user_agent, status, created_at, expires_at, answered_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind(r.id)
                .bind(r.login_id)
                .bind(r.method_id)
                .bind(&r.waiter)
                .bind(&r.session_hash)
                .bind(&r.link_hash)
                .bind(&r.purpose)
                .bind(r.number)
                .bind(&r.choices)
                .bind(&r.ip)
                .bind(&r.user_agent)
                .bind(&r.status)
                .bind(ms(r.created_at))
                .bind(ms(r.expires_at))
                .bind(r.answered_at.map(ms))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn push_request(&mut self, id: Uuid) -> StoreResult<Option<PushRequestRecord>> {
                let row = sqlx::query(push_query!("WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::push).transpose()
            }

            async fn pending_push_requests(&mut self, method_id: Uuid, now: Timestamp) -> StoreResult<Vec<PushRequestRecord>> {
                let rows = sqlx::query(push_query!(
                    "WHERE method_id = $1 AND status = 'pending' AND expires_at > $2 ORDER BY created_at"
                ))
                .bind(method_id)
                .bind(ms(now))
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::push).collect()
            }

            async fn set_push_status(&mut self, id: Uuid, from: &str, to: &str, now: Timestamp) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE push_requests SET status = $3, answered_at = $4 WHERE id = $1 AND status = $2",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn void_push_requests(&mut self, waiter: &str) -> StoreResult<u64> {
                let done = sqlx::query(
                    "UPDATE push_requests SET status = 'void' WHERE waiter = $1 AND status = 'pending'",
                )
                .bind(waiter)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected())
            }

            async fn jose_keys(&mut self) -> StoreResult<Vec<JoseKeyRecord>> {
                let rows = sqlx::query(
                    "SELECT kid, alg, public_jwk, private_sealed, created_at FROM jose_keys ORDER BY created_at DESC, kid",
                )
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter()
                    .map(|row| {
                        Ok(JoseKeyRecord {
                            kid: Self::col(row, "kid")?,
                            alg: Self::col(row, "alg")?,
                            public_jwk: Self::col(row, "public_jwk")?,
                            private_sealed: Self::col(row, "private_sealed")?,
                            created_at: ts(Self::col(row, "created_at")?)?,
                        })
                    })
                    .collect()
            }

            async fn insert_jose_key(&mut self, k: &JoseKeyRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO jose_keys (kid, alg, public_jwk, private_sealed, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&k.kid)
                .bind(&k.alg)
                .bind(&k.public_jwk)
                .bind(&k.private_sealed)
                .bind(ms(k.created_at))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn delete_jose_key(&mut self, kid: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM jose_keys WHERE kid = $1")
                    .bind(kid)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_idp_link(&mut self, l: &IdpLinkRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO idp_links (method_id, login_id, issuer, subject, given_name, family_name, birthdate, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(l.method_id)
                .bind(l.login_id)
                .bind(&l.issuer)
                .bind(&l.subject)
                .bind(&l.given_name)
                .bind(&l.family_name)
                .bind(&l.birthdate)
                .bind(ms(l.created_at))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn idp_link_by_subject(&mut self, issuer: &str, subject: &str) -> StoreResult<Option<IdpLinkRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT method_id, login_id, issuer, subject, given_name, family_name, birthdate, created_at \
                     FROM idp_links WHERE issuer = $1 AND subject = $2",
                    $for_update
                ))
                .bind(issuer)
                .bind(subject)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                row.as_ref().map(Self::idp_link).transpose()
            }

            async fn idp_link_of_login(&mut self, login_id: Uuid) -> StoreResult<Option<IdpLinkRecord>> {
                let row = sqlx::query(concat!(
                    "SELECT method_id, login_id, issuer, subject, given_name, family_name, birthdate, created_at \
                     FROM idp_links WHERE login_id = $1",
                    $for_update
                ))
                .bind(login_id)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                row.as_ref().map(Self::idp_link).transpose()
            }

            async fn set_idp_session(&mut self, session_hash: &str, id_token: &str, now: Timestamp) -> StoreResult<()> {
                sqlx::query("DELETE FROM idp_sessions WHERE session_hash = $1")
                    .bind(session_hash)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                sqlx::query("INSERT INTO idp_sessions (session_hash, id_token, created_at) VALUES ($1, $2, $3)")
                    .bind(session_hash)
                    .bind(id_token)
                    .bind(ms(now))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn take_idp_session(&mut self, session_hash: &str) -> StoreResult<Option<String>> {
                let row = sqlx::query("DELETE FROM idp_sessions WHERE session_hash = $1 RETURNING id_token")
                    .bind(session_hash)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(|r| Self::col(r, "id_token")).transpose()
            }

            async fn move_idp_session(&mut self, from: &str, to: &str) -> StoreResult<()> {
                sqlx::query("UPDATE idp_sessions SET session_hash = $2 WHERE session_hash = $1")
                    .bind(from)
                    .bind(to)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn purge_idp_sessions(&mut self) -> StoreResult<u64> {
                let done = sqlx::query(
                    "DELETE FROM idp_sessions WHERE session_hash NOT IN (SELECT id_hash FROM sessions)",
                )
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected())
            }

            async fn insert_ceremony(&mut self, c: &CeremonyRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO webauthn_ceremonies (id, binding, login_id, purpose, state, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(c.id)
                .bind(&c.binding)
                .bind(c.login_id)
                .bind(&c.purpose)
                .bind(&c.state)
                .bind(ms(c.created_at))
                .bind(ms(c.expires_at))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn take_ceremony(&mut self, id: Uuid, binding: &str) -> StoreResult<Option<CeremonyRecord>> {
                let row = sqlx::query(
                    "DELETE FROM webauthn_ceremonies WHERE id = $1 AND binding = $2 \
                     RETURNING id, binding, login_id, purpose, state, created_at, expires_at",
                )
                .bind(id)
                .bind(binding)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(CeremonyRecord {
                    id: Self::col(&row, "id")?,
                    binding: Self::col(&row, "binding")?,
                    login_id: Self::col(&row, "login_id")?,
                    purpose: Self::col(&row, "purpose")?,
                    state: Self::col(&row, "state")?,
                    created_at: ts(Self::col(&row, "created_at")?)?,
                    expires_at: ts(Self::col(&row, "expires_at")?)?,
                }))
            }

            async fn set_session_auth(&mut self, id_hash: &str, authenticated_at: Timestamp, aal: i32) -> StoreResult<()> {
                sqlx::query("UPDATE sessions SET authenticated_at = $2, aal = $3 WHERE id_hash = $1")
                    .bind(id_hash)
                    .bind(ms(authenticated_at))
                    .bind(aal)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn attempt_state(&mut self, key: &str) -> StoreResult<AttemptState> {
                let row = sqlx::query(
                    "SELECT failures, fingerprints, locked_until, last_was_repeat FROM signin_attempts WHERE attempt_key = $1",
                )
                .bind(key)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                Self::attempt(row)
            }

            async fn attempt_state_for_update(&mut self, key: &str) -> StoreResult<AttemptState> {
                // Make sure a row exists so that it can be locked.
                sqlx::query(
                    "INSERT INTO signin_attempts (attempt_key, failures, fingerprints, locked_until, last_was_repeat, updated_at) \
                     VALUES ($1, 0, '[]', NULL, FALSE, 0) ON CONFLICT (attempt_key) DO NOTHING",
                )
                .bind(key)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                let row = sqlx::query(concat!(
                    "SELECT failures, fingerprints, locked_until, last_was_repeat FROM signin_attempts WHERE attempt_key = $1",
                    $for_update
                ))
                .bind(key)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                Self::attempt(row)
            }

            async fn save_attempt_state(&mut self, key: &str, state: &AttemptState, now: Timestamp) -> StoreResult<()> {
                if state.is_clear() {
                    sqlx::query("DELETE FROM signin_attempts WHERE attempt_key = $1")
                        .bind(key)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(err)?;
                    return Ok(());
                }
                let fingerprints = serde_json::to_string(&state.fingerprints).map_err(other)?;
                sqlx::query(
                    "INSERT INTO signin_attempts (attempt_key, failures, fingerprints, locked_until, last_was_repeat, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (attempt_key) DO UPDATE SET failures = excluded.failures, \
                     fingerprints = excluded.fingerprints, locked_until = excluded.locked_until, \
                     last_was_repeat = excluded.last_was_repeat, updated_at = excluded.updated_at",
                )
                .bind(key)
                .bind(i32::try_from(state.failures).unwrap_or(i32::MAX))
                .bind(fingerprints)
                .bind(state.locked_until.map(ms))
                .bind(state.last_was_repeat)
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn ip_window(&mut self, ip: &str) -> StoreResult<Option<IpWindow>> {
                let row = sqlx::query("SELECT window_start, failures FROM ip_windows WHERE ip = $1")
                    .bind(ip)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let Some(row) = row else { return Ok(None) };
                let failures: i32 = Self::col(&row, "failures")?;
                Ok(Some(IpWindow {
                    window_start: ts(Self::col(&row, "window_start")?)?,
                    failures: u32::try_from(failures).unwrap_or(0),
                }))
            }

            async fn clear_device_attempts(&mut self, key: &str) -> StoreResult<()> {
                // An exact prefix (not LIKE, whose wildcards an identifier may hold).
                let prefix = format!("{key}|");
                sqlx::query("DELETE FROM signin_attempts WHERE substr(attempt_key, 1, length($1)) = $1")
                    .bind(prefix)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn count_ip_failure(&mut self, ip: &str, now: Timestamp, cutoff: Timestamp) -> StoreResult<IpWindow> {
                // Every SET expression reads the row as it was: one statement,
                // no read-then-write race between instances.
                let row = sqlx::query(
                    "INSERT INTO ip_windows (ip, window_start, failures) VALUES ($1, $2, 1) \
                     ON CONFLICT (ip) DO UPDATE SET \
                     failures = CASE WHEN ip_windows.window_start > $3 THEN ip_windows.failures + 1 ELSE 1 END, \
                     window_start = CASE WHEN ip_windows.window_start > $3 THEN ip_windows.window_start ELSE $2 END \
                     RETURNING window_start, failures",
                )
                .bind(ip)
                .bind(ms(now))
                .bind(ms(cutoff))
                .fetch_one(&mut *self.tx)
                .await
                .map_err(err)?;
                let failures: i32 = Self::col(&row, "failures")?;
                Ok(IpWindow {
                    window_start: ts(Self::col(&row, "window_start")?)?,
                    failures: u32::try_from(failures).unwrap_or(0),
                })
            }

            async fn purge_counters(&mut self, idle_before: Timestamp, now: Timestamp, window_before: Timestamp) -> StoreResult<u64> {
                let attempts = sqlx::query(
                    "DELETE FROM signin_attempts WHERE updated_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)",
                )
                .bind(ms(idle_before))
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                let windows = sqlx::query("DELETE FROM ip_windows WHERE window_start <= $1")
                    .bind(ms(window_before))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let limits = sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1")
                    .bind(ms(idle_before))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let ceremonies = sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
                    .bind(ms(now))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let pending = sqlx::query("DELETE FROM pending_forms WHERE expires_at <= $1")
                    .bind(ms(now))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                // Answered or not, a push request is history after a day
                // (its outcome is in the audit trail).
                let pushes = sqlx::query("DELETE FROM push_requests WHERE expires_at <= $1")
                    .bind(ms(now - jiff::SignedDuration::from_hours(24)))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(attempts.rows_affected()
                    + windows.rows_affected()
                    + limits.rows_affected()
                    + ceremonies.rows_affected()
                    + pending.rows_affected()
                    + pushes.rows_affected())
            }

            async fn insert_pending_form(&mut self, token_hash: &str, login_id: Uuid, sealed: &[u8], now: Timestamp, expires_at: Timestamp) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO pending_forms (token_hash, login_id, sealed, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash)
                .bind(login_id)
                .bind(sealed)
                .bind(ms(now))
                .bind(ms(expires_at))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn take_pending_form(&mut self, token_hash: &str, login_id: Uuid, now: Timestamp) -> StoreResult<Option<Vec<u8>>> {
                sqlx::query_scalar(
                    "DELETE FROM pending_forms WHERE token_hash = $1 AND login_id = $2 AND expires_at > $3 RETURNING sealed",
                )
                .bind(token_hash)
                .bind(login_id)
                .bind(ms(now))
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)
            }

            async fn hit_rate_limit(&mut self, key: &str, now: Timestamp, window_before: Timestamp) -> StoreResult<RateWindow> {
                let row = sqlx::query(
                    "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
                     ON CONFLICT (key) DO UPDATE SET \
                     hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
                     window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
                     RETURNING hits, window_start",
                )
                .bind(key)
                .bind(ms(now))
                .bind(ms(window_before))
                .fetch_one(&mut *self.tx)
                .await
                .map_err(err)?;
                let hits: i32 = Self::col(&row, "hits")?;
                Ok(RateWindow {
                    hits: i64::from(hits),
                    started_at: ts(Self::col(&row, "window_start")?)?,
                })
            }

            async fn refund_rate_limit(&mut self, key: &str, counted_at: Timestamp) -> StoreResult<()> {
                self.exec(
                    "UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND hits > 0 AND window_start <= $2",
                    |q| q.bind(key.to_owned()).bind(ms(counted_at)),
                )
                .await?;
                Ok(())
            }

            async fn insert_recovery_request(&mut self, r: &RecoveryRequestRecord) -> StoreResult<()> {
                self.exec(
                    "INSERT INTO recovery_requests (id, form, typed, ip, user_agent, request_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    |q| {
                        q.bind(r.id)
                            .bind(r.form.clone())
                            .bind(r.typed.clone())
                            .bind(r.ip.clone())
                            .bind(r.user_agent.clone())
                            .bind(r.request_id.clone())
                            .bind(ms(r.created_at))
                    },
                )
                .await?;
                Ok(())
            }

            async fn take_recovery_requests(&mut self, limit: i64) -> StoreResult<Vec<RecoveryRequestRecord>> {
                let rows = sqlx::query(concat!(
                    "DELETE FROM recovery_requests WHERE id IN (\
                     SELECT id FROM recovery_requests ORDER BY created_at, id LIMIT $1",
                    $skip_locked,
                    ") RETURNING id, form, typed, ip, user_agent, request_id, created_at"
                ))
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    out.push(RecoveryRequestRecord {
                        id: Self::col(row, "id")?,
                        form: Self::col(row, "form")?,
                        typed: Self::col(row, "typed")?,
                        ip: Self::col(row, "ip")?,
                        user_agent: Self::col(row, "user_agent")?,
                        request_id: Self::col(row, "request_id")?,
                        created_at: ts(Self::col(row, "created_at")?)?,
                    });
                }
                // RETURNING gives no order: oldest first.
                out.sort_by_key(|r| (r.created_at, r.id));
                Ok(out)
            }

            async fn insert_session(&mut self, s: &SessionRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, login_id, created_at, last_seen_at, authenticated_at, aal, ip, user_agent) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&s.id_hash)
                .bind(s.login_id)
                .bind(ms(s.created_at))
                .bind(ms(s.last_seen_at))
                .bind(ms(s.authenticated_at))
                .bind(s.aal)
                .bind(&s.ip)
                .bind(&s.user_agent)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn session_by_hash(&mut self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
                let row = sqlx::query(
                    "SELECT id_hash, login_id, created_at, last_seen_at, authenticated_at, aal, ip, user_agent \
                     FROM sessions WHERE id_hash = $1",
                )
                .bind(id_hash)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(err)?;
                row.as_ref().map(Self::session).transpose()
            }

            async fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> StoreResult<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1")
                    .bind(ms(now))
                    .bind(id_hash)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn delete_session(&mut self, id_hash: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn sessions_of(&mut self, login_id: Uuid) -> StoreResult<Vec<SessionRecord>> {
                let rows = sqlx::query(
                    "SELECT id_hash, login_id, created_at, last_seen_at, authenticated_at, aal, ip, user_agent \
                     FROM sessions WHERE login_id = $1 ORDER BY last_seen_at DESC, id_hash",
                )
                .bind(login_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::session).collect()
            }

            async fn delete_session_of(&mut self, login_id: Uuid, id_hash: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 AND login_id = $2")
                    .bind(id_hash)
                    .bind(login_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_other_sessions(&mut self, login_id: Uuid, keep: &str) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE login_id = $1 AND id_hash <> $2")
                    .bind(login_id)
                    .bind(keep)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected())
            }

            async fn delete_expired_sessions(&mut self, idle_before: Timestamp, created_before: Timestamp) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                    .bind(ms(idle_before))
                    .bind(ms(created_before))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected())
            }

            async fn append_audit(&mut self, e: &AuditEvent) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO audit_events (id, at, kind, actor_login_id, subject_login_id, identifier, ip, user_agent, request_id, detail, reference, actor_role) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(e.id)
                .bind(ms(e.at))
                .bind(&e.kind)
                .bind(e.actor_login_id)
                .bind(e.subject_login_id)
                .bind(&e.identifier)
                .bind(&e.ip)
                .bind(&e.user_agent)
                .bind(&e.request_id)
                .bind(e.detail.to_string())
                .bind(e.reference())
                .bind(e.actor_role.map(ActingRole::as_str))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn audit_for_login(&mut self, login_id: Uuid, limit: i64) -> StoreResult<Vec<AuditEvent>> {
                let rows = sqlx::query(
                    audit_query!("WHERE subject_login_id = $1 ORDER BY at DESC, id DESC LIMIT $2"),
                )
                .bind(login_id)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::audit).collect()
            }

            async fn audit_page(&mut self, p: &AuditPage) -> StoreResult<Vec<AuditEvent>> {
                // Static SQL for both engines: the kinds travel as one
                // `|kind|kind|` string; the first page starts after the
                // greatest cursor there is.
                let sql = if p.older {
                    audit_query!(
                        "WHERE subject_login_id = $1 AND ($2 IS NULL OR $2 LIKE ('%|' || kind || '|%')) \
                         AND (NOT $3 OR (actor_login_id IS NOT NULL AND actor_login_id <> subject_login_id)) \
                         AND at >= $4 AND (at < $5 OR (at = $5 AND id < $6)) \
                         ORDER BY at DESC, id DESC LIMIT $7"
                    )
                } else {
                    audit_query!(
                        "WHERE subject_login_id = $1 AND ($2 IS NULL OR $2 LIKE ('%|' || kind || '|%')) \
                         AND (NOT $3 OR (actor_login_id IS NOT NULL AND actor_login_id <> subject_login_id)) \
                         AND at >= $4 AND (at > $5 OR (at = $5 AND id > $6)) \
                         ORDER BY at ASC, id ASC LIMIT $7"
                    )
                };
                let (at, id) = p.cursor.map_or((i64::MAX, Uuid::max()), |(at, id)| (ms(at), id));
                let rows = sqlx::query(sql)
                    .bind(p.subject)
                    .bind(p.kinds.as_deref())
                    .bind(p.by_others)
                    .bind(p.since.map_or(i64::MIN, ms))
                    .bind(at)
                    .bind(id)
                    .bind(p.limit)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(err)?;
                rows.iter().map(Self::audit).collect()
            }

            async fn audit_event_of(&mut self, subject: Uuid, id: Uuid) -> StoreResult<Option<AuditEvent>> {
                let row = sqlx::query(audit_query!("WHERE subject_login_id = $1 AND id = $2"))
                    .bind(subject)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                row.as_ref().map(Self::audit).transpose()
            }

            async fn audit_by_reference(&mut self, reference: &str) -> StoreResult<Vec<AuditEvent>> {
                let rows = sqlx::query(audit_query!("WHERE reference = $1 ORDER BY at DESC, id DESC LIMIT 20"))
                    .bind(reference)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(err)?;
                rows.iter().map(Self::audit).collect()
            }

            async fn insert_person(&mut self, id: Uuid, now: Timestamp) -> StoreResult<bool> {
                let done = sqlx::query("INSERT INTO persons (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
                    .bind(id)
                    .bind(ms(now))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_company(&mut self, c: &CompanyRecord, now: Timestamp) -> StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO companies (id, name, siren, vat_number, billing_address, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(c.id)
                .bind(&c.name)
                .bind(&c.siren)
                .bind(&c.vat_number)
                .bind(&c.billing_address)
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_login(&mut self, l: &LoginRecord, now: Timestamp) -> StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO logins (id, person_id, company_id, identifier, identifier_norm, password_hash, title, \
                     first_name, last_name, email, email_norm, email_verified, phone, phone_verified, locale, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(l.id)
                .bind(l.person_id)
                .bind(l.company_id)
                .bind(&l.identifier)
                .bind(l.identifier.to_ascii_lowercase())
                .bind(&l.password_hash)
                .bind(&l.title)
                .bind(&l.first_name)
                .bind(&l.last_name)
                .bind(&l.email)
                .bind(l.email.as_ref().map(|e| e.to_ascii_lowercase()))
                .bind(l.email_verified)
                .bind(&l.phone)
                .bind(l.phone_verified)
                .bind(&l.locale)
                .bind(l.disabled)
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_contract(&mut self, company_id: Uuid, c: &ContractRecord, referent: Option<Uuid>, now: Timestamp) -> StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO contracts (id, company_id, reference, offer_name, status, commitment_end, referent_login_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                )
                .bind(c.id)
                .bind(company_id)
                .bind(&c.reference)
                .bind(&c.offer_name)
                .bind(&c.status)
                .bind(&c.commitment_end)
                .bind(referent)
                .bind(ms(now))
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn grant_right(&mut self, login_id: Uuid, r: &RightRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO contract_rights (login_id, contract_id, section, profile) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (login_id, contract_id, section) DO UPDATE SET profile = excluded.profile",
                )
                .bind(login_id)
                .bind(r.contract_id)
                .bind(&r.section)
                .bind(&r.profile)
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn revoke_right(&mut self, login_id: Uuid, contract_id: Uuid, section: &str) -> StoreResult<bool> {
                let section = section.to_owned();
                let n = self
                    .exec("DELETE FROM contract_rights WHERE login_id = $1 AND contract_id = $2 AND section = $3", |q| {
                        q.bind(login_id).bind(contract_id).bind(section)
                    })
                    .await?;
                Ok(n > 0)
            }

            async fn revoke_all_rights(&mut self, login_id: Uuid) -> StoreResult<u64> {
                self.exec("DELETE FROM contract_rights WHERE login_id = $1", |q| q.bind(login_id)).await
            }

            async fn revoke_company_roles(&mut self, login_id: Uuid) -> StoreResult<u64> {
                self.exec("DELETE FROM company_roles WHERE login_id = $1", |q| q.bind(login_id)).await
            }

            async fn set_referent(&mut self, contract_id: Uuid, login_id: Uuid) -> StoreResult<()> {
                self.exec("UPDATE contracts SET referent_login_id = $1 WHERE id = $2", |q| q.bind(login_id).bind(contract_id)).await?;
                Ok(())
            }

            async fn contracts_of_company(&mut self, company_id: Uuid) -> StoreResult<Vec<ContractRecord>> {
                let rows = sqlx::query(
                    "SELECT id, reference, offer_name, status, commitment_end, referent_login_id FROM contracts \
                     WHERE company_id = $1 ORDER BY reference",
                )
                .bind(company_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::contract).collect()
            }

            async fn grant_company_role(&mut self, login_id: Uuid, company_id: Uuid, role: CompanyRole) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO company_roles (login_id, company_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(login_id)
                .bind(company_id)
                .bind(role.as_str())
                .execute(&mut *self.tx)
                .await
                .map_err(err)?;
                Ok(())
            }

            async fn grant_staff_role(&mut self, login_id: Uuid, role: StaffRole) -> StoreResult<()> {
                sqlx::query("INSERT INTO staff_roles (login_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(login_id)
                    .bind(role.as_str())
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn set_web_account_manager(&mut self, company_id: Uuid, login_id: Uuid) -> StoreResult<()> {
                sqlx::query("UPDATE companies SET web_account_manager_id = $1 WHERE id = $2")
                    .bind(login_id)
                    .bind(company_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn company(&mut self, id: Uuid) -> StoreResult<Option<CompanyRecord>> {
                let row = sqlx::query("SELECT id, name, siren, vat_number, billing_address, web_account_manager_id FROM companies WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err(err)?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(CompanyRecord {
                    id: Self::col(&row, "id")?,
                    name: Self::col(&row, "name")?,
                    siren: Self::col(&row, "siren")?,
                    vat_number: Self::col(&row, "vat_number")?,
                    billing_address: Self::col(&row, "billing_address")?,
                    web_account_manager_id: Self::col(&row, "web_account_manager_id")?,
                }))
            }

            async fn contracts_visible_to(&mut self, login_id: Uuid) -> StoreResult<Vec<ContractRecord>> {
                // A contract is visible to a login holding any right on it, and
                // to the administrators of its company. Always scoped to the
                // login's own company.
                let rows = sqlx::query(
                    "SELECT c.id, c.reference, c.offer_name, c.status, c.commitment_end, c.referent_login_id FROM contracts c \
                     JOIN logins l ON l.id = $1 AND l.company_id = c.company_id \
                     WHERE EXISTS (SELECT 1 FROM contract_rights r WHERE r.login_id = l.id AND r.contract_id = c.id) \
                        OR EXISTS (SELECT 1 FROM company_roles cr WHERE cr.login_id = l.id AND cr.company_id = c.company_id \
                                   AND cr.role = 'administrator') \
                     ORDER BY c.reference",
                )
                .bind(login_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter().map(Self::contract).collect()
            }

            async fn rights_of(&mut self, login_id: Uuid) -> StoreResult<Vec<RightRecord>> {
                let rows = sqlx::query(
                    "SELECT contract_id, section, profile FROM contract_rights WHERE login_id = $1 ORDER BY contract_id, section",
                )
                .bind(login_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter()
                    .map(|row| {
                        Ok(RightRecord {
                            contract_id: Self::col(&row, "contract_id")?,
                            section: Self::col(&row, "section")?,
                            profile: Self::col(&row, "profile")?,
                        })
                    })
                    .collect()
            }

            async fn company_roles_of(&mut self, login_id: Uuid) -> StoreResult<Vec<CompanyRole>> {
                self.strings("SELECT role FROM company_roles WHERE login_id = $1 ORDER BY role", login_id)
                    .await?
                    .iter()
                    .map(|r| company_role(r))
                    .collect()
            }

            async fn rights_in_company(&mut self, company_id: Uuid) -> StoreResult<Vec<(Uuid, RightRecord)>> {
                let rows = sqlx::query(
                    "SELECT r.login_id, r.contract_id, r.section, r.profile FROM contract_rights r \
                     JOIN logins l ON l.id = r.login_id WHERE l.company_id = $1 \
                     ORDER BY r.login_id, r.contract_id, r.section",
                )
                .bind(company_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            Self::col(&row, "login_id")?,
                            RightRecord {
                                contract_id: Self::col(&row, "contract_id")?,
                                section: Self::col(&row, "section")?,
                                profile: Self::col(&row, "profile")?,
                            },
                        ))
                    })
                    .collect()
            }

            async fn company_roles_in_company(&mut self, company_id: Uuid) -> StoreResult<Vec<(Uuid, CompanyRole)>> {
                let rows = sqlx::query(
                    "SELECT r.login_id, r.role FROM company_roles r JOIN logins l ON l.id = r.login_id \
                     WHERE l.company_id = $1 ORDER BY r.login_id, r.role",
                )
                .bind(company_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(err)?;
                rows.iter()
                    .map(|row| Ok((Self::col(&row, "login_id")?, company_role(&Self::col::<String>(&row, "role")?)?)))
                    .collect()
            }

            async fn staff_roles_of(&mut self, login_id: Uuid) -> StoreResult<Vec<StaffRole>> {
                self.strings("SELECT role FROM staff_roles WHERE login_id = $1 ORDER BY role", login_id)
                    .await?
                    .iter()
                    .map(|r| StaffRole::parse(r).ok_or_else(|| decode(format!("staff role {r}"))))
                    .collect()
            }
        }
    };
}

/// A transaction of either engine.
pub struct DbTx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
}

store_impl!(
    SqliteStore, sqlx::Sqlite, sqlx::SqlitePool, sqlx::sqlite::SqliteRow,
    begin_write: "BEGIN IMMEDIATE",
    for_update: "",
    skip_locked: ""
);
store_impl!(
    PgStore, sqlx::Postgres, sqlx::PgPool, sqlx::postgres::PgRow,
    begin_write: "BEGIN",
    for_update: " FOR UPDATE",
    skip_locked: " FOR UPDATE SKIP LOCKED"
);
