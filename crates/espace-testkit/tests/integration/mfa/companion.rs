//! The companion app (issue 6, SPEC §4.6), end to end over HTTP: a phone
//! is linked with a software passkey and a push subscription at a local
//! push service; a sign-in sends it a request, which the test receives,
//! decrypts with the subscription's keys, and answers with the passkey.
//! Every refusal (wrong number, deny, "this wasn't me", expiry, a foreign
//! or unverified passkey, another phone, a second answer) is checked.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use espace_testkit::phone::{PushService, SoftPasskey};
use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;

use crate::audit_kinds;
use crate::mfa::strong::force_alice;

const ORIGIN: &str = "https://espace.test";
const SESSION: &str = "__Host-espace-session";

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let at = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {body}"))
        + start.len();
    &body[at..at + body[at..].find(end).unwrap()]
}

async fn spawn(engine: espace_testkit::Engine) -> TestApp {
    TestApp::spawn_with(engine, |s| {
        s.web.public_origin = Some(ORIGIN.into());
        s.notify.push.endpoint_hosts = vec!["127.0.0.1".into()];
        s.notify.push.allow_http = true;
    })
    .await
}

fn browser(app: &TestApp) -> Browser {
    app.browser().with_header("accept-language", "en")
}

/// alice (forced by bruno) links a phone called "Pixel" from My security.
async fn link_phone(app: &TestApp, push: &PushService) -> (Browser, SoftPasskey) {
    force_alice(app).await;
    let alice = browser(app);
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = alice
        .submit("/account/security", "/account/security/companion", &[])
        .await;
    let linking = r.location().unwrap().to_owned();
    assert!(
        linking.starts_with("/account/security/companion/"),
        "{linking}"
    );
    let page = alice.get(&linking).await;
    assert!(page.body.contains("<svg"), "a QR code");
    let url = between(&page.body, "id=\"companion-url\">", "<").to_owned();
    let link = url.strip_prefix(ORIGIN).unwrap().to_owned();

    // Another login's linking page is not found.
    let bruno = browser(app);
    bruno.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert_eq!(bruno.get(&linking).await.status, 404);

    // A forged MAC finds nothing.
    let forged = format!("{}x", &link[..link.len() - 1]);
    assert_eq!(browser(app).get(&forged).await.status, 404);

    let phone = browser(app);
    let offer = phone.get(&link).await;
    assert!(offer.body.contains("alice.martin"), "{}", offer.body);
    let csrf = offer.csrf_token().unwrap();
    let options = phone
        .post_form(&format!("{link}/options"), &[("csrf_token", &csrf)])
        .await;
    let options: Value = serde_json::from_str(&options.body).unwrap();
    assert_eq!(
        options["options"]["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    let mut key = SoftPasskey::new(ORIGIN);
    let response = key.create(&options["options"]);
    let sub = push.subscription();
    let r = phone
        .post_form(
            &link,
            &[
                ("csrf_token", &csrf),
                ("label", "Pixel"),
                ("ceremony", options["ceremony"].as_str().unwrap()),
                ("response", &response),
                ("subscription", &sub),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/companion?linked=1"), "{}", r.body);
    assert!(phone.cookie("espace-companion").is_some());
    assert_eq!(
        browser(app).get(&link).await.status,
        404,
        "a link serves once"
    );
    // Her login is now protected: her session, still at level 1, owes a
    // second factor before going on.
    let next = alice.get(&linking).await;
    assert!(
        next.location()
            .unwrap()
            .starts_with("/login/second-factor?next="),
        "{next:?}"
    );
    assert!(
        app.outbox().await.iter().any(|m| m.kind == "method-added"),
        "the person is told"
    );
    (phone, key)
}

/// A fresh sign-in of alice sends a request to her phone; returns the
/// browser, the waiting page and the number it shows.
async fn push_sign_in(app: &TestApp) -> (Browser, String, String) {
    let b = browser(app);
    let r = b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(r.location(), Some("/login/second-factor?next=%2F"));
    let (wait, number) = request_push(&b).await;
    (b, wait, number)
}

/// From the second-factor page, a (new) request to the phone: the
/// waiting page and its number.
async fn request_push(b: &Browser) -> (String, String) {
    let page = b.get("/login/second-factor").await;
    assert!(
        page.body.contains("Send a request to my phone"),
        "{}",
        page.body
    );
    let at = page.body.find("/login/second-factor/push").unwrap();
    let method = between(&page.body[at..], "name=\"method\" value=\"", "\"").to_owned();
    let r = b
        .submit(
            "/login/second-factor",
            "/login/second-factor/push",
            &[("method", &method), ("next", "/")],
        )
        .await;
    let wait = r.location().unwrap().to_owned();
    assert!(wait.starts_with("/login/second-factor/push/"), "{wait}");
    let page = b.get(&wait).await;
    assert_eq!(page.status, 200);
    let number = between(&page.body, "data-number=\"", "\"").to_owned();
    (wait, number)
}

fn request_id(wait: &str) -> &str {
    &wait["/login/second-factor/push/".len()..wait.find('?').unwrap()]
}

/// The phone answers; returns the page it gets.
async fn answer(
    phone: &Browser,
    key: &mut SoftPasskey,
    id: &str,
    answer: &str,
    number: &str,
) -> espace_testkit::Page {
    let home = phone.get("/companion").await;
    let csrf = home.csrf_token().unwrap();
    if answer != "approve" {
        return phone
            .post_form(
                &format!("/companion/requests/{id}"),
                &[("csrf_token", &csrf), ("answer", answer)],
            )
            .await;
    }
    let options = phone
        .post_form(
            &format!("/companion/requests/{id}/options"),
            &[("csrf_token", &csrf), ("number", number)],
        )
        .await;
    let (ceremony, response) = match serde_json::from_str::<Value>(&options.body) {
        Ok(o) => (
            o["ceremony"].as_str().unwrap().to_owned(),
            key.get(&o["options"]),
        ),
        Err(_) => (String::new(), String::new()),
    };
    phone
        .post_form(
            &format!("/companion/requests/{id}"),
            &[
                ("csrf_token", &csrf),
                ("answer", "approve"),
                ("number", number),
                ("ceremony", &ceremony),
                ("response", &response),
            ],
        )
        .await
}

#[espace_testkit::test]
async fn a_linked_phone_approves_a_sign_in_by_number_and_passkey(engine: Engine) {
    let push = PushService::start().await;
    let app = spawn(engine).await;
    let (phone, mut key) = link_phone(&app, &push).await;
    let (b, wait, number) = push_sign_in(&app).await;
    let id = request_id(&wait).to_owned();

    // The push arrives, encrypted for the subscription, signed (VAPID).
    let (pushed, message) = push.message(0).await;
    assert_eq!(message["request"], id.as_str());
    assert!(message["text"].as_str().unwrap().contains("alice.martin"));
    assert_eq!(pushed.headers["content-encoding"], "aes128gcm");
    assert_eq!(pushed.headers["ttl"], "120");
    let auth = pushed.headers["authorization"].to_str().unwrap();
    let (jwt, k) = auth
        .strip_prefix("vapid t=")
        .unwrap()
        .split_once(", k=")
        .unwrap();
    let (signed, signature) = jwt.rsplit_once('.').unwrap();
    let vapid = VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    vapid.verify(signed.as_bytes(), &signature).unwrap();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signed.split_once('.').unwrap().1)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], format!("http://{}", push.addr));
    let home = phone.get("/companion").await;
    assert_eq!(
        home.body.matches("name=\"number\"").count(),
        3,
        "three numbers"
    );
    assert!(home.body.contains(&format!("value=\"{number}\"")));
    assert!(home.body.contains("Sign-in to alice.martin"));
    // Nobody else's browser can wait for it.
    let bruno = browser(&app);
    bruno.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert_eq!(
        bruno
            .get(&format!("/account/confirm/push/{id}"))
            .await
            .status,
        404
    );
    let polled: Value = serde_json::from_str(&phone.get("/companion/requests").await.body).unwrap();
    assert_eq!(polled["requests"][0], id.as_str());

    // Server-sent events tell the waiting page when it is answered.
    let mut events = b
        .stream(&format!("/login/second-factor/push/{id}/events"))
        .await;
    let first = String::from_utf8(events.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(
        first.contains("event: state") && first.contains("data: waiting"),
        "{first}"
    );

    let r = answer(&phone, &mut key, &id, "approve", &number).await;
    assert_eq!(
        r.location(),
        Some("/companion?answered=approved"),
        "{}",
        r.body
    );
    let mut seen = String::new();
    while !seen.contains("data: approved") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), events.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }

    // The waiting browser takes the approval once and is signed in.
    let before = b.cookie(SESSION).unwrap();
    let r = b.get(&wait).await;
    assert_eq!(r.location(), Some("/"));
    assert_ne!(b.cookie(SESSION).unwrap(), before, "a new session id");
    assert_eq!(b.get("/account").await.status, 200);
    let after = b.cookie(SESSION).unwrap();
    b.get(&wait).await;
    assert_eq!(b.cookie(SESSION).unwrap(), after, "an approval serves once");
    let r = answer(&phone, &mut key, &id, "approve", &number).await;
    assert!(r.body.contains("no longer waiting"), "answered once");
    let kinds = audit_kinds(&app, "alice.martin").await;
    for kind in [
        "mfa.push-requested",
        "mfa.push-approved",
        "signin.second-factor",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }

    // The step-up goes the same way.
    app.clock.advance(SignedDuration::from_mins(6));
    let page = b.get("/account/confirm?next=/account/security").await;
    let at = page.body.find("/account/confirm/push").unwrap();
    let method = between(&page.body[at..], "name=\"method\" value=\"", "\"").to_owned();
    let r = b
        .submit(
            "/account/confirm",
            "/account/confirm/push",
            &[("method", &method), ("next", "/account/security")],
        )
        .await;
    let wait = r.location().unwrap().to_owned();
    let page = b.get(&wait).await;
    let number = between(&page.body, "data-number=\"", "\"").to_owned();
    let id = wait["/account/confirm/push/".len()..wait.find('?').unwrap()].to_owned();
    let home = phone.get("/companion").await;
    assert!(home.body.contains("Confirmation for alice.martin"));
    answer(&phone, &mut key, &id, "approve", &number).await;
    assert_eq!(b.get(&wait).await.location(), Some("/account/security"));
}

#[espace_testkit::test]
async fn refusals_end_the_request_count_and_alert(engine: Engine) {
    let push = PushService::start().await;
    let app = spawn(engine).await;
    let (phone, mut key) = link_phone(&app, &push).await;
    let refused_mails = || async {
        app.outbox()
            .await
            .iter()
            .filter(|m| m.kind == "push-refused")
            .count()
    };

    // A wrong number: refused, over, counted, told.
    let (b, wait, number) = push_sign_in(&app).await;
    let id = request_id(&wait).to_owned();
    let home = phone.get("/companion").await;
    let wrong = between(
        &home.body.replace(&format!("value=\"{number}\""), ""),
        "name=\"number\" value=\"",
        "\"",
    )
    .to_owned();
    assert_ne!(wrong, number);
    let r = answer(&phone, &mut key, &id, "approve", &wrong).await;
    assert!(
        r.body.contains("That was not the number on the screen"),
        "{}",
        r.body
    );
    // The request is over: the summary links to no field that is gone.
    assert!(!r.body.contains("href=\"#number\""), "{}", r.body);
    assert!(
        !r.body.contains(&format!("value=\"{number}\"")),
        "the request is no longer shown"
    );
    assert!(b.get(&wait).await.body.contains("was not this one"));
    assert_eq!(refused_mails().await, 1);
    let r = answer(&phone, &mut key, &id, "approve", &number).await;
    assert!(r.body.contains("no longer waiting"));

    // No number chosen: asked again, nothing spent.
    let (wait, number) = request_push(&b).await;
    let id = request_id(&wait).to_owned();
    let r = answer(&phone, &mut key, &id, "approve", "").await;
    assert!(r.body.contains("Choose the number shown"), "{}", r.body);
    // The request is still there: the summary leads to its numbers.
    assert!(
        r.body.contains("href=\"#number\"") && r.body.contains("id=\"number\""),
        "{}",
        r.body
    );

    // A passkey that is not the phone's, or without user verification.
    let mut stranger = SoftPasskey::new(ORIGIN);
    let r = answer(&phone, &mut stranger, &id, "approve", &number).await;
    assert!(r.body.contains("not accepted"), "{}", r.body);
    key.verify_user = false;
    let r = answer(&phone, &mut key, &id, "approve", &number).await;
    assert!(r.body.contains("not accepted"), "{}", r.body);
    key.verify_user = true;

    // Another phone sees nothing and cannot answer.
    let other = browser(&app);
    assert!(other.get("/companion").await.body.contains("not linked"));
    let r = answer(&other, &mut key, &id, "deny", "").await;
    assert!(r.body.contains("no longer waiting"));

    // Deny: over, counted, told.
    let r = answer(&phone, &mut key, &id, "deny", "").await;
    assert_eq!(r.location(), Some("/companion?answered=denied"));
    assert!(b.get(&wait).await.body.contains("denied on your phone"));
    assert_eq!(refused_mails().await, 2);

    // Expiry after two minutes.
    let (wait, _) = request_push(&b).await;
    let id = request_id(&wait).to_owned();
    app.clock.advance(SignedDuration::from_secs(121));
    assert!(b.get(&wait).await.body.contains("expired before"));
    let r = answer(&phone, &mut key, &id, "deny", "").await;
    assert!(r.body.contains("no longer waiting"));

    // A newer request replaces the older one.
    let (older, _) = request_push(&b).await;
    let (newer, _) = request_push(&b).await;
    assert!(b.get(&older).await.body.contains("no longer waiting"));

    // "This wasn't me": the attempt's session ends, the person is told.
    let id = request_id(&newer).to_owned();
    let r = answer(&phone, &mut key, &id, "report", "").await;
    assert_eq!(r.location(), Some("/companion?answered=reported"));
    // The computer's waiting page says why it lands on the sign-in page.
    let r = b.get(&newer).await;
    let to = r.location().unwrap().to_owned();
    assert!(to.starts_with("/login?notice=push-reported"), "{to}");
    assert!(
        b.get(&to)
            .await
            .body
            .contains("You said on your phone that this was not you")
    );
    assert!(
        b.get("/login/second-factor")
            .await
            .location()
            .unwrap()
            .starts_with("/login")
    );
    assert_eq!(refused_mails().await, 3);
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "push-refused")
        .unwrap();
    // (In French: alice never chose a language.)
    assert!(
        mail.body_text.contains("«\u{a0}Ce n’était pas moi\u{a0}»"),
        "{}",
        mail.body_text
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(kinds.iter().filter(|k| *k == "mfa.push-refused").count() >= 3);
    assert!(
        kinds
            .iter()
            .filter(|k| *k == "signin.second-factor-failed")
            .count()
            >= 3
    );
}

#[espace_testkit::test]
async fn a_password_reset_is_approved_on_the_phone(engine: Engine) {
    let push = PushService::start().await;
    let app = spawn(engine).await;
    let (phone, mut key) = link_phone(&app, &push).await;
    let b = browser(&app);
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
    let page = b.get(&path).await;
    let at = page.body.find("/factor/push").unwrap();
    let method = between(&page.body[at..], "name=\"method\" value=\"", "\"").to_owned();
    let r = b
        .submit(
            &path,
            &format!("{path}/factor/push"),
            &[("method", &method), ("next", "/")],
        )
        .await;
    let wait = r.location().unwrap().to_owned();
    let prefix = format!("{path}/factor/push/");
    assert!(wait.starts_with(&prefix), "{wait}");
    let id = wait[prefix.len()..wait.find('?').unwrap()].to_owned();
    let number = between(&b.get(&wait).await.body, "data-number=\"", "\"").to_owned();
    assert!(
        phone
            .get("/companion")
            .await
            .body
            .contains("Password reset of alice.martin")
    );
    // The same link in another browser cannot wait for it.
    assert_eq!(browser(&app).get(&wait).await.status, 404);
    answer(&phone, &mut key, &id, "approve", &number).await;
    assert_eq!(b.get(&wait).await.location(), Some(path.as_str()));
    assert!(
        b.get(&path).await.body.contains("new_password"),
        "then the password"
    );
}

/// Issue 26: signing out of Espace in the phone's browser leaves the
/// phone linked (the test browser honours Clear-Site-Data as a
/// browser does); a phone not seen for a week is named at the second
/// step, and seen again once it opens the app.
#[espace_testkit::test]
async fn a_sign_out_in_the_phones_browser_leaves_it_linked(engine: Engine) {
    let push = PushService::start().await;
    let app = spawn(engine).await;
    let (phone, mut key) = link_phone(&app, &push).await;
    let tokens = phone.cookie("espace-companion").unwrap();
    phone.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    let out = phone.submit("/", "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        phone.cookie("espace-companion"),
        Some(tokens),
        "the device tokens stay"
    );
    assert!(phone.get("/companion").await.body.contains("alice.martin"));
    let (b, wait, number) = push_sign_in(&app).await;
    let r = answer(&phone, &mut key, request_id(&wait), "approve", &number).await;
    assert_eq!(
        r.location(),
        Some("/companion?answered=approved"),
        "{}",
        r.body
    );
    assert_eq!(b.get(&wait).await.location(), Some("/"));

    // Eight days without the phone: the second step says so.
    app.clock.advance(SignedDuration::from_hours(8 * 24));
    let c = browser(&app);
    c.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = c.get("/login/second-factor").await;
    assert!(
        page.body.contains("was last seen 8 days ago"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("-unseen\""),
        "the button is described by it"
    );
    // The phone opens its app: seen.
    phone.get("/companion").await;
    let page = c.get("/login/second-factor").await;
    assert!(!page.body.contains("was last seen"), "{}", page.body);
    assert!(page.body.contains("Send a request to my phone"));
}

#[espace_testkit::test]
async fn approved_requests_do_not_count_against_the_phone_limit_but_unanswered_ones_do(
    engine: Engine,
) {
    // Issue 26, item 3: a dedicated limit (limits.push), approvals taken back.
    let push = PushService::start().await;
    let app = TestApp::spawn_with(engine, |s| {
        s.web.public_origin = Some(ORIGIN.into());
        s.notify.push.endpoint_hosts = vec!["127.0.0.1".into()];
        s.notify.push.allow_http = true;
        s.app.limits.push.per_login = espace_domain::ratelimit::RateLimit::per_hour(2);
    })
    .await;
    let (phone, mut key) = link_phone(&app, &push).await;
    // Three sign-ins approved: more than the limit, none refused.
    for _ in 0..3 {
        let (_b, wait, number) = push_sign_in(&app).await;
        let id = request_id(&wait).to_owned();
        let r = answer(&phone, &mut key, &id, "approve", &number).await;
        assert_eq!(
            r.location(),
            Some("/companion?answered=approved"),
            "{}",
            r.body
        );
    }
    // Two left unanswered spend it; the next is refused with the wait.
    let (b, _, _) = push_sign_in(&app).await;
    request_push(&b).await;
    let page = b.get("/login/second-factor").await;
    let at = page.body.find("/login/second-factor/push").unwrap();
    let method = between(&page.body[at..], "name=\"method\" value=\"", "\"").to_owned();
    let r = b
        .submit(
            "/login/second-factor",
            "/login/second-factor/push",
            &[("method", &method), ("next", "/")],
        )
        .await;
    let summary = r
        .error_summary()
        .unwrap_or_else(|| panic!("refused: {}", r.body));
    assert!(summary.contains("try again in 60 min"), "{summary}");
}
