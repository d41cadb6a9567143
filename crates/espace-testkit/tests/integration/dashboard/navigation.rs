//! The main navigation and the staff dashboard (issue 16, items 15–16):
//! the sections a login may use come from its roles, with
//! `aria-current="page"` on every page of a section; staff get their tools.

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};

async fn signed_in(app: &TestApp, login: &str) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    assert_eq!(b.sign_in(login, DEMO_PASSWORD).await.status, 303);
    b
}

/// The links of the wide main navigation, as (href, current).
fn main_nav(body: &str) -> Vec<(String, bool)> {
    let start = body.find("class=\"main-nav").unwrap_or(body.len());
    let end = body[start..]
        .find("</nav>")
        .map_or(body.len(), |e| start + e);
    body[start..end]
        .split("<a href=\"")
        .skip(1)
        .map(|a| {
            let href = a[..a.find('"').unwrap_or(0)].to_owned();
            let tag = &a[..a.find('>').unwrap_or(0)];
            (href, tag.contains("aria-current=\"page\""))
        })
        .collect()
}

fn current(body: &str) -> Vec<String> {
    main_nav(body)
        .into_iter()
        .filter(|(_, c)| *c)
        .map(|(h, _)| h)
        .collect()
}

#[espace_testkit::test]
async fn a_customer_sees_the_dashboard_and_their_account_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = signed_in(&app, "alice.martin").await;
    let home = b.get("/").await;
    let hrefs: Vec<String> = main_nav(&home.body).into_iter().map(|(h, _)| h).collect();
    assert_eq!(hrefs, vec!["/", "/account"]);
    assert_eq!(current(&home.body), vec!["/"]);
    assert_eq!(
        current(&b.get("/account/sessions").await.body),
        vec!["/account"]
    );
    assert_eq!(b.get("/backoffice").await.status, 404);
    // The menu of small screens holds the same links, and signing out.
    assert!(home.body.contains("<details class=\"menu"));
    assert!(home.body.contains("class=\"menu-logout\""));
}

#[espace_testkit::test]
async fn an_administrator_gets_users_marked_current_on_its_pages(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = signed_in(&app, "bruno.leroy").await;
    let home = b.get("/").await;
    let hrefs: Vec<String> = main_nav(&home.body).into_iter().map(|(h, _)| h).collect();
    assert_eq!(hrefs, vec!["/", "/users", "/account"]);
    assert_eq!(current(&b.get("/users").await.body), vec!["/users"]);
    assert_eq!(current(&b.get("/users/invite").await.body), vec!["/users"]);
}

#[espace_testkit::test]
async fn staff_get_the_back_office_and_a_dashboard_of_their_tools(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let support = signed_in(&app, "support.agent").await;
    let home = support.get("/").await;
    let hrefs: Vec<String> = main_nav(&home.body).into_iter().map(|(h, _)| h).collect();
    assert_eq!(hrefs, vec!["/", "/backoffice", "/account"]);
    assert!(
        home.body.contains("href=\"/backoffice/logins\""),
        "{}",
        home.body
    );
    assert!(home.body.contains("href=\"/backoffice/recovery\""));
    assert!(!home.body.contains("href=\"/backoffice/messages\""));
    assert!(!home.body.contains("No contract is visible"));
    let office = support.get("/backoffice").await;
    assert_eq!(office.status, 200);
    assert_eq!(current(&office.body), vec!["/backoffice"]);
    assert!(office.body.contains("href=\"/backoffice/logins\""));
    assert_eq!(
        current(&support.get("/backoffice/logins").await.body),
        vec!["/backoffice"]
    );
    assert_eq!(
        current(&support.get("/backoffice/recovery").await.body),
        vec!["/backoffice"]
    );

    let wam = signed_in(&app, "wam.paris").await;
    let home = wam.get("/").await;
    assert!(home.body.contains("href=\"/backoffice/messages\""));
    assert!(!home.body.contains("href=\"/backoffice/logins\""));
    assert!(!home.body.contains("No contract is visible"));
    assert_eq!(
        current(&wam.get("/backoffice/messages").await.body),
        vec!["/backoffice"]
    );

    // A staff role without a tool yet still gets its back office, which says so.
    let moderator = signed_in(&app, "moderator.dsa").await;
    let office = moderator.get("/backoffice").await;
    assert_eq!(office.status, 200);
    assert!(
        office
            .body
            .contains("No back-office tool comes with your role yet.")
    );
}

#[espace_testkit::test]
async fn signed_out_pages_have_no_main_navigation(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let anonymous = app.browser();
    let login = anonymous.get("/login").await;
    assert!(main_nav(&login.body).is_empty());
    assert!(!login.body.contains("<details class=\"menu"));
}
