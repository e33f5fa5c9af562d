//! The badge staff screens put on an order so that nobody asks for money twice, or forgets to:
//! "Payé en ligne" (held or taken online) or "À encaisser" (to collect at the door or the
//! counter), and the state of an online payment that went another way (voided, refunded…).

use crate::i18n::Lang;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::{PaymentMethod, PaymentStatus};
use yew::{Html, html};

/// The badge of an order's money.
#[derive(Debug)]
pub struct MoneyBadge;

impl MoneyBadge {
    /// Whether the money is already held or taken online (nothing to collect).
    pub fn settled_online(order: &Order) -> bool {
        order.payment_method == PaymentMethod::Online
            && matches!(
                order.payment_status,
                PaymentStatus::Authorised | PaymentStatus::Paid
            )
    }

    /// The badge.
    pub fn view(lang: Lang, order: &Order) -> Html {
        let kind = if Self::settled_online(order) {
            "paid"
        } else if order.payment_status == PaymentStatus::Pending
            && order.payment_method != PaymentMethod::Online
        {
            "due"
        } else {
            "other"
        };
        html! {
            <span class={format!("money money--{kind}")} data-testid={format!("money-{}", order.id.0)}
                  data-payment={order.payment_status.as_str()} data-method={order.payment_method.as_str()}>
                { lang.money_badge(order.payment_method, order.payment_status) }
            </span>
        }
    }
}
