//! Durable delivery (SPEC §9) against real peers: an SMTP server (Python
//! aiosmtpd) and an HTTP SMS gateway, including either being down.

use std::sync::{Arc, Mutex};

use espace_notify::{SmsGatewayConfig, SmtpConfig, SmtpSecurity};
use espace_testkit::{DEMO_PASSWORD, Engine, SmtpServer, TestApp, free_port};
use jiff::SignedDuration;

fn smtp(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        username: None,
        password_file: None,
        timeout_secs: 5,
    }
}

async fn change_password(app: &TestApp, login: &str, new: &str) {
    change_password_from(app, login, DEMO_PASSWORD, new).await
}

async fn change_password_from(app: &TestApp, login: &str, current: &str, new: &str) {
    let b = app.browser();
    let signed = b.sign_in(login, current).await;
    assert_eq!(signed.status, 303, "{login}: {}", signed.body);
    let r = b
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[espace_testkit::test]
async fn an_e_mail_reaches_a_real_smtp_server_in_text_and_html(engine: Engine) {
    let server = SmtpServer::start(free_port()).await;
    let port = server.port;
    let app = TestApp::spawn_with(engine, |s| s.notify.smtp = Some(smtp(port))).await;
    change_password(&app, "alice.martin", "Nouveau#2026x").await;
    let report = app.app.deliver_due().await.unwrap();
    assert_eq!(report.sent, 1);
    let mails = server.messages();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(
        m.header("To")
            .unwrap()
            .contains("alice.martin@acme.example")
    );
    assert!(m.header("Subject").is_some());
    let id = app.outbox().await[0].id;
    assert!(
        m.header("Message-ID").unwrap().contains(&id.to_string()),
        "the outbox id is the Message-ID"
    );
    assert!(m.raw.contains("multipart/alternative") && m.raw.contains("text/html"));
    assert!(m.text().contains("alice.martin"), "{}", m.text());
    let row = &app.outbox().await[0];
    assert_eq!(row.status, "sent");
    assert_eq!(
        row.body_text, "",
        "bodies are dropped once sent outside the demo outbox"
    );
}

#[espace_testkit::test]
async fn messages_queued_while_the_server_is_down_all_arrive_once_it_is_back(engine: Engine) {
    let port = free_port();
    let app = TestApp::spawn_with(engine, |s| s.notify.smtp = Some(smtp(port))).await;
    change_password(&app, "alice.martin", "Nouveau#2026x").await;
    change_password(&app, "bruno.leroy", "Nouveau#2026y").await;
    change_password(&app, "chloe.dubois", "Nouveau#2026z").await;

    // The server is down: nothing is lost, everything waits.
    let r = app.app.deliver_due().await.unwrap();
    assert_eq!((r.sent, r.retried, r.failed), (0, 3, 0));
    let rows = app.outbox().await;
    assert!(
        rows.iter()
            .all(|m| m.status == "pending" && m.attempts == 1 && m.last_error.is_some())
    );

    let mut server = SmtpServer::start(port).await;
    // Back-off: not before the retry time.
    assert_eq!(app.app.deliver_due().await.unwrap().sent, 0);
    app.clock.advance(SignedDuration::from_secs(6));
    let r = app.app.deliver_due().await.unwrap();
    assert_eq!((r.sent, r.retried), (3, 0));
    assert_eq!(app.app.deliver_due().await.unwrap().sent, 0, "never twice");
    let mails = server.messages();
    assert_eq!(mails.len(), 3);
    for who in [
        "alice.martin@acme.example",
        "bruno.leroy@acme.example",
        "chloe.dubois@bistro-lumiere.example",
    ] {
        assert_eq!(
            mails
                .iter()
                .filter(|m| m.header("To").unwrap().contains(who))
                .count(),
            1,
            "{who}"
        );
    }

    // Down again, twice: the wait doubles.
    server.stop();
    // (A new browser: the new-device notice joins the password notice.)
    change_password_from(&app, "alice.martin", "Nouveau#2026x", "Encore#2026x").await;
    assert_eq!(app.app.deliver_due().await.unwrap().retried, 2);
    app.clock.advance(SignedDuration::from_secs(6));
    assert_eq!(app.app.deliver_due().await.unwrap().retried, 2);
    app.clock.advance(SignedDuration::from_secs(6));
    server.resume().await;
    assert_eq!(
        app.app.deliver_due().await.unwrap().sent,
        0,
        "second wait is 10 s"
    );
    app.clock.advance(SignedDuration::from_secs(5));
    assert_eq!(app.app.deliver_due().await.unwrap().sent, 2);
    let kinds: Vec<String> = app
        .outbox()
        .await
        .iter()
        .take(2)
        .map(|m| m.kind.clone())
        .collect();
    assert!(
        kinds.contains(&"new-device".to_owned()) && kinds.contains(&"password-changed".to_owned()),
        "{kinds:?}"
    );
    assert_eq!(server.messages().len(), 5);
}

#[derive(Clone, Default)]
struct Gateway {
    calls: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    fail_first: Arc<Mutex<u32>>,
}

async fn gateway(g: Gateway) -> String {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(
            move |headers: HeaderMap, body: axum::Json<serde_json::Value>| {
                let g = g.clone();
                async move {
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    g.calls.lock().unwrap().push((key, body.0));
                    let mut fail = g.fail_first.lock().unwrap();
                    if *fail > 0 {
                        *fail -= 1;
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    StatusCode::ACCEPTED
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/sms")
}

#[espace_testkit::test]
async fn an_sms_goes_through_the_gateway_retried_with_the_same_idempotency_key(engine: Engine) {
    let g = Gateway::default();
    *g.fail_first.lock().unwrap() = 1;
    let url = gateway(g.clone()).await;
    let app = TestApp::spawn_with(engine, |s| {
        s.notify.sms = Some(SmsGatewayConfig {
            url,
            token_file: None,
            timeout_secs: 5,
        })
    })
    .await;
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "06 98 76 54 32")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = app.app.deliver_due().await.unwrap();
    assert_eq!(r.retried, 1, "the gateway answered 503");
    app.clock.advance(SignedDuration::from_secs(6));
    assert_eq!(app.app.deliver_due().await.unwrap().sent, 1);
    let calls = g.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].0, calls[1].0, "same idempotency key on retry");
    assert_eq!(calls[1].1["to"], "+33698765432");
    let text = calls[1].1["text"].as_str().unwrap();
    assert!(
        text.split(|c: char| !c.is_ascii_digit())
            .any(|w| w.len() == 6),
        "{text}"
    );
    assert_eq!(
        app.outbox().await[0].body_text,
        "",
        "the code is not kept once sent"
    );
}

#[espace_testkit::test]
async fn the_demo_outbox_exists_only_in_demo_mode(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    b.submit(
        "/account/contact",
        "/account/contact/email",
        &[("email", "alice@new.example")],
    )
    .await;
    let code = app.last_code_to("alice@new.example").await;
    let page = app.browser().get("/dev/outbox").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("alice@new.example") && page.body.contains(&code));
    let id = app.outbox().await[0].id;
    let html = app.browser().get(&format!("/dev/outbox/{id}")).await;
    assert!(
        html.header("content-security-policy")
            .unwrap()
            .contains("sandbox")
    );
    let prod = app.browser_without_demo().await;
    assert_eq!(prod.get("/dev/outbox").await.status, 404);
    assert_eq!(prod.get(&format!("/dev/outbox/{id}")).await.status, 404);
}
