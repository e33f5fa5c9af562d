//! The thank-you on the tracker right after ordering: the order is in, what happens next, and
//! until when it can still be changed.

use super::use_session;
use ocpizza_proto::Fulfilment;
use yew::{Html, Properties, component, html};

/// Props of [`OrderThanks`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// Pickup or delivery: what the page will tell next.
    pub fulfilment: Fulfilment,
    /// Whether the viewer may change or cancel the order from this page.
    pub may_change: bool,
}

/// "Merci ! … la cuisine va commencer … vous pouvez la modifier jusqu'à …".
#[component]
pub fn OrderThanks(props: &Props) -> Html {
    let o = use_session().lang.ordering();
    let next = match props.fulfilment {
        Fulfilment::Pickup => o.we_tell_pickup,
        Fulfilment::Delivery => o.we_tell_delivery,
    };
    html! {
        <div class="thanks" data-testid="order-thanks">
            <p><strong>{ o.thanks }</strong></p>
            <p>{ format!("{} {next}", o.kitchen_next) }</p>
            if props.may_change {
                <p>{ o.change_until }</p>
            }
        </div>
    }
}
