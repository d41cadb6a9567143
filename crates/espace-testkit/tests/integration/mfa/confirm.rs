//! Destructive actions ask first (issue 16 item 12): removing a person's
//! access, turning off a two-factor requirement and removing a method each
//! have a confirmation page (GET) that names what will happen, authorised
//! as the action itself; and the company two-factor page written for its
//! security manager (item 9).

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};

use crate::mfa::security::{oathtool, start};
use crate::{audit_kinds, login_id};

const FIBRE: &str = "00000000-0000-4000-8000-00000000c101";

async fn signed_in(app: &TestApp, login: &str, lang: &str) -> Browser {
    let b = app.browser().with_header("accept-language", lang);
    assert_eq!(b.sign_in(login, DEMO_PASSWORD).await.status, 303, "{login}");
    b
}

async fn company_of(app: &TestApp, login: &str) -> uuid::Uuid {
    let sql = "SELECT company_id FROM logins WHERE identifier_norm = $1";
    espace_testkit::with_pool!(app, |pool| sqlx::query_scalar(sql)
        .bind(login)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// The id that follows `prefix` in `body` (a link).
fn id_after(body: &str, prefix: &str) -> String {
    let at = body.find(prefix).unwrap_or_else(|| panic!("no {prefix}")) + prefix.len();
    body[at..at + 36].to_owned()
}

#[espace_testkit::test]
async fn removing_access_is_confirmed_on_a_page_that_names_the_person(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = signed_in(&app, "bruno.leroy", "en").await;
    let alice = signed_in(&app, "alice.martin", "en").await;
    let alice_id = login_id(&app, "alice.martin").await;
    let bruno_id = login_id(&app, "bruno.leroy").await;
    let page = format!("/users/{alice_id}");
    let confirm = format!("{page}/remove");
    // The user page links to the confirmation; it does not remove.
    let user = b.get(&page).await.body;
    assert!(user.contains(&format!("href=\"{confirm}\"")), "{user}");
    assert!(
        !user.contains(&format!("action=\"{confirm}\"")),
        "no one-click removal"
    );
    // A referent: the page says why not yet, with no button.
    assert_eq!(
        b.submit(&page, &format!("{page}/referent"), &[("contract", FIBRE)])
            .await
            .status,
        303
    );
    let r = b.get(&confirm).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("Remove Alice Martin’s access?"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Alice Martin — Remove access — Espace"),
        "the title names her"
    );
    assert!(r.body.contains("referent of these contracts"));
    assert!(!r.body.contains(&format!("action=\"{confirm}\"")));
    let back = format!("/users/{bruno_id}");
    assert_eq!(
        b.submit(&back, &format!("{back}/referent"), &[("contract", FIBRE)])
            .await
            .status,
        303
    );
    // Now what happens, a button posting with its token, and the way back.
    let r = b.get(&confirm).await;
    assert!(
        r.body
            .contains("their login is disabled: they can no longer sign in")
    );
    assert!(r.body.contains("every session they have open ends at once"));
    assert!(
        r.body
            .contains(&format!("<form method=\"post\" action=\"{confirm}\""))
    );
    assert!(r.body.contains("name=\"csrf_token\""));
    assert!(r.body.contains(&format!("<a href=\"{page}\">Cancel</a>")));
    // Looking at it changed nothing.
    assert_eq!(
        alice.get("/").await.status,
        200,
        "her session is still open"
    );
    assert!(
        !audit_kinds(&app, "alice.martin")
            .await
            .contains(&"users.access-removed".to_owned())
    );
    // In French.
    let fr = signed_in(&app, "bruno.leroy", "fr").await;
    let r = fr.get(&confirm).await;
    assert!(
        r.body.contains("Retirer l’accès de Alice Martin\u{a0}?"),
        "{}",
        r.body
    );
    assert!(r.body.contains(">Annuler</a>"));
    // One's own login has nothing to confirm; someone without the right
    // does not even see the question.
    assert_eq!(
        b.get(&format!("{back}/remove")).await.location(),
        Some(back.as_str())
    );
    assert_eq!(alice.get(&format!("{back}/remove")).await.status, 404);
    assert_eq!(
        b.get("/users/00000000-0000-4000-8000-00000000beef/remove")
            .await
            .status,
        404
    );
    // The confirmation's button does it, audited as before.
    let r = b.submit(&confirm, &confirm, &[]).await;
    assert_eq!(
        r.location(),
        Some(format!("{page}?notice=removed").as_str())
    );
    assert_eq!(alice.get("/").await.status, 303, "her sessions ended");
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"users.access-removed".to_owned())
    );
    // Removed: nothing left to confirm.
    assert_eq!(b.get(&confirm).await.location(), Some(page.as_str()));
}

#[espace_testkit::test]
async fn turning_a_requirement_off_is_confirmed_with_the_logins_it_releases(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = signed_in(&app, "bruno.leroy", "en").await;
    let fr = signed_in(&app, "bruno.leroy", "fr").await;
    // A rule for everyone covers the manager too: he has a method first.
    let (path, key) = start(&b).await;
    b.submit(
        &path,
        &path,
        &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
    )
    .await;
    let r = b
        .submit(
            "/company/two-factor",
            "/company/two-factor/rules",
            &[("scope", "company"), ("deadline", "")],
        )
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=forced"));
    let page = b.get("/company/two-factor").await.body;
    let rule = id_after(&page, "href=\"/company/two-factor/rules/");
    let confirm = format!("/company/two-factor/rules/{rule}/remove");
    assert!(
        !page.contains(&format!("action=\"{confirm}\"")),
        "no one-click turning off"
    );
    let r = b.get(&confirm).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("<h1>Turn off this requirement?</h1>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Every login of the company"));
    assert!(
        r.body
            .contains("these logins are no longer required to use two-factor authentication")
    );
    let released = r.body.split("id=\"released\"").nth(1).unwrap();
    assert!(
        released.contains("<li>alice.martin</li>") && released.contains("<li>bruno.leroy</li>")
    );
    assert!(
        !released.contains("chloe.dubois"),
        "another company's login"
    );
    assert!(
        r.body
            .contains(&format!("<form method=\"post\" action=\"{confirm}\""))
    );
    assert!(
        r.body
            .contains("<a href=\"/company/two-factor\">Cancel</a>")
    );
    // A second rule covering Alice: turning the first off no longer releases her.
    let alice = login_id(&app, "alice.martin").await.to_string();
    let require = format!("/company/two-factor/logins/{alice}/require");
    b.submit(
        &require,
        "/company/two-factor/rules",
        &[("scope", "login"), ("login", &alice)],
    )
    .await;
    let released = b.get(&confirm).await.body;
    let released = released.split("id=\"released\"").nth(1).unwrap();
    assert!(
        !released.contains("<li>alice.martin</li>") && released.contains("<li>bruno.leroy</li>")
    );
    // French (the manager's other session owes his new second factor:
    // the language is switched on this one).
    drop(fr);
    b.submit("/", "/language", &[("lang", "fr"), ("return_to", "/")])
        .await;
    let r = b.get(&confirm).await;
    assert!(
        r.body.contains("Désactiver cette obligation\u{a0}?"),
        "{} {:?}",
        r.status,
        r.location()
    );
    b.submit("/", "/language", &[("lang", "en"), ("return_to", "/")])
        .await;
    // Authorised as turning it off: not for others, not an unknown rule,
    // support only by naming the company.
    // (Alice now owes a method: a customer without the right is tried in
    // the method test; here another company's manager.)
    let chloe = signed_in(&app, "chloe.dubois", "en").await;
    assert_eq!(chloe.get(&confirm).await.status, 404);
    assert_eq!(chloe.get(&require).await.status, 404);
    assert_eq!(
        b.get("/company/two-factor/rules/00000000-0000-4000-8000-00000000beef/remove")
            .await
            .status,
        404
    );
    let support = signed_in(&app, "support.agent", "en").await;
    assert_eq!(support.get(&confirm).await.status, 404);
    let acme = company_of(&app, "bruno.leroy").await;
    let r = support.get(&format!("{confirm}?company={acme}")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains(&format!("name=\"company\" value=\"{acme}\""))
    );
    // Looking changed nothing; the button turns it off, audited as before.
    assert!(b.get("/company/two-factor").await.body.contains(&confirm));
    let r = b.submit(&confirm, &confirm, &[]).await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=removed"));
    assert!(!b.get("/company/two-factor").await.body.contains(&confirm));
    assert!(
        audit_kinds(&app, "bruno.leroy")
            .await
            .contains(&"mfa.unforced".to_owned())
    );
}

#[espace_testkit::test]
async fn removing_a_method_is_confirmed_and_the_last_required_one_says_why_not(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = signed_in(&app, "alice.martin", "en").await;
    let (path, key) = start(&b).await;
    b.submit(
        &path,
        &path,
        &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
    )
    .await;
    let page = b.get("/account/security").await.body;
    let method = id_after(&page, "href=\"/account/security/methods/");
    let confirm = format!("/account/security/methods/{method}/remove");
    assert!(
        !page.contains(&format!("action=\"{confirm}\"")),
        "no one-click removal"
    );
    let r = b.get(&confirm).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Remove the method “Phone”?"), "{}", r.body);
    assert!(r.body.contains("it is your last method"));
    assert!(
        r.body
            .contains(&format!("<form method=\"post\" action=\"{confirm}\""))
    );
    assert!(r.body.contains("<a href=\"/account/security\">Cancel</a>"));
    let fr = signed_in(&app, "alice.martin", "fr").await;
    assert!(
        fr.get(&confirm)
            .await
            .body
            .contains("Supprimer la méthode «\u{a0}Phone\u{a0}»\u{a0}?")
    );
    // Someone else's method, or another action: not found.
    let bruno = signed_in(&app, "bruno.leroy", "en").await;
    assert_eq!(bruno.get(&confirm).await.status, 404);
    assert_eq!(
        b.get(&format!("/account/security/methods/{method}/default"))
            .await
            .status,
        404
    );
    // Required, and her only method: the page says why it stays.
    let id = login_id(&app, "alice.martin").await.to_string();
    let r = bruno
        .submit(
            &format!("/company/two-factor/logins/{id}/require"),
            "/company/two-factor/rules",
            &[("scope", "login"), ("login", &id)],
        )
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=forced"));
    let r = b.get(&confirm).await;
    assert!(r.body.contains("it cannot be removed"), "{}", r.body);
    assert!(!r.body.contains(&format!("action=\"{confirm}\"")));
    assert!(r.body.contains("href=\"/account/security#add\""));
}

#[espace_testkit::test]
async fn the_company_two_factor_page_speaks_to_its_security_manager(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = signed_in(&app, "bruno.leroy", "en").await;
    let alice = login_id(&app, "alice.martin").await;
    let bruno = login_id(&app, "bruno.leroy").await;
    let page = b.get("/company/two-factor").await.body;
    // Wording for the manager, not "ask your security manager".
    assert!(
        page.contains("As the security manager, you decide"),
        "{page}"
    );
    assert!(!page.contains("Ask your security manager"));
    assert!(!page.contains("ask your security manager"));
    // One form per kind of rule, no login select defaulting to himself.
    assert!(page.contains("id=\"rule-company\"") && page.contains("id=\"rule-rights\""));
    assert!(
        !page.contains("name=\"scope\" value=\"login\""),
        "no login choice in the forms"
    );
    assert!(!page.contains("type=\"radio\""));
    let company_form = page
        .split("id=\"rule-company\"")
        .nth(1)
        .unwrap()
        .split("</form>")
        .next()
        .unwrap();
    assert!(
        !company_form.contains("<select"),
        "no select of another choice"
    );
    // A row action per login: Require where not required; Reset methods
    // only where there are methods (none yet: no reset anywhere).
    assert!(page.contains(&format!("/company/two-factor/logins/{alice}/require")));
    assert!(page.contains(&format!("/company/two-factor/logins/{bruno}/require")));
    assert!(
        !page.contains("/reset\""),
        "no reset for a login with no method"
    );
    // Once Alice has a method, her row offers the reset; once required, no Require.
    let a = signed_in(&app, "alice.martin", "en").await;
    let (path, key) = start(&a).await;
    a.submit(
        &path,
        &path,
        &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
    )
    .await;
    // A customer without the right sees neither page.
    assert_eq!(
        a.get(&format!("/company/two-factor/logins/{bruno}/require"))
            .await
            .status,
        404
    );
    let page = b.get("/company/two-factor").await.body;
    assert!(page.contains(&format!("/company/two-factor/logins/{alice}/reset\"")));
    assert!(page.contains("Not required: the methods set up only confirm sensitive actions"));
    let require = format!("/company/two-factor/logins/{alice}/require");
    let r = b.get(&require).await;
    assert!(
        r.body
            .contains("Require two-factor authentication for Alice Martin"),
        "{}",
        r.body
    );
    assert!(r.body.contains("This login already has a method"));
    let r = b
        .submit(
            &require,
            "/company/two-factor/rules",
            &[("scope", "login"), ("login", &alice.to_string())],
        )
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=forced"));
    let page = b.get("/company/two-factor").await.body;
    assert!(!page.contains(&require), "already required");
    assert!(
        b.get(&require)
            .await
            .body
            .contains("already required for this login")
    );
    // A refused deadline comes back on the form it came from.
    let own = format!("/company/two-factor/logins/{bruno}/require");
    let r = b
        .submit(
            &own,
            "/company/two-factor/rules",
            &[
                ("scope", "login"),
                ("login", &bruno.to_string()),
                ("deadline", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("href=\"#deadline\""), "{}", r.body);
    assert!(r.body.contains("This is your own login."));
    let r = b
        .submit(
            "/company/two-factor",
            "/company/two-factor/rules",
            &[
                ("scope", "rights"),
                ("section", "invoices"),
                ("profile", "any"),
                ("deadline", "nope"),
            ],
        )
        .await;
    assert!(
        r.body.contains("href=\"#rights-deadline\"")
            && r.body.contains("id=\"rights-deadline-error\"")
    );
    assert!(r.body.contains("value=\"nope\""), "what was typed is kept");
    let r = b
        .submit(
            "/company/two-factor",
            "/company/two-factor/rules",
            &[("scope", "company"), ("deadline", "2020-01-01")],
        )
        .await;
    assert!(
        r.body.contains("href=\"#company-deadline\"")
            && r.body.contains("id=\"company-deadline-error\"")
    );
    // His own request is not "sent to your security manager": My security
    // offers to require it himself, and the request leads there.
    let security = b.get("/account/security").await.body;
    assert!(security.contains(&format!("href=\"{own}\"")), "{security}");
    assert!(!security.contains("action=\"/account/security/request\""));
    let r = b
        .submit("/account/security", "/account/security/request", &[])
        .await;
    assert_eq!(r.location(), Some(own.as_str()));
    assert!(
        !audit_kinds(&app, "bruno.leroy")
            .await
            .contains(&"mfa.requested".to_owned())
    );
    assert!(
        !b.get("/account/two-factor")
            .await
            .body
            .contains("Ask your security manager")
    );
    // Support's view is worded for support.
    let support = signed_in(&app, "support.agent", "en").await;
    let acme = company_of(&app, "bruno.leroy").await;
    let page = support
        .get(&format!("/company/two-factor?company={acme}"))
        .await
        .body;
    assert!(
        page.contains("You are viewing this company as support"),
        "{page}"
    );
    assert!(!page.contains("As the security manager, you decide"));
    // French.
    let fr = signed_in(&app, "bruno.leroy", "fr").await;
    let page = fr.get("/company/two-factor").await.body;
    assert!(page.contains("En tant que gestionnaire de sécurité, vous décidez"));
    assert!(!page.contains("Demandez à votre gestionnaire de sécurité"));
}
