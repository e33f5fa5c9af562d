//! The shop form of the administration screens (new shop, settings) as typed: text fields,
//! amounts in euros as written ("2,50"), postcodes separated by commas and the week's slots;
//! turned into the API's requests, and the server's field errors put back on the fields.

use ocpizza_proto::api::shops::{NewShop, Shop, ShopPatch};
use ocpizza_proto::{Money, OpeningHours, OpeningSlot};
use std::collections::BTreeMap;

/// One slot of the week as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotDraft {
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    /// `HH:MM`.
    pub opens: String,
    /// `HH:MM`.
    pub closes: String,
}

/// The form's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopDraft {
    /// Name.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Phone.
    pub phone: String,
    /// IANA time zone.
    pub timezone: String,
    /// Delivered postcodes, separated by commas.
    pub delivery_postcodes: String,
    /// Minimum delivery, in euros as typed.
    pub min_delivery_order: String,
    /// Delivery fee, in euros as typed.
    pub delivery_fee: String,
    /// The week's slots.
    pub slots: Vec<SlotDraft>,
}

impl Default for ShopDraft {
    /// An empty form for a new shop in Paris time, open for lunch and dinner every day.
    fn default() -> Self {
        let slots = (1..=7)
            .flat_map(|weekday| {
                [("11:30", "14:30"), ("18:00", "22:30")].map(|(opens, closes)| SlotDraft {
                    weekday,
                    opens: opens.into(),
                    closes: closes.into(),
                })
            })
            .collect();
        ShopDraft {
            name: String::new(),
            street: String::new(),
            postcode: String::new(),
            city: String::new(),
            phone: String::new(),
            timezone: "Europe/Paris".into(),
            delivery_postcodes: String::new(),
            min_delivery_order: "0".into(),
            delivery_fee: "0".into(),
            slots,
        }
    }
}

/// `Money` as typed in a form: `"2,50"`, whole euros without decimals.
pub fn euros(money: Money) -> String {
    let (whole, cents) = (money.0 / 100, money.0 % 100);
    if cents == 0 {
        whole.to_string()
    } else {
        format!("{whole},{cents:02}")
    }
}

/// An amount typed in euros (`2`, `2,5`, `2.50`); `None` when it is not one.
pub fn parse_euros(text: &str) -> Option<Money> {
    let text = text.trim().replace(['€', ' '], "").replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || fraction.len() > 2 || whole.len() > 7 {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    Some(Money(whole * 100 + cents))
}

/// The field a server's error path belongs to (`delivery_postcodes[2]` → `delivery_postcodes`).
pub fn field_of(path: &str) -> &str {
    path.split('[').next().unwrap_or(path)
}

/// Amount fields the browser could not read.
pub type Unreadable = Vec<&'static str>;

impl ShopDraft {
    /// The form filled with a shop's settings.
    pub fn of(shop: &Shop) -> ShopDraft {
        ShopDraft {
            name: shop.name.clone(),
            street: shop.street.clone(),
            postcode: shop.postcode.clone(),
            city: shop.city.clone(),
            phone: shop.phone.clone(),
            timezone: shop.timezone.clone(),
            delivery_postcodes: shop.delivery_postcodes.join(", "),
            min_delivery_order: euros(shop.min_delivery_order),
            delivery_fee: euros(shop.delivery_fee),
            slots: shop
                .hours
                .0
                .iter()
                .map(|s| SlotDraft {
                    weekday: s.weekday,
                    opens: s.opens.clone(),
                    closes: s.closes.clone(),
                })
                .collect(),
        }
    }

    fn hours(&self) -> OpeningHours {
        OpeningHours(
            self.slots
                .iter()
                .map(|s| OpeningSlot {
                    weekday: s.weekday,
                    opens: s.opens.trim().to_owned(),
                    closes: s.closes.trim().to_owned(),
                })
                .collect(),
        )
    }

    fn postcodes(&self) -> Vec<String> {
        self.delivery_postcodes
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn amounts(&self) -> Result<(Money, Money), Unreadable> {
        let min = parse_euros(&self.min_delivery_order);
        let fee = parse_euros(&self.delivery_fee);
        match (min, fee) {
            (Some(min), Some(fee)) => Ok((min, fee)),
            _ => Err([
                min.is_none().then_some("min_delivery_order"),
                fee.is_none().then_some("delivery_fee"),
            ]
            .into_iter()
            .flatten()
            .collect()),
        }
    }

    /// The creation request; the amount fields the browser cannot read otherwise.
    pub fn to_new(&self) -> Result<NewShop, Unreadable> {
        let (min_delivery_order, delivery_fee) = self.amounts()?;
        Ok(NewShop {
            name: self.name.clone(),
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            phone: self.phone.clone(),
            timezone: self.timezone.clone(),
            hours: self.hours(),
            delivery_postcodes: self.postcodes(),
            min_delivery_order,
            delivery_fee,
        })
    }

    /// The settings request with every field; the amount fields it cannot read otherwise.
    pub fn to_patch(&self) -> Result<ShopPatch, Unreadable> {
        let (min, fee) = self.amounts()?;
        Ok(ShopPatch {
            name: Some(self.name.clone()),
            phone: Some(self.phone.clone()),
            hours: Some(self.hours()),
            delivery_postcodes: Some(self.postcodes()),
            street: Some(self.street.clone()),
            postcode: Some(self.postcode.clone()),
            city: Some(self.city.clone()),
            timezone: Some(self.timezone.clone()),
            min_delivery_order: Some(min),
            delivery_fee: Some(fee),
        })
    }
}

/// Field → text shown next to it, from the server's field errors, with `own` texts for the
/// fields whose server message the generic reading does not know.
pub fn field_errors(
    server: &BTreeMap<String, String>,
    own: impl Fn(&str) -> Option<&'static str>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, text) in server {
        let field = field_of(path).to_owned();
        let text = own(&field).map_or_else(|| text.clone(), str::to_owned);
        out.entry(field).or_insert(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_typed_in_euros_and_refused_when_they_are_not() {
        assert_eq!(parse_euros("2,50"), Some(Money(250)));
        assert_eq!(parse_euros("2.5"), Some(Money(250)));
        assert_eq!(parse_euros(" 15 € "), Some(Money(1500)));
        assert_eq!(parse_euros("0"), Some(Money(0)));
        for bad in ["", "-2", "2,505", "deux", "1e3"] {
            assert_eq!(parse_euros(bad), None, "{bad}");
        }
        assert_eq!(euros(Money(250)), "2,50");
        assert_eq!(euros(Money(1500)), "15");
    }

    #[test]
    fn the_form_becomes_a_request_and_server_errors_land_on_their_fields() {
        let draft = ShopDraft {
            name: "Bastille".into(),
            delivery_postcodes: "75011, 75012;75004".into(),
            delivery_fee: "2,50".into(),
            ..ShopDraft::default()
        };
        let new = draft.to_new().unwrap();
        assert_eq!(new.delivery_postcodes, ["75011", "75012", "75004"]);
        assert_eq!(new.delivery_fee, Money(250));
        assert_eq!(new.hours.0.len(), 14);
        let bad = ShopDraft {
            min_delivery_order: "beaucoup".into(),
            ..draft
        };
        assert_eq!(bad.to_patch().unwrap_err(), ["min_delivery_order"]);
        let server = BTreeMap::from([
            (
                "delivery_postcodes[1]".to_owned(),
                "must be a 5-digit postcode".to_owned(),
            ),
            (
                "timezone".to_owned(),
                "must be an IANA time zone".to_owned(),
            ),
        ]);
        let shown = field_errors(&server, |f| (f == "timezone").then_some("Fuseau inconnu"));
        assert_eq!(shown["timezone"], "Fuseau inconnu");
        assert!(shown.contains_key("delivery_postcodes"));
    }
}
