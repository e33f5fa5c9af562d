//! The payment step of checkout, its own section so that online payment fits in later: it
//! lists the methods the chosen fulfilment allows and reports the choice.

use super::use_session;
use crate::state::checkout::payment_methods;
use ocpizza_proto::{Fulfilment, PaymentMethod};
use yew::{Callback, Html, Properties, component, html};

/// Props of [`PaymentStep`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// Delivery or pickup (decides the methods offered).
    pub fulfilment: Fulfilment,
    /// The method chosen.
    pub selected: PaymentMethod,
    /// A method was chosen.
    pub on_select: Callback<PaymentMethod>,
    /// The server's problem with the payment, if any.
    #[prop_or_default]
    pub error: Option<String>,
}

fn wire_name(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Online => "online",
        PaymentMethod::CashOnDelivery => "cash_on_delivery",
        PaymentMethod::AtCounter => "at_counter",
        PaymentMethod::CardOnDelivery => "card_on_delivery",
    }
}

/// How the customer pays.
#[component]
pub fn PaymentStep(props: &Props) -> Html {
    let lang = use_session().lang;
    let t = lang.texts();
    html! {
        <fieldset class="step payment">
            <legend>{ t.payment }</legend>
            { for payment_methods(props.fulfilment).iter().map(|&method| {
                let id = format!("payment-{}", wire_name(method));
                let onchange = props.on_select.reform(move |_| method);
                html! {
                    <div class="choice">
                        <input type="radio" name="payment" id={id.clone()} value={wire_name(method)}
                               checked={props.selected == method} {onchange}
                               data-testid={id.clone()} />
                        <label for={id}>{ lang.payment(method) }</label>
                    </div>
                }
            }) }
            if let Some(error) = &props.error {
                <p class="field-error" role="alert">{ error }</p>
            }
        </fieldset>
    }
}
