//! An order's online payment on the managers' dashboard: held, taken and given back, every
//! money movement, and a refund form (the amount prefilled with what is left, a reason
//! required). Opened from an order's row, or by its number for an order that left the board
//! (delivered, collected or cancelled).

use crate::i18n::Lang;
use crate::services::api;
use crate::state::refund::{RefundProblem, euros_text, refundable, request};
use ocpizza_proto::OrderId;
use ocpizza_proto::api::payments::OrderPayment;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, Properties, SubmitEvent, TargetCast, UseStateHandle, component,
    html, use_state,
};

/// Props of [`PaymentPanel`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The order.
    pub order_id: OrderId,
    /// The interface's language.
    pub lang: Lang,
    /// Open at once (a lookup by number), instead of behind a button.
    #[prop_or_default]
    pub open: bool,
}

/// Reads the payment of `id` into `payment`, and fills the form with what is left.
fn load(
    id: OrderId,
    payment: &UseStateHandle<Option<Result<OrderPayment, String>>>,
    amount: &UseStateHandle<String>,
    lang: Lang,
) {
    let (payment, amount) = (payment.clone(), amount.clone());
    wasm_bindgen_futures::spawn_local(async move {
        match api::get::<OrderPayment>(&format!("/api/v1/orders/{}/payment", id.0)).await {
            Ok(p) => {
                amount.set(euros_text(refundable(&p)));
                payment.set(Some(Ok(p)));
            }
            Err(e) => payment.set(Some(Err(lang.failure(&e)))),
        }
    });
}

/// The payment of one order.
#[component]
pub fn PaymentPanel(props: &Props) -> Html {
    let lang = props.lang;
    let p = lang.pay();
    let id = props.order_id;
    let payment = use_state(|| None::<Result<OrderPayment, String>>);
    let amount = use_state(String::new);
    let reason = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let done = use_state(|| false);
    let busy = use_state(|| false);
    let opened = use_state(|| props.open);
    {
        let (payment, amount, opened) = (payment.clone(), amount.clone(), *opened);
        yew::use_effect_with((id, opened), move |&(id, opened)| {
            if opened {
                load(id, &payment, &amount, lang);
            }
        });
    }
    if !*opened {
        let open = {
            let opened = opened.clone();
            Callback::from(move |_| opened.set(true))
        };
        return html! {
            <button type="button" class="button small" onclick={open}
                    data-testid={format!("payment-open-{}", id.0)}>{ p.load_panel }</button>
        };
    }
    let body = match &*payment {
        None => html! { <p aria-busy="true">{ lang.texts().loading }</p> },
        Some(Err(text)) => html! { <p class="error" role="alert">{ text }</p> },
        Some(Ok(pay)) => {
            let submit = {
                let (payment, amount, reason, problem, done, busy) = (
                    payment.clone(),
                    amount.clone(),
                    reason.clone(),
                    problem.clone(),
                    done.clone(),
                    busy.clone(),
                );
                let left = refundable(pay);
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let body = match request(&amount, &reason, left) {
                        Ok(body) => body,
                        Err(why) => {
                            let text = match why {
                                RefundProblem::NothingLeft => p.nothing_to_refund,
                                RefundProblem::Amount => p.refund_amount_invalid,
                                RefundProblem::Reason => p.refund_reason_needed,
                            };
                            return problem.set(Some(text.to_owned()));
                        }
                    };
                    if *busy {
                        return;
                    }
                    busy.set(true);
                    let (payment, amount, reason, problem, done, busy) = (
                        payment.clone(),
                        amount.clone(),
                        reason.clone(),
                        problem.clone(),
                        done.clone(),
                        busy.clone(),
                    );
                    wasm_bindgen_futures::spawn_local(async move {
                        let path = format!("/api/v1/orders/{}/refund", id.0);
                        match api::post::<_, OrderPayment>(&path, &body).await {
                            Ok(after) => {
                                amount.set(euros_text(refundable(&after)));
                                reason.set(String::new());
                                problem.set(None);
                                done.set(true);
                                payment.set(Some(Ok(after)));
                            }
                            Err(e) => problem.set(Some(lang.failure(&e))),
                        }
                        busy.set(false);
                    });
                })
            };
            let typed = |field: &UseStateHandle<String>| {
                let (field, done) = (field.clone(), done.clone());
                Callback::from(move |e: InputEvent| {
                    done.set(false);
                    field.set(e.target_unchecked_into::<HtmlInputElement>().value());
                })
            };
            html! {
                <>
                    { figures(lang, pay) }
                    { operations(lang, pay) }
                    if refundable(pay).0 > 0 {
                        <form class="refund-form" onsubmit={submit} novalidate=true>
                            <label class="field">
                                <span>{ p.refund_amount }</span>
                                <input inputmode="decimal" value={(*amount).clone()} oninput={typed(&amount)}
                                       data-testid={format!("refund-amount-{}", id.0)} />
                            </label>
                            <label class="field">
                                <span>{ p.refund_reason }</span>
                                <input value={(*reason).clone()} oninput={typed(&reason)} required=true
                                       data-testid={format!("refund-reason-{}", id.0)} />
                            </label>
                            if let Some(text) = &*problem {
                                <p class="field-error" role="alert">{ text }</p>
                            }
                            <button type="submit" class="button button--danger" disabled={*busy}
                                    data-testid={format!("refund-{}", id.0)}>{ p.refund }</button>
                        </form>
                    }
                    if *done {
                        <p class="notice" role="status">{ p.refund_done }</p>
                    }
                </>
            }
        }
    };
    html! {
        <section class="payment-panel" data-testid={format!("payment-panel-{}", id.0)}
                 aria-label={format!("{} #{}", p.panel_title, id.0)}>
            { body }
        </section>
    }
}

/// Held, taken, given back.
fn figures(lang: Lang, pay: &OrderPayment) -> Html {
    let p = lang.pay();
    let id = pay.order_id.0;
    html! {
        <dl class="payment-figures">
            <dt>{ p.authorised }</dt>
            <dd data-testid={format!("payment-authorised-{id}")}>{ pay.authorised.to_string() }</dd>
            <dt>{ p.captured }</dt>
            <dd data-testid={format!("payment-captured-{id}")}>{ pay.captured.to_string() }</dd>
            <dt>{ p.refunded }</dt>
            <dd data-testid={format!("payment-refunded-{id}")}>{ pay.refunded.to_string() }</dd>
        </dl>
    }
}

/// Every money movement, oldest first.
fn operations(lang: Lang, pay: &OrderPayment) -> Html {
    let p = lang.pay();
    if pay.operations.is_empty() {
        return html! { <p class="muted">{ p.no_operations }</p> };
    }
    html! {
        <ol class="payment-operations" aria-label={p.operations}>
            { for pay.operations.iter().map(|op| html! {
                <li data-kind={op.kind.as_str()} data-state={op.state.as_str()}>
                    { format!("{} — {}", lang.operation(op.kind, op.state), op.amount) }
                    if let Some(reason) = &op.reason { { format!(" — « {reason} »") } }
                    if op.by.is_none() { <span class="muted">{ format!(" ({})", p.by_system) }</span> }
                    if let Some(error) = &op.error { <span class="error">{ format!(" — {error}") }</span> }
                </li>
            }) }
        </ol>
    }
}

/// Opens the payment of any order of the shop by its number.
#[component]
pub fn PaymentLookup(props: &LookupProps) -> Html {
    let lang = props.lang;
    let typed = use_state(String::new);
    let shown = use_state(|| None::<OrderId>);
    let submit = {
        let (typed, shown) = (typed.clone(), shown.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            shown.set(
                typed
                    .trim()
                    .trim_start_matches('#')
                    .parse()
                    .ok()
                    .map(OrderId),
            );
        })
    };
    let oninput = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            typed.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let label = lang.pay().lookup_label;
    html! {
        <div class="payment-lookup">
            <form class="inline-form" onsubmit={submit}>
                <label class="field">
                    <span>{ label }</span>
                    <input inputmode="numeric" value={(*typed).clone()} {oninput}
                           data-testid={format!("payment-lookup-{}", props.shop)} />
                </label>
                <button type="submit" class="button" data-testid={format!("payment-lookup-go-{}", props.shop)}>
                    { lang.pay().load_panel }
                </button>
            </form>
            if let Some(id) = *shown {
                <PaymentPanel key={id.0} order_id={id} {lang} open=true />
            }
        </div>
    }
}

/// Props of [`PaymentLookup`].
#[derive(Debug, Properties, PartialEq)]
pub struct LookupProps {
    /// The shop (for the test ids).
    pub shop: i64,
    /// The interface's language.
    pub lang: Lang,
}
