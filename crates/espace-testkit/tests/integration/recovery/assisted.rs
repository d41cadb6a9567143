//! Assisted recovery (SPEC §5, issue 4): a request from someone whose
//! e-mail on file is outdated, handled by support until they are back in.

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::{audit_kinds, email_of, login_id, scalar_i64};

const NEW: &str = "alice@new-home.example";

/// Sends the public form; returns the case page's path.
async fn open_case(b: &Browser, who: &str, email: &str) -> String {
    let r = b
        .submit(
            "/recover-account",
            "/recover-account",
            &[
                ("who", who),
                ("company", "Acme"),
                ("new_email", email),
                ("phone", "06 98 76 54 32"),
                ("message", "I left my old mailbox."),
            ],
        )
        .await;
    let to = r
        .location()
        .unwrap_or_else(|| panic!("no redirect: {}", r.body));
    let path = to.strip_suffix("?notice=opened").unwrap().to_owned();
    assert!(path.starts_with("/recover-account/case/"), "{path}");
    path
}

fn reference(case_path: &str) -> &str {
    case_path.trim_start_matches("/recover-account/case/")
}

async fn support(app: &TestApp) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("support.agent", DEMO_PASSWORD).await;
    b
}

/// The back-office path of the case with this reference.
async fn case_admin_path(agent: &Browser, reference: &str) -> String {
    let list = agent.get("/backoffice/recovery").await;
    assert_eq!(list.status, 200);
    let at = list
        .body
        .find(reference)
        .unwrap_or_else(|| panic!("{reference} not listed"));
    let href = list.body[..at].rfind("/backoffice/recovery/").unwrap();
    // The back office speaks to the agent, not in the requester's voice.
    assert!(!list.body.contains("Your new e-mail address") && !list.body.contains("Your company"));
    list.body[href..at].trim_end_matches("\">").to_owned()
}

async fn verify(agent: &Browser, admin: &str, login: uuid::Uuid) -> espace_testkit::Page {
    agent
        .submit(
            admin,
            &format!("{admin}/verify"),
            &[
                ("login_id", &login.to_string()),
                ("method", "call-back"),
                (
                    "note",
                    "Called back on the number the company gave; she answered the questions.",
                ),
            ],
        )
        .await
}

#[espace_testkit::test]
async fn support_links_a_new_address_and_the_requester_is_back_in(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let requester = app.browser().with_header("accept-language", "en");
    let case = open_case(&requester, "Alice Martin", NEW).await;
    let page = requester.get(&format!("{case}?notice=opened")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Your request is sent") && page.body.contains(reference(&case)));
    // Issue 15, item 6 (changed behaviour): no login holds the new
    // address, so the acknowledgement is on screen only, never mailed
    // to an address a stranger typed.
    assert!(
        !app.outbox()
            .await
            .iter()
            .any(|m| m.kind == "recovery-case-opened")
    );
    let alice = login_id(&app, "alice.martin").await;

    let agent = support(&app).await;
    let admin = case_admin_path(&agent, reference(&case)).await;
    let view = agent.get(&admin).await;
    assert!(
        view.body.contains("I left my old mailbox.") && view.body.contains("+33 6 98 76 54 32")
    );
    assert!(
        view.body.contains(&alice.to_string()),
        "the login is offered from the typed name"
    );
    let r = verify(&agent, &admin, alice).await;
    assert_eq!(
        r.location(),
        Some(format!("{admin}?notice=verified").as_str())
    );
    assert!(
        requester
            .get(&case)
            .await
            .body
            .contains("Identity verified")
    );
    assert_eq!(
        email_of(&app, "alice.martin").await,
        (Some("alice.martin@acme.example".into()), true),
        "nothing changes yet"
    );

    let r = agent.submit(&admin, &format!("{admin}/code"), &[]).await;
    assert_eq!(
        r.location(),
        Some(format!("{admin}?notice=code-sent").as_str())
    );
    let code = app.last_code_to(NEW).await;
    let form = requester.get(&case).await;
    assert!(form.body.contains("Code sent") && form.body.contains("a•••@new-home.example"));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = requester
        .submit(&case, &format!("{case}/code"), &[("code", wrong)])
        .await;
    assert!(
        r.error_summary().unwrap().contains("4 tries left"),
        "{:?}",
        r.error_summary()
    );
    let r = requester
        .submit(&case, &format!("{case}/code"), &[("code", &code)])
        .await;
    assert_eq!(r.location(), Some(format!("{case}?notice=linked").as_str()));

    assert_eq!(
        email_of(&app, "alice.martin").await,
        (Some(NEW.into()), true)
    );
    let out = app.outbox().await;
    let told = out
        .iter()
        .find(|m| m.kind == "address-linked" && m.recipient == "alice.martin@acme.example")
        .unwrap();
    let text = told.body_text.replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        text.contains("a•••@new-home.example") && text.contains("contactez le support"),
        "{text}"
    );
    assert!(
        out.iter()
            .any(|m| m.kind == "address-linked" && m.recipient == "+33612345678"),
        "every verified channel"
    );
    let reset = app.last_link("password-reset", "/reset-password/").await;
    assert!(
        out.iter()
            .any(|m| m.kind == "password-reset" && m.recipient == NEW)
    );
    let reset = &reset[reset.find("/reset-password/").unwrap()..];
    let r = requester
        .submit(
            reset,
            reset,
            &[
                ("new_password", "Retour#2026"),
                ("new_password_confirm", "Retour#2026"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/login?notice=password-reset"));
    assert_eq!(
        requester
            .sign_in("alice.martin", "Retour#2026")
            .await
            .status,
        303,
        "back in"
    );
    let timeline = requester.get("/account/activity").await.body;
    assert!(
        timeline.contains("New e-mail address linked by support")
            && timeline.contains("Provider staff")
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    for k in [
        "recovery.identity-verified",
        "recovery.code-sent",
        "recovery.address-linked",
        "password.reset",
    ] {
        assert!(kinds.contains(&k.to_owned()), "{k} in {kinds:?}");
    }
    assert!(requester.get(&case).await.body.contains("Done"));
    assert!(
        !agent
            .get("/backoffice/recovery")
            .await
            .body
            .contains(reference(&case)),
        "closed cases leave the open list"
    );
    assert!(
        agent
            .get("/backoffice/recovery?all=1")
            .await
            .body
            .contains(reference(&case))
    );
}

#[espace_testkit::test]
async fn the_request_form_refuses_bad_input_field_by_field_and_stores_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    let r = b
        .submit(
            "/recover-account",
            "/recover-account",
            &[("who", " "), ("phone", "12")],
        )
        .await;
    let summary = r.error_summary().unwrap();
    for expected in [
        "Enter your login or your name.",
        "Enter the name of your company.",
        "Enter the e-mail address where we can write to you.",
        "phone number",
    ] {
        assert!(summary.contains(expected), "{expected} in {summary}");
    }
    assert!(
        r.body
            .contains("aria-describedby=\"new_email-hint new_email-error\"")
    );
    let long = "x".repeat(2001);
    let r = b
        .submit(
            "/recover-account",
            "/recover-account",
            &[
                ("who", "Alice"),
                ("company", "Acme"),
                ("new_email", "not-an-address"),
                ("message", &long),
            ],
        )
        .await;
    let summary = r.error_summary().unwrap();
    assert!(
        summary.contains("e-mail address like") && summary.contains("2000"),
        "{summary}"
    );
    assert!(r.body.contains("value=\"Alice\""), "what was typed is kept");
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM recovery_cases").await,
        0
    );
    assert!(app.outbox().await.is_empty());
    // The follow form: a reference is needed, and an unknown one is said so.
    let r = b
        .submit(
            "/recover-account/follow",
            "/recover-account/follow",
            &[("reference", "")],
        )
        .await;
    assert!(r.error_summary().unwrap().contains("Enter the reference"));
    let r = b
        .submit(
            "/recover-account/follow",
            "/recover-account/follow",
            &[("reference", "K7QM-3XHD-9RZB")],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("No request has this reference")
    );
    assert_eq!(
        b.get("/recover-account/case/K7QM-3XHD-9RZB").await.status,
        404
    );
    // A reference is read leniently: lower case, spaces, O for 0.
    let case = open_case(&b, "alice.martin", NEW).await;
    let typed = reference(&case)
        .to_lowercase()
        .replace('-', " ")
        .replace('0', "o");
    let r = b
        .submit(
            "/recover-account/follow",
            "/recover-account/follow",
            &[("reference", &typed)],
        )
        .await;
    assert_eq!(r.location(), Some(case.as_str()));
}

#[espace_testkit::test]
async fn only_support_handles_cases_and_never_for_a_staff_login(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let case = open_case(&app.browser(), "support.agent", NEW).await;
    let agent = support(&app).await;
    let admin = case_admin_path(&agent, reference(&case)).await;
    for who in ["alice.martin", "bruno.leroy", "wam.paris"] {
        let b = app.browser();
        b.sign_in(who, DEMO_PASSWORD).await;
        assert_eq!(b.get("/backoffice/recovery").await.status, 404, "{who}");
        assert_eq!(b.get(&admin).await.status, 404, "{who}");
        assert_eq!(
            b.submit("/account", &format!("{admin}/code"), &[])
                .await
                .status,
            404,
            "{who}"
        );
    }
    // A staff login (the agent's own, or another) cannot be matched.
    for staff in ["support.agent", "wam.paris"] {
        let r = verify(&agent, &admin, login_id(&app, staff).await).await;
        assert!(
            r.error_summary()
                .unwrap()
                .contains("Choose one of the options offered."),
            "{staff}"
        );
    }
    assert!(
        !agent
            .get(&admin)
            .await
            .body
            .contains(&login_id(&app, "wam.paris").await.to_string()),
        "staff logins are not offered"
    );
    // No code before identity is verified; a note is required.
    let r = agent.submit(&admin, &format!("{admin}/code"), &[]).await;
    assert!(r.error_summary().unwrap().contains("moved on"));
    let alice = login_id(&app, "alice.martin").await;
    let r = agent
        .submit(
            &admin,
            &format!("{admin}/verify"),
            &[
                ("login_id", &alice.to_string()),
                ("method", "telepathy"),
                ("note", ""),
            ],
        )
        .await;
    let summary = r.error_summary().unwrap();
    assert!(
        summary.contains("Describe how identity was verified"),
        "{summary}"
    );
    assert_eq!(
        scalar_i64(
            &app,
            "SELECT COUNT(*) FROM recovery_cases WHERE status = 'received'"
        )
        .await,
        1
    );
    assert!(
        !audit_kinds(&app, "alice.martin")
            .await
            .iter()
            .any(|k| k.starts_with("recovery."))
    );
}

#[espace_testkit::test]
async fn codes_expire_belong_to_their_case_and_die_with_a_closed_case(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let requester = app.browser().with_header("accept-language", "en");
    let first = open_case(&requester, "Alice Martin", NEW).await;
    let second = open_case(&requester, "Alice Martin", "alice@other-home.example").await;
    let agent = support(&app).await;
    let alice = login_id(&app, "alice.martin").await;
    let a1 = case_admin_path(&agent, reference(&first)).await;
    let a2 = case_admin_path(&agent, reference(&second)).await;
    for admin in [&a1, &a2] {
        verify(&agent, admin, alice).await;
        agent.submit(admin, &format!("{admin}/code"), &[]).await;
    }
    // The code of the second case does not complete the first.
    let code2 = app.last_code_to("alice@other-home.example").await;
    let code1 = app.last_code_to(NEW).await;
    if code1 != code2 {
        let r = requester
            .submit(&first, &format!("{first}/code"), &[("code", &code2)])
            .await;
        assert!(r.error_summary().is_some());
    }
    // Expired after 10 minutes; a new one works.
    app.clock.advance(SignedDuration::from_mins(11));
    let r = requester
        .submit(&first, &format!("{first}/code"), &[("code", &code1)])
        .await;
    assert!(
        r.error_summary().unwrap().contains("Call support back"),
        "{:?}",
        r.error_summary()
    );
    agent.submit(&a1, &format!("{a1}/code"), &[]).await;
    let fresh = app.last_code_to(NEW).await;
    // Closing the second case voids its code.
    let r = agent
        .submit(&a2, &format!("{a2}/reject"), &[("closing_note", "")])
        .await;
    assert!(r.error_summary().unwrap().contains("Say why"));
    let r = agent
        .submit(
            &a2,
            &format!("{a2}/reject"),
            &[("closing_note", "Could not reach her on the company number.")],
        )
        .await;
    assert_eq!(r.location(), Some(format!("{a2}?notice=rejected").as_str()));
    assert!(
        app.outbox().await.iter().any(
            |m| m.kind == "recovery-case-rejected" && m.recipient == "alice@other-home.example"
        )
    );
    let r = requester
        .submit(&second, &format!("{second}/code"), &[("code", &code2)])
        .await;
    assert!(r.error_summary().unwrap().contains("moved on"));
    assert!(requester.get(&second).await.body.contains("Closed"));
    let r = agent
        .submit(
            &a2,
            &format!("{a2}/verify"),
            &[
                ("login_id", &alice.to_string()),
                ("method", "other"),
                ("note", "again"),
            ],
        )
        .await;
    assert!(
        r.error_summary().unwrap().contains("moved on"),
        "a closed case stays closed"
    );
    let r = requester
        .submit(&first, &format!("{first}/code"), &[("code", &fresh)])
        .await;
    assert_eq!(
        r.location(),
        Some(format!("{first}?notice=linked").as_str())
    );
    assert_eq!(email_of(&app, "alice.martin").await.0.as_deref(), Some(NEW));
}

#[espace_testkit::test]
async fn requests_are_limited_per_new_address(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| s.app.recovery.per_target = 2).await;
    let b = app.browser().with_header("accept-language", "en");
    open_case(&b, "Alice", NEW).await;
    open_case(&b, "Alice", NEW).await;
    let r = b
        .submit(
            "/recover-account",
            "/recover-account",
            &[("who", "Alice"), ("company", "Acme"), ("new_email", NEW)],
        )
        .await;
    assert!(r.error_summary().unwrap().contains("Too many requests"));
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM recovery_cases").await,
        2
    );
}
