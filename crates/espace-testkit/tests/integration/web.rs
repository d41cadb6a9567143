//! The HTTP surface: headers, languages, bad requests (never a 500).

use espace_testkit::{DEMO_PASSWORD, Engine, TestApp};

#[espace_testkit::test]
async fn every_answer_carries_the_security_headers(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    for path in [
        "/login",
        "/no-such-page",
        "/static/espace.css",
        "/accessibility",
    ] {
        let r = b.get(path).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        for part in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(
            r.header("strict-transport-security"),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            r.header("referrer-policy"),
            Some("strict-origin-when-cross-origin")
        );
        assert!(r.header("permissions-policy").is_some());
        assert_eq!(r.header("cross-origin-opener-policy"), Some("same-origin"));
        assert!(r.header("x-request-id").is_some());
        assert!(
            r.header("content-type").unwrap().contains("charset=utf-8") || path.ends_with(".svg")
        );
    }
    assert_eq!(
        b.get("/login").await.header("cache-control"),
        Some("no-store")
    );
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(
        b.get("/account").await.header("cache-control"),
        Some("no-store")
    );
}

#[espace_testkit::test]
async fn pages_follow_the_browser_language_then_the_choice_of_the_login(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let en = app
        .browser()
        .with_header("accept-language", "en-GB,en;q=0.9");
    assert!(en.get("/login").await.body.contains("<html lang=\"en\">"));
    let fr = app
        .browser()
        .with_header("accept-language", "de-DE, fr;q=0.5");
    assert!(fr.get("/login").await.body.contains("<html lang=\"fr\">"));
    let none = app.browser();
    assert!(none.get("/login").await.body.contains("Se connecter"));

    // Chosen in the header, remembered for the login.
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = b
        .submit(
            "/account",
            "/language",
            &[("lang", "en"), ("return_to", "/account")],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, Some("/account")));
    assert!(
        b.get("/account")
            .await
            .body
            .contains("My personal information")
    );
    let elsewhere = app.browser().with_header("accept-language", "fr");
    elsewhere.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert!(
        elsewhere.get("/").await.body.contains("<html lang=\"en\">"),
        "the login's language wins"
    );
    // An unknown language is a clear 400.
    assert_eq!(
        b.submit("/", "/language", &[("lang", "xx")]).await.status,
        400
    );
}

#[espace_testkit::test]
async fn bad_requests_get_clear_pages_and_never_a_500(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    let nf = b.get("/definitely/not/here").await;
    assert_eq!(nf.status, 404);
    assert!(nf.body.contains("Page not found"));
    let trace = b.request("TRACE", "/login").await;
    assert_eq!(trace.status, 405);
    assert!(trace.body.contains("Action not allowed"));
    // An unsafe method without a token is refused before routing…
    assert_eq!(b.request("DELETE", "/login").await.status, 403);
    let token = b.get("/login").await.csrf_token().unwrap();
    // …and with one, the route answers that it does not take DELETE.
    let mut with_token = app.browser().with_header("x-csrf-token", &token);
    for (k, v) in b.cookies.lock().unwrap().iter() {
        with_token.set_cookie(k, v);
    }
    with_token.addr = app.addr;
    let del = with_token.request("DELETE", "/login").await;
    assert_eq!(del.status, 405);
    assert!(del.header("allow").is_some());

    let big = format!("csrf_token={token}&login={}", "a".repeat(100 * 1024));
    let r = b
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            big.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains("Too much data sent"));

    let dup = format!("csrf_token={token}&login=a&login=b&password=x");
    let r = b
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            dup.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "duplicate fields are refused");
    let r = b
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            format!("csrf_token={token}&%%%=\u{0}").into_bytes(),
        )
        .await;
    assert!(r.status == 400 || r.status == 200, "{}", r.status);
    let r = b
        .post_raw(
            "/language",
            "application/x-www-form-urlencoded",
            format!("csrf_token={token}").into_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "missing field");
    let mut json = app.browser().with_header("accept-language", "en");
    json.headers.push(("x-csrf-token".into(), token.clone()));
    for (k, v) in b.cookies.lock().unwrap().iter() {
        json.set_cookie(k, v);
    }
    let r = json
        .post_raw(
            "/login",
            "application/json",
            br#"{"login":"alice.martin"}"#.to_vec(),
        )
        .await;
    assert_eq!(r.status, 415);
    assert!(r.body.contains("could not be read"));
}

#[espace_testkit::test]
async fn health_and_readiness_answer(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    assert_eq!(b.get("/healthz").await.body, "ok");
    assert_eq!(b.get("/readyz").await.status, 200);
    assert!(
        b.get("/healthz").await.set_cookies().is_empty(),
        "no cookie for probes"
    );
    app.db.close().await;
    assert_eq!(b.get("/readyz").await.status, 503);
}

#[espace_testkit::test]
async fn user_content_is_escaped(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    let r = b.sign_in("<script>alert(1)</script>", "x").await;
    assert!(!r.body.contains("<script>alert(1)</script>"));
    assert!(r.body.contains("&#60;script&#62;") || r.body.contains("&lt;script&gt;"));
}

#[espace_testkit::test]
async fn dashboard_and_account_show_only_the_own_company(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let chloe = app.browser();
    chloe.sign_in("chloe.dubois", DEMO_PASSWORD).await;
    let home = chloe.get("/").await.body;
    assert!(home.contains("BIST-FIB-001"));
    assert!(!home.contains("ACME"), "no contract of another company");
    let alice = app.browser().with_header("accept-language", "en");
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    let home = alice.get("/").await.body;
    assert!(
        home.contains("30 June 2027") && !home.contains("2027-06-30"),
        "dates in words, never ISO"
    );
    let alice_fr = app.browser().with_header("accept-language", "fr");
    alice_fr.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert!(alice_fr.get("/").await.body.contains("30 juin 2027"));
    let account = alice.get("/account").await.body;
    assert!(
        account.contains("+33 6 12 34 56 78") && !account.contains("+33612345678"),
        "phones for people"
    );
    assert!(
        account.contains("alice<wbr>.martin@<wbr>acme<wbr>.example"),
        "addresses wrap at sensible points"
    );
    assert!(
        account.contains("Acme Industries")
            && account.contains("Invoices")
            && !account.contains("Bistro")
    );
    let staff = app.browser().with_header("accept-language", "en");
    staff.sign_in("support.agent", DEMO_PASSWORD).await;
    assert!(staff.get("/").await.body.contains("Support agent"));
}

#[espace_testkit::test]
async fn public_pages_answer_in_both_languages(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for (lang, a11y, news) in [
        ("en", "Accessibility statement", "What’s new"),
        ("fr", "Déclaration d’accessibilité", "Nouveautés"),
    ] {
        let b = app.browser().with_header("accept-language", lang);
        let page = b.get("/accessibility").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(a11y) && page.body.contains("Défenseur des droits"));
        let page = b.get("/whats-new").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains(&news.replace('\'', "&#39;")) || page.body.contains(news),
            "{lang}"
        );
    }
}

#[espace_testkit::test]
async fn the_operation_reference_is_never_the_clients(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let r = app
        .browser()
        .with_header("x-request-id", "forged-by-client")
        .get("/login")
        .await;
    let id = r.header("x-request-id").unwrap();
    assert_ne!(id, "forged-by-client");
    assert_eq!(id.len(), 36, "a UUID of ours: {id}");
}

/// The text of a page's `<title>`.
fn title_of(body: &str) -> String {
    let start = body
        .find("<title>")
        .map(|i| i + "<title>".len())
        .unwrap_or(0);
    let end = body[start..]
        .find("</title>")
        .map(|i| start + i)
        .unwrap_or(start);
    body[start..end].to_owned()
}

#[espace_testkit::test]
async fn titles_say_when_a_page_has_errors_and_name_what_it_is_about(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // A form that comes back with errors says so first, in each language
    // (a non-breaking space before the French colon).
    for (lang, prefix) in [("en", "Error: "), ("fr", "Erreur\u{a0}: ")] {
        let b = app.browser().with_header("accept-language", lang);
        let clean = title_of(&b.get("/login").await.body);
        assert!(!clean.starts_with(prefix), "{lang}: {clean}");
        let r = b.sign_in("alice.martin", "not the password").await;
        assert!(
            r.error_summary().is_some(),
            "{lang}: the sign-in failed with a summary"
        );
        let title = title_of(&r.body);
        assert_eq!(title, format!("{prefix}{clean}"), "{lang}");
    }
    // A page about one person names that person.
    let b = app.browser().with_header("accept-language", "en");
    assert_eq!(b.sign_in("bruno.leroy", DEMO_PASSWORD).await.status, 303);
    let alice = crate::login_id(&app, "alice.martin").await;
    let page = b.get(&format!("/users/{alice}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        title_of(&page.body),
        "Alice Martin — Users and rights — Espace"
    );
    // "Credentials" are not logins ("identifiants") in French.
    let fr = app.browser().with_header("accept-language", "fr");
    assert_eq!(fr.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
    let page = fr.get("/account/two-factor").await;
    assert_eq!(page.status, 200);
    let title = title_of(&page.body);
    assert!(
        title.contains("double authentification") && !title.contains("identifiants"),
        "{title}"
    );
}

#[espace_testkit::test]
async fn the_accessibility_statement_tells_the_truth(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for (lang, status, footer) in [
        (
            "fr",
            "Espace est non conforme",
            "Accessibilité\u{a0}: non conforme",
        ),
        (
            "en",
            "Espace is not compliant",
            "Accessibility: not compliant",
        ),
    ] {
        let b = app.browser().with_header("accept-language", lang);
        let page = b.get("/accessibility").await;
        assert_eq!(page.status, 200);
        let body = &page.body;
        // Without an audit, RGAA only allows "non conforme"; the footer agrees.
        assert!(body.contains(status), "{lang}");
        assert!(
            !body.contains("partiellement") && !body.contains("partially"),
            "{lang}"
        );
        assert!(
            b.get("/login").await.body.contains(footer),
            "{lang}: the footer is in step"
        );
        // Known non-conformities are listed, passkeys are no longer "to come".
        // The issues of the browser review are fixed; what remains is listed.
        assert!(
            body.contains("JavaScript"),
            "{lang}: a list of known issues"
        );
        assert!(
            !body.contains("à venir") && !body.contains("when they arrive"),
            "{lang}"
        );
        // Dated, with the method and tools, and real contact means.
        assert!(body.contains("2026") && body.contains("axe-core"), "{lang}");
        assert!(
            body.contains("href=\"mailto:")
                && body.contains("href=\"/account/company#conversation\""),
            "{lang}"
        );
        assert!(
            body.contains("Défenseur des droits")
                && body.contains("formulaire.defenseurdesdroits.fr"),
            "{lang}"
        );
    }
}

/// Issue 17: a path whose `{id}` is not an id, or no id of the reader's,
/// answers the same page-not-found in the reader's language, whether
/// the route takes the id alone or with an action after it, by GET or
/// by a form; nothing gives a 400 or a 500.
#[espace_testkit::test]
async fn an_id_that_is_not_one_is_simply_not_found(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let unknown = "0192d1a0-0000-7000-8000-000000000000";
    for (language, title) in [("en", "Page not found"), ("fr", "Page introuvable")] {
        let b = app.browser().with_header("accept-language", language);
        assert_eq!(b.sign_in("bruno.leroy", DEMO_PASSWORD).await.status, 303);
        for id in ["not-an-id", "1", unknown] {
            for path in [
                format!("/users/{id}"),
                format!("/users/{id}/remove"),
                format!("/account/security/methods/{id}/remove"),
            ] {
                let r = b.get(&path).await;
                assert_eq!(r.status, 404, "{path}: {}", r.body);
                assert!(r.body.contains(title), "{path} in {language}: {}", r.body);
            }
            let r = b
                .submit("/users", &format!("/users/{id}/remove"), &[])
                .await;
            assert_eq!(r.status, 404, "POST /users/{id}/remove: {}", r.body);
            assert!(r.body.contains(title), "{}", r.body);
        }
    }
}
