//! My company and the web account manager's inbox (SPEC §6).

use espace_testkit::{DEMO_PASSWORD, Engine, TestApp};

use crate::{audit_kinds, login_id};

#[espace_testkit::test]
async fn a_customer_writes_to_the_manager_who_answers_in_the_back_office(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = app.browser().with_header("accept-language", "en");
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = alice.get("/account/company").await;
    assert!(page.body.contains("Acme Industries") && page.body.contains("552100554"));
    assert!(
        page.body
            .contains("wam<wbr>.paris@<wbr>provider<wbr>.example"),
        "the assigned manager"
    );
    let r = alice
        .submit(
            "/account/company",
            "/account/company/contact",
            &[("message", "   ")],
        )
        .await;
    assert!(r.error_summary().unwrap().contains("Write your message."));
    let long = "x".repeat(5001);
    let r = alice
        .submit(
            "/account/company",
            "/account/company/contact",
            &[("message", &long)],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("at most 5000 characters"),
        "{}",
        r.error_summary().unwrap()
    );
    assert!(r.body.contains(&long), "nothing typed is lost");
    let r = alice
        .submit(
            "/account/company",
            "/account/company/contact",
            &[("message", "Bonjour, <b>une question</b> sur la fibre.")],
        )
        .await;
    assert_eq!(
        r.location(),
        Some("/account/company?notice=sent#conversation")
    );
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "manager-message")
        .unwrap();
    assert_eq!(mail.recipient, "wam.paris@provider.example");
    assert!(mail.body_text.contains("une question"));

    // The manager's inbox and answer.
    let wam = app.browser().with_header("accept-language", "en");
    wam.sign_in("wam.paris", DEMO_PASSWORD).await;
    let inbox = wam.get("/backoffice/messages").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains("Alice Martin") && inbox.body.contains("Awaiting your answer"));
    assert!(
        inbox
            .body
            .contains(r#"class="tag tag-action">Awaiting your answer"#),
        "what waits for the agent is tagged as such, not as OK"
    );
    let alice_id = login_id(&app, "alice.martin").await;
    let conv = format!("/backoffice/messages/{alice_id}");
    let page = wam.get(&conv).await;
    assert!(
        page.body.contains("une question") && !page.body.contains("<b>une question"),
        "escaped"
    );
    let r = wam
        .submit(
            &conv,
            &conv,
            &[("message", "Bonjour Alice, voici la réponse.")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = alice.get("/account/company").await;
    assert!(page.body.contains("voici la réponse"));
    let reply = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "manager-reply")
        .unwrap();
    assert_eq!(reply.recipient, "alice.martin@acme.example");
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(
        kinds.contains(&"company.manager-contacted".to_owned())
            && kinds.contains(&"company.manager-replied".to_owned())
    );
    let timeline = alice.get("/account/activity").await;
    assert!(
        timeline
            .body
            .contains("Answer from the web account manager")
            && timeline.body.contains("Provider staff")
    );

    // Customers and other staff have no inbox.
    assert_eq!(alice.get("/backoffice/messages").await.status, 404);
    assert_eq!(alice.get(&conv).await.status, 404);
    let support = app.browser();
    support.sign_in("support.agent", DEMO_PASSWORD).await;
    assert_eq!(support.get("/backoffice/messages").await.status, 404);
}
