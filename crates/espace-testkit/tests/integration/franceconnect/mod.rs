//! FranceConnect+ (issue 6, SPEC §4.7) against a real OpenID provider
//! (`oidc-provider`, `e2e/op/fcplus-op.mjs`) that encrypts its ID tokens
//! and userinfo to the keys Espace publishes: linking, passwordless
//! sign-in, the step-up, the end-session, the self-service proof of the
//! assisted recovery, and every refusal of a tampered answer.

use espace_testkit::fcplus::{TestProvider, configure, provider_port};
use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::{SignedDuration, Timestamp};

use crate::audit_kinds;
use crate::mfa::security::{oathtool, start};

const ORIGIN: &str = "https://espace.test";

async fn spawn(engine: espace_testkit::Engine, algs: (&str, &str)) -> (TestApp, TestProvider) {
    let port = provider_port();
    let app = TestApp::spawn_with(engine, |s| {
        s.web.public_origin = Some(ORIGIN.into());
        configure(s, port);
    })
    .await;
    // The provider's tokens carry its (real) clock.
    app.clock.set(Timestamp::now());
    let op = TestProvider::start(port, &app, ORIGIN, algs);
    (app, op)
}

/// The details of the audited refusals.
async fn refusals(app: &TestApp) -> Vec<String> {
    let sql = "SELECT detail FROM audit_events WHERE kind = 'mfa.franceconnect-refused'";
    espace_testkit::with_pool!(app, |pool| {
        sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
    })
}

fn browser(app: &TestApp) -> Browser {
    app.browser().with_header("accept-language", "en")
}

fn param<'a>(url: &'a str, name: &str) -> &'a str {
    let query = url.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

/// A POST that sends the browser to the provider, played through as
/// `account`: the page Espace answers on the way back.
async fn through(
    b: &Browser,
    op: &TestProvider,
    (from, action): (&str, &str),
    fields: &[(&str, &str)],
    account: &str,
) -> espace_testkit::Page {
    let r = b.submit(from, action, fields).await;
    let to = r
        .location()
        .unwrap_or_else(|| panic!("not sent to the provider: {}", r.body))
        .to_owned();
    assert!(to.starts_with(&op.issuer), "{to}");
    let back = op.authorize(&to, account, false).await;
    b.get(&back).await
}

/// alice signs in with her password and links her FranceConnect+ identity.
async fn link_alice(app: &TestApp, op: &TestProvider) -> Browser {
    let alice = browser(app);
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = alice
        .submit("/account/security", "/account/security/franceconnect", &[])
        .await;
    let to = r.location().unwrap().to_owned();
    // The request: code flow, PKCE S256, the level, state and nonce.
    assert_eq!(param(&to, "response_type"), "code");
    assert_eq!(param(&to, "acr_values"), "eidas2");
    assert_eq!(param(&to, "code_challenge_method"), "S256");
    assert!(param(&to, "state").len() >= 32 && param(&to, "nonce").len() >= 32);
    assert_eq!(
        param(&to, "redirect_uri"),
        "https%3A%2F%2Fespace.test%2Flogin%2Ffranceconnect%2Fcallback"
    );
    let back = op.authorize(&to, "alice", false).await;
    assert!(back.starts_with("/login/franceconnect/callback?"), "{back}");
    let r = alice.get(&back).await;
    assert_eq!(
        r.location(),
        Some("/account/security?notice=added"),
        "{}",
        r.body
    );
    let page = alice.get("/account/security").await;
    assert!(
        page.body.contains("Alice Martin"),
        "the method is named after the identity"
    );
    alice
}

#[espace_testkit::test]
async fn link_then_sign_in_step_up_and_sign_out(engine: Engine) {
    let (app, op) = spawn(engine, ("RSA-OAEP-256", "ES256")).await;
    // Espace publishes one key per algorithm, public parts only.
    let jwks = browser(&app).get("/.well-known/jwks.json").await;
    assert_eq!(
        jwks.header("content-type"),
        Some("application/jwk-set+json")
    );
    let keys: serde_json::Value = serde_json::from_str(&jwks.body).unwrap();
    let algs: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert_eq!(algs.len(), 2);
    assert!(algs.contains(&"RSA-OAEP-256") && algs.contains(&"ECDH-ES"));
    assert!(!jwks.body.contains("\"d\""), "no private part");

    let alice = link_alice(&app, &op).await;
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"mfa.method-added".to_owned())
    );
    // The same identity cannot be linked twice.
    let again = alice
        .submit("/account/security", "/account/security/franceconnect", &[])
        .await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("already linked"), "{}", again.body);

    // Signing out of a session raised by FranceConnect+ ends it there.
    let r = alice.submit("/account", "/logout", &[]).await;
    let end = r.location().unwrap().to_owned();
    assert!(
        end.starts_with(&format!("{}/session/end?id_token_hint=", op.issuer)),
        "{end}"
    );
    assert!(end.contains(
        "post_logout_redirect_uri=https%3A%2F%2Fespace.test%2Flogin%2Ffranceconnect%2Flogged-out"
    ));
    assert_eq!(
        op.get_status(&end).await,
        200,
        "the provider takes the hint"
    );

    // Passwordless sign-in.
    let b = browser(&app);
    let r = through(
        &b,
        &op,
        ("/login", "/login/franceconnect"),
        &[("next", "/account")],
        "alice",
    )
    .await;
    assert_eq!(r.location(), Some("/account"), "{}", r.body);
    assert_eq!(b.get("/account").await.status, 200);
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert_eq!(kinds.iter().filter(|k| *k == "signin.succeeded").count(), 2);

    // The step-up (the provider's tokens carry its real clock, so
    // Espace's stays put): with the linked identity it passes…
    let r = through(
        &b,
        &op,
        (
            "/account/confirm?next=/account/security",
            "/account/confirm/franceconnect",
        ),
        &[("next", "/account/security")],
        "alice",
    )
    .await;
    assert_eq!(r.location(), Some("/account/security"), "{}", r.body);
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"session.stepped-up".to_owned())
    );
    // …with another one it fails, and counts.
    let other = browser(&app);
    other.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = through(
        &other,
        &op,
        (
            "/account/confirm?next=/account",
            "/account/confirm/franceconnect",
        ),
        &[("next", "/account")],
        "bruno",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("not the FranceConnect+ identity linked"),
        "{}",
        r.body
    );
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"signin.second-factor-failed".to_owned())
    );

    // An identity linked to no login signs in nowhere.
    let c = browser(&app);
    let r = through(&c, &op, ("/login", "/login/franceconnect"), &[], "claire").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("not linked to any login"), "{}", r.body);
    assert!(c.cookie("__Host-espace-session").is_none());

    // Cancelling at the provider changes nothing.
    let d = browser(&app);
    let r = d.submit("/login", "/login/franceconnect", &[]).await;
    let back = op.authorize(r.location().unwrap(), "alice", true).await;
    let r = d.get(&back).await;
    assert!(r.body.contains("You cancelled"), "{}", r.body);
    assert_eq!(r.status, 200, "a cancel is an ordinary outcome");
    // The same answer again: the request is spent.
    assert!(d.get(&back).await.body.contains("no longer valid"));

    // An answer serves the browser that asked only, and once.
    let e = browser(&app);
    let r = e.submit("/login", "/login/franceconnect", &[]).await;
    let back = op.authorize(r.location().unwrap(), "alice", false).await;
    let thief = browser(&app);
    assert!(thief.get(&back).await.body.contains("no longer valid"));
    assert!(thief.cookie("__Host-espace-session").is_none());
    assert_eq!(e.get(&back).await.location(), Some("/"));
}

/// Each defect of the provider's answer is refused and audited with its
/// reason; the same forged answer without a defect passes.
#[espace_testkit::test]
async fn tampered_answers_are_refused(engine: Engine) {
    let (app, op) = spawn(engine, ("ECDH-ES", "ES256")).await;
    let cases = [
        ("unencrypted", "unencrypted"),
        ("wrong-nonce", "nonce"),
        ("wrong-audience", "audience"),
        ("expired", "expired"),
        ("low-acr", "acr"),
        ("unknown-kid", "unknown-kid"),
        ("alg-none", "signature-algorithm"),
        ("bad-signature", "bad-signature"),
    ];
    for (tamper, reason) in cases {
        let b = browser(&app);
        let r = b.submit("/login", "/login/franceconnect", &[]).await;
        op.next("claire", Some(tamper)).await;
        let back = op.follow(r.location().unwrap(), false).await;
        let r = b.get(&back).await;
        assert_eq!(r.status, 400, "{tamper}");
        assert!(
            r.body.contains("could not be verified"),
            "{tamper}: {}",
            r.body
        );
        let details = refusals(&app).await;
        let wanted = format!("\"reason\":\"{reason}\"");
        assert!(
            details.iter().any(|d| d.contains(&wanted)),
            "{tamper}: {details:?}"
        );
    }
    // The controls: forged the same way, nothing wrong (with or without
    // a kid in the signature's header), they pass every check (claire
    // is linked to no login, which is what she is told).
    for control in ["valid", "no-kid"] {
        let b = browser(&app);
        let r = b.submit("/login", "/login/franceconnect", &[]).await;
        op.next("claire", Some(control)).await;
        let back = op.follow(r.location().unwrap(), false).await;
        let page = b.get(&back).await;
        assert!(
            page.body.contains("not linked to any login"),
            "{control}: {}",
            page.body
        );
    }
    // A real answer at too low a level: refused too.
    let b = browser(&app);
    let r = through(&b, &op, ("/login", "/login/franceconnect"), &[], "low").await;
    assert!(r.body.contains("could not be verified"), "{}", r.body);
}

/// The outdated-e-mail recovery (SPEC §5): the requester proves who
/// they are with the identity linked to their login; the code goes to
/// the new address at once; an identity linked to nothing proves
/// nothing.
#[espace_testkit::test]
async fn recovery_proven_with_franceconnect(engine: Engine) {
    let (app, op) = spawn(engine, ("RSA-OAEP-256", "ES256")).await;
    link_alice(&app, &op).await;
    let b = browser(&app);
    let open = |who: &'static str, email: &'static str| {
        let b = &b;
        async move {
            let r = b
                .submit(
                    "/recover-account",
                    "/recover-account",
                    &[
                        ("who", who),
                        ("company", "Acme"),
                        ("new_email", email),
                        ("message", "My old mailbox is gone."),
                    ],
                )
                .await;
            r.location()
                .unwrap()
                .strip_suffix("?notice=opened")
                .unwrap()
                .to_owned()
        }
    };
    // Someone who is not linked: nothing happens.
    let case = open("bruno", "bruno.new@example.net").await;
    let r = through(
        &b,
        &op,
        (&case, &format!("{case}/franceconnect")),
        &[],
        "bruno",
    )
    .await;
    assert!(r.body.contains("not linked to any login"), "{}", r.body);

    let case = open("Alice Martin", "alice.new@example.net").await;
    let page = b.get(&case).await;
    assert!(
        page.body
            .contains("Prove your identity with FranceConnect+")
    );
    // Only from the browser that opened the case: a case opened by
    // someone else cannot be proven by luring alice to its page.
    let lured = browser(&app);
    let r = lured
        .submit(&case, &format!("{case}/franceconnect"), &[])
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("from the browser where you filled in the request"),
        "{}",
        r.body
    );
    let r = through(
        &b,
        &op,
        (&case, &format!("{case}/franceconnect")),
        &[],
        "alice",
    )
    .await;
    assert_eq!(
        r.location(),
        Some(format!("{case}?notice=franceconnect").as_str()),
        "{}",
        r.body
    );
    let code = app.last_code_to("alice.new@example.net").await;
    let r = b
        .submit(&case, &format!("{case}/code"), &[("code", &code)])
        .await;
    assert_eq!(
        r.location(),
        Some(format!("{case}?notice=linked").as_str()),
        "{}",
        r.body
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    for kind in [
        "recovery.identity-verified",
        "recovery.code-sent",
        "recovery.address-linked",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
}

/// Espace's keys are rotated by age; a replaced key stays published for
/// the overlap, then goes.
#[espace_testkit::test]
async fn encryption_keys_rotate(engine: Engine) {
    let (app, _op) = spawn(engine, ("RSA-OAEP-256", "ES256")).await;
    let kids = || async {
        let jwks = app.browser().get("/.well-known/jwks.json").await;
        let v: serde_json::Value = serde_json::from_str(&jwks.body).unwrap();
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let first = kids().await;
    assert_eq!(app.app.housekeeping().await.unwrap(), 0);
    app.clock.advance(SignedDuration::from_hours(24 * 90));
    app.app.housekeeping().await.unwrap();
    let both = kids().await;
    assert_eq!(both.len(), 4, "new keys first, old ones still there");
    assert!(first.iter().all(|k| both[2..].contains(k)));
    app.clock.advance(SignedDuration::from_hours(24 * 7));
    app.app.housekeeping().await.unwrap();
    let now = kids().await;
    assert_eq!(now, both[..2].to_vec());
}

/// A forced login passes its second factor with FranceConnect+; wrong
/// identities count towards the second-factor lock, which then also
/// stops signing in with FranceConnect+.
#[espace_testkit::test]
async fn second_factor_and_its_lock(engine: Engine) {
    // Signed RS256 here (ES256 elsewhere).
    let (app, op) = spawn(engine, ("RSA-OAEP-256", "RS256")).await;
    link_alice(&app, &op).await;
    crate::mfa::strong::force_alice(&app).await;
    let b = browser(&app);
    let r = b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert!(
        r.location().unwrap().starts_with("/login/second-factor"),
        "{:?}",
        r.location()
    );
    let page = b.get("/login/second-factor").await;
    assert!(
        page.body
            .contains("action=\"/login/second-factor/franceconnect\""),
        "{}",
        page.body
    );
    let r = through(
        &b,
        &op,
        ("/login/second-factor", "/login/second-factor/franceconnect"),
        &[("next", "/account")],
        "alice",
    )
    .await;
    assert_eq!(r.location(), Some("/account"), "{}", r.body);
    assert_eq!(b.get("/account").await.status, 200);
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"signin.second-factor".to_owned())
    );

    // The second factor of a password reset, from the link's browser
    // only; then the new password.
    let r = b
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("login", "alice.martin")],
        )
        .await;
    assert_eq!(r.location(), Some("/forgot-password?notice=sent"));
    let link = app.last_link("password-reset", "/reset-password/").await;
    let path = link[link.find("/reset-password/").unwrap()..].to_owned();
    let r = browser(&app);
    let page = r.get(&path).await;
    assert!(
        page.body
            .contains(&format!("action=\"{path}/factor/franceconnect\"")),
        "{}",
        page.body
    );
    let to = r
        .submit(&path, &format!("{path}/factor/franceconnect"), &[])
        .await;
    let back = op.authorize(to.location().unwrap(), "alice", false).await;
    assert!(
        browser(&app)
            .get(&back)
            .await
            .body
            .contains("no longer valid"),
        "another browser"
    );
    let to = r
        .submit(&path, &format!("{path}/factor/franceconnect"), &[])
        .await;
    let back = op.authorize(to.location().unwrap(), "alice", false).await;
    assert_eq!(r.get(&back).await.location(), Some(path.as_str()));
    assert!(
        r.get(&path).await.body.contains("new_password"),
        "then the password"
    );

    // Someone else's identity, again and again, at the second step.
    let m = browser(&app);
    m.sign_in("alice.martin", DEMO_PASSWORD).await;
    let mut last = String::new();
    for _ in 0..10 {
        let r = m
            .submit(
                "/login/second-factor",
                "/login/second-factor/franceconnect",
                &[],
            )
            .await;
        let Some(to) = r.location().filter(|l| l.starts_with(&op.issuer)) else {
            last = r.body;
            break;
        };
        let back = op.authorize(to, "bruno", false).await;
        last = m.get(&back).await.body;
    }
    assert!(last.contains("locked") || last.contains("Locked"), "{last}");
    // Locked: not even FranceConnect+ signs in now.
    let c = browser(&app);
    let r = through(&c, &op, ("/login", "/login/franceconnect"), &[], "alice").await;
    assert!(r.body.contains("it is locked for a while"), "{}", r.body);
    assert!(c.cookie("__Host-espace-session").is_none());
}

/// Issue 26: linked in a session already at level 2 (the linking does
/// not raise it), the provider's session still ends with Espace's.
#[espace_testkit::test]
async fn linked_at_level_two_the_sign_out_still_ends_at_the_provider(engine: Engine) {
    let (app, op) = spawn(engine, ("RSA-OAEP-256", "ES256")).await;
    let alice = browser(&app);
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    // An authenticator app first: the session is at level 2.
    let (path, key) = start(&alice).await;
    let r = alice
        .submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=added"));
    let level_two = alice.cookie("__Host-espace-session").unwrap();
    let r = through(
        &alice,
        &op,
        ("/account/security", "/account/security/franceconnect"),
        &[],
        "alice",
    )
    .await;
    assert_eq!(
        r.location(),
        Some("/account/security?notice=added"),
        "{}",
        r.body
    );
    assert_eq!(
        alice.cookie("__Host-espace-session").unwrap(),
        level_two,
        "not raised: it was at level 2"
    );
    let r = alice.submit("/account", "/logout", &[]).await;
    let end = r.location().unwrap().to_owned();
    assert!(
        end.starts_with(&format!("{}/session/end?id_token_hint=", op.issuer)),
        "{end}"
    );
}

/// Issue 26: the provider goes down after the first contact. Signing
/// in with it shows Espace's own page (503) with the way back;
/// signing out still signs out of Espace, on Espace's own page.
#[espace_testkit::test]
async fn an_outage_after_the_first_contact_shows_espaces_own_pages(engine: Engine) {
    let (app, op) = spawn(engine, ("RSA-OAEP-256", "ES256")).await;
    let alice = link_alice(&app, &op).await;
    drop(op);
    let r = alice.submit("/account", "/logout", &[]).await;
    assert_eq!(r.status, 303);
    assert!(
        r.location()
            .unwrap()
            .starts_with("/login?notice=signed-out"),
        "{:?}",
        r.location()
    );
    assert!(alice.cookie("__Host-espace-session").is_none());
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"session.signed-out".to_owned())
    );
    let b = browser(&app);
    let r = b.submit("/login", "/login/franceconnect", &[]).await;
    assert_eq!(r.status, 503, "{:?} {}", r.location(), r.body);
    assert!(
        r.body
            .contains("FranceConnect+ cannot be reached right now"),
        "{}",
        r.body
    );
    assert!(r.body.contains("href=\"/login\""), "a way back");
    // The second step too, for a login whose second factor it is.
    let c = browser(&app);
    c.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = c
        .submit(
            "/account/confirm?next=/account",
            "/account/confirm/franceconnect",
            &[("next", "/account")],
        )
        .await;
    assert_eq!(r.status, 503, "{:?} {}", r.location(), r.body);
}

/// Issue 17: a storage failure while the link is written is the
/// storage's (an error page with its operation id), never "already
/// linked to another login"; nothing is linked, and linking works again
/// once the storage does.
#[espace_testkit::test]
async fn a_storage_failure_while_linking_is_not_reported_as_taken(engine: Engine) {
    let (app, op) = spawn(engine, ("RSA-OAEP-256", "ES256")).await;
    // A failure that is not a unique violation, on the link's insert only.
    let (break_it, mend_it): (&[&str], &[&str]) = match engine {
        espace_testkit::Engine::Sqlite => (
            &[
                "CREATE TRIGGER idp_links_broken BEFORE INSERT ON idp_links BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
            ],
            &["DROP TRIGGER idp_links_broken"],
        ),
        espace_testkit::Engine::Postgres => (
            &[
                "CREATE FUNCTION idp_links_broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
                "CREATE TRIGGER idp_links_broken BEFORE INSERT ON idp_links FOR EACH ROW EXECUTE FUNCTION idp_links_broken()",
            ],
            &[
                "DROP TRIGGER idp_links_broken ON idp_links",
                "DROP FUNCTION idp_links_broken()",
            ],
        ),
    };
    for sql in break_it {
        crate::exec(&app, sql).await;
    }
    let alice = browser(&app);
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = through(
        &alice,
        &op,
        ("/account/security", "/account/security/franceconnect"),
        &[],
        "alice",
    )
    .await;
    assert_eq!(r.status, 500, "{:?} {}", r.location(), r.body);
    assert!(!r.body.contains("already linked"), "{}", r.body);
    assert!(r.body.contains("Operation reference"), "{}", r.body);
    assert_eq!(
        crate::scalar_i64(&app, "SELECT COUNT(*) FROM idp_links").await,
        0,
        "nothing is linked"
    );

    for sql in mend_it {
        crate::exec(&app, sql).await;
    }
    let r = through(
        &alice,
        &op,
        ("/account/security", "/account/security/franceconnect"),
        &[],
        "alice",
    )
    .await;
    assert_eq!(
        r.location(),
        Some("/account/security?notice=added"),
        "{}",
        r.body
    );
}
