//! SQL of the customer search: phone numbers compared on their digits only.

use ocpizza_proto::api::orders::Address;
use ocpizza_proto::{ShopId, UserId};
use sqlx::{AnyPool, Row};

/// `column` with its separators (spaces, dots, dashes, brackets, plus) removed, in SQL that
/// both databases run.
pub fn digits_of(column: &str) -> String {
    let mut sql = column.to_owned();
    for sep in [" ", ".", "-", "(", ")", "+"] {
        sql = format!("REPLACE({sql}, '{sep}', '')");
    }
    sql
}

/// A past order's contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSeen {
    /// The account that ordered, if any.
    pub customer_id: Option<UserId>,
    /// Contact name.
    pub name: String,
    /// Contact phone as given.
    pub phone: String,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Delivery address, for deliveries.
    pub address: Option<Address>,
    /// When the order was created (Unix ms).
    pub at: i64,
}

/// Orders of `shop` whose contact phone contains one of `patterns` (digits), newest first.
pub async fn contacts(
    pool: &AnyPool,
    shop: ShopId,
    patterns: (&str, &str),
) -> sqlx::Result<Vec<ContactSeen>> {
    let phone = digits_of("o.contact_phone");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT o.customer_id, o.contact_name, o.contact_phone, o.contact_email, \
         o.address_street, o.address_postcode, o.address_city, o.address_instructions, \
         o.created_at FROM orders o \
         WHERE o.shop_id = $1 AND ({phone} LIKE $2 OR {phone} LIKE $3) \
         ORDER BY o.id DESC LIMIT 500"
    )))
    .bind(shop.0)
    .bind(format!("%{}%", patterns.0))
    .bind(format!("%{}%", patterns.1))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let street: Option<String> = r.try_get("address_street")?;
        Ok(ContactSeen {
            customer_id: r.try_get::<Option<i64>, _>("customer_id")?.map(UserId),
            name: r.try_get("contact_name")?,
            phone: r.try_get("contact_phone")?,
            email: r.try_get("contact_email")?,
            address: match street {
                Some(street) => Some(Address {
                    street,
                    postcode: r
                        .try_get::<Option<String>, _>("address_postcode")?
                        .unwrap_or_default(),
                    city: r
                        .try_get::<Option<String>, _>("address_city")?
                        .unwrap_or_default(),
                    instructions: r.try_get("address_instructions")?,
                }),
                None => None,
            },
            at: r.try_get("created_at")?,
        })
    })
    .collect()
}

/// A customer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Id.
    pub id: UserId,
    /// Name.
    pub name: String,
    /// Phone as registered.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// When it was created (Unix ms).
    pub created_at: i64,
}

/// Customer accounts (not staff, not admins) whose phone contains one of `patterns`.
pub async fn accounts(
    pool: &AnyPool,
    shop: ShopId,
    patterns: (&str, &str),
) -> sqlx::Result<Vec<Account>> {
    let phone = digits_of("u.phone");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT u.id, u.name, u.phone, u.email, u.created_at FROM users u \
         WHERE u.phone IS NOT NULL AND u.is_admin = 0 \
         AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.user_id = u.id) \
         AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = u.id AND o.shop_id = $3) \
         AND ({phone} LIKE $1 OR {phone} LIKE $2) ORDER BY u.id DESC LIMIT 50"
    )))
    .bind(format!("%{}%", patterns.0))
    .bind(format!("%{}%", patterns.1))
    .bind(shop.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Account {
            id: UserId(r.try_get("id")?),
            name: r.try_get("name")?,
            phone: r.try_get("phone")?,
            email: r.try_get("email")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .collect()
}
