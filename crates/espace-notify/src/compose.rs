//! The words of every message, in French and English (`locales/*/email.ftl`),
//! laid out once as HTML and once as plain text.

use askama::Template;
use espace_app::notify::Notice;
use espace_app::ports::{Composed, Composer};
use espace_domain::locale::Locale;
use espace_i18n::{Arg, Tr, device_name};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The provider's branding in messages.
#[derive(Debug, Clone)]
pub struct Branding {
    /// "Espace" or the provider's name.
    pub name: String,
    /// Accent colour of the HTML layout (`#1d4ed8`).
    pub colour: String,
    /// Where the footer sends people for help.
    pub help_url: String,
}

/// One message laid out: what both templates render.
struct Layout {
    lang: &'static str,
    brand: String,
    colour: String,
    subject: String,
    hello: String,
    paragraphs: Vec<String>,
    code: Option<String>,
    quote: Option<String>,
    action: Option<(String, String)>,
    after: Vec<String>,
    footer: String,
    help_url: String,
    help: String,
    help_line: String,
}

#[derive(Template)]
#[template(path = "email.html")]
struct Html<'a> {
    m: &'a Layout,
}

#[derive(Template)]
#[template(path = "email.txt")]
struct Text<'a> {
    m: &'a Layout,
}

/// Composes with Fluent and askama; times in the configured zone.
pub struct FluentComposer {
    branding: Branding,
    tz: TimeZone,
}

impl FluentComposer {
    pub fn new(branding: Branding, tz: TimeZone) -> Self {
        Self { branding, tz }
    }

    /// A date and time in words in the message's language, with the zone:
    /// "23 November 2026, 10:00 (CET)".
    fn when(&self, t: &Tr, at: Timestamp) -> String {
        let zoned = at.to_zoned(self.tz.clone());
        format!(
            "{} ({})",
            t.datetime(zoned.datetime()),
            zoned.strftime("%Z")
        )
    }

    fn layout(&self, notice: &Notice, locale: Locale) -> Layout {
        let t = Tr::new(locale);
        let brand = self.branding.name.as_str();
        let kind = notice.kind();
        let mut m = Layout {
            lang: locale.code(),
            brand: brand.to_owned(),
            colour: self.branding.colour.clone(),
            subject: t.fmt(
                &format!("email-{kind}-subject"),
                &[("brand", Arg::S(brand))],
            ),
            hello: t.get("email-hello"),
            paragraphs: Vec::new(),
            code: None,
            quote: None,
            action: None,
            after: Vec::new(),
            footer: t.fmt("email-footer", &[("brand", Arg::S(brand))]),
            help_url: self.branding.help_url.clone(),
            help: t.get("email-help"),
            help_line: t.fmt(
                "email-help-line",
                &[("url", Arg::S(&self.branding.help_url))],
            ),
        };
        let p = |key: &str, args: &[(&'static str, Arg<'_>)]| t.fmt(key, args);
        match notice {
            Notice::VerificationCode { code, minutes } => {
                m.paragraphs.push(p("email-verification-code-intro", &[]));
                m.code = Some(code.clone());
                m.after.push(p(
                    "email-verification-code-validity",
                    &[("minutes", Arg::N(*minutes))],
                ));
                m.after.push(p(
                    "email-verification-code-never-share",
                    &[("brand", Arg::S(brand))],
                ));
            }
            Notice::PasswordChanged {
                identifier,
                at,
                device,
                ip,
            } => {
                let device = device_name(&t, device);
                m.paragraphs.push(p(
                    "email-password-changed-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("time", Arg::S(&self.when(&t, *at))),
                        ("device", Arg::S(&device)),
                        ("ip", Arg::S(ip)),
                    ],
                ));
                m.after.push(p("email-password-changed-not-you", &[]));
            }
            Notice::EmailChanged {
                identifier,
                new_email,
                undo_url,
                until,
            } => {
                m.paragraphs.push(p(
                    "email-email-changed-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("address", Arg::S(new_email)),
                    ],
                ));
                m.action = Some((t.get("email-undo-action"), undo_url.clone()));
                m.after.push(p(
                    "email-undo-until",
                    &[("time", Arg::S(&self.when(&t, *until)))],
                ));
            }
            Notice::PhoneChanged {
                identifier,
                new_phone,
                undo_url,
                until,
            } => {
                let key = if new_phone.is_empty() {
                    "email-phone-removed-intro"
                } else {
                    "email-phone-changed-intro"
                };
                m.paragraphs.push(p(
                    key,
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("phone", Arg::S(new_phone)),
                    ],
                ));
                m.action = Some((t.get("email-undo-action"), undo_url.clone()));
                m.after.push(p(
                    "email-undo-until",
                    &[("time", Arg::S(&self.when(&t, *until)))],
                ));
            }
            Notice::NewDevice {
                identifier,
                at,
                device,
                ip,
                not_me_url,
            } => {
                let device = device_name(&t, device);
                m.paragraphs.push(p(
                    "email-new-device-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("time", Arg::S(&self.when(&t, *at))),
                        ("device", Arg::S(&device)),
                        ("ip", Arg::S(ip)),
                    ],
                ));
                m.paragraphs.push(p("email-new-device-if-you", &[]));
                m.action = Some((t.get("email-new-device-action"), not_me_url.clone()));
            }
            Notice::ManagerMessage {
                customer,
                company,
                body,
                url,
            } => {
                m.paragraphs.push(p(
                    "email-manager-message-intro",
                    &[("name", Arg::S(customer)), ("company", Arg::S(company))],
                ));
                m.quote = Some(body.clone());
                m.action = Some((t.get("email-manager-message-action"), url.clone()));
            }
            Notice::ManagerReply { manager, body, url } => {
                m.paragraphs
                    .push(p("email-manager-reply-intro", &[("name", Arg::S(manager))]));
                m.quote = Some(body.clone());
                m.action = Some((t.get("email-manager-reply-action"), url.clone()));
            }
            Notice::PasswordReset {
                identifier,
                url,
                until,
            } => {
                m.paragraphs.push(p(
                    "email-password-reset-intro",
                    &[("identifier", Arg::S(identifier))],
                ));
                m.action = Some((t.get("email-password-reset-action"), url.clone()));
                m.after.push(p(
                    "email-password-reset-until",
                    &[("time", Arg::S(&self.when(&t, *until)))],
                ));
                m.after.push(p("email-password-reset-not-you", &[]));
            }
            Notice::RecoveryCaseOpened { reference, url } => {
                m.paragraphs.push(p(
                    "email-recovery-case-opened-intro",
                    &[("reference", Arg::S(reference))],
                ));
                m.paragraphs.push(p("email-recovery-case-opened-next", &[]));
                m.action = Some((t.get("email-recovery-case-action"), url.clone()));
                m.after.push(p("email-recovery-case-opened-not-you", &[]));
            }
            Notice::RecoveryCaseRejected { reference, url } => {
                m.paragraphs.push(p(
                    "email-recovery-case-rejected-intro",
                    &[("reference", Arg::S(reference))],
                ));
                m.action = Some((t.get("email-recovery-case-action"), url.clone()));
            }
            Notice::AddressLinkedBySupport {
                identifier,
                new_email,
            } => {
                m.paragraphs.push(p(
                    "email-address-linked-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("email", Arg::S(new_email)),
                    ],
                ));
                m.after.push(p("email-address-linked-not-you", &[]));
            }
            Notice::MethodChanged {
                identifier,
                method,
                added,
                at,
            } => {
                let kind = notice.kind();
                m.paragraphs.push(p(
                    &format!("email-{kind}-intro"),
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("method", Arg::S(method)),
                        ("time", Arg::S(&self.when(&t, *at))),
                    ],
                ));
                m.after.push(p(
                    if *added {
                        "email-method-added-not-you"
                    } else {
                        "email-method-removed-not-you"
                    },
                    &[],
                ));
            }
            Notice::StrongAuthForced {
                identifier,
                by,
                deadline,
                on,
            } => {
                let kind = notice.kind();
                m.paragraphs.push(p(
                    &format!("email-{kind}-intro"),
                    &[("identifier", Arg::S(identifier)), ("name", Arg::S(by))],
                ));
                if *on {
                    match deadline {
                        Some(d) => m.paragraphs.push(p(
                            "email-strong-auth-on-deadline",
                            &[("time", Arg::S(&self.when(&t, *d)))],
                        )),
                        None => m.paragraphs.push(p("email-strong-auth-on-now", &[])),
                    }
                }
            }
            Notice::StrongAuthRequested {
                identifier,
                name,
                url,
            } => {
                m.paragraphs.push(p(
                    "email-strong-auth-requested-intro",
                    &[("identifier", Arg::S(identifier)), ("name", Arg::S(name))],
                ));
                m.action = Some((t.get("email-strong-auth-requested-action"), url.clone()));
            }
            Notice::RecoveryCodesGenerated { identifier, at } => {
                m.paragraphs.push(p(
                    "email-recovery-codes-generated-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("time", Arg::S(&self.when(&t, *at))),
                    ],
                ));
                m.after.push(p("email-method-added-not-you", &[]));
            }
            Notice::RecoveryCodeUsed {
                identifier,
                left,
                at,
            } => {
                m.paragraphs.push(p(
                    "email-recovery-code-used-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("time", Arg::S(&self.when(&t, *at))),
                        ("left", Arg::N(*left)),
                    ],
                ));
                m.after.push(p("email-method-added-not-you", &[]));
            }
            Notice::FactorResetRequested {
                identifier,
                by,
                effective_at,
                cancel_url,
            } => {
                m.paragraphs.push(p(
                    "email-factor-reset-requested-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("name", Arg::S(by)),
                        ("time", Arg::S(&self.when(&t, *effective_at))),
                    ],
                ));
                m.action = Some((
                    t.get("email-factor-reset-requested-action"),
                    cancel_url.clone(),
                ));
                m.after.push(p("email-factor-reset-requested-not-you", &[]));
            }
            Notice::FactorResetCancelled { identifier } => {
                m.paragraphs.push(p(
                    "email-factor-reset-cancelled-intro",
                    &[("identifier", Arg::S(identifier))],
                ));
            }
            Notice::FactorResetDone { identifier, url } => {
                m.paragraphs.push(p(
                    "email-factor-reset-done-intro",
                    &[("identifier", Arg::S(identifier))],
                ));
                m.action = Some((t.get("email-factor-reset-done-action"), url.clone()));
                m.after.push(p("email-factor-reset-done-not-you", &[]));
            }
            Notice::PushRequest {
                identifier,
                purpose,
            } => {
                m.paragraphs.push(p(
                    "push-request-text",
                    &[
                        ("brand", Arg::S(brand)),
                        ("identifier", Arg::S(identifier)),
                        ("purpose", Arg::S(purpose)),
                    ],
                ));
            }
            Notice::PushRefused {
                identifier,
                answer,
                at,
                ip,
                browser,
            } => {
                m.paragraphs.push(p(
                    "email-push-refused-intro",
                    &[
                        ("identifier", Arg::S(identifier)),
                        ("time", Arg::S(&self.when(&t, *at))),
                        ("device", Arg::S(&device_name(&t, browser))),
                        ("ip", Arg::S(ip)),
                        ("answer", Arg::S(answer)),
                    ],
                ));
                m.after.push(p("email-push-refused-next", &[]));
            }
            Notice::SmsBreakerTripped {
                limit,
                minutes,
                until,
            } => {
                m.paragraphs.push(p(
                    "email-sms-breaker-tripped-intro",
                    &[
                        ("limit", Arg::N(*limit)),
                        ("minutes", Arg::N(*minutes)),
                        ("time", Arg::S(&self.when(&t, *until))),
                    ],
                ));
                m.after.push(p("email-sms-breaker-tripped-next", &[]));
            }
            Notice::Unlocked { identifier, by } => {
                m.paragraphs.push(p(
                    "email-unlocked-intro",
                    &[("identifier", Arg::S(identifier)), ("name", Arg::S(by))],
                ));
                m.after.push(p("email-unlocked-not-you", &[]));
            }
            Notice::LoginReminder { identifiers, url } => {
                m.paragraphs.push(p(
                    "email-login-reminder-intro",
                    &[("count", Arg::N(identifiers.len() as i64))],
                ));
                m.paragraphs.push(identifiers.join("\n"));
                m.action = Some((t.get("email-login-reminder-action"), url.clone()));
                m.after.push(p("email-login-reminder-not-you", &[]));
            }
            Notice::Invitation {
                inviter,
                company,
                identifier,
                url,
                until,
            } => {
                m.paragraphs.push(p(
                    "email-invitation-intro",
                    &[
                        ("name", Arg::S(inviter)),
                        ("company", Arg::S(company)),
                        ("brand", Arg::S(brand)),
                    ],
                ));
                m.paragraphs.push(p(
                    "email-invitation-identifier",
                    &[("identifier", Arg::S(identifier))],
                ));
                m.action = Some((t.get("email-invitation-action"), url.clone()));
                m.after.push(p(
                    "email-invitation-until",
                    &[("time", Arg::S(&self.when(&t, *until)))],
                ));
            }
        }
        m
    }
}

impl Composer for FluentComposer {
    fn email(&self, notice: &Notice, locale: Locale) -> Result<Composed, String> {
        let m = self.layout(notice, locale);
        let html = Html { m: &m }.render().map_err(|e| e.to_string())?;
        let text = Text { m: &m }.render().map_err(|e| e.to_string())?;
        Ok(Composed {
            subject: m.subject.clone(),
            text,
            html: Some(html),
        })
    }

    fn sms(&self, notice: &Notice, locale: Locale) -> Result<String, String> {
        let t = Tr::new(locale);
        let brand = self.branding.name.as_str();
        let text = match notice {
            Notice::VerificationCode { code, minutes } => t.fmt(
                "sms-verification-code",
                &[
                    ("brand", Arg::S(brand)),
                    ("code", Arg::S(code)),
                    ("minutes", Arg::N(*minutes)),
                ],
            ),
            Notice::FactorResetRequested {
                identifier,
                effective_at,
                ..
            } => t.fmt(
                "sms-factor-reset-requested",
                &[
                    ("brand", Arg::S(brand)),
                    ("identifier", Arg::S(identifier)),
                    ("time", Arg::S(&self.when(&t, *effective_at))),
                ],
            ),
            Notice::PushRequest {
                identifier,
                purpose,
            } => t.fmt(
                "push-request-text",
                &[
                    ("brand", Arg::S(brand)),
                    ("identifier", Arg::S(identifier)),
                    ("purpose", Arg::S(purpose)),
                ],
            ),
            other => self.layout(other, locale).subject,
        };
        Ok(sms_plain(&text))
    }
}

/// A text message in the GSM 7-bit alphabet where typography would force
/// UCS-2 (70 characters a part instead of 160): no-break spaces become
/// spaces, typographic apostrophes and quotes plain ones.
fn sms_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '«' | '“' | '”' => {
                out.push('"');
                chars.next_if(|n| matches!(n, '\u{a0}' | '\u{202f}'));
            }
            '\u{a0}' | '\u{202f}' if chars.peek() == Some(&'»') => {}
            '»' => out.push('"'),
            '\u{a0}' | '\u{202f}' => out.push(' '),
            '’' | '‘' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composer() -> FluentComposer {
        FluentComposer::new(
            Branding {
                name: "Espace".into(),
                colour: "#1d4ed8".into(),
                help_url: "https://espace.example/help".into(),
            },
            TimeZone::get("Europe/Paris").unwrap(),
        )
    }

    #[test]
    fn a_code_reads_the_same_in_html_and_text_in_both_languages() {
        let n = Notice::VerificationCode {
            code: "042917".into(),
            minutes: 10,
        };
        for locale in Locale::ALL {
            let c = composer().email(&n, locale).unwrap();
            assert!(c.text.contains("042917") && c.html.as_deref().unwrap().contains("042917"));
            assert!(!c.subject.contains("email-"), "{}", c.subject);
            assert!(c.text.contains("10"));
        }
        let sms = composer().sms(&n, Locale::En).unwrap();
        assert!(sms.contains("042917") && sms.len() <= 160, "{sms}");
        let fr = composer().sms(&n, Locale::Fr).unwrap();
        assert!(
            !fr.contains(['\u{a0}', '\u{202f}', '’', '«', '»']),
            "GSM 7-bit, not UCS-2: {fr}"
        );
        assert_eq!(
            sms_plain("Pas vous\u{a0}? «\u{a0}Ce n’était pas moi\u{a0}»"),
            "Pas vous ? \"Ce n'était pas moi\""
        );
    }

    #[test]
    fn html_escapes_what_people_wrote() {
        let n = Notice::ManagerMessage {
            customer: "Alice <b>".into(),
            company: "Acme".into(),
            body: "<script>alert(1)</script>\nline two".into(),
            url: "https://espace.example/backoffice/messages/x".into(),
        };
        let c = composer().email(&n, Locale::Fr).unwrap();
        let html = c.html.unwrap();
        assert!(
            !html.contains("<script>")
                && (html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;")),
            "{html}"
        );
        assert!(
            c.text.contains("<script>alert(1)</script>"),
            "plain text is plain"
        );
    }

    #[test]
    fn times_are_in_the_configured_zone() {
        let at: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let n = Notice::PasswordChanged {
            identifier: "alice.martin".into(),
            at,
            device: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36".into(),
            ip: "192.0.2.1".into(),
        };
        let c = composer().email(&n, Locale::En).unwrap();
        assert!(
            c.text.contains("23 November 2026, 10:00 (CET)"),
            "{}",
            c.text
        );
        let fr = composer().email(&n, Locale::Fr).unwrap();
        assert!(
            fr.text.contains("23 novembre 2026 à 10:00 (CET)"),
            "{}",
            fr.text
        );
        assert!(c.text.contains("Chrome 156 on Linux"), "{}", c.text);
    }
}
