//! The checkout form: what the customer typed, the order request built from it and the cart,
//! and the server's refusals sorted by the field they concern.

use super::cart::Cart;
use super::validate::{self, Problem};
use crate::i18n::Lang;
use ocpizza_proto::api::auth::Me;
use ocpizza_proto::api::orders::{Address, Contact, PlaceOrder};
use ocpizza_proto::api::payments::Provider;
use ocpizza_proto::{ErrorBody, Fulfilment, PaymentMethod, ShopId};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Reducible;

/// A field of the checkout form (also the input's `name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Contact name.
    Name,
    /// Contact phone.
    Phone,
    /// Contact e-mail.
    Email,
    /// Street and number.
    Street,
    /// Postcode.
    Postcode,
    /// City.
    City,
    /// Floor, door code…
    Instructions,
    /// Note for the whole order.
    Note,
    /// How the customer pays.
    Payment,
    /// The cart's lines.
    Lines,
}

impl Field {
    /// The input's `name` attribute.
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Street => "street",
            Field::Postcode => "postcode",
            Field::City => "city",
            Field::Instructions => "instructions",
            Field::Note => "note",
            Field::Payment => "payment",
            Field::Lines => "lines",
        }
    }

    /// The form field a server field path (`contact.phone`, `address.postcode`, `lines[2]`…)
    /// belongs to.
    pub fn from_path(path: &str) -> Option<Field> {
        Some(match path {
            "contact" | "contact.name" => Field::Name,
            "contact.phone" => Field::Phone,
            "contact.email" => Field::Email,
            "address" | "address.street" => Field::Street,
            "address.postcode" => Field::Postcode,
            "address.city" => Field::City,
            "address.instructions" => Field::Instructions,
            "note" => Field::Note,
            "payment_method" => Field::Payment,
            p if p == "lines" || p.starts_with("lines[") => Field::Lines,
            _ => return None,
        })
    }
}

/// What the customer typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutForm {
    /// Delivery or pickup.
    pub fulfilment: Fulfilment,
    /// How they pay.
    pub payment: PaymentMethod,
    /// The provider of online payment, when the site offers it (never at the counter).
    pub online: Option<Provider>,
    /// Text inputs by field.
    pub values: BTreeMap<Field, String>,
}

/// The payment methods offered for a fulfilment, first one preselected: paying on delivery
/// or at the counter, then paying online when a provider takes online payments.
pub fn payment_methods(fulfilment: Fulfilment, online: Option<Provider>) -> Vec<PaymentMethod> {
    let later = match fulfilment {
        Fulfilment::Delivery => PaymentMethod::CashOnDelivery,
        Fulfilment::Pickup => PaymentMethod::AtCounter,
    };
    std::iter::once(later)
        .chain(online.map(|_| PaymentMethod::Online))
        .collect()
}

impl CheckoutForm {
    /// An empty form for `fulfilment`.
    pub fn new(fulfilment: Fulfilment) -> CheckoutForm {
        CheckoutForm {
            fulfilment,
            payment: payment_methods(fulfilment, None)[0],
            online: None,
            values: BTreeMap::new(),
        }
    }

    /// The text of `field`.
    pub fn get(&self, field: Field) -> &str {
        self.values.get(&field).map_or("", String::as_str)
    }

    /// Sets the text of `field`.
    pub fn set(&mut self, field: Field, value: String) {
        self.values.insert(field, value);
    }

    /// Switches between delivery and pickup, keeping the payment method only if it still fits.
    pub fn set_fulfilment(&mut self, fulfilment: Fulfilment) {
        self.fulfilment = fulfilment;
        self.fit_payment();
    }

    /// The methods offered now.
    pub fn methods(&self) -> Vec<PaymentMethod> {
        payment_methods(self.fulfilment, self.online)
    }

    /// Keeps the payment method only if it is still offered.
    fn fit_payment(&mut self) {
        let methods = self.methods();
        if !methods.contains(&self.payment) {
            self.payment = methods[0];
        }
    }

    /// Fills the contact fields still empty from the account.
    pub fn prefill(&mut self, me: &Me) {
        let from_account = [
            (Field::Name, Some(me.name.clone())),
            (Field::Phone, me.phone.clone()),
            (Field::Email, Some(me.email.clone())),
        ];
        for (field, value) in from_account {
            if let Some(value) = value
                && self.get(field).trim().is_empty()
            {
                self.set(field, value);
            }
        }
    }

    fn text(&self, field: Field) -> String {
        self.get(field).trim().to_owned()
    }

    fn optional(&self, field: Field) -> Option<String> {
        Some(self.text(field)).filter(|t| !t.is_empty())
    }

    /// The order request for `shop` with the cart's lines.
    pub fn to_request(&self, shop: ShopId, cart: &Cart) -> PlaceOrder {
        let address = (self.fulfilment == Fulfilment::Delivery).then(|| Address {
            street: self.text(Field::Street),
            postcode: self.text(Field::Postcode),
            city: self.text(Field::City),
            instructions: self.optional(Field::Instructions),
        });
        PlaceOrder {
            shop_id: shop,
            fulfilment: self.fulfilment,
            address,
            contact: Some(Contact {
                name: self.text(Field::Name),
                phone: self.text(Field::Phone),
                email: self.optional(Field::Email),
            }),
            lines: cart.to_inputs(),
            note: self.optional(Field::Note),
            payment_method: self.payment,
            channel: None,
        }
    }
}

/// Changes to the form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormAction {
    /// A text input changed.
    Set(Field, String),
    /// Delivery or pickup chosen.
    Fulfilment(Fulfilment),
    /// Payment method chosen.
    Payment(PaymentMethod),
    /// The account became known: fill the empty contact fields.
    Prefill(Box<Me>),
    /// Starts a new order (the counter, after one was sent): empty fields, same fulfilment.
    Reset,
    /// The site's online payment became known: its provider, or none.
    Offer(Option<Provider>),
}

impl Reducible for CheckoutForm {
    type Action = FormAction;

    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            FormAction::Set(field, value) => next.set(field, value),
            FormAction::Fulfilment(f) => next.set_fulfilment(f),
            FormAction::Payment(p) if next.methods().contains(&p) => {
                next.payment = p;
            }
            FormAction::Payment(_) => return self,
            FormAction::Prefill(me) => next.prefill(&me),
            FormAction::Reset => {
                let online = next.online;
                next = CheckoutForm::new(next.fulfilment);
                next.online = online;
            }
            FormAction::Offer(provider) => {
                next.online = provider;
                next.fit_payment();
            }
        }
        Rc::new(next)
    }
}

/// A refusal sorted out: problems by field, and what concerns the order as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormErrors {
    /// Problem per field.
    pub fields: BTreeMap<Field, String>,
    /// Line index → problem (a line of the cart).
    pub lines: BTreeMap<usize, String>,
    /// Shown above the submit button.
    pub general: Option<String>,
}

/// The index in `lines[3]` or `lines[3].quantity`.
fn line_index(path: &str) -> Option<usize> {
    path.strip_prefix("lines[")?.split(']').next()?.parse().ok()
}

impl FormErrors {
    /// Sorts the server's error body, in `lang`: field problems go by their field; the code's
    /// text goes to the general error unless every problem is already shown by a field. The
    /// server's English words are never shown.
    pub fn from_body(body: &ErrorBody, lang: Lang) -> FormErrors {
        let mut errors = FormErrors::default();
        let mut unplaced = false;
        for (path, message) in body.error.fields.iter().flatten() {
            if let Some(i) = line_index(path) {
                errors
                    .lines
                    .insert(i, lang.errors().line_refused.to_owned());
            }
            match Field::from_path(path) {
                Some(Field::Lines) | None => unplaced = true,
                Some(field) => {
                    errors
                        .fields
                        .insert(field, lang.problem(&validate::from_server(message)));
                }
            }
        }
        if unplaced || errors.fields.is_empty() {
            errors.general = Some(lang.error(body.error.code).to_owned());
        }
        errors
    }

    /// The problems found in the browser, in `lang`.
    pub fn from_problems(problems: &BTreeMap<Field, Problem>, lang: Lang) -> FormErrors {
        FormErrors {
            fields: problems
                .iter()
                .map(|(field, p)| (*field, lang.problem(p)))
                .collect(),
            lines: BTreeMap::new(),
            general: (!problems.is_empty()).then(|| lang.errors().check_fields.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::cart::CartAction;
    use ocpizza_proto::{ErrorCode, ErrorDetail, PizzaId, UserId};

    fn body(code: ErrorCode, fields: &[(&str, &str)]) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: "refused".into(),
                fields: (!fields.is_empty()).then(|| {
                    fields
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect()
                }),
            },
        }
    }

    #[test]
    fn field_problems_go_next_to_their_input() {
        let errors = FormErrors::from_body(
            &body(
                ErrorCode::InvalidInput,
                &[
                    ("contact.phone", "must be a phone number"),
                    ("address.postcode", "Pizza 11 does not deliver to 75020"),
                ],
            ),
            Lang::Fr,
        );
        assert_eq!(
            errors.fields[&Field::Phone],
            "Numéro de téléphone invalide (exemple : 06 12 34 56 78)."
        );
        assert_eq!(
            errors.fields[&Field::Postcode],
            "Cette pizzeria ne livre pas ce code postal."
        );
        assert_eq!(errors.general, None);
    }

    #[test]
    fn a_shortage_names_its_line_and_is_shown_for_the_whole_form() {
        let errors = FormErrors::from_body(
            &body(
                ErrorCode::OutOfStock,
                &[("lines[1]", "not enough mozzarella")],
            ),
            Lang::Fr,
        );
        assert_eq!(errors.lines[&1], "Cette ligne ne peut pas être commandée.");
        assert_eq!(
            errors.general.as_deref(),
            Some("Plus assez d'ingrédients pour une pizza du panier.")
        );
        let errors = FormErrors::from_body(&body(ErrorCode::ShopClosed, &[]), Lang::En);
        assert_eq!(
            errors.general.as_deref(),
            Some("The pizzeria is closed at this hour.")
        );
    }

    #[test]
    fn the_request_carries_an_address_only_for_deliveries() {
        let cart = Rc::new(Cart::default()).reduce(CartAction::Add(PizzaId(4), "medium".into()));
        let mut form = CheckoutForm::new(Fulfilment::Delivery);
        form.set(Field::Name, " Ada ".into());
        form.set(Field::Street, "1 rue de la Paix".into());
        form.set(Field::Email, "  ".into());
        let req = form.to_request(ShopId(1), &cart);
        assert_eq!(req.address.as_ref().unwrap().street, "1 rue de la Paix");
        assert_eq!(req.payment_method, PaymentMethod::CashOnDelivery);
        let contact = req.contact.unwrap();
        assert_eq!((contact.name.as_str(), contact.email), ("Ada", None));
        assert_eq!(req.lines.len(), 1);
        form.set_fulfilment(Fulfilment::Pickup);
        let req = form.to_request(ShopId(1), &cart);
        assert_eq!(req.address, None);
        assert_eq!(req.payment_method, PaymentMethod::AtCounter);
    }

    #[test]
    fn a_payment_method_that_does_not_fit_the_fulfilment_is_refused() {
        let form = Rc::new(CheckoutForm::new(Fulfilment::Pickup))
            .reduce(FormAction::Payment(PaymentMethod::CashOnDelivery));
        assert_eq!(form.payment, PaymentMethod::AtCounter);
        let form = form.reduce(FormAction::Fulfilment(Fulfilment::Delivery));
        assert_eq!(form.payment, PaymentMethod::CashOnDelivery);
    }

    #[test]
    fn online_payment_is_offered_only_when_a_provider_takes_it() {
        let form = Rc::new(CheckoutForm::new(Fulfilment::Delivery));
        assert_eq!(form.methods(), [PaymentMethod::CashOnDelivery]);
        let refused = form
            .clone()
            .reduce(FormAction::Payment(PaymentMethod::Online));
        assert_eq!(
            refused.payment,
            PaymentMethod::CashOnDelivery,
            "not offered"
        );
        let form = form
            .reduce(FormAction::Offer(Some(Provider::Stripe)))
            .reduce(FormAction::Payment(PaymentMethod::Online));
        assert_eq!(
            form.methods(),
            [PaymentMethod::CashOnDelivery, PaymentMethod::Online]
        );
        let cart = Rc::new(Cart::default()).reduce(CartAction::Add(PizzaId(4), "medium".into()));
        let form = form.reduce(FormAction::Fulfilment(Fulfilment::Pickup));
        assert_eq!(
            form.payment,
            PaymentMethod::Online,
            "online fits a pickup too"
        );
        assert_eq!(
            form.to_request(ShopId(1), &cart).payment_method,
            PaymentMethod::Online
        );
        // The provider goes away (configuration read again): back to paying at the counter.
        let form = form.reduce(FormAction::Offer(None));
        assert_eq!(form.payment, PaymentMethod::AtCounter);
    }

    #[test]
    fn the_account_fills_only_empty_contact_fields() {
        let me = Me {
            id: UserId(2),
            email: "ada@example.fr".into(),
            name: "Ada".into(),
            phone: Some("0611223344".into()),
            admin: false,
            roles: vec![],
        };
        let form = Rc::new(CheckoutForm::new(Fulfilment::Pickup))
            .reduce(FormAction::Set(Field::Name, "Ada L.".into()))
            .reduce(FormAction::Prefill(Box::new(me)));
        assert_eq!(form.get(Field::Name), "Ada L.");
        assert_eq!(form.get(Field::Phone), "0611223344");
        assert_eq!(form.get(Field::Email), "ada@example.fr");
    }
}
