//! The security timeline (issue 16 item 17): pages of 25 with links that
//! keep the filters, filters by kind and period, clear answers to bad
//! addresses, only the person's own events, the role of whoever acted on
//! the login and a reference that support finds in the back office.

use espace_app::audit::{AuditKind, ClientInfo};
use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::login_id;

async fn en(app: &TestApp, login: &str) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    assert_eq!(b.sign_in(login, DEMO_PASSWORD).await.status, 303, "{login}");
    b
}

/// Records `n` events of `kind` on `login`, a minute apart.
async fn record(app: &TestApp, login: &str, kind: AuditKind, n: usize) {
    let id = login_id(app, login).await;
    let client = ClientInfo::new("192.0.2.7", "Test/1.0", "req");
    for _ in 0..n {
        app.app
            .record(kind, Some(id), &client, serde_json::Value::Null)
            .await
            .unwrap();
        app.clock.advance(SignedDuration::from_mins(1));
    }
}

fn rows(body: &str) -> usize {
    body.matches("<th scope=\"row\"").count()
}

/// The address of a pager link (`rel` is `prev` or `next`), if shown.
fn link(body: &str, rel: &str) -> Option<String> {
    let at = body.find(&format!("rel=\"{rel}\""))?;
    let start = body[..at].rfind("href=\"")? + 6;
    let end = body[start..].find('"')? + start;
    Some(body[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

/// The references shown on a page, in order.
fn references(body: &str) -> Vec<String> {
    body.match_indices("class=\"reference\">")
        .map(|(i, m)| body[i + m.len()..i + m.len() + 14].to_owned())
        .collect()
}

#[espace_testkit::test]
async fn the_timeline_shows_25_events_a_page_with_older_and_newer_links(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    record(&app, "alice.martin", AuditKind::SignInFailed, 40).await;
    let b = en(&app, "alice.martin").await;
    let first = b.get("/account/activity").await;
    assert_eq!(first.status, 200);
    assert_eq!(rows(&first.body), 25);
    assert!(
        link(&first.body, "prev").is_none(),
        "nothing newer than the newest"
    );
    let older = link(&first.body, "next").expect("older link");
    assert!(older.starts_with("/account/activity?before="), "{older}");
    assert!(
        first
            .body
            .contains("aria-label=\"Older events: next page\"")
    );
    let second = b.get(&older).await;
    assert_eq!(second.status, 200);
    let total = rows(&first.body) + rows(&second.body);
    assert!(total >= 41, "every event once: {total}");
    let (a, z) = (references(&first.body), references(&second.body));
    assert!(a.iter().all(|r| !z.contains(r)), "no event on two pages");
    assert!(link(&second.body, "next").is_none(), "the oldest page");
    let newer = link(&second.body, "prev").expect("newer link");
    assert!(newer.starts_with("/account/activity?after="), "{newer}");
    let back = b.get(&newer).await;
    assert_eq!(
        references(&back.body),
        a,
        "newer leads back to the same page"
    );
    assert!(link(&back.body, "prev").is_none());
}

#[espace_testkit::test]
async fn the_filters_narrow_by_kind_and_period_and_pages_keep_them(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    record(&app, "alice.martin", AuditKind::PasswordChangeFailed, 3).await;
    app.clock.advance(SignedDuration::from_hours(24 * 40));
    record(&app, "alice.martin", AuditKind::PasswordChangeFailed, 2).await;
    record(&app, "alice.martin", AuditKind::SignInFailed, 30).await;
    let b = en(&app, "alice.martin").await;
    let password = b.get("/account/activity?kind=password").await.body;
    assert_eq!(rows(&password), 5, "{password}");
    assert_eq!(password.matches("Password change refused").count(), 5);
    assert!(
        password.contains("<option value=\"password\" selected>"),
        "the choice is kept"
    );
    let recent = b
        .get("/account/activity?kind=password&period=30d")
        .await
        .body;
    assert_eq!(rows(&recent), 2);
    assert!(recent.contains("<option value=\"30d\" selected>"));
    // A filter that matches more than a page: its links keep it.
    let signins = b
        .get("/account/activity?kind=sign-ins&period=7d")
        .await
        .body;
    assert_eq!(rows(&signins), 25);
    assert!(!signins.contains("Password change refused"));
    let older = link(&signins, "next").unwrap();
    assert!(
        older.contains("kind=sign-ins") && older.contains("period=7d"),
        "{older}"
    );
    let next = b.get(&older).await.body;
    assert!(rows(&next) >= 5 && !next.contains("Password change refused"));
    let newer =
        link(&next, "prev").unwrap_or_else(|| panic!("{}", &next[next.find("<main").unwrap()..]));
    assert!(
        newer.contains("kind=sign-ins") && newer.contains("period=7d"),
        "{newer}"
    );
    // Nothing matches: said so.
    let none = b.get("/account/activity?kind=recovery").await.body;
    assert_eq!(rows(&none), 0);
    assert!(none.contains("No event matches these filters."));
    // French.
    let fr = app.browser().with_header("accept-language", "fr");
    fr.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = fr
        .get("/account/activity?kind=methods&period=12m")
        .await
        .body;
    assert!(page.contains("Double authentification et codes") && page.contains("12 derniers mois"));
}

#[espace_testkit::test]
async fn bad_timeline_addresses_are_told_never_a_server_error(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = en(&app, "alice.martin").await;
    let r = b.get("/account/activity?kind=everything").await;
    assert_eq!(r.status, 400);
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Choose a kind of event from the list.")
    );
    assert!(
        r.body.contains("href=\"#kind\"") && r.body.contains("aria-describedby=\"kind-error\"")
    );
    assert!(r.body.contains("<title>Error: "), "the title says so");
    assert!(rows(&r.body) > 0, "the events are still shown");
    let r = b.get("/account/activity?period=forever").await;
    assert_eq!(r.status, 400);
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Choose a period from the list.")
    );
    assert!(r.body.contains("aria-describedby=\"period-error\""));
    // A control character is refused before any page, plainly.
    assert_eq!(b.get("/account/activity?after=%00").await.status, 400);
    for bad in [
        "before=nope",
        "before=00000000-0000-0000-0000-000000000000",
        "kind=password&kind=rights",
        "period=%FF",
    ] {
        let r = b.get(&format!("/account/activity?{bad}")).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(
            r.error_summary().is_some(),
            "{bad}: {}",
            &r.body[r.body.find("<main").unwrap_or(0)..]
        );
        assert!(rows(&r.body) > 0, "{bad}");
    }
    let fr = app.browser().with_header("accept-language", "fr");
    fr.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = fr.get("/account/activity?kind=tout").await;
    assert_eq!(r.status, 400);
    assert!(
        r.error_summary()
            .unwrap()
            .contains("Choisissez un type d’événement dans la liste.")
    );
}

#[espace_testkit::test]
async fn a_person_never_sees_another_s_events_nor_pages_through_them(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    record(&app, "bruno.leroy", AuditKind::PasswordChangeFailed, 30).await;
    let bruno = en(&app, "bruno.leroy").await;
    let his = bruno.get("/account/activity").await.body;
    let his_refs = references(&his);
    let his_cursor = link(&his, "next").unwrap();
    let alice = en(&app, "alice.martin").await;
    for q in ["", "?kind=password", "?period=7d", "?kind=by-others"] {
        let mine = alice.get(&format!("/account/activity{q}")).await.body;
        assert!(!mine.contains("Password change refused"), "{q}");
        assert!(
            references(&mine).iter().all(|r| !his_refs.contains(r)),
            "{q}"
        );
    }
    // His cursor in her address: not hers, so the newest of her own.
    let r = alice.get(&his_cursor).await;
    assert_eq!(r.status, 400);
    assert!(r.error_summary().unwrap().contains("no longer exists"));
    assert!(!r.body.contains("Password change refused"));
}

#[espace_testkit::test]
async fn staff_actions_name_the_role_and_support_finds_them_by_reference(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Support, then the company's security manager, unlock alice after
    // a wrong password.
    let alice_id = login_id(&app, "alice.martin").await;
    let (lock, unlock) = (
        format!("/logins/{alice_id}/lock"),
        format!("/logins/{alice_id}/unlock"),
    );
    app.browser().sign_in("alice.martin", "Wrong#2026x").await;
    let support = en(&app, "support.agent").await;
    assert_eq!(support.submit(&lock, &unlock, &[]).await.status, 303);
    app.browser().sign_in("alice.martin", "Wrong#2026y").await;
    let bruno = en(&app, "bruno.leroy").await;
    assert_eq!(bruno.submit(&lock, &unlock, &[]).await.status, 303);
    let alice = en(&app, "alice.martin").await;
    let page = alice.get("/account/activity?kind=by-others").await.body;
    assert_eq!(rows(&page), 2, "{page}");
    assert_eq!(page.matches("Login unlocked").count(), 2, "{page}");
    assert!(page.contains("Provider staff (support agent)"), "{page}");
    assert!(page.contains("s security manager"), "{page}");
    assert!(!page.contains("Failed sign-in"), "only what others did");
    // The reference on the security manager's line.
    let at = page.find("s security manager").unwrap();
    let reference = references(&page[at..])[0].clone();
    assert_eq!(reference.len(), 14, "{reference}");
    // Support types it however: lower case, spaces.
    let typed = reference.to_lowercase().replace('-', " ");
    let found = support
        .get(&format!(
            "/backoffice/events?reference={}",
            typed.replace(' ', "+")
        ))
        .await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("Login unlocked"), "{}", found.body);
    assert!(found.body.contains("alice.martin") && found.body.contains(&reference));
    assert!(
        found
            .body
            .contains("Bruno Leroy (the company’s security manager)"),
        "{}",
        found.body
    );
    assert!(
        support
            .get("/backoffice")
            .await
            .body
            .contains("/backoffice/events"),
        "a tool of support"
    );
    // Not a reference, an unknown one.
    let bad = support.get("/backoffice/events?reference=XYZ").await;
    assert_eq!(bad.status, 400);
    assert!(bad.error_summary().unwrap().contains("12 characters"));
    assert!(bad.body.contains("aria-invalid=\"true\""));
    let none = support
        .get("/backoffice/events?reference=0000-0000-0000")
        .await;
    assert_eq!(none.status, 200);
    assert!(none.body.contains("No event has this reference."));
    // Nobody else looks events up: not found.
    for who in ["alice.martin", "bruno.leroy", "wam.paris"] {
        let b = en(&app, who).await;
        let r = b
            .get(&format!("/backoffice/events?reference={reference}"))
            .await;
        assert_eq!(r.status, 404, "{who}");
    }
}
