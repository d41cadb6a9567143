//! The form boundary (issue 15, item 5): a control character in any field
//! of any form is a field error, never a 500 (PostgreSQL refuses a NUL in
//! text), and a refused sign-in is still counted and audited.

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};

use crate::audit_kinds;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Anonymous,
    /// alice.martin: a plain customer.
    Customer,
    /// bruno.leroy: administrator and security manager of Acme.
    Manager,
    /// support.agent: provider staff.
    Support,
}

/// One form of the router: who posts it, where, its fields (every `name`
/// of its `<input>`, `<textarea>` and `<select>` in the templates but the
/// CSRF token), and whether the handler reads it through the form
/// boundary for that visitor (a page that first sends the visitor away,
/// like the second step without a pending sign-in, answers before; a
/// confirmation reads no form). Every POST route of the router is listed.
struct Form {
    who: Who,
    path: &'static str,
    fields: &'static [&'static str],
    reaches_boundary: bool,
}

fn forms() -> Vec<Form> {
    use Who::*;
    let f = |who, path: &'static str, fields: &'static [&'static str]| Form {
        who,
        path,
        fields,
        reaches_boundary: true,
    };
    let before = |who, path: &'static str, fields: &'static [&'static str]| Form {
        who,
        path,
        fields,
        reaches_boundary: false,
    };
    vec![
        // Signing in and out, languages, the session.
        f(Anonymous, "/login", &["login", "password"]),
        // `next` is checked where it is used: a bad one just leads home.
        before(Anonymous, "/login", &["next"]),
        f(Customer, "/language", &["lang", "return_to"]),
        f(Customer, "/session/extend", &["return_to"]),
        f(Anonymous, "/login/franceconnect", &["next"]),
        f(
            Anonymous,
            "/login/passkey",
            &["ceremony", "response", "next"],
        ),
        before(
            Anonymous,
            "/login/second-factor",
            &[
                "method",
                "code",
                "recovery_code",
                "password",
                "ceremony",
                "response",
                "next",
            ],
        ),
        before(Anonymous, "/login/second-factor/send", &["method", "next"]),
        before(Anonymous, "/login/second-factor/push", &["method", "next"]),
        before(Anonymous, "/login/second-factor/franceconnect", &["next"]),
        // Recovery, anonymous.
        f(Anonymous, "/forgot-password", &["login"]),
        f(Anonymous, "/forgot-login", &["email"]),
        f(
            Anonymous,
            "/recover-account",
            &["who", "company", "new_email", "phone", "message"],
        ),
        f(Anonymous, "/recover-account/follow", &["reference"]),
        f(Anonymous, "/recover-account/case/REF-1/code", &["code"]),
        // No form to read (the CSRF token only): a stray field is ignored.
        before(
            Anonymous,
            "/recover-account/case/REF-1/franceconnect",
            &["extra"],
        ),
        f(
            Anonymous,
            "/reset-password/some-token",
            &["new_password", "new_password_confirm"],
        ),
        f(
            Anonymous,
            "/reset-password/some-token/factor",
            &[
                "method",
                "code",
                "recovery_code",
                "password",
                "ceremony",
                "response",
                "next",
            ],
        ),
        f(
            Anonymous,
            "/reset-password/some-token/factor/send",
            &["method", "next"],
        ),
        f(
            Anonymous,
            "/reset-password/some-token/factor/push",
            &["method", "next"],
        ),
        f(
            Anonymous,
            "/reset-password/some-token/factor/franceconnect",
            &["next"],
        ),
        f(
            Anonymous,
            "/invitation/some-token",
            &["new_password", "new_password_confirm"],
        ),
        // Confirmations: the CSRF token only.
        before(Anonymous, "/account/undo/some-token", &["extra"]),
        before(Anonymous, "/account/not-me/some-token", &["extra"]),
        before(Anonymous, "/factor-reset/some-token", &["extra"]),
        before(Customer, "/account/sessions/revoke-others", &["extra"]),
        before(Customer, "/account/two-factor/reset/cancel", &["extra"]),
        before(Customer, "/account/security/request", &["extra"]),
        before(Customer, "/account/security/totp", &["extra"]),
        before(Customer, "/account/security/recovery-codes", &["extra"]),
        before(Customer, "/account/security/code-method/email", &["extra"]),
        before(Customer, "/account/security/companion", &["extra"]),
        before(Customer, "/account/security/passkeys/options", &["extra"]),
        before(Customer, "/account/confirm/passkey", &["extra"]),
        before(Anonymous, "/login/passkey/options", &["extra"]),
        before(Anonymous, "/login/second-factor/passkey", &["extra"]),
        before(
            Anonymous,
            "/reset-password/some-token/factor/passkey",
            &["extra"],
        ),
        before(
            Customer,
            "/companion/requests/00000000-0000-4000-8000-00000000beef/options",
            &["extra"],
        ),
        before(
            Customer,
            "/companion/link/00000000-0000-4000-8000-00000000beef/mac/options",
            &["extra"],
        ),
        before(
            Support,
            "/logins/00000000-0000-4000-8000-00000000beef/unlock",
            &["extra"],
        ),
        before(Anonymous, "/logout", &["extra"]),
        // The account.
        f(
            Customer,
            "/account/confirm",
            &[
                "method",
                "code",
                "recovery_code",
                "password",
                "ceremony",
                "response",
                "next",
            ],
        ),
        f(Customer, "/account/confirm/send", &["method", "next"]),
        f(Customer, "/account/confirm/push", &["method", "next"]),
        f(Customer, "/account/confirm/franceconnect", &["next"]),
        f(
            Customer,
            "/account/password",
            &["current_password", "new_password", "new_password_confirm"],
        ),
        f(Customer, "/account/password/check", &["new_password"]),
        f(Customer, "/account/contact/title", &["title"]),
        f(Customer, "/account/contact/email", &["email"]),
        f(Customer, "/account/contact/phone", &["phone"]),
        f(Customer, "/account/contact/email/confirm", &["code"]),
        f(Customer, "/account/contact/phone/confirm", &["code"]),
        f(Customer, "/account/sessions/revoke", &["session"]),
        f(
            Customer,
            "/account/security/totp/00000000-0000-4000-8000-00000000beef",
            &["label", "code"],
        ),
        f(
            Customer,
            "/account/security/code/00000000-0000-4000-8000-00000000beef",
            &["label", "code"],
        ),
        f(
            Customer,
            "/account/security/methods/00000000-0000-4000-8000-00000000beef/rename",
            &["label"],
        ),
        f(
            Customer,
            "/account/security/passkeys",
            &["label", "ceremony", "response"],
        ),
        before(Customer, "/account/security/franceconnect", &["extra"]),
        f(
            Customer,
            "/companion/link/00000000-0000-4000-8000-00000000beef/mac",
            &["label", "ceremony", "response", "subscription"],
        ),
        f(
            Customer,
            "/companion/requests/00000000-0000-4000-8000-00000000beef",
            &["answer", "number", "ceremony", "response"],
        ),
        f(Customer, "/account/company/contact", &["message"]),
        // The company: users, rights, two-factor.
        f(
            Manager,
            "/users/invite",
            &["title", "first_name", "last_name", "email"],
        ),
        f(
            Manager,
            "/users/invite/confirm",
            &[
                "title",
                "first_name",
                "last_name",
                "email",
                "rights",
                "contract",
            ],
        ),
        f(
            Manager,
            "/users/00000000-0000-4000-8000-00000000beef/rights",
            &["contract", "section", "profile"],
        ),
        f(
            Manager,
            "/users/00000000-0000-4000-8000-00000000beef/referent",
            &["contract"],
        ),
        before(
            Manager,
            "/users/00000000-0000-4000-8000-00000000beef/remove",
            &["extra"],
        ),
        f(
            Manager,
            "/company/two-factor/rules",
            &[
                "scope", "login", "section", "profile", "deadline", "company",
            ],
        ),
        f(
            Manager,
            "/company/two-factor/rules/00000000-0000-4000-8000-00000000beef/remove",
            &["company"],
        ),
        f(
            Manager,
            "/company/two-factor/wait",
            &["wait_hours", "company"],
        ),
        f(
            Manager,
            "/company/two-factor/logins/00000000-0000-4000-8000-00000000beef/reset",
            &["reason", "company"],
        ),
        f(
            Manager,
            "/company/two-factor/logins/00000000-0000-4000-8000-00000000beef/reset/withdraw",
            &["company"],
        ),
        // Support's back office.
        f(
            Support,
            "/backoffice/messages/00000000-0000-4000-8000-00000000beef",
            &["message"],
        ),
        f(
            Support,
            "/backoffice/recovery/00000000-0000-4000-8000-00000000beef/verify",
            &["login_id", "method", "note", "closing_note"],
        ),
        f(
            Support,
            "/backoffice/recovery/00000000-0000-4000-8000-00000000beef/close",
            &["login_id", "method", "note", "closing_note"],
        ),
    ]
}

async fn browser_for(app: &TestApp, who: Who) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    let login = match who {
        Who::Anonymous => return b,
        Who::Customer => "alice.martin",
        Who::Manager => "bruno.leroy",
        Who::Support => "support.agent",
    };
    let r = b.sign_in(login, DEMO_PASSWORD).await;
    assert_eq!(r.status, 303, "{login} signs in");
    b
}

fn body(fields: &[&str], target: &str, bad: &str, token: &str) -> Vec<u8> {
    let mut pairs: Vec<(String, String)> = fields
        .iter()
        .map(|f| {
            let v = if *f == target {
                format!("a{bad}b")
            } else {
                "x".to_owned()
            };
            ((*f).to_owned(), v)
        })
        .collect();
    pairs.push(("csrf_token".into(), token.to_owned()));
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

#[espace_testkit::test]
async fn a_control_character_in_any_field_of_any_form_is_refused_never_a_500(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut browsers = Vec::new();
    for who in [Who::Anonymous, Who::Customer, Who::Manager, Who::Support] {
        browsers.push((who, browser_for(&app, who).await));
    }
    let mut failures = Vec::new();
    for form in forms() {
        let b = &browsers.iter().find(|(w, _)| *w == form.who).unwrap().1;
        let from = if form.who == Who::Anonymous {
            "/login"
        } else {
            "/account"
        };
        let token = b.get(from).await.csrf_token().unwrap();
        for field in form.fields {
            for bad in ["\u{0}", "\u{1b}", "\u{7f}"] {
                let r = b
                    .post_raw(
                        form.path,
                        "application/x-www-form-urlencoded",
                        body(form.fields, field, bad, &token),
                    )
                    .await;
                let refused = r.status == 422 && r.error_summary().is_some();
                if r.status >= 500 || (form.reaches_boundary && !refused) {
                    failures.push(format!(
                        "{:?} {} {field}={bad:?}: {}",
                        form.who, form.path, r.status
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");

    // Query strings and path parameters that could reach the database.
    let support = &browsers.iter().find(|(w, _)| *w == Who::Support).unwrap().1;
    let manager = &browsers.iter().find(|(w, _)| *w == Who::Manager).unwrap().1;
    for (b, path) in [
        (support, "/backoffice/logins?q=a%00b"),
        (support, "/backoffice/recovery?q=%01"),
        (manager, "/users?q=%00"),
        (manager, "/users/%00"),
        (manager, "/company/two-factor?company=%00"),
        (support, "/recover-account/case/REF%00"),
    ] {
        let r = b.get(path).await;
        assert_eq!(r.status, 400, "{path}: {}", r.status);
    }
    // Still fine: an ordinary search, and a line break in a query.
    assert_eq!(
        support.get("/backoffice/logins?q=dubois%0A").await.status,
        200
    );
}

#[espace_testkit::test]
async fn a_refused_field_comes_back_as_its_field_error_and_nothing_is_done(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = browser_for(&app, Who::Customer).await;
    let r = alice
        .submit(
            "/account/company",
            "/account/company/contact",
            &[("message", "Hello\u{0} there")],
        )
        .await;
    assert_eq!(r.status, 422);
    let summary = r.error_summary().unwrap();
    assert!(summary.contains("U+0000"), "{summary}");
    assert!(
        r.body.contains("href=\"#message\""),
        "the summary links to the field"
    );
    assert!(r.body.contains("aria-describedby=\"message-error\""));
    assert!(r.body.contains("aria-invalid=\"true\""));
    // Shown again to be checked, without the refused character.
    assert!(r.body.contains(">Hello there</textarea>"));
    assert!(r.body.contains("action=\"/account/company/contact\""));
    // Nothing was sent: the company's page lists no message.
    assert!(!alice.get("/account/company").await.body.contains("there"));
    // Line breaks and tabs are fine in a text area…
    let ok = alice
        .submit(
            "/account/company",
            "/account/company/contact",
            &[("message", "Line one\r\n\tLine two")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    // …but not in a one-line field, where a password is never echoed.
    let r = alice
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Tab\tNew#Password2026"),
                ("new_password_confirm", "Tab\tNew#Password2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("href=\"#new_password\""));
    assert!(!r.body.contains(DEMO_PASSWORD) && !r.body.contains("New#Password2026"));
    // French too.
    let fr = app.browser().with_header("accept-language", "fr");
    let r = fr
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("login", "alice\u{0}")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.error_summary().unwrap().contains("caractère de contrôle"));
}

#[espace_testkit::test]
async fn a_sign_in_refused_for_a_control_character_is_counted_and_audited(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let before = audit_kinds(&app, "alice.martin").await;
    let failed = |k: &Vec<String>| k.iter().filter(|k| *k == "signin.failed").count();
    for i in 0..5 {
        let b = app.browser().with_header("accept-language", "en");
        let r = b
            .sign_in("alice.martin", &format!("Wrong{i}\u{0}pass"))
            .await;
        if i < 4 {
            assert_eq!(r.status, 422, "try {i}");
            assert!(r.body.contains("href=\"#password\""), "try {i}");
            assert!(r.error_summary().unwrap().contains("U+0000"));
            assert!(
                r.body.contains("value=\"alice.martin\""),
                "the identifier stays"
            );
        }
        assert!(b.cookie("__Host-espace-session").is_none());
    }
    let after = audit_kinds(&app, "alice.martin").await;
    assert_eq!(
        failed(&after) - failed(&before),
        5,
        "each refused try is audited"
    );
    // Counted toward the lock: the right password is now refused.
    let r = app
        .browser()
        .with_header("accept-language", "en")
        .sign_in("alice.martin", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.error_summary().unwrap().contains("locked"),
        "{:?}",
        r.error_summary()
    );

    // A control character in the identifier: never a 500, never a
    // session, the field error on the identifier.
    let b = app.browser().with_header("accept-language", "en");
    let r = b.sign_in("chloe.dubois\u{0}", DEMO_PASSWORD).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("href=\"#login\""));
    assert!(b.cookie("__Host-espace-session").is_none());
    let r = b.sign_in("\u{0}", "\u{0}").await;
    assert_eq!(r.status, 422);
}

#[espace_testkit::test]
async fn a_user_agent_with_control_characters_is_stored_without_them(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("user-agent", "Evil\tAgent");
    let r = b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(r.status, 303);
    assert_eq!(b.get("/account/sessions").await.status, 200);
    let tabs = crate::scalar_i64(
        &app,
        "SELECT COUNT(*) FROM sessions WHERE user_agent LIKE '%Agent%' AND user_agent <> 'EvilAgent'",
    )
    .await;
    assert_eq!(tabs, 0, "stored without the control character");
    let clean = crate::scalar_i64(
        &app,
        "SELECT COUNT(*) FROM sessions WHERE user_agent = 'EvilAgent'",
    )
    .await;
    assert_eq!(clean, 1);
}
