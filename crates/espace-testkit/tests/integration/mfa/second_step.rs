//! The second step of sign-in (issue 16 item 7): it does not look signed
//! in, says where a code goes, offers a new code after a wrong one, names
//! each method once; and a wrong code is one event (item 17).

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};

use crate::mfa::security::{oathtool, start};
use crate::mfa::strong::{force_alice, signed_in};

/// alice.martin enrols an authenticator app, then a code by e-mail
/// labelled as its kind is named; returns the e-mail method's id.
async fn alice_with_email_method(app: &TestApp) -> String {
    force_alice(app).await;
    let b = signed_in(app, "alice.martin").await;
    let (path, key) = start(&b).await;
    b.submit(
        &path,
        &path,
        &[("label", "Phone"), ("code", &oathtool(app, &key, 0))],
    )
    .await;
    let r = b
        .submit(
            "/account/security",
            "/account/security/code-method/email",
            &[],
        )
        .await;
    let path = r.location().unwrap().to_owned();
    let id = path.rsplit('/').next().unwrap().to_owned();
    let code = app.last_code_to("alice.martin@acme.example").await;
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Code by e-mail"), ("code", &code)],
        )
        .await;
    assert!(
        r.location().unwrap().starts_with("/account/security"),
        "{:?}",
        r.location()
    );
    id
}

async fn at_second_step(app: &TestApp, lang: &str) -> Browser {
    let b = app.browser().with_header("accept-language", lang);
    let r = b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert!(
        r.location().unwrap().starts_with("/login/second-factor"),
        "{:?}",
        r.location()
    );
    b
}

#[espace_testkit::test]
async fn the_second_step_looks_signed_out_and_says_where_the_code_goes(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let method = alice_with_email_method(&app).await;
    for (lang, signed_in_as, stay, goes, sent, resend, kind) in [
        (
            "en",
            "Signed in as",
            "Stay signed in",
            "The code goes to a•••@acme.example.",
            "A code is sent to a•••@acme.example.",
            "Send a new code",
            "Code by e-mail",
        ),
        (
            "fr",
            "Connecté en tant que",
            "Rester connecté",
            "Le code est envoyé à a•••@acme.example.",
            "Un code est envoyé à a•••@acme.example.",
            "Envoyer un nouveau code",
            "Code par courriel",
        ),
    ] {
        let b = at_second_step(&app, lang).await;
        let page = b.get("/login/second-factor").await;
        assert_eq!(page.status, 200);
        let body = page.body.replace(['\u{2068}', '\u{2069}'], "");
        // Signed-out header: no name, no navigation, no session tools.
        assert!(!body.contains(signed_in_as), "{lang}");
        assert!(!body.contains(stay), "{lang}");
        assert!(
            !body.contains("main-nav") && !body.contains("class=\"logout\""),
            "{lang}"
        );
        assert!(!body.contains("data-session-expires"), "{lang}");
        assert!(
            body.contains("action=\"/logout\""),
            "{lang}: the step's own cancel"
        );
        // Where the code goes, masked; the whole address never.
        assert!(body.contains(goes), "{lang}: {body}");
        assert!(!body.contains("alice.martin@acme.example"), "{lang}");
        // The method named once, in the page's language.
        assert!(
            body.contains(kind) && !body.contains(&format!("({kind})")),
            "{lang}"
        );
        assert!(
            !body.contains("(Code by e-mail)") && !body.contains("(Code par courriel)"),
            "{lang}"
        );
        // Sent: said where.
        let r = b
            .submit(
                "/login/second-factor",
                "/login/second-factor/send",
                &[("method", &method), ("next", "/")],
            )
            .await;
        let page = b
            .get(r.location().unwrap())
            .await
            .body
            .replace(['\u{2068}', '\u{2069}'], "");
        assert!(page.contains(sent), "{lang}: {page}");
        // A wrong code: the button offers a new one.
        let r = b
            .submit(
                "/login/second-factor",
                "/login/second-factor",
                &[("method", &method), ("code", "000000")],
            )
            .await;
        assert!(r.error_summary().is_some(), "{lang}");
        let at = r.body.find("/login/second-factor/send").unwrap();
        let form = &r.body[at..at + r.body[at..].find("</form>").unwrap()];
        assert!(form.contains(resend), "{lang}: {form}");
        b.submit("/login/second-factor", "/logout", &[]).await;
    }
}

#[espace_testkit::test]
async fn a_wrong_second_factor_code_is_one_event(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let method = alice_with_email_method(&app).await;
    let b = at_second_step(&app, "en").await;
    let before = crate::audit_kinds(&app, "alice.martin").await.len();
    b.submit(
        "/login/second-factor",
        "/login/second-factor/send",
        &[("method", &method), ("next", "/")],
    )
    .await;
    let sent = crate::audit_kinds(&app, "alice.martin").await;
    assert_eq!(sent.len(), before + 1, "the code sent: {sent:?}");
    b.submit(
        "/login/second-factor",
        "/login/second-factor",
        &[("method", &method), ("code", "000000")],
    )
    .await;
    let kinds = crate::audit_kinds(&app, "alice.martin").await;
    assert_eq!(
        kinds.len(),
        sent.len() + 1,
        "one wrong code, one event: {:?}",
        &kinds[sent.len()..]
    );
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("signin.second-factor-failed")
    );
    // And the timeline shows it once.
    let code = app.last_code_to("alice.martin@acme.example").await;
    let r = b
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("method", &method), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b
        .get("/account/activity?kind=sign-ins&period=7d")
        .await
        .body;
    assert_eq!(page.matches("Wrong second factor").count(), 1, "{page}");
    assert!(!page.contains("Wrong or expired code"));
}
