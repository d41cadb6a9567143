//! My security (issue 5, part): authenticator apps enrolled with a code
//! computed by an independent implementation (`oathtool`), renamed, made
//! default and removed; audited and told by e-mail.

use espace_app::ports::Clock;
use espace_testkit::{Browser, DEMO_PASSWORD, TestApp, both_engines};
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

both_engines!(
    async fn an_authenticator_app_is_enrolled_with_its_current_code_only(engine) {
        let app = TestApp::spawn(engine).await;
        let b = app.browser().with_header("accept-language", "en");
        b.sign_in("alice.martin", DEMO_PASSWORD).await;
        let page = b.get("/account/security").await;
        assert!(page.body.contains("You do not have two-factor authentication enabled") && page.body.contains("You have no two-factor method yet."));
        let (path, key) = start(&b).await;
        // Refused: no name, a code of two steps ago, a code of the wrong shape.
        let r = b.submit(&path, &path, &[("label", ""), ("code", "12")]).await;
        let summary = r.error_summary().unwrap();
        assert!(summary.contains("Give this method a name.") && summary.contains("6 digits"), "{summary}");
        let stale = oathtool(&app, &key, -60);
        let r = b.submit(&path, &path, &[("label", "Phone"), ("code", &stale)]).await;
        assert!(r.error_summary().unwrap().contains("not the code the app shows now"));
        assert!(r.body.contains("value=\"Phone\""), "the name typed is kept");
        // One step of drift is accepted.
        let r = b.submit(&path, &path, &[("label", "Phone"), ("code", &oathtool(&app, &key, -30))]).await;
        assert_eq!(r.location(), Some("/account/security?notice=added"));
        let page = b.get("/account/security?notice=added").await;
        assert!(page.body.contains("Phone") && page.body.contains("Authenticator app") && page.body.contains(">default<"));
        assert_eq!(b.get(&path).await.status, 404, "an enrolment is finished once");
        let mail = app.outbox().await.into_iter().find(|m| m.kind == "method-added").unwrap();
        assert_eq!(mail.recipient, "alice.martin@acme.example");
        // The seed is sealed in the database, not stored as typed.
        let raw = crate::scalar_bytes(&app, "SELECT secret FROM auth_methods").await;
        assert!(!String::from_utf8_lossy(&raw).contains(&key) && raw.len() == 1 + 12 + 20 + 16);
        assert!(audit_kinds(&app, "alice.martin").await.contains(&"mfa.method-added".to_owned()));
        assert!(b.get("/account/activity").await.body.contains("Two-factor method added"));
    }
);

both_engines!(
    async fn methods_are_renamed_made_default_and_removed_by_their_owner_only(engine) {
        let app = TestApp::spawn(engine).await;
        let b = app.browser().with_header("accept-language", "en");
        b.sign_in("alice.martin", DEMO_PASSWORD).await;
        let mut ids = Vec::new();
        let mut keys = Vec::new();
        for name in ["Phone", "Tablet"] {
            let (path, key) = start(&b).await;
            let r = b.submit(&path, &path, &[("label", name), ("code", &oathtool(&app, &key, 0))]).await;
            assert_eq!(r.status, 303, "{name}");
            ids.push(path.trim_start_matches("/account/security/totp/").to_owned());
            keys.push(key);
        }
        // An enrolment left unfinished expires after 10 minutes.
        let (path, _) = start(&b).await;
        app.clock.advance(SignedDuration::from_mins(11));
        assert_eq!(b.get(&path).await.status, 404);
        // Renaming is free; choosing the default or removing asks for a
        // second factor again (SPEC §4.5).
        let r = b.submit("/account/security", &format!("/account/security/methods/{}/default", ids[1]), &[]).await;
        assert!(r.location().unwrap().starts_with("/account/confirm?next=%2Faccount%2Fconfirm%2Fresume"), "{:?}", r.location());
        let r = b.step_up_with_code(&ids[0], &oathtool(&app, &keys[0], 0)).await;
        assert_eq!(r.location(), Some("/account"));

        let (phone, tablet) = (&ids[0], &ids[1]);
        let r = b.submit("/account/security", &format!("/account/security/methods/{tablet}/rename"), &[("label", " ")]).await;
        assert!(r.error_summary().unwrap().contains("Give this method a name."));
        assert!(r.body.contains("id=\"label\"") && r.body.contains("href=\"#label\""), "the error leads to the refused field");
        let r = b.submit("/account/security", &format!("/account/security/methods/{tablet}/rename"), &[("label", "Old tablet")]).await;
        assert_eq!(r.location(), Some("/account/security?notice=renamed"));
        b.submit("/account/security", &format!("/account/security/methods/{tablet}/default"), &[]).await;
        let page = b.get("/account/security").await.body;
        let tablet_at = page.find("Old tablet").unwrap();
        assert!(page[tablet_at..].find(">default<").unwrap() < page[tablet_at..].find("Rename").unwrap(), "the tablet is the default");

        // Another login cannot touch them: not found, nothing changes.
        let other = app.browser();
        other.sign_in("bruno.leroy", DEMO_PASSWORD).await;
        for action in ["rename", "default", "remove"] {
            let r = other.submit("/account/security", &format!("/account/security/methods/{phone}/{action}"), &[("label", "Mine")]).await;
            assert_eq!(r.status, 404, "{action}");
        }
        assert_eq!(other.get(&format!("/account/security/totp/{phone}")).await.status, 404);

        // Removing the default passes it to the remaining method.
        let r = b.submit("/account/security", &format!("/account/security/methods/{tablet}/remove"), &[]).await;
        assert_eq!(r.location(), Some("/account/security?notice=removed"));
        let page = b.get("/account/security").await.body;
        assert!(!page.contains("Old tablet") && page.contains("Phone") && page.contains(">default<"));
        assert!(app.outbox().await.iter().any(|m| m.kind == "method-removed"));
        let kinds = audit_kinds(&app, "alice.martin").await;
        assert!(kinds.contains(&"mfa.method-changed".to_owned()) && kinds.contains(&"mfa.method-removed".to_owned()));
    }
);
