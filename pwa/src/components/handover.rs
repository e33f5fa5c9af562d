//! The hand-over of an order paid at the door, on the driver's phone: cash or card chosen with
//! two radio-like buttons (nothing chosen in advance), the cash received with the change due
//! shown as it is typed, an unusual amount confirmed, then "delivered".

use super::{Icon, IconKind, use_session};
use crate::state::handover::{Handover, PaidBy, Verdict, change_due};
use ocpizza_proto::{Money, OrderId, PaymentMethod};
use web_sys::HtmlInputElement;
use yew::{Callback, Html, Properties, TargetCast, component, html, use_state};

/// Props of [`HandoverForm`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The order.
    pub order_id: OrderId,
    /// What the customer owes.
    pub total: Money,
    /// Text of the "delivered" button.
    pub label: String,
    /// The order was handed over: how it was paid, and the cash kept.
    pub on_delivered: Callback<(PaymentMethod, Option<Money>)>,
}

/// Cash or card, the amount received and the change, and the "delivered" button.
#[component]
pub fn HandoverForm(props: &Props) -> Html {
    let lang = use_session().lang;
    let d = lang.driver();
    let form = use_state(Handover::default);
    // Shown after a tap on "delivered" that could not go yet.
    let tried = use_state(|| false);
    let id = props.order_id.0;
    let verdict = form.verdict(props.total);
    let choose = |paid_by: PaidBy| {
        let form = form.clone();
        Callback::from(move |_| {
            form.set(Handover {
                paid_by: Some(paid_by),
                ..(*form).clone()
            });
        })
    };
    let typed = {
        let form = form.clone();
        Callback::from(move |e: yew::InputEvent| {
            form.set(Handover {
                received: e.target_unchecked_into::<HtmlInputElement>().value(),
                confirmed: false,
                ..(*form).clone()
            });
        })
    };
    let deliver = {
        let (on_delivered, tried) = (props.on_delivered.clone(), tried.clone());
        Callback::from(move |_| match verdict {
            Verdict::Ready(method, cash) => on_delivered.emit((method, cash)),
            _ => tried.set(true),
        })
    };
    let confirm = {
        let (form, on_delivered, total) = (form.clone(), props.on_delivered.clone(), props.total);
        Callback::from(move |_| {
            let confirmed = Handover {
                confirmed: true,
                ..(*form).clone()
            };
            if let Verdict::Ready(method, cash) = confirmed.verdict(total) {
                on_delivered.emit((method, cash));
            }
            form.set(confirmed);
        })
    };
    let problem = match verdict {
        Verdict::ChooseFirst if *tried => Some(d.choose_first),
        Verdict::AmountNeeded if *tried => Some(d.amount_needed),
        _ => None,
    };
    let radio = |paid_by: PaidBy, name: &str, icon: &str, testid: &str| {
        let on = form.paid_by == Some(paid_by);
        html! {
            <button type="button" role="radio" aria-checked={on.to_string()}
                class={if on { "paid-by paid-by--on" } else { "paid-by" }}
                data-testid={format!("{testid}-{id}")} onclick={choose(paid_by)}>
                <span aria-hidden="true">{ icon }</span>{ " " }{ name.to_owned() }
            </button>
        }
    };
    html! {
        <div class="handover">
            <div class="paid-by-choice" role="radiogroup" aria-label={d.paid_by}>
                { radio(PaidBy::Cash, d.cash, "💶", "pay-cash") }
                { radio(PaidBy::Card, d.card, "💳", "pay-card") }
            </div>
            if form.paid_by == Some(PaidBy::Cash) {
                <label class="field">
                    <span>{ d.received }</span>
                    <input inputmode="decimal" autocomplete="off" value={form.received.clone()}
                        data-testid={format!("cash-{id}")} oninput={typed}
                        aria-invalid={(*tried && form.amount().is_none()).then_some("true")} />
                </label>
                { change_line(lang, props.total, form.amount(), id) }
            }
            if form.paid_by == Some(PaidBy::Card) {
                <p class="muted">{ d.card_note }</p>
            }
            if let Verdict::Confirm(received) = verdict {
                if *tried {
                    <div class="notice notice--warn confirm-amount" role="alert"
                        data-testid={format!("confirm-amount-{id}")}>
                        <p>{ format!("{} {received} {} {}.", d.unusual, d.unusual_for, props.total) }</p>
                        <button type="button" class="button" data-testid={format!("confirm-{id}")}
                            onclick={confirm}>{ d.confirm_amount }</button>
                        <button type="button" class="button"
                            onclick={let t = tried.clone(); Callback::from(move |_| t.set(false))}>
                            { d.correct_amount }
                        </button>
                    </div>
                }
            }
            if let Some(problem) = problem {
                <p class="field-error" role="alert" data-testid={format!("handover-error-{id}")}>{ problem }</p>
            }
            <button type="button" class="button button--primary button--wide"
                data-testid={format!("delivered-{id}")} onclick={deliver}>
                <Icon kind={IconKind::Done} />{ props.label.clone() }
            </button>
        </div>
    }
}

/// "À rendre : 3,50 €" (or what is missing), live as the amount is typed.
fn change_line(lang: crate::i18n::Lang, total: Money, received: Option<Money>, id: i64) -> Html {
    let d = lang.driver();
    let text = received.map(|received| {
        let change = change_due(total, received);
        match change.0 {
            0 => d.exact.to_owned(),
            c if c > 0 => format!("{} {change}", d.change_due),
            c => format!("{} {}", d.missing, Money(-c)),
        }
    });
    html! {
        <p class="change-due" aria-live="polite" data-testid={format!("change-{id}")}>
            { text.unwrap_or_default() }
        </p>
    }
}
