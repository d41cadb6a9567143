//! Strong authentication enforced on provider staff by policy, and the
//! security manager warned about their own unprotected login (issue 15,
//! item 12).

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::audit_kinds;
use crate::mfa::security::{oathtool, start};

async fn signed_in(app: &TestApp, login: &str) -> (Browser, Option<String>) {
    let b = app.browser().with_header("accept-language", "en");
    let r = b.sign_in(login, DEMO_PASSWORD).await;
    assert_eq!(r.status, 303, "{login} signs in");
    (b, r.location().map(str::to_owned))
}

#[espace_testkit::test]
async fn staff_are_invited_to_enrol_then_required_after_the_deadline(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for login in ["support.agent", "wam.paris", "moderator.dsa"] {
        let (b, to) = signed_in(&app, login).await;
        let to = to.unwrap();
        assert!(to.starts_with("/account/security?next="), "{login}: {to}");
        let page = b.get(&to).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("id=\"enrol-invitation\""),
            "{login}: invited"
        );
        assert!(
            page.body
                .contains("The provider requires two-factor authentication")
        );
        assert!(
            page.body.contains("id=\"enrol-later\""),
            "{login}: may go on"
        );
        // Going on: the session is complete.
        assert_eq!(b.get("/").await.status, 200, "{login}");
        assert!(
            audit_kinds(&app, login)
                .await
                .contains(&"mfa.staff-owed".to_owned())
        );
    }
    // The status as the login's own page shows it.
    let (b, _) = signed_in(&app, "support.agent").await;
    let mine = b.get("/account/two-factor").await.body;
    assert!(!mine.contains(">Disabled<"), "no longer shown as disabled");
    // A customer is not concerned.
    let (_, to) = signed_in(&app, "alice.martin").await;
    assert_eq!(to.as_deref(), Some("/"));

    // Past the deadline (six weeks in the demo): enrolment first.
    app.clock.advance(SignedDuration::from_hours(24 * 43));
    let (b, to) = signed_in(&app, "support.agent").await;
    assert!(to.unwrap().starts_with("/account/security"));
    let page = b.get("/account/security").await;
    assert!(
        !page.body.contains("id=\"enrol-later\""),
        "no more postponing"
    );
    assert!(page.body.contains("set up a two-factor method below"));
    let home = b.get("/").await;
    assert_eq!(home.status, 303);
    assert!(home.location().unwrap().starts_with("/account/security"));
    assert_eq!(
        b.get("/backoffice/logins?q=dubois").await.status,
        303,
        "nothing else"
    );
    // Enrolling lifts it.
    let (path, key) = start(&b).await;
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
    assert!(r.location().unwrap().starts_with("/account/security"));
    assert_eq!(b.get("/backoffice/logins?q=dubois").await.status, 200);
}

#[espace_testkit::test]
async fn the_staff_policy_can_be_turned_off(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| s.app.strong.staff_required = false).await;
    let (_, to) = signed_in(&app, "support.agent").await;
    assert_eq!(to.as_deref(), Some("/"));
    assert!(
        !audit_kinds(&app, "support.agent")
            .await
            .contains(&"mfa.staff-owed".to_owned())
    );
}

#[espace_testkit::test]
async fn a_configured_deadline_already_past_requires_enrolment_at_sign_in(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.app.strong.staff_deadline = Some(jiff::Timestamp::from_second(1_000_000_000).unwrap());
    })
    .await;
    let (b, to) = signed_in(&app, "wam.paris").await;
    assert!(to.unwrap().starts_with("/account/security"));
    assert_eq!(b.get("/").await.status, 303);
}

#[espace_testkit::test]
async fn the_security_manager_is_warned_until_their_own_login_is_protected(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (b, to) = signed_in(&app, "bruno.leroy").await;
    assert_eq!(to.as_deref(), Some("/"), "not staff: no invitation");
    let home = b.get("/").await.body;
    assert!(
        home.contains("id=\"unprotected-warning\""),
        "on the dashboard"
    );
    assert!(home.contains("Your own login is not protected"));
    assert!(home.contains("href=\"/account/security\""));
    let company = b.get("/company/two-factor").await;
    assert_eq!(company.status, 200);
    assert!(
        company.body.contains("id=\"unprotected-warning\""),
        "on the company's two-factor page"
    );
    // Someone without the right is not warned.
    let (alice, _) = signed_in(&app, "alice.martin").await;
    assert!(!alice.get("/").await.body.contains("unprotected-warning"));
    // French too.
    let fr = app.browser().with_header("accept-language", "fr");
    fr.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert!(
        fr.get("/")
            .await
            .body
            .contains("Votre propre identifiant n’est pas protégé")
    );

    // Once a method is set up, the warning is gone.
    let (path, key) = start(&b).await;
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
    assert!(r.location().unwrap().starts_with("/account/security"));
    assert!(!b.get("/").await.body.contains("unprotected-warning"));
    assert!(
        !b.get("/company/two-factor")
            .await
            .body
            .contains("unprotected-warning")
    );
}
