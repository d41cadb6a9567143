//! A login of one company never reads or changes anything of another
//! (issue 3): every route taking an id, tried with the other company's ids
//! by its administrator, answers 404 with none of the other company's data,
//! and changes nothing.

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};

use crate::{login_id, scalar_i64};

struct Company {
    admin: &'static str,
    /// Logins of the company, and words of their data that must not leak.
    logins: [&'static str; 2],
    leaks: [&'static str; 3],
    contract: &'static str,
}

const ACME: Company = Company {
    admin: "bruno.leroy",
    logins: ["alice.martin", "bruno.leroy"],
    // (Not "alice.martin": alice.bistro, of Bistro, shares her e-mail.)
    leaks: ["bruno.leroy", "Acme Industries", "ACME-FIB-001"],
    contract: "00000000-0000-4000-8000-00000000c101",
};
const BISTRO: Company = Company {
    admin: "chloe.dubois",
    logins: ["chloe.dubois", "alice.bistro"],
    leaks: ["chloe.dubois", "Bistro Lumière", "BIST-FIB-001"],
    contract: "00000000-0000-4000-8000-00000000c201",
};

async fn state(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    (
        scalar_i64(app, "SELECT COUNT(*) FROM factor_resets").await,
        scalar_i64(app, "SELECT COUNT(*) FROM contract_rights").await,
        scalar_i64(app, "SELECT COUNT(*) FROM logins WHERE disabled").await,
        scalar_i64(app, "SELECT COUNT(*) FROM logins").await,
        scalar_i64(app, "SELECT COUNT(*) FROM sessions").await,
    )
}

async fn attack(app: &TestApp, me: &Company, other: &Company) {
    let b: Browser = app.browser().with_header("accept-language", "en");
    assert_eq!(b.sign_in(me.admin, DEMO_PASSWORD).await.status, 303);
    let victim_session = app.browser();
    victim_session.sign_in(other.logins[0], DEMO_PASSWORD).await;
    let victim_hash =
        espace_app::crypto::sha256_hex(&victim_session.cookie("__Host-espace-session").unwrap());
    let mine = login_id(app, me.logins[0]).await;
    let before = state(app).await;
    let check = |what: String, page: espace_testkit::Page| {
        assert_eq!(page.status, 404, "{what}: {}", page.status);
        for word in other.leaks {
            assert!(!page.body.contains(word), "{what} shows {word}");
        }
    };
    for login in other.logins {
        let id = login_id(app, login).await;
        let page = format!("/users/{id}");
        check(format!("GET {page}"), b.get(&page).await);
        let right = format!("right:{}:invoices", other.contract);
        check(
            format!("POST {page}/rights"),
            b.submit("/users", &format!("{page}/rights"), &[(&right, "manager")])
                .await,
        );
        check(
            format!("POST {page}/referent"),
            b.submit(
                "/users",
                &format!("{page}/referent"),
                &[("contract", other.contract)],
            )
            .await,
        );
        check(
            format!("POST {page}/remove"),
            b.submit("/users", &format!("{page}/remove"), &[]).await,
        );
        check(
            format!("GET {page}/remove (the confirmation)"),
            b.get(&format!("{page}/remove")).await,
        );
        let require = format!("/company/two-factor/logins/{id}/require");
        check(format!("GET {require}"), b.get(&require).await);
        let reset = format!("/company/two-factor/logins/{id}/reset");
        check(format!("GET {reset}"), b.get(&reset).await);
        check(
            format!("POST {reset}"),
            b.submit("/users", &reset, &[("reason", "lost")]).await,
        );
        check(
            format!("POST {reset}/withdraw"),
            b.submit("/users", &format!("{reset}/withdraw"), &[]).await,
        );
        check(
            format!("GET /backoffice/messages/{id}"),
            b.get(&format!("/backoffice/messages/{id}")).await,
        );
        check(
            format!("POST /backoffice/messages/{id}"),
            b.submit(
                "/users",
                &format!("/backoffice/messages/{id}"),
                &[("message", "hello")],
            )
            .await,
        );
    }
    // The other company's contract through the own company's logins.
    let own = format!("/users/{mine}");
    let right = format!("right:{}:invoices", other.contract);
    check(
        format!("POST {own}/rights (foreign contract)"),
        b.submit("/users", &format!("{own}/rights"), &[(&right, "visitor")])
            .await,
    );
    check(
        format!("POST {own}/referent (foreign contract)"),
        b.submit(
            "/users",
            &format!("{own}/referent"),
            &[("contract", other.contract)],
        )
        .await,
    );
    let invite = [
        ("title", "mr"),
        ("first_name", "Eve"),
        ("last_name", "Intruse"),
        ("email", "eve@example.org"),
        (right.as_str(), "visitor"),
    ];
    check(
        "POST /users/invite/confirm (foreign contract)".into(),
        b.submit("/users/invite", "/users/invite/confirm", &invite)
            .await,
    );
    check(
        "POST /account/sessions/revoke (foreign session)".into(),
        b.submit(
            "/account/sessions",
            "/account/sessions/revoke",
            &[("session", &victim_hash)],
        )
        .await,
    );
    // Pages that list things show only the own company.
    for path in [
        "/users",
        "/users?q=a",
        "/account/company",
        "/account/rights",
        "/account",
        "/",
        "/account/sessions",
        "/account/activity",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        for word in other.leaks {
            assert!(!page.body.contains(word), "{path} shows {word}");
        }
    }
    assert_eq!(state(app).await, before, "nothing changed");
    assert_eq!(victim_session.get("/").await.status, 200);
}

#[espace_testkit::test]
async fn no_route_lets_a_company_read_or_change_another_company(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    attack(&app, &BISTRO, &ACME).await;
    attack(&app, &ACME, &BISTRO).await;
}
