//! Demonstration data (SPEC §10), only with `espace serve --demo`.
//! Idempotent: fixed identifiers, so a second start changes nothing.

use espace_domain::rights::{CompanyRole, StaffRole};
use secrecy::SecretString;
use uuid::Uuid;

use crate::App;
use crate::error::AppError;
use crate::ports::{CompanyRecord, ContractRecord, LoginRecord, RightRecord};

pub const DEMO_PASSWORD: &str = "Espace#2026";

const ACME: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_a001);
const BISTRO: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_b001);

struct DemoLogin {
    id: u128,
    person: u128,
    identifier: &'static str,
    company: Option<Uuid>,
    title: &'static str,
    first_name: &'static str,
    last_name: &'static str,
    email: &'static str,
    phone: Option<&'static str>,
    role: &'static str,
}

const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        id: 0xa101,
        person: 0xe101,
        identifier: "alice.martin",
        company: Some(ACME),
        title: "mrs",
        first_name: "Alice",
        last_name: "Martin",
        email: "alice.martin@acme.example",
        phone: Some("+33612345678"),
        role: "user: invoices and consumption",
    },
    DemoLogin {
        id: 0xa102,
        person: 0xe102,
        identifier: "bruno.leroy",
        company: Some(ACME),
        title: "mr",
        first_name: "Bruno",
        last_name: "Leroy",
        email: "bruno.leroy@acme.example",
        phone: Some("+33623456789"),
        role: "company administrator and security manager",
    },
    DemoLogin {
        id: 0xb101,
        person: 0xe103,
        identifier: "chloe.dubois",
        company: Some(BISTRO),
        title: "mrs",
        first_name: "Chloé",
        last_name: "Dubois",
        email: "chloe.dubois@bistro-lumiere.example",
        phone: None,
        role: "company administrator",
    },
    // Same person as alice.martin: linked by the same verified e-mail.
    DemoLogin {
        id: 0xb102,
        person: 0xe101,
        identifier: "alice.bistro",
        company: Some(BISTRO),
        title: "mrs",
        first_name: "Alice",
        last_name: "Martin",
        email: "alice.martin@acme.example",
        phone: None,
        role: "second login of Alice Martin",
    },
    DemoLogin {
        id: 0x5101,
        person: 0xe201,
        identifier: "support.agent",
        company: None,
        title: "unspecified",
        first_name: "Samir",
        last_name: "Benali",
        email: "support.agent@provider.example",
        phone: None,
        role: "staff: support agent",
    },
    DemoLogin {
        id: 0x5102,
        person: 0xe202,
        identifier: "wam.paris",
        company: None,
        title: "mrs",
        first_name: "Wanda",
        last_name: "Moreau",
        email: "wam.paris@provider.example",
        phone: None,
        role: "staff: web account manager",
    },
    DemoLogin {
        id: 0x5103,
        person: 0xe203,
        identifier: "moderator.dsa",
        company: None,
        title: "mr",
        first_name: "Marc",
        last_name: "Durand",
        email: "moderator.dsa@provider.example",
        phone: None,
        role: "staff: DSA moderator",
    },
];

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | n)
}

/// One line per demo login, for the start-up banner.
pub fn demo_logins() -> Vec<(&'static str, &'static str)> {
    LOGINS.iter().map(|l| (l.identifier, l.role)).collect()
}

impl App {
    /// Seeds the demo data; returns whether anything was added.
    pub async fn seed_demo(&self) -> Result<bool, AppError> {
        let now = self.clock().now();
        let mut missing = Vec::new();
        {
            let mut tx = self.store().begin_read().await?;
            for l in LOGINS {
                if tx.login_by_id(id(l.id)).await?.is_none() {
                    missing.push(l);
                }
            }
        }
        if missing.is_empty() {
            return Ok(false);
        }
        // Hash before the transaction: no lock is held while hashing.
        let mut hashes = Vec::new();
        for _ in &missing {
            hashes.push(
                self.hasher()
                    .hash(SecretString::from(DEMO_PASSWORD.to_owned()))
                    .await?,
            );
        }

        let mut tx = self.store().begin().await?;
        tx.insert_company(
            &CompanyRecord {
                id: ACME,
                name: "Acme Industries".into(),
                siren: Some("552100554".into()),
                vat_number: Some("FR44552100554".into()),
                billing_address: "12 rue de la Paix, 75002 Paris".into(),
                web_account_manager_id: None,
            },
            now,
        )
        .await?;
        tx.insert_company(
            &CompanyRecord {
                id: BISTRO,
                name: "Bistro Lumière".into(),
                siren: Some("803244557".into()),
                vat_number: Some("FR61803244557".into()),
                billing_address: "3 quai Saint-Antoine, 69002 Lyon".into(),
                web_account_manager_id: None,
            },
            now,
        )
        .await?;
        for (l, hash) in missing.iter().zip(hashes) {
            tx.insert_person(id(l.person), now).await?;
            tx.insert_login(
                &LoginRecord {
                    id: id(l.id),
                    person_id: id(l.person),
                    company_id: l.company,
                    identifier: l.identifier.into(),
                    password_hash: Some(hash),
                    email: Some(l.email.into()),
                    phone: l.phone.map(Into::into),
                    title: l.title.into(),
                    first_name: l.first_name.into(),
                    last_name: l.last_name.into(),
                    locale: None,
                    disabled: false,
                    email_verified: true,
                    phone_verified: l.phone.is_some(),
                },
                now,
            )
            .await?;
        }
        let contracts = [
            (
                ACME,
                0xc101,
                "ACME-FIB-001",
                "Fibre Pro 1 Gb/s",
                Some("2027-06-30"),
                0xa102,
            ),
            (
                ACME,
                0xc102,
                "ACME-MOB-002",
                "Mobile Business 50 Go",
                Some("2027-01-31"),
                0xa102,
            ),
            (
                BISTRO,
                0xc201,
                "BIST-FIB-001",
                "Fibre Essentiel",
                None,
                0xb101,
            ),
        ];
        for (company, cid, reference, offer, end, referent) in contracts {
            tx.insert_contract(
                company,
                &ContractRecord {
                    id: id(cid),
                    reference: reference.into(),
                    offer_name: offer.into(),
                    status: "active".into(),
                    commitment_end: end.map(Into::into),
                    referent_login_id: Some(id(referent)),
                },
                Some(id(referent)),
                now,
            )
            .await?;
        }
        let grant = |contract: u128, section: &str, profile: &str| RightRecord {
            contract_id: id(contract),
            section: section.into(),
            profile: profile.into(),
        };
        for c in [0xc101, 0xc102] {
            tx.grant_right(id(0xa101), &grant(c, "invoices", "manager"))
                .await?;
            tx.grant_right(id(0xa101), &grant(c, "consumption", "visitor"))
                .await?;
            for section in espace_domain::rights::Section::ALL {
                tx.grant_right(id(0xa102), &grant(c, section.as_str(), "manager"))
                    .await?;
            }
        }
        for section in espace_domain::rights::Section::ALL {
            tx.grant_right(id(0xb101), &grant(0xc201, section.as_str(), "manager"))
                .await?;
        }
        tx.grant_right(id(0xb102), &grant(0xc201, "invoices", "visitor"))
            .await?;
        tx.grant_company_role(id(0xa102), ACME, CompanyRole::Administrator)
            .await?;
        tx.grant_company_role(id(0xa102), ACME, CompanyRole::SecurityManager)
            .await?;
        tx.grant_company_role(id(0xb101), BISTRO, CompanyRole::Administrator)
            .await?;
        tx.grant_company_role(id(0xb101), BISTRO, CompanyRole::SecurityManager)
            .await?;
        tx.grant_staff_role(id(0x5101), StaffRole::SupportAgent)
            .await?;
        tx.grant_staff_role(id(0x5102), StaffRole::WebAccountManager)
            .await?;
        tx.grant_staff_role(id(0x5103), StaffRole::Moderator)
            .await?;
        tx.set_web_account_manager(ACME, id(0x5102)).await?;
        tx.set_web_account_manager(BISTRO, id(0x5102)).await?;
        tx.commit().await?;
        Ok(true)
    }
}
