//! The payment step of checkout: the methods the chosen fulfilment allows (paying on delivery
//! or at the counter, and paying online when the site offers it) and the choice made.

use super::use_session;
use crate::state::checkout::payment_methods;
use ocpizza_proto::api::payments::Provider;
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
    /// The provider of online payment, when the site offers it.
    #[prop_or_default]
    pub online: Option<Provider>,
    /// The server's problem with the payment, if any.
    #[prop_or_default]
    pub error: Option<String>,
}

/// How the customer pays.
#[component]
pub fn PaymentStep(props: &Props) -> Html {
    let lang = use_session().lang;
    let t = lang.texts();
    html! {
        <fieldset class="step payment">
            <legend>{ t.payment }</legend>
            { for payment_methods(props.fulfilment, props.online).into_iter().map(|method| {
                let id = format!("payment-{}", method.as_str());
                let onchange = props.on_select.reform(move |_| method);
                let label = match (method, props.online) {
                    (PaymentMethod::Online, Some(provider)) => lang.pay_online_with(provider),
                    _ => lang.payment(method),
                };
                html! {
                    <div class="choice">
                        <input type="radio" name="payment" id={id.clone()} value={method.as_str()}
                               checked={props.selected == method} {onchange}
                               data-testid={id.clone()} />
                        <label for={id}>{ label }</label>
                    </div>
                }
            }) }
            if props.selected == PaymentMethod::Online {
                <p class="hint">{ lang.pay().online_hint }</p>
            }
            if let Some(error) = &props.error {
                <p class="field-error" role="alert">{ error }</p>
            }
        </fieldset>
    }
}
