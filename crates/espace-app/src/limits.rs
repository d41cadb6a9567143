//! Sending limits (issue 15 items 2 and 6, issue 26 item 3): every sender
//! of a code, a phone request or an anonymous recovery e-mail goes through
//! the one mechanism here. A limit is a domain [`RateLimit`] ("at most n
//! in a window"); [`App::hit_limits`] counts a hit on several keys at once
//! (atomically, one upsert per key) and answers either "go" or the
//! earliest time every spent key allows again.

use espace_domain::phone::{DEFAULT_SMS_REGIONS, PhoneE164};
use espace_domain::ratelimit::{RateLimit, wait_minutes};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::error::{AppError, Problem};
use crate::notify::{Notice, Recipient};
use crate::ports::{LoginRecord, Tx};

/// The three limits of one kind of sender: per login, per destination
/// (address, number or device) and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderLimits {
    pub per_login: RateLimit,
    pub per_target: RateLimit,
    pub per_client: RateLimit,
}

impl SenderLimits {
    const fn hourly(login: i64, target: i64, client: i64) -> Self {
        let h = SignedDuration::from_hours(1);
        Self {
            per_login: RateLimit::new(login, h),
            per_target: RateLimit::new(target, h),
            per_client: RateLimit::new(client, h),
        }
    }

    /// The counter keys of one send by `login` to `target` from `client`.
    pub(crate) fn keys(
        &self,
        family: &str,
        login: &str,
        target: &str,
        client: &ClientInfo,
    ) -> Vec<Limit> {
        let mut keys = self.owner_keys(family, login, target);
        keys.push(Limit::new(
            format!("{family}:client:{}", client.ip),
            self.per_client,
        ));
        keys
    }

    /// The keys a send is taken back from once it served its owner (a used
    /// code, an approved request): per login and per destination. The
    /// client's key keeps the count, against spraying across logins.
    pub(crate) fn owner_keys(&self, family: &str, login: &str, target: &str) -> Vec<Limit> {
        vec![
            Limit::new(format!("{family}:login:{login}"), self.per_login),
            Limit::new(
                format!("{family}:to:{}", target.to_lowercase()),
                self.per_target,
            ),
        ]
    }

    fn check(&self, name: &str, longest: SignedDuration) -> Result<(), String> {
        self.per_login
            .check(&format!("{name}.per_login"), longest)?;
        self.per_target
            .check(&format!("{name}.per_target"), longest)?;
        self.per_client
            .check(&format!("{name}.per_client"), longest)
    }
}

/// `app.limits.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Codes proving a new address or mobile, or a code method being
    /// added (e-mail change, phone change, enrolment, and their resends).
    pub contact_codes: SenderLimits,
    /// Second-factor codes by e-mail or SMS (sign-in, step-up, reset).
    /// A code that is then used is taken back: only unused ones count.
    pub factor_codes: SenderLimits,
    /// Requests to a linked phone. An approved request is taken back:
    /// only unanswered and refused ones count.
    pub push: SenderLimits,
    /// E-mails from the anonymous forms (forgotten password or login,
    /// assisted recovery) to one inbox, all forms together.
    pub inbox_per_hour: RateLimit,
    pub inbox_per_day: RateLimit,
    /// Regions an SMS may go to (ISO 3166 codes): France and the European
    /// Union by default.
    pub sms_regions: Vec<String>,
    /// The circuit breaker: SMS codes across every login and client.
    /// Past it, no SMS code goes out until the window ends, and an alert
    /// is raised (audit, ERROR log, metric, e-mail to `alert_email`).
    pub sms_breaker: RateLimit,
    /// Where operational alerts are e-mailed; none by default.
    pub alert_email: Option<String>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            contact_codes: SenderLimits::hourly(5, 3, 20),
            factor_codes: SenderLimits::hourly(5, 5, 30),
            push: SenderLimits::hourly(10, 10, 30),
            inbox_per_hour: RateLimit::per_hour(3),
            inbox_per_day: RateLimit::per_day(10),
            sms_regions: DEFAULT_SMS_REGIONS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            sms_breaker: RateLimit::per_hour(300),
            alert_email: None,
        }
    }
}

impl LimitsConfig {
    /// Windows are at most a day (counters older than a day are purged).
    pub(crate) fn validate(&self) -> Result<(), String> {
        let day = SignedDuration::from_hours(24);
        self.contact_codes.check("limits.contact_codes", day)?;
        self.factor_codes.check("limits.factor_codes", day)?;
        self.push.check("limits.push", day)?;
        self.inbox_per_hour.check("limits.inbox_per_hour", day)?;
        self.inbox_per_day.check("limits.inbox_per_day", day)?;
        self.sms_breaker.check("limits.sms_breaker", day)?;
        if self
            .sms_regions
            .iter()
            .any(|r| r.len() != 2 || !r.chars().all(|c| c.is_ascii_alphabetic()))
        {
            return Err("limits.sms_regions: two-letter region codes (FR, BE…)".into());
        }
        if self
            .alert_email
            .as_deref()
            .is_some_and(|e| espace_domain::email::EmailAddress::parse(e).is_err())
        {
            return Err("limits.alert_email is not an e-mail address".into());
        }
        Ok(())
    }
}

/// One counter key and its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Limit {
    pub key: String,
    pub rule: RateLimit,
}

impl Limit {
    pub(crate) fn new(key: String, rule: RateLimit) -> Self {
        Self { key, rule }
    }
}

/// Which limits a code send falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeSender {
    /// E-mail or phone change, enrolment of a code method.
    Contact,
    /// A second-factor code.
    Factor,
}

impl CodeSender {
    fn family(self) -> &'static str {
        match self {
            CodeSender::Contact => "contact-code",
            CodeSender::Factor => "factor-code",
        }
    }
}

impl App {
    /// Counts one hit on every key. `Ok(Ok(()))` when each allows it;
    /// otherwise `Ok(Err(until))`, the time when every spent key allows
    /// again. Each hit is one atomic upsert, so two instances on one
    /// PostgreSQL never lose a count.
    pub(crate) async fn hit_limits(
        &self,
        tx: &mut dyn Tx,
        limits: &[Limit],
    ) -> Result<Result<(), Timestamp>, AppError> {
        let now = self.clock().now();
        let mut until: Option<Timestamp> = None;
        for l in limits {
            let w = tx
                .hit_rate_limit(&l.key, now, l.rule.window_before(now))
                .await?;
            if let Some(u) = l.rule.refused_until(w) {
                until = Some(until.map_or(u, |t| t.max(u)));
            }
        }
        Ok(until.map_or(Ok(()), Err))
    }

    /// Takes back the hits counted at `counted_at` (an approved request,
    /// a used code): they no longer count against the person.
    pub(crate) async fn refund_limits(
        &self,
        tx: &mut dyn Tx,
        limits: &[Limit],
        counted_at: Timestamp,
    ) -> Result<(), AppError> {
        for l in limits {
            tx.refund_rate_limit(&l.key, counted_at).await?;
        }
        Ok(())
    }

    /// What a person is told when a limit refuses: the wait in minutes.
    pub(crate) fn throttled(&self, until: Timestamp) -> Problem {
        Problem::Throttled {
            minutes: wait_minutes(self.clock().now(), until),
        }
    }

    /// The keys of a phone request (`limits.push`): per login, per linked
    /// device, per client address. An approved request is taken back from
    /// all three, so that only unanswered and refused ones count.
    pub(crate) fn push_keys(&self, login: Uuid, device: Uuid, ip: &str) -> Vec<Limit> {
        let push = &self.config().limits.push;
        let mut keys = push.owner_keys("push", &login.to_string(), &device.to_string());
        keys.push(Limit::new(format!("push:client:{ip}"), push.per_client));
        keys
    }

    /// Takes back a second-factor code sent at `sent_at` to `target` that
    /// was then used: only unused codes count (issue 26).
    pub(crate) async fn refund_factor_code(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        target: &str,
        sent_at: Timestamp,
    ) -> Result<(), AppError> {
        let keys = self.config().limits.factor_codes.owner_keys(
            CodeSender::Factor.family(),
            &login.id.to_string(),
            target,
        );
        self.refund_limits(tx, &keys, sent_at).await
    }

    /// Every check before a code goes out to `to`: an SMS only to an
    /// allowed region; the sender's limits per login, destination and
    /// client; for an SMS, the global breaker. A refusal is audited and
    /// returned as the field's problem (the caller commits, so that the
    /// refused hits count too).
    pub(crate) async fn guard_code_send(
        &self,
        tx: &mut dyn Tx,
        sender: CodeSender,
        login: &LoginRecord,
        to: &Recipient<'_>,
        client: &ClientInfo,
    ) -> Result<Result<(), Problem>, AppError> {
        let (target, sms) = match to {
            Recipient::Email(a) => (*a, false),
            Recipient::Sms(n) => (*n, true),
        };
        if sms {
            let allowed = PhoneE164::parse(target)
                .is_ok_and(|p| p.sms_allowed(&self.config().limits.sms_regions));
            if !allowed {
                return Ok(Err(Problem::SmsRegion));
            }
        }
        let limits = &self.config().limits;
        let rules = match sender {
            CodeSender::Contact => limits.contact_codes,
            CodeSender::Factor => limits.factor_codes,
        };
        let keys = rules.keys(sender.family(), &login.id.to_string(), target, client);
        let now = self.clock().now();
        if let Err(until) = self.hit_limits(tx, &keys).await? {
            metrics::counter!("espace_send_throttled_total", "sender" => sender.family())
                .increment(1);
            tx.append_audit(
                &AuditEvent::new(AuditKind::SendThrottled, now, client)
                    .by_self(login.id)
                    .detail(json!({ "sender": sender.family(), "channel": if sms { "sms" } else { "email" }, "until": until.to_string() })),
            )
            .await?;
            return Ok(Err(self.throttled(until)));
        }
        if sms && let Err(until) = self.sms_breaker(tx, client).await? {
            return Ok(Err(Problem::SmsPaused {
                minutes: wait_minutes(now, until),
            }));
        }
        Ok(Ok(()))
    }

    /// Counts one SMS against the global breaker. When it trips (the first
    /// refused SMS of a window) the operator is alerted once: audit, ERROR
    /// log, metric, and an e-mail if `limits.alert_email` is set.
    async fn sms_breaker(
        &self,
        tx: &mut dyn Tx,
        client: &ClientInfo,
    ) -> Result<Result<(), Timestamp>, AppError> {
        let rule = self.config().limits.sms_breaker;
        let now = self.clock().now();
        let w = tx
            .hit_rate_limit("sms-breaker:all", now, rule.window_before(now))
            .await?;
        let Some(until) = rule.refused_until(w) else {
            return Ok(Ok(()));
        };
        metrics::counter!("espace_sms_breaker_refused_total").increment(1);
        if rule.just_tripped(w) {
            metrics::counter!("espace_sms_breaker_tripped_total").increment(1);
            tracing::error!(
                limit = rule.max,
                window_secs = rule.window.as_secs(),
                until = %until,
                "SMS circuit breaker tripped: no SMS code goes out until the window ends"
            );
            tx.append_audit(
                &AuditEvent::new(AuditKind::SmsBreakerTripped, now, client)
                    .detail(json!({ "limit": rule.max, "window_secs": rule.window.as_secs(), "until": until.to_string() })),
            )
            .await?;
            if let Some(to) = self.config().limits.alert_email.clone() {
                self.queue(
                    tx,
                    Recipient::Email(&to),
                    None,
                    espace_domain::locale::Locale::default(),
                    &Notice::SmsBreakerTripped {
                        limit: rule.max,
                        minutes: rule.window.as_mins(),
                        until,
                    },
                )
                .await?;
            }
        }
        Ok(Err(until))
    }

    /// Counts one anonymous e-mail to `inbox` (per hour and per day, all
    /// anonymous forms together); false when either cap is spent.
    pub(crate) async fn inbox_allows(
        &self,
        tx: &mut dyn Tx,
        inbox: &str,
    ) -> Result<bool, AppError> {
        let limits = &self.config().limits;
        let inbox = inbox.to_lowercase();
        let keys = [
            Limit::new(format!("inbox:hour:{inbox}"), limits.inbox_per_hour),
            Limit::new(format!("inbox:day:{inbox}"), limits.inbox_per_day),
        ];
        let ok = self.hit_limits(tx, &keys).await?.is_ok();
        if !ok {
            metrics::counter!("espace_inbox_capped_total").increment(1);
        }
        Ok(ok)
    }
}
