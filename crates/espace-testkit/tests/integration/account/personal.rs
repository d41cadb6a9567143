//! My personal information (SPEC §6): password, title, e-mail, phone, the
//! undo link, and the new-device notice (SPEC §3.3).

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::audit_kinds;

async fn alice(app: &TestApp) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    assert_eq!(b.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
    b
}

#[espace_testkit::test]
async fn a_refused_password_lists_every_unmet_rule_and_names_the_dollar(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    let page = b.get("/account/password").await;
    assert!(
        page.body
            .contains("At least 8 characters (medium level) or 10 characters (strong level)."),
        "rules before the field"
    );
    let r = b
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "abc$"),
                ("new_password_confirm", "abc$"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    // The summary counts the broken rules once; the field lists them,
    // each once (issue 16 item 10).
    let summary = r.error_summary().unwrap();
    assert!(
        summary.contains("The new password does not follow 5 rules: see the list by the field."),
        "{summary}"
    );
    let field = field_error(&r.body, "new_password");
    for needle in [
        "fewer than 8 characters",
        "no upper-case letter",
        "no digit",
        "no special character",
        "This character is not allowed: “$”",
    ] {
        assert!(
            field.contains(&format!("<li>{needle}")) || field.contains(needle),
            "{needle} in {field}"
        );
        assert_eq!(r.body.matches(needle).count(), 1, "{needle} shown once");
    }
    assert!(field.contains("<ul>"), "a list: {field}");
    assert!(r.body.contains("aria-invalid=\"true\""));
    // Wrong current password, mismatch, empty fields: each tied to its field.
    let r = b
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "Wrong#2026x"),
                ("new_password", "Solide#2026"),
                ("new_password_confirm", "Solide#2026"),
            ],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("The current password is incorrect.")
    );
    let r = b
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Solide#2026"),
                ("new_password_confirm", "Solide#2027"),
            ],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("The two new passwords are different.")
    );
    let r = b
        .submit("/account/password", "/account/password", &[])
        .await;
    let s = r.error_summary().unwrap();
    assert!(
        s.contains("Enter your current password.")
            && s.contains("Choose a new password.")
            && s.contains("Type the new password a second time."),
        "{s}"
    );
    // French, too.
    let fr = app.browser().with_header("accept-language", "fr");
    fr.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    let r = fr
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Abcdefg1$"),
                ("new_password_confirm", "Abcdefg1$"),
            ],
        )
        .await;
    assert!(
        field_error(&r.body, "new_password")
            .contains("Ce caractère n’est pas autorisé\u{a0}: «\u{a0}$\u{a0}»"),
        "{}",
        r.body
    );
    assert!(
        r.error_summary().unwrap().contains(
            "Le nouveau mot de passe ne respecte pas 2 règles : voir la liste au niveau du champ."
        ),
        "{}",
        r.error_summary().unwrap()
    );
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"password.change-failed".to_owned())
    );
}

/// The markup of a field's error (`id="{field}-error"`), up to the input.
fn field_error(body: &str, field: &str) -> String {
    let Some(start) = body.find(&format!("id=\"{field}-error\"")) else {
        return String::new();
    };
    let end = body[start..]
        .find("<input")
        .map_or(body.len(), |e| e + start);
    body[start..end].to_owned()
}

#[espace_testkit::test]
async fn a_wrong_current_password_and_a_weak_new_one_are_reported_in_one_round(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    let r = b
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "Wrong#2026x"),
                ("new_password", "qjxvmzkwt"),
                ("new_password_confirm", "qjxvmzkwt"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    let summary = r.error_summary().unwrap();
    assert!(
        summary.contains("The current password is incorrect."),
        "{summary}"
    );
    assert!(
        summary.contains("The new password does not follow 3 rules"),
        "{summary}"
    );
    assert!(
        summary.find("current password").unwrap() < summary.find("new password").unwrap(),
        "in the order of the fields"
    );
    let field = field_error(&r.body, "new_password");
    for needle in ["no upper-case letter", "no digit", "no special character"] {
        assert!(field.contains(needle), "{needle} in {field}");
    }
    // The wrong one went through the one gate: counted and audited.
    assert_eq!(
        audit_kinds(&app, "alice.martin")
            .await
            .iter()
            .filter(|k| *k == "password.change-failed")
            .count(),
        1
    );
    // The level, shown without JavaScript after submit (SPEC §3.1).
    assert!(
        r.body.contains("class=\"password-level level-too-weak\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("Level: too weak"));
    // Four more wrong ones with broken new passwords: the lock holds.
    for n in 0..4 {
        // Each a different wrong one: the same one again counts once.
        let wrong = format!("Wrong#2026y{n}");
        b.submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", &wrong),
                ("new_password", "abc"),
                ("new_password_confirm", "abc"),
            ],
        )
        .await;
    }
    let r = b
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Solide#2026"),
                ("new_password_confirm", "Solide#2026"),
            ],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Too many wrong passwords"),
        "{:?}",
        r.error_summary()
    );
    // A right current password and a weak new one: only the new one's
    // problems, and its level (French).
    let app = TestApp::spawn(engine).await;
    let fr = app.browser().with_header("accept-language", "fr");
    fr.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    let r = fr
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Qjxvmzk7w"),
                ("new_password_confirm", "Qjxvmzk7w"),
            ],
        )
        .await;
    let summary = r.error_summary().unwrap();
    assert!(!summary.contains("actuel"), "{summary}");
    assert!(
        summary.contains("Le nouveau mot de passe ne respecte pas"),
        "{summary}"
    );
    assert!(r.body.contains("Niveau\u{a0}: trop faible"), "{}", r.body);
    assert!(
        !audit_kinds(&app, "bruno.leroy")
            .await
            .contains(&"password.change-failed".to_owned())
    );
}

#[espace_testkit::test]
async fn a_new_password_signs_out_other_devices_and_is_told_by_e_mail(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let other = alice(&app).await;
    let b = alice(&app).await;
    let r = b
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Solide#2026"),
                ("new_password_confirm", "Solide#2026"),
            ],
        )
        .await;
    // A confirmation page of its own, with the way back (issue 16 item 10).
    assert_eq!(r.location(), Some("/account/password/changed?count=1"));
    let done = b.get("/account/password/changed?count=1").await;
    assert_eq!(done.status, 200);
    assert!(
        done.body
            .contains("<h1>Your password has been changed</h1>"),
        "{}",
        done.body
    );
    assert!(done.body.contains("1 other device has been signed out."));
    assert!(done.body.contains("An e-mail confirms the change"));
    assert!(
        done.body
            .contains("<a href=\"/account\" id=\"back-to-account\">Back to My account</a>")
    );
    assert!(
        !done.body.contains("name=\"current_password\""),
        "not the form again"
    );
    // My account, where it leads back: the phone written for people.
    let account = b.get("/account").await.body;
    assert!(
        account.contains("+33 6 12 34 56 78") && !account.contains("+33612345678"),
        "{account}"
    );
    assert_eq!(other.get("/").await.status, 303, "the other device is out");
    assert_eq!(b.get("/").await.status, 200, "this one stays");
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "password-changed")
        .unwrap();
    assert_eq!(mail.recipient, "alice.martin@acme.example");
    assert!(
        mail.subject.contains("mot de passe a été modifié"),
        "French: no language saved yet, {}",
        mail.subject
    );
    assert_eq!(
        app.browser()
            .sign_in("alice.martin", "Solide#2026")
            .await
            .status,
        303
    );
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"password.changed".to_owned())
    );
    // The live indicator uses the same policy.
    let page = b.get("/account/password").await;
    let token = page.csrf_token().unwrap();
    let check = b
        .post_form(
            "/account/password/check",
            &[("new_password", "abc$"), ("csrf_token", &token)],
        )
        .await;
    let json: serde_json::Value = serde_json::from_str(&check.body).unwrap();
    assert_eq!(json["level"], "too-weak");
    assert!(json["unmet"].as_array().unwrap().iter().any(|m| {
        let m = m.as_str().unwrap();
        m.contains("“$”") || m.contains("«\u{a0}$\u{a0}»")
    }));
    let check = b
        .post_form(
            "/account/password/check",
            &[("new_password", "Tr3s-Solide/2026"), ("csrf_token", &token)],
        )
        .await;
    assert!(
        check.body.contains("\"level\":\"strong\""),
        "{}",
        check.body
    );
}

#[espace_testkit::test]
async fn a_new_e_mail_takes_effect_only_with_its_code_and_the_old_address_can_undo(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    let other = alice(&app).await;
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email",
            &[("email", "not-an-address")],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Enter an e-mail address like name@example.com.")
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email",
            &[("email", "Alice@New.example")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get("/account/contact").await;
    assert!(
        page.body
            .replace("<wbr>", "")
            .contains("alice.martin@acme.example"),
        "nothing changed yet"
    );
    assert!(
        page.body.contains("A code was sent to")
            && page.body.replace("<wbr>", "").contains("Alice@New.example")
    );
    let code = app.last_code_to("Alice@New.example").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email/confirm",
            &[("code", wrong)],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("This code is incorrect. 4 tries left.")
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email/confirm",
            &[("code", &code)],
        )
        .await;
    assert_eq!(r.location(), Some("/account/contact?notice=email-changed"));
    assert!(
        b.get("/account/contact")
            .await
            .body
            .replace("<wbr>", "")
            .contains("Alice@New.example")
    );
    // The previous address is told, with an undo link.
    let undo = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "email-changed")
        .unwrap();
    assert_eq!(undo.recipient, "alice.martin@acme.example");
    let link = app.last_link("email-changed", "/account/undo/").await;
    let path = &link[link.find("/account/undo/").unwrap()..];
    let stranger = app.browser().with_header("accept-language", "en");
    let offer = stranger.get(path).await;
    assert!(
        offer.body.contains("alice.martin@acme.example"),
        "GET only offers"
    );
    assert!(
        b.get("/account/contact")
            .await
            .body
            .replace("<wbr>", "")
            .contains("Alice@New.example")
    );
    let done = stranger.submit(path, path, &[]).await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("The change has been undone"));
    assert_eq!(
        (b.get("/").await.status, other.get("/").await.status),
        (303, 303),
        "every session ends"
    );
    let b = alice(&app).await;
    assert!(
        b.get("/account/contact")
            .await
            .body
            .replace("<wbr>", "")
            .contains("alice.martin@acme.example")
    );
    assert_eq!(
        stranger.submit(path, path, &[]).await.status,
        404,
        "single use"
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    for k in [
        "contact.email-change-requested",
        "code.rejected",
        "contact.email-changed",
        "contact.change-undone",
    ] {
        assert!(kinds.contains(&k.to_owned()), "{k}");
    }
}

#[espace_testkit::test]
async fn codes_expire_after_ten_minutes_and_five_wrong_tries(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    b.submit(
        "/account/contact",
        "/account/contact/email",
        &[("email", "alice@new.example")],
    )
    .await;
    let code = app.last_code_to("alice@new.example").await;
    app.clock.advance(SignedDuration::from_mins(10));
    // Ten minutes later, the e-mail page asks who it is again (SPEC §4.5).
    let r = b.get("/account/contact").await;
    assert_eq!(
        r.location(),
        Some("/account/confirm?next=%2Faccount%2Fcontact")
    );
    assert_eq!(
        b.step_up_with_password(DEMO_PASSWORD).await.location(),
        Some("/account")
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email/confirm",
            &[("code", &code)],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("This code no longer works")
    );
    b.submit(
        "/account/contact",
        "/account/contact/email",
        &[("email", "alice@new.example")],
    )
    .await;
    let code = app.last_code_to("alice@new.example").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        b.submit(
            "/account/contact",
            "/account/contact/email/confirm",
            &[("code", wrong)],
        )
        .await;
    }
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email/confirm",
            &[("code", wrong)],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("This code no longer works"),
        "the fifth wrong try voids it"
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email/confirm",
            &[("code", &code)],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("This code no longer works"),
        "even the right code"
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email/confirm",
            &[("code", "12a")],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("The code has 6 digits.")
    );
    assert!(
        b.get("/account/contact")
            .await
            .body
            .replace("<wbr>", "")
            .contains("alice.martin@acme.example")
    );
}

#[espace_testkit::test]
async fn a_mobile_is_verified_by_sms_a_landline_applies_at_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "12")],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Enter a phone number like")
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "06 98 76 54 32")],
        )
        .await;
    assert_eq!(r.status, 303);
    let sms = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.channel == "sms")
        .unwrap();
    assert_eq!(sms.recipient, "+33698765432");
    let code = app.last_code_to("+33698765432").await;
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone/confirm",
            &[("code", &code)],
        )
        .await;
    assert_eq!(r.location(), Some("/account/contact?notice=phone-changed"));
    assert!(
        b.get("/account/contact")
            .await
            .body
            .contains("+33 6 98 76 54 32")
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "01 44 55 66 77")],
        )
        .await;
    assert_eq!(r.location(), Some("/account/contact?notice=phone-changed"));
    assert!(
        b.get("/account/contact")
            .await
            .body
            .contains("+33 1 44 55 66 77")
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/title",
            &[("title", "mr")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/title",
            &[("title", "sir")],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Choose one of the options offered.")
    );
    assert_eq!(
        app.outbox()
            .await
            .iter()
            .filter(|m| m.kind == "phone-changed")
            .count(),
        2
    );
}

#[espace_testkit::test]
async fn a_sign_in_from_a_new_device_is_told_and_can_be_signed_out_from_the_mail(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let first = alice(&app).await;
    assert!(first.cookie("__Host-espace-device").is_some());
    assert!(
        !app.outbox().await.iter().any(|m| m.kind == "new-device"),
        "the first device ever is not news"
    );
    // The same browser again: known.
    first.submit("/account", "/logout", &[]).await;
    assert_eq!(
        first.sign_in("alice.martin", DEMO_PASSWORD).await.status,
        303
    );
    assert!(!app.outbox().await.iter().any(|m| m.kind == "new-device"));
    let intruder = alice(&app).await;
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "new-device")
        .unwrap();
    assert_eq!(mail.recipient, "alice.martin@acme.example");
    let link = app.last_link("new-device", "/account/not-me/").await;
    let path = &link[link.find("/account/not-me/").unwrap()..];
    let owner = app.browser().with_header("accept-language", "en");
    assert!(owner.get(path).await.body.contains("Sign this device out"));
    assert_eq!(intruder.get("/").await.status, 200, "a GET changes nothing");
    let done = owner.submit(path, path, &[]).await;
    assert!(
        done.body
            .contains("The device you did not recognise has been signed out.")
    );
    assert_eq!(intruder.get("/").await.status, 303);
    assert_eq!(first.get("/").await.status, 200, "only that device");
    assert_eq!(owner.submit(path, path, &[]).await.status, 404);
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(
        kinds.contains(&"signin.new-device".to_owned())
            && kinds.contains(&"session.not-me".to_owned())
    );
}

/// Issue 26: the language of messages is the login's preference, set
/// on My account (audited), whatever the language of the page or the
/// browser that triggers them.
#[espace_testkit::test]
async fn alice_chooses_english_and_every_notice_comes_in_english(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // In French, from a French browser.
    let b = app.browser().with_header("accept-language", "fr");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/account").await;
    assert!(
        page.body.contains("action=\"/account/language\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Non choisie"), "no preference yet");
    let r = b
        .submit("/account", "/account/language", &[("lang", "en")])
        .await;
    assert_eq!(r.location(), Some("/account?notice=language"));
    let page = b.get("/account?notice=language").await;
    assert!(
        page.body.contains("Your language is saved"),
        "the pages follow"
    );
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"contact.language-changed".to_owned())
    );
    let activity = b.get("/account/activity").await;
    assert!(
        activity.body.contains("Language of messages changed"),
        "{}",
        activity.body
    );
    // A value that is no language is refused.
    assert_eq!(
        b.submit("/account", "/account/language", &[("lang", "de")])
            .await
            .status,
        400
    );

    // Every notice, triggered from French browsers, comes in English.
    let fr = || app.browser().with_header("accept-language", "fr");
    fr().sign_in("alice.martin", DEMO_PASSWORD).await; // a new device
    fr().submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "alice.martin")],
    )
    .await;
    crate::mfa::strong::force_alice(&app).await;
    let (path, key) = crate::mfa::security::start(&b).await;
    let r = b
        .submit(
            &path,
            &path,
            &[
                ("label", "Phone"),
                ("code", &crate::mfa::security::oathtool(&app, &key, 0)),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=enrolled"));
    let expected = [
        ("new-device", "new sign-in to your login"),
        ("password-reset", "choose a new password"),
        (
            "strong-auth-on",
            "two-factor authentication is now required",
        ),
        ("method-added", "a two-factor method was added"),
    ];
    let outbox = app.outbox().await;
    for (kind, subject) in expected {
        let m = outbox
            .iter()
            .find(|m| m.kind == kind && m.recipient == "alice.martin@acme.example")
            .unwrap_or_else(|| panic!("no {kind} mail"));
        assert!(m.subject.contains(subject), "{kind}: {}", m.subject);
    }
}

/// Issue 16 item 8: the language chosen on the sign-in page wins over
/// the login's, and becomes its preference.
#[espace_testkit::test]
async fn the_language_chosen_before_signing_in_wins_and_is_remembered(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Alice prefers French.
    let b = app.browser().with_header("accept-language", "fr");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    b.submit("/", "/language", &[("lang", "fr"), ("return_to", "/")])
        .await;
    b.submit("/", "/logout", &[]).await;
    // On another browser she picks English on the sign-in page.
    let c = app.browser().with_header("accept-language", "fr");
    let r = c
        .submit(
            "/login",
            "/language",
            &[("lang", "en"), ("return_to", "/login")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(c.get("/login").await.body.contains("<html lang=\"en\""));
    assert_eq!(c.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
    assert!(
        c.get("/").await.body.contains("<html lang=\"en\""),
        "her choice wins after signing in"
    );
    assert!(
        crate::audit_kinds(&app, "alice.martin")
            .await
            .contains(&"contact.language-changed".to_owned())
    );
    // And it is now hers: a browser that chose nothing gets English.
    let d = app.browser().with_header("accept-language", "fr");
    d.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert!(d.get("/").await.body.contains("<html lang=\"en\""));
}
