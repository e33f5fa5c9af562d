//! The payment step of an order paid online, on its tracker while it is `awaiting_payment`
//! (so that a reload, or the return from PayPal or from the bank, lands back on it): Stripe's
//! card field and the pay button, the bank's confirmation, or the PayPal button; the time left
//! to pay; a refusal in the customer's language with another try, paying on delivery (or at
//! the counter) instead, or cancelling.

use crate::components::shop_hours::use_clock;
use crate::i18n::Lang;
use crate::services::api::{self, ApiFailure};
use crate::services::stripe::{self, CardError, CardField};
use crate::state::payment::{
    Busy, PayAction, PayStep, Problem, Shown, pay_later_method, seconds_left,
};
use ocpizza_proto::api::orders::{CancelRequest, Order};
use ocpizza_proto::api::payments::{CardToken, NextStep, PaymentState, Provider, SwitchPayment};
use ocpizza_proto::{ErrorCode, Fulfilment, Timestamp};
use std::cell::RefCell;
use std::rc::Rc;
use yew::{
    Callback, Html, NodeRef, Properties, UseReducerHandle, component, html, use_effect_with,
    use_mut_ref, use_node_ref, use_reducer, use_state,
};

/// Props of [`OnlinePayment`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The tracking token (the payment API goes by it).
    pub token: String,
    /// The order, awaiting its payment.
    pub order: Order,
    /// Where a cancellation goes (`{path}/cancel`).
    pub path: String,
    /// The interface's language.
    pub lang: Lang,
    /// The payment or the order changed: read the order again.
    pub on_changed: Callback<()>,
}

type Step = UseReducerHandle<PayStep>;

/// What `?payment=` says about a return from PayPal.
fn paypal_return() -> Option<String> {
    let search = gloo::utils::window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("payment=").map(str::to_owned))
}

/// Sorts a refused payment request.
fn refused(step: &Step, failure: &ApiFailure, lang: Lang) {
    match failure
        .body()
        .map(|b| (b.error.code, b.error.message.clone()))
    {
        Some((ErrorCode::PaymentDeclined, message)) => step.dispatch(PayAction::Declined(message)),
        Some((ErrorCode::PaymentUnavailable, _)) => step.dispatch(PayAction::Unavailable),
        _ => step.dispatch(PayAction::Failed(lang.failure(failure))),
    }
}

/// Shows the server's answer; tells the tracker when the payment is done with.
fn answered(step: &Step, state: PaymentState, on_changed: &Callback<()>) {
    let finished = state.next.is_none();
    step.dispatch(PayAction::Loaded(Box::new(state)));
    if finished {
        on_changed.emit(());
    }
}

/// `POST …/payment/refresh`: asks the server to ask the provider.
async fn refresh(token: &str, step: &Step, lang: Lang, on_changed: &Callback<()>) {
    step.dispatch(PayAction::Start(Busy::Checking));
    let path = format!("/api/v1/track/{token}/payment/refresh");
    match api::post::<_, PaymentState>(&path, &serde_json::json!({})).await {
        Ok(state) => answered(step, state, on_changed),
        Err(failure) => refused(step, &failure, lang),
    }
}

/// The bank's confirmation, then the server asked where the payment stands.
async fn authenticate(
    token: &str,
    key: &str,
    secret: &str,
    step: &Step,
    lang: Lang,
    on_changed: &Callback<()>,
) {
    step.dispatch(PayAction::Start(Busy::Authenticating));
    // A failed authentication is told by the server's `declined` after the refresh.
    let _ = stripe::authenticate(key, secret).await;
    refresh(token, step, lang, on_changed).await;
}

/// `HH h MM` (or `HH:MM`) in the browser's time zone.
fn clock(at: Timestamp, lang: Lang) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.as_millisecond() as f64));
    lang.time_of_day(date.get_hours(), date.get_minutes())
}

/// The payment step.
#[component]
pub fn OnlinePayment(props: &Props) -> Html {
    let lang = props.lang;
    let p = lang.pay();
    let step = use_reducer(PayStep::default);
    let card_node = use_node_ref();
    let card: Rc<RefCell<Option<CardField>>> = use_mut_ref(|| None);
    let confirming = use_state(|| false);
    let now = use_clock(1_000);
    {
        let (step, token, on_changed) =
            (step.clone(), props.token.clone(), props.on_changed.clone());
        use_effect_with(token.clone(), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let back = paypal_return();
                if back.as_deref() == Some("return") {
                    return refresh(&token, &step, lang, &on_changed).await;
                }
                step.dispatch(PayAction::Start(Busy::Checking));
                match api::get::<PaymentState>(&format!("/api/v1/track/{token}/payment")).await {
                    Ok(state) => {
                        answered(&step, state, &on_changed);
                        if back.as_deref() == Some("cancelled") {
                            step.dispatch(PayAction::PaypalCancelled);
                        }
                    }
                    Err(failure) => refused(&step, &failure, lang),
                }
            });
        });
    }
    let shown = step.shown();
    {
        let wanted = match &shown {
            Shown::Card {
                publishable_key,
                js_url,
            } => Some((publishable_key.clone(), js_url.clone(), step.card_round)),
            _ => None,
        };
        let (node, card, step) = (card_node.clone(), card.clone(), step.clone());
        use_effect_with(wanted, move |wanted| {
            mount_card(wanted.clone(), node, card, step);
        });
    }
    let deadline = step.state.as_ref().and_then(|s| s.expires_at);
    html! {
        <section class="pay-step" aria-labelledby="pay-title" data-testid="payment-step"
                 aria-busy={(step.busy != Busy::Idle).then_some("true")}>
            <h2 id="pay-title">{ p.step_title }</h2>
            <p class="pay-total">{ lang.texts().total }{ " " }<strong>{ props.order.total.to_string() }</strong></p>
            if let Some(at) = deadline {
                <p class="pay-deadline" data-testid="payment-deadline">
                    { lang.pay_before(&clock(at, lang)) }
                    { " " }
                    <span class="muted">{ format!("({})", lang.time_left(seconds_left(at, now))) }</span>
                </p>
                if seconds_left(at, now) == 0 {
                    <p class="notice" role="status">{ p.deadline_passed }</p>
                }
            }
            { body(props, &step, &shown, &card_node, &card) }
            if step.busy == Busy::Checking {
                <p class="muted" role="status">{ p.checking }</p>
            }
            <p class="hint">{ p.stock_kept }</p>
            { fallbacks(props, &step, &confirming) }
        </section>
    }
}

/// Loads Stripe.js and mounts a fresh card field whenever the card step shows (again).
fn mount_card(
    wanted: Option<(String, String, u32)>,
    node: NodeRef,
    card: Rc<RefCell<Option<CardField>>>,
    step: Step,
) {
    let Some((key, url, _)) = wanted else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        if stripe::load(&url).await.is_err() {
            return step.dispatch(PayAction::CardFormFailed);
        }
        let Some(element) = node.cast::<web_sys::Element>() else {
            return;
        };
        if let Some(old) = card.borrow_mut().take() {
            old.destroy();
        }
        match CardField::mount(&key, &element) {
            Ok(field) => *card.borrow_mut() = Some(field),
            Err(_) => step.dispatch(PayAction::CardFormFailed),
        }
    });
}

/// What the customer does now: the card, the bank, PayPal, or the refusal.
fn body(
    props: &Props,
    step: &Step,
    shown: &Shown,
    node: &NodeRef,
    card: &Rc<RefCell<Option<CardField>>>,
) -> Html {
    let lang = props.lang;
    let p = lang.pay();
    let busy = step.busy != Busy::Idle;
    match shown {
        Shown::Loading => html! { <p aria-busy="true">{ lang.texts().loading }</p> },
        Shown::Card { .. } => {
            let pay = pay_with_card(props, step, card);
            html! {
                <div class="pay-card">
                    <label class="pay-card-label">{ p.card_label }</label>
                    <div class="card-field" ref={node.clone()} data-testid="card-field"></div>
                    <button type="button" class="button button--primary" disabled={busy}
                            onclick={pay} data-testid="pay-button">
                        { if step.busy == Busy::Paying { p.paying.to_owned() } else { lang.pay_amount(props.order.total) } }
                    </button>
                </div>
            }
        }
        Shown::Authenticate {
            publishable_key,
            client_secret,
            js_url,
        } => {
            let onclick = {
                let (step, token, on_changed) =
                    (step.clone(), props.token.clone(), props.on_changed.clone());
                let (key, secret, url) = (
                    publishable_key.clone(),
                    client_secret.clone(),
                    js_url.clone(),
                );
                Callback::from(move |_| {
                    let (step, token, on_changed) =
                        (step.clone(), token.clone(), on_changed.clone());
                    let (key, secret, url) = (key.clone(), secret.clone(), url.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if stripe::load(&url).await.is_err() {
                            return step.dispatch(PayAction::CardFormFailed);
                        }
                        authenticate(&token, &key, &secret, &step, lang, &on_changed).await;
                    });
                })
            };
            html! {
                <div class="pay-authenticate">
                    <p>{ p.authenticate_hint }</p>
                    <button type="button" class="button button--primary" disabled={busy} {onclick}
                            data-testid="authenticate-button">
                        { if step.busy == Busy::Authenticating { p.authenticating } else { p.authenticate } }
                    </button>
                </div>
            }
        }
        Shown::Approve { url } => html! {
            <div class="pay-paypal">
                <a class="button button--primary" href={url.clone()} data-testid="paypal-button">{ p.paypal_button }</a>
                <p class="hint">{ p.paypal_hint }</p>
            </div>
        },
        Shown::Problem(problem) => {
            let text = match problem {
                Problem::Declined(message) => lang.declined(message),
                Problem::Unavailable => p.unavailable.to_owned(),
                Problem::CardFormFailed => p.card_failed_to_load.to_owned(),
                Problem::PaypalCancelled => p.paypal_cancelled.to_owned(),
                Problem::Other(text) => text.clone(),
            };
            let paypal = matches!(problem, Problem::PaypalCancelled)
                || step.state.as_ref().and_then(|s| s.provider) == Some(Provider::Paypal);
            let retry = {
                let (step, token, on_changed) =
                    (step.clone(), props.token.clone(), props.on_changed.clone());
                let no_link = !matches!(
                    step.state.as_ref().and_then(|s| s.next.as_ref()),
                    Some(NextStep::Approve { .. })
                );
                Callback::from(move |_| {
                    step.dispatch(PayAction::Retry);
                    // A refused PayPal payment needs a new approval link, which the server
                    // opens when asked where the payment stands.
                    if paypal && no_link {
                        let (step, token, on_changed) =
                            (step.clone(), token.clone(), on_changed.clone());
                        wasm_bindgen_futures::spawn_local(async move {
                            refresh(&token, &step, lang, &on_changed).await;
                        });
                    }
                })
            };
            html! {
                <div class="pay-problem">
                    <p class="error" role="alert" data-testid="payment-declined">{ text }</p>
                    <button type="button" class="button button--primary" onclick={retry} disabled={busy}
                            data-testid="payment-retry">
                        { if paypal { p.try_paypal_again } else { p.try_another_card } }
                    </button>
                </div>
            }
        }
        Shown::Done => html! {},
    }
}

/// The pay button: the card becomes a token in the browser, the token goes to the server;
/// the bank may then ask the cardholder to confirm.
fn pay_with_card(
    props: &Props,
    step: &Step,
    card: &Rc<RefCell<Option<CardField>>>,
) -> Callback<yew::MouseEvent> {
    let lang = props.lang;
    let (step, card, token, on_changed) = (
        step.clone(),
        card.clone(),
        props.token.clone(),
        props.on_changed.clone(),
    );
    Callback::from(move |_| {
        if step.busy != Busy::Idle {
            return;
        }
        let (step, card, token, on_changed) = (
            step.clone(),
            card.clone(),
            token.clone(),
            on_changed.clone(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            step.dispatch(PayAction::Start(Busy::Paying));
            let Some(field) = card.borrow().clone() else {
                return step.dispatch(PayAction::CardFormFailed);
            };
            let card_token = match field.token().await {
                Ok(t) => t,
                Err(CardError::Refused(message)) => {
                    return step.dispatch(PayAction::Declined(message));
                }
                Err(CardError::Broken(_)) => return step.dispatch(PayAction::CardFormFailed),
            };
            let path = format!("/api/v1/track/{token}/payment/card");
            let body = CardToken { token: card_token };
            match api::post::<_, PaymentState>(&path, &body).await {
                Ok(state) => {
                    let next = state.next.clone();
                    answered(&step, state, &on_changed);
                    if let Some(NextStep::Authenticate {
                        publishable_key,
                        client_secret,
                        ..
                    }) = next
                    {
                        authenticate(
                            &token,
                            &publishable_key,
                            &client_secret,
                            &step,
                            lang,
                            &on_changed,
                        )
                        .await;
                    }
                }
                Err(failure) => refused(&step, &failure, lang),
            }
        });
    })
}

/// Paying on delivery (or at the counter) instead, and cancelling: always at hand.
fn fallbacks(props: &Props, step: &Step, confirming: &yew::UseStateHandle<bool>) -> Html {
    let lang = props.lang;
    let p = lang.pay();
    let busy = step.busy != Busy::Idle;
    let later = pay_later_method(props.order.fulfilment);
    let switch = {
        let (step, token, on_changed) =
            (step.clone(), props.token.clone(), props.on_changed.clone());
        Callback::from(move |_| {
            let (step, token, on_changed) = (step.clone(), token.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                step.dispatch(PayAction::Start(Busy::Switching));
                let path = format!("/api/v1/track/{token}/payment/switch");
                let body = SwitchPayment {
                    payment_method: later,
                };
                match api::post::<_, PaymentState>(&path, &body).await {
                    Ok(state) => {
                        step.dispatch(PayAction::Loaded(Box::new(state)));
                        on_changed.emit(());
                    }
                    Err(failure) => refused(&step, &failure, lang),
                }
            });
        })
    };
    let switch_label = match props.order.fulfilment {
        Fulfilment::Delivery => p.pay_on_delivery_instead,
        Fulfilment::Pickup => p.pay_at_counter_instead,
    };
    if **confirming {
        let keep = {
            let confirming = confirming.clone();
            Callback::from(move |_| confirming.set(false))
        };
        let cancel = {
            let (step, path, version, on_changed, confirming) = (
                step.clone(),
                props.path.clone(),
                step.state
                    .as_ref()
                    .map_or(props.order.version, |s| s.version.max(props.order.version)),
                props.on_changed.clone(),
                confirming.clone(),
            );
            let key = api::new_idempotency_key();
            Callback::from(move |_| {
                let (step, path, on_changed, confirming, key) = (
                    step.clone(),
                    path.clone(),
                    on_changed.clone(),
                    confirming.clone(),
                    key.clone(),
                );
                wasm_bindgen_futures::spawn_local(async move {
                    step.dispatch(PayAction::Start(Busy::Switching));
                    let request = CancelRequest {
                        version: Some(version),
                        reason: None,
                    };
                    let headers = [("Idempotency-Key", key.as_str())];
                    let answer = api::post_with_headers::<_, Order>(
                        &format!("{path}/cancel"),
                        &request,
                        &headers,
                    )
                    .await;
                    confirming.set(false);
                    match answer {
                        Ok(_) => on_changed.emit(()),
                        Err(failure) => refused(&step, &failure, lang),
                    }
                });
            })
        };
        return html! {
            <div class="confirm" role="alertdialog" aria-labelledby="pay-confirm-cancel">
                <p id="pay-confirm-cancel">{ p.confirm_cancel }</p>
                <div class="actions">
                    <button type="button" class="button button--danger" disabled={busy} onclick={cancel}
                            data-testid="payment-cancel-confirm">{ p.yes_cancel }</button>
                    <button type="button" class="button" onclick={keep}>{ p.keep }</button>
                </div>
            </div>
        };
    }
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(true))
    };
    html! {
        <div class="actions pay-fallbacks">
            <button type="button" class="button" disabled={busy} onclick={switch} data-testid="payment-switch">
                { switch_label }
            </button>
            <button type="button" class="button button--danger" disabled={busy} onclick={ask} data-testid="payment-cancel">
                { p.cancel_order }
            </button>
        </div>
    }
}
