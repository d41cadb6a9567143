//! My security (issue 5, part): authenticator apps enrolled with a code
//! computed by an independent implementation (`oathtool`), renamed, made
//! default and removed; audited and told by e-mail.

use espace_app::ports::Clock;
use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::audit_kinds;

/// The code `oathtool` computes for a base-32 key at the app's clock.
pub fn oathtool(app: &TestApp, key: &str, offset_secs: i64) -> String {
    let at = app.clock.now().as_second() + offset_secs;
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", key, "-N", &format!("@{at}")])
        .output()
        .expect("oathtool (Debian package oathtool, installed by scripts/setup)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Starts an enrolment; returns its path and the key shown as text.
pub async fn start(b: &Browser) -> (String, String) {
    let r = b
        .submit("/account/security", "/account/security/totp", &[])
        .await;
    let path = r.location().unwrap().to_owned();
    let page = b.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<svg role=\"img\" aria-labelledby=\"qr-caption\""),
        "the QR code is inline SVG"
    );
    let at = page.body.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
    let key: String = page.body[at..].split('<').next().unwrap().replace(' ', "");
    assert_eq!(key.len(), 32, "160 bits in base 32");
    (path, key)
}

#[espace_testkit::test]
async fn an_authenticator_app_is_enrolled_with_its_current_code_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/account/security").await;
    assert!(
        page.body
            .contains("You do not have two-factor authentication enabled")
            && page.body.contains("You have no two-factor method yet.")
    );
    let (path, key) = start(&b).await;
    // Refused: no name, a code of two steps ago, a code of the wrong shape.
    let r = b
        .submit(&path, &path, &[("label", ""), ("code", "12")])
        .await;
    let summary = r.error_summary().unwrap();
    assert!(
        summary.contains("Give this method a name.") && summary.contains("6 digits"),
        "{summary}"
    );
    let stale = oathtool(&app, &key, -60);
    let r = b
        .submit(&path, &path, &[("label", "Phone"), ("code", &stale)])
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("not the code the app shows now")
    );
    assert!(r.body.contains("value=\"Phone\""), "the name typed is kept");
    // One step of drift is accepted.
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, -30))],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=added"));
    let page = b.get("/account/security?notice=added").await;
    assert!(
        page.body.contains("Phone")
            && page.body.contains("Authenticator app")
            && page.body.contains(">default<")
    );
    assert_eq!(
        b.get(&path).await.status,
        404,
        "an enrolment is finished once"
    );
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "method-added")
        .unwrap();
    assert_eq!(mail.recipient, "alice.martin@acme.example");
    // The seed is sealed in the database, not stored as typed.
    let raw = crate::scalar_bytes(&app, "SELECT secret FROM auth_methods").await;
    assert!(!String::from_utf8_lossy(&raw).contains(&key) && raw.len() == 1 + 12 + 20 + 16);
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"mfa.method-added".to_owned())
    );
    assert!(
        b.get("/account/activity")
            .await
            .body
            .contains("Two-factor method added")
    );
}

#[espace_testkit::test]
async fn methods_are_renamed_made_default_and_removed_by_their_owner_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let mut ids = Vec::new();
    let mut keys = Vec::new();
    for name in ["Phone", "Tablet"] {
        let (path, key) = start(&b).await;
        let r = b
            .submit(
                &path,
                &path,
                &[("label", name), ("code", &oathtool(&app, &key, 0))],
            )
            .await;
        assert_eq!(r.status, 303, "{name}");
        ids.push(
            path.trim_start_matches("/account/security/totp/")
                .to_owned(),
        );
        keys.push(key);
    }
    // An enrolment left unfinished expires after 10 minutes.
    let (path, _) = start(&b).await;
    app.clock.advance(SignedDuration::from_mins(11));
    assert_eq!(b.get(&path).await.status, 404);
    // Renaming is free; choosing the default or removing asks for a
    // second factor again (SPEC §4.5).
    let r = b
        .submit(
            "/account/security",
            &format!("/account/security/methods/{}/default", ids[1]),
            &[],
        )
        .await;
    assert!(
        r.location()
            .unwrap()
            .starts_with("/account/confirm?next=%2Faccount%2Fconfirm%2Fresume"),
        "{:?}",
        r.location()
    );
    let r = b
        .step_up_with_code(&ids[0], &oathtool(&app, &keys[0], 0))
        .await;
    assert_eq!(r.location(), Some("/account"));

    let (phone, tablet) = (&ids[0], &ids[1]);
    let r = b
        .submit(
            "/account/security",
            &format!("/account/security/methods/{tablet}/rename"),
            &[("label", " ")],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Give this method a name.")
    );
    assert!(
        r.body.contains("id=\"label\"") && r.body.contains("href=\"#label\""),
        "the error leads to the refused field"
    );
    let r = b
        .submit(
            "/account/security",
            &format!("/account/security/methods/{tablet}/rename"),
            &[("label", "Old tablet")],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=renamed"));
    b.submit(
        "/account/security",
        &format!("/account/security/methods/{tablet}/default"),
        &[],
    )
    .await;
    let page = b.get("/account/security").await.body;
    let tablet_at = page.find("Old tablet").unwrap();
    assert!(
        page[tablet_at..].find(">default<").unwrap() < page[tablet_at..].find("Rename").unwrap(),
        "the tablet is the default"
    );

    // Another login cannot touch them: not found, nothing changes.
    let other = app.browser();
    other.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    for action in ["rename", "default", "remove"] {
        let r = other
            .submit(
                "/account/security",
                &format!("/account/security/methods/{phone}/{action}"),
                &[("label", "Mine")],
            )
            .await;
        assert_eq!(r.status, 404, "{action}");
    }
    assert_eq!(
        other
            .get(&format!("/account/security/totp/{phone}"))
            .await
            .status,
        404
    );

    // Removing the default passes it to the remaining method.
    let r = b
        .submit(
            "/account/security",
            &format!("/account/security/methods/{tablet}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=removed"));
    let page = b.get("/account/security").await.body;
    assert!(!page.contains("Old tablet") && page.contains("Phone") && page.contains(">default<"));
    assert!(
        app.outbox()
            .await
            .iter()
            .any(|m| m.kind == "method-removed")
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(
        kinds.contains(&"mfa.method-changed".to_owned())
            && kinds.contains(&"mfa.method-removed".to_owned())
    );
}

/// The markup of `My security` from `from` to the next `to`.
fn part<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = body
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {body}"));
    let end = body[start..].find(to).map_or(body.len(), |e| e + start);
    &body[start..end]
}

#[espace_testkit::test]
async fn each_method_to_add_has_a_heading_a_line_and_one_action_with_masked_targets(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/account/security").await;
    assert_eq!(page.status, 200);
    // Not enabled, at a glance: an icon and a word, not a colour alone.
    let state = part(&page.body, "id=\"security-state\"", "</p>");
    assert!(
        state.contains("✕") && state.contains("Not enabled"),
        "{state}"
    );
    let add = part(&page.body, "<h2 id=\"add\">Add a method</h2>", "</section>");
    for heading in ["Authenticator app", "Code by e-mail", "Code by SMS"] {
        assert!(
            add.contains(&format!("<h3>{heading}</h3>")),
            "{heading} in {add}"
        );
    }
    // Where codes would go, masked and grouped; never raw E.164.
    let email = part(add, "id=\"add-email\"", "</li>");
    assert!(
        email.contains("a•••@acme.example") && !email.contains("alice.martin@"),
        "{email}"
    );
    assert!(email.contains(">Add codes by e-mail</button>"), "{email}");
    let sms = part(add, "id=\"add-sms\"", "</li>");
    assert!(
        sms.contains("+33 6 •• •• •• 78") && !sms.contains("+33612345678"),
        "{sms}"
    );
    assert!(!page.body.contains("+33612345678"), "no raw E.164 anywhere");

    // SMS, in French (before any method: no step-up by a second factor yet): the number the code went to is written for people.
    let fr = app.browser().with_header("accept-language", "fr");
    fr.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = fr
        .submit(
            "/account/security",
            "/account/security/code-method/sms",
            &[],
        )
        .await;
    let path = r.location().unwrap().to_owned();
    let code_page = fr.get(&path).await;
    assert!(
        code_page.body.contains("+33 6 12 34 56 78"),
        "{}",
        code_page.body
    );
    assert!(
        code_page
            .body
            .contains(">Ajouter les codes par SMS</button>")
    );
    assert!(!code_page.body.contains("+33612345678"));
    let page = fr.get("/account/security").await;
    assert!(
        page.body
            .contains("<h2 id=\"add\">Ajouter une méthode</h2>")
    );
    assert!(part(&page.body, "id=\"security-state\"", "</p>").contains("Non activée"));
    // Adding codes by e-mail: the button says so, not "Add this app".
    let r = b
        .submit(
            "/account/security",
            "/account/security/code-method/email",
            &[],
        )
        .await;
    let path = r.location().unwrap().to_owned();
    let code_page = b.get(&path).await;
    assert!(
        code_page.body.contains(">Add codes by e-mail</button>"),
        "{}",
        code_page.body
    );
    assert!(!code_page.body.contains("Add this app"));
    let code = app.last_code_to("alice.martin@acme.example").await;
    let r = b
        .submit(&path, &path, &[("label", "Mail"), ("code", &code)])
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=added"));
    let page = b.get("/account/security").await;
    let card = part(&page.body, "<h3>Mail", "</li>");
    assert!(
        card.contains("Codes sent to") && card.contains("a•••@acme.example"),
        "{card}"
    );
    // Not enforced: the only method may go.
    assert!(card.contains("/remove\""), "{card}");
    let add = part(&page.body, "<h2 id=\"add\">Add a method</h2>", "</section>");
    assert!(part(add, "id=\"add-email\"", "</li>").contains("You already have this method"));
}

#[espace_testkit::test]
async fn the_last_method_of_an_enforced_login_offers_no_remove_and_its_post_is_refused_with_a_code(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    crate::mfa::strong::force_alice(&app).await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/account/security").await;
    let state = part(&page.body, "id=\"security-state\"", "</p>");
    assert!(state.contains("Required, not set up yet"), "{state}");
    let (path, key) = start(&b).await;
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=enrolled"));
    let page = b.get("/account/security").await;
    let state = part(&page.body, "id=\"security-state\"", "</p>");
    assert!(state.contains("✓") && state.contains("Enabled"), "{state}");
    let card = part(&page.body, "<h3>Phone", "</li>");
    assert!(
        !card.contains("/remove\""),
        "no Remove on the last method: {card}"
    );
    assert!(
        card.contains("This is your only method and two-factor authentication is required"),
        "{card}"
    );
    let method = {
        let at =
            card.find("/account/security/methods/").unwrap() + "/account/security/methods/".len();
        card[at..at + 36].to_owned()
    };
    // A forged POST is refused too, with a stable code.
    let r = b
        .submit(
            "/account/security",
            &format!("/account/security/methods/{method}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status, 409);
    let summary = r.error_summary().unwrap();
    assert!(
        summary.contains("last two-factor method") && summary.contains("MFA-0001"),
        "{summary}"
    );
    assert!(
        b.get("/account/security").await.body.contains("<h3>Phone"),
        "still there"
    );
    // With a second method, each may go.
    let (path, key) = start(&b).await;
    app.clock.advance(SignedDuration::from_secs(30));
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Tablet"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=added"));
    let page = b.get("/account/security").await;
    assert!(part(&page.body, "<h3>Phone", "</li>").contains("/remove\""));
    assert!(!page.body.contains("This is your only method"));
}

#[espace_testkit::test]
async fn a_passkey_left_unnamed_is_named_after_the_browser_or_numbered(engine: Engine) {
    const ORIGIN: &str = "https://espace.test";
    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    let app = TestApp::spawn_with(engine, |s| s.web.public_origin = Some(ORIGIN.into())).await;
    let b = app
        .browser()
        .with_header("accept-language", "en")
        .with_header("user-agent", CHROME);
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/account/security").await;
    let field = part(&page.body, "<input id=\"passkey-label\"", ">");
    assert!(!field.contains("value="), "not prefilled: {field}");
    assert!(
        field.contains("class=\"input-name\"")
            && field.contains("aria-describedby=\"passkey-label-hint\""),
        "{field}"
    );
    assert!(
        page.body
            .contains("Left empty, it is named after this browser and system.")
    );
    for expected in ["Chrome · Linux", "Chrome · Linux 2"] {
        // A new credential each time (one authenticator holds one).
        let mut key = espace_testkit::phone::SoftPasskey::new(ORIGIN);
        let csrf = b.get("/account/security").await.csrf_token().unwrap();
        let options = b
            .post_form(
                "/account/security/passkeys/options",
                &[("csrf_token", &csrf)],
            )
            .await;
        let options: serde_json::Value = serde_json::from_str(&options.body).unwrap();
        let response = key.create(&options["options"]);
        let r = b
            .submit(
                "/account/security",
                "/account/security/passkeys",
                &[
                    ("label", "  "),
                    ("ceremony", options["ceremony"].as_str().unwrap()),
                    ("response", &response),
                ],
            )
            .await;
        assert_eq!(
            r.location(),
            Some("/account/security?notice=added"),
            "{:?}",
            app.app
                .recent_events(crate::login_id(&app, "alice.martin").await, 5)
                .await
                .unwrap()
                .into_iter()
                .map(|e| format!("{} {}", e.kind, e.detail))
                .collect::<Vec<_>>()
        );
        assert!(
            b.get("/account/security")
                .await
                .body
                .contains(&format!("<h3>{expected}")),
            "{expected}"
        );
    }
    // An unknown browser: the word "passkey" in the page's language.
    // (bruno: alice's passkeys would ask her a second factor first.)
    let fr = app
        .browser()
        .with_header("accept-language", "fr")
        .with_header("user-agent", "curl-ish");
    fr.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    let csrf = fr.get("/account/security").await.csrf_token().unwrap();
    let options = fr
        .post_form(
            "/account/security/passkeys/options",
            &[("csrf_token", &csrf)],
        )
        .await;
    let options: serde_json::Value = serde_json::from_str(&options.body).unwrap();
    let mut key = espace_testkit::phone::SoftPasskey::new(ORIGIN);
    let response = key.create(&options["options"]);
    let r = fr
        .submit(
            "/account/security",
            "/account/security/passkeys",
            &[
                ("label", ""),
                ("ceremony", options["ceremony"].as_str().unwrap()),
                ("response", &response),
            ],
        )
        .await;
    assert_eq!(
        r.location(),
        Some("/account/security?notice=added"),
        "{}",
        r.body
    );
    assert!(
        fr.get("/account/security")
            .await
            .body
            .contains("<h3>Clé d’accès")
    );
}
