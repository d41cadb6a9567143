//! Users and rights (SPEC §6, `/users`).

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};

use crate::{audit_kinds, login_id, scalar_i64};

const FIBRE: &str = "00000000-0000-4000-8000-00000000c101";
const MOBILE: &str = "00000000-0000-4000-8000-00000000c102";

async fn bruno(app: &TestApp) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    assert_eq!(b.sign_in("bruno.leroy", DEMO_PASSWORD).await.status, 303);
    b
}

#[espace_testkit::test]
async fn an_administrator_invites_a_user_who_chooses_a_password(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = bruno(&app).await;
    let list = b.get("/users").await;
    assert!(list.body.contains("alice.martin") && list.body.contains("bruno.leroy"));
    assert!(
        !list.body.contains("chloe.dubois") && !list.body.contains("alice.bistro"),
        "own company only"
    );
    assert!(b.get("/users?q=ALICE").await.body.contains("1 login."));

    // Step one refuses what is wrong, keeping what was typed.
    let r = b
        .submit(
            "/users/invite",
            "/users/invite",
            &[
                ("title", "mrs"),
                ("first_name", "Jeanne"),
                ("last_name", ""),
                ("email", "jeanne@"),
            ],
        )
        .await;
    let s = r.error_summary().unwrap();
    assert!(
        s.contains("Enter the last name.") && s.contains("Enter an e-mail address like"),
        "{s}"
    );
    assert!(r.body.contains("value=\"Jeanne\""));
    let person = [
        ("title", "mrs"),
        ("first_name", "Jeanne"),
        ("last_name", "Petit"),
        ("email", "jeanne.petit@acme.example"),
    ];
    let step2 = b.submit("/users/invite", "/users/invite", &person).await;
    assert!(
        step2.body.contains("Step 2 of 2")
            && step2.body.contains(&format!("right:{FIBRE}:invoices"))
    );
    let field = format!("right:{FIBRE}:invoices");
    let mut fields = person.to_vec();
    fields.push((&field, "visitor"));
    let r = b
        .submit("/users/invite", "/users/invite/confirm", &fields)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().unwrap().ends_with("?notice=invited"));
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "invitation")
        .unwrap();
    assert_eq!(mail.recipient, "jeanne.petit@acme.example");
    assert!(
        mail.body_text.contains("jeanne.petit"),
        "the identifier is in the mail"
    );

    // The invitee chooses a password through the single-use link.
    let link = app.last_link("invitation", "/invitation/").await;
    let path = &link[link.find("/invitation/").unwrap()..];
    let jeanne = app.browser().with_header("accept-language", "en");
    let r = jeanne
        .submit(
            path,
            path,
            &[("new_password", "court"), ("new_password_confirm", "court")],
        )
        .await;
    // The summary counts the broken rules; the field lists them (issue 16 item 10).
    assert!(r.error_summary().unwrap().contains("does not follow"));
    assert!(r.body.contains("<li>It has fewer than 8 characters.</li>"));
    let r = jeanne
        .submit(
            path,
            path,
            &[
                ("new_password", "Jeanne#2026x"),
                ("new_password_confirm", "Jeanne#2026x"),
            ],
        )
        .await;
    assert!(
        r.body.contains("<li>It contains"),
        "her own name is refused: {}",
        r.body
    );
    let r = jeanne
        .submit(
            path,
            path,
            &[
                ("new_password", "Fibre#Lumen42"),
                ("new_password_confirm", "Fibre#Lumen42"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/login?notice=password-set"));
    assert_eq!(jeanne.get(path).await.status, 404, "single use");
    assert_eq!(
        jeanne.sign_in("jeanne.petit", "Fibre#Lumen42").await.status,
        303
    );
    let rights = jeanne.get("/account/rights").await;
    assert!(rights.body.contains("ACME-FIB-001") && !rights.body.contains("ACME-MOB-002"));
    let kinds = audit_kinds(&app, "jeanne.petit").await;
    assert_eq!(
        kinds[..2],
        ["users.invited".to_owned(), "password.set".to_owned()]
    );
    let timeline = jeanne.get("/account/activity").await;
    assert!(timeline.body.contains("Your company administrator"));

    // Inviting the same address again reuses the login.
    let mobile = format!("right:{MOBILE}:consumption");
    let mut fields = person.to_vec();
    fields.push((&mobile, "manager"));
    let r = b
        .submit("/users/invite", "/users/invite/confirm", &fields)
        .await;
    assert!(r.location().unwrap().ends_with("?notice=rights-added"));
    assert_eq!(
        scalar_i64(
            &app,
            "SELECT COUNT(*) FROM logins WHERE email_norm = 'jeanne.petit@acme.example'"
        )
        .await,
        1
    );
}

#[espace_testkit::test]
async fn nobody_grants_what_they_do_not_hold_and_only_administrators_manage(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = app.browser().with_header("accept-language", "en");
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    // Not an administrator: the pages do not exist for her.
    assert_eq!(alice.get("/users").await.status, 404);
    assert_eq!(alice.get("/users/invite").await.status, 404);
    // Make Alice an administrator who holds only her own rights.
    let alice_id = login_id(&app, "alice.martin").await;
    let bruno_id = login_id(&app, "bruno.leroy").await;
    // (The demo gave her invoices: manager and consumption: visitor.)
    crate::exec(&app, &format!("INSERT INTO company_roles (login_id, company_id, role) VALUES ({}, {}, 'administrator')", crate::uuid_sql(&app, alice_id), crate::uuid_sql(&app, uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_a001)))).await;
    let user = format!("/users/{bruno_id}");
    let page = alice.get(&user).await;
    assert_eq!(page.status, 200);
    let give =
        |section: &str, profile: &str| (format!("right:{FIBRE}:{section}"), profile.to_owned());
    // Not on Bruno's contracts section (she holds nothing there), nor
    // raising her own consumption right from visitor to manager.
    let own = format!("/users/{alice_id}");
    for (page, section, profile) in [
        (&user, "contracts", "visitor"),
        (&own, "consumption", "manager"),
    ] {
        let (k, v) = give(section, profile);
        let r = alice
            .submit(page, &format!("{page}/rights"), &[(&k, &v)])
            .await;
        let summary = r
            .error_summary()
            .unwrap_or_else(|| panic!("{} {:?}", r.status, r.location()));
        assert!(
            summary.contains("You cannot give a right you do not hold yourself."),
            "{section}"
        );
    }
    let (k, v) = give("invoices", "visitor");
    let r = alice
        .submit(&user, &format!("{user}/rights"), &[(&k, &v)])
        .await;
    assert_eq!(r.status, 303, "she holds invoices as manager");
    assert!(
        audit_kinds(&app, "bruno.leroy")
            .await
            .contains(&"users.rights-changed".to_owned())
    );
}

#[espace_testkit::test]
async fn the_referent_is_handed_over_before_access_is_removed(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = bruno(&app).await;
    let alice = app.browser();
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    let alice_id = login_id(&app, "alice.martin").await;
    let bruno_id = login_id(&app, "bruno.leroy").await;
    let page = format!("/users/{alice_id}");
    let r = b
        .submit(&page, &format!("{page}/referent"), &[("contract", FIBRE)])
        .await;
    assert_eq!(r.status, 303);
    let r = b.submit(&page, &format!("{page}/remove"), &[]).await;
    assert!(
        r.error_summary().unwrap().contains("hand that role over"),
        "a referent keeps access"
    );
    let back = format!("/users/{bruno_id}");
    b.submit(&back, &format!("{back}/referent"), &[("contract", FIBRE)])
        .await;
    let r = b.submit(&back, &format!("{back}/remove"), &[]).await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("You cannot remove your own access.")
    );
    let r = b.submit(&page, &format!("{page}/remove"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(alice.get("/").await.status, 303, "her sessions ended");
    assert_eq!(
        app.browser()
            .sign_in("alice.martin", DEMO_PASSWORD)
            .await
            .status,
        200,
        "she can no longer sign in"
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(
        kinds.contains(&"users.referent-changed".to_owned())
            && kinds.contains(&"users.access-removed".to_owned())
    );
    assert!(b.get("/users").await.body.contains("Access removed"));
}
