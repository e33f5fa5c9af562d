//! The drivers' cash hand-over: the recorded count as managers and drivers read it, and the
//! managers' form that records it (or corrects it) on the cash page.

use super::eta::clock;
use crate::i18n::Lang;
use crate::services::api;
use crate::state::driver::parse_euros;
use ocpizza_proto::api::cash::{CashHandover, NewCashHandover};
use ocpizza_proto::{ErrorCode, Money, UserId};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::{Callback, Html, Properties, TargetCast, component, html, use_state};

/// "Remis : 85,00 € — enregistré par Marie à 23 h 10", with the difference when there is one.
pub fn recorded_view(lang: Lang, h: &CashHandover) -> Html {
    let t = lang.cash();
    let class = match h.difference.0 {
        0 => "cash-diff",
        d if d < 0 => "cash-diff cash-diff--short",
        _ => "cash-diff cash-diff--over",
    };
    html! {
        <div class="cash-handover" data-testid={format!("handover-{}", h.driver.id.0)}
            data-shop={h.shop_id.0.to_string()}>
            <p>
                <strong>{ format!("{} {}", t.handed_in, h.counted) }</strong>
                { format!(" — {} {} {} {}", t.recorded_by, h.recorded_by.name, t.at,
                    clock(lang, h.recorded_at, None)) }
            </p>
            <p>
                <span>{ format!("{} : {}", t.expected, h.expected) }</span>{ " · " }
                <strong class={class} data-testid={format!("handover-diff-{}", h.driver.id.0)}>
                    { lang.cash_difference(h.difference) }
                </strong>
                if let Some(n) = lang.cash_corrections(h.corrections) {
                    <span class="muted">{ format!(" · {n}") }</span>
                }
            </p>
            if let Some(comment) = &h.comment {
                <p class="muted cash-comment">{ format!("« {comment} »") }</p>
            }
        </div>
    }
}

/// Props of [`CashHandoverForm`].
#[derive(Debug, Properties, PartialEq)]
pub struct FormProps {
    /// Shop id.
    pub shop: i64,
    /// The driver.
    pub driver: UserId,
    /// `YYYY-MM-DD`, or empty for the shop's today.
    pub date: String,
    /// The cash the report expects from the driver (the server computes its own).
    pub expected: Money,
    /// The hand-over in force, if one was recorded.
    pub current: Option<CashHandover>,
    /// Interface language.
    pub lang: Lang,
    /// A hand-over was recorded, or the server has a newer one: the report should reload.
    pub on_changed: Callback<()>,
}

/// Records what a driver hands in, or shows the recorded count with a button to correct it.
#[component]
pub fn CashHandoverForm(props: &FormProps) -> Html {
    let (lang, id) = (props.lang, props.driver.0);
    let t = lang.cash();
    let editing = use_state(|| false);
    let counted = use_state(String::new);
    let comment = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let saving = use_state(|| false);
    // What this form just recorded, shown until the reloaded report brings it (or a newer one).
    let saved = use_state(|| None::<CashHandover>);
    let current = match (&props.current, &*saved) {
        (Some(c), Some(s)) if s.id > c.id => Some(s.clone()),
        (None, Some(s)) => Some(s.clone()),
        (c, _) => c.clone(),
    };
    if let (Some(current), false) = (&current, *editing) {
        let start = {
            let (editing, counted, comment, problem) = (
                editing.clone(),
                counted.clone(),
                comment.clone(),
                problem.clone(),
            );
            let current = current.clone();
            Callback::from(move |_| {
                counted.set(euros_text(current.counted));
                comment.set(current.comment.clone().unwrap_or_default());
                problem.set(None);
                editing.set(true);
            })
        };
        return html! {
            <>
                { recorded_view(lang, current) }
                <button type="button" class="button" data-testid={format!("handover-correct-{id}")}
                    onclick={start}>{ t.correct }</button>
            </>
        };
    }
    let submit = {
        let (counted, comment, problem, saving, editing) = (
            counted.clone(),
            comment.clone(),
            problem.clone(),
            saving.clone(),
            editing.clone(),
        );
        let (shop, driver, date, expected) =
            (props.shop, props.driver, props.date.clone(), props.expected);
        let replaces = current.as_ref().map(|c| c.id);
        let saved = saved.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            if *saving {
                return;
            }
            let Some(amount) = parse_euros(&counted) else {
                problem.set(Some(t.amount_invalid.to_owned()));
                return;
            };
            let note = comment.trim().to_owned();
            if amount != expected && note.is_empty() {
                problem.set(Some(t.comment_needed.to_owned()));
                return;
            }
            let body = NewCashHandover {
                driver_id: driver,
                date: (!date.is_empty()).then(|| date.clone()),
                counted: amount,
                comment: (!note.is_empty()).then_some(note),
                replaces,
            };
            problem.set(None);
            saving.set(true);
            let (problem, saving, editing, on_changed, saved) = (
                problem.clone(),
                saving.clone(),
                editing.clone(),
                on_changed.clone(),
                saved.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/shops/{shop}/cash/handovers");
                let answer = api::post::<_, CashHandover>(&path, &body).await;
                saving.set(false);
                match answer {
                    Ok(recorded) => {
                        saved.set(Some(recorded));
                        editing.set(false);
                        on_changed.emit(());
                    }
                    Err(failure) => {
                        problem.set(Some(explain(lang, &failure)));
                        // Someone else recorded meanwhile: show theirs.
                        if failure
                            .body()
                            .is_some_and(|b| b.error.code == ErrorCode::Conflict)
                        {
                            editing.set(false);
                            on_changed.emit(());
                        }
                    }
                }
            });
        })
    };
    let on_counted = {
        let counted = counted.clone();
        Callback::from(move |e: yew::InputEvent| {
            counted.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let on_comment = {
        let comment = comment.clone();
        Callback::from(move |e: yew::InputEvent| {
            comment.set(e.target_unchecked_into::<HtmlTextAreaElement>().value());
        })
    };
    let cancel = current.is_some().then(|| {
        let editing = editing.clone();
        html! {
            <button type="button" class="button" onclick={Callback::from(move |_| editing.set(false))}>
                { t.cancel }
            </button>
        }
    });
    html! {
        <form class="cash-handover-form" onsubmit={submit} data-testid={format!("handover-form-{id}")}>
            if current.is_none() {
                <p class="muted">{ t.not_yet }</p>
            }
            <label class="field">
                <span>{ t.counted }</span>
                <input inputmode="decimal" autocomplete="off" placeholder={t.counted_hint}
                    value={(*counted).clone()} oninput={on_counted}
                    data-testid={format!("handover-counted-{id}")} />
            </label>
            <label class="field">
                <span>{ t.comment }</span>
                <textarea maxlength="300" rows="2" value={(*comment).clone()} oninput={on_comment}
                    data-testid={format!("handover-comment-{id}")} />
            </label>
            if let Some(problem) = &*problem {
                <p class="error" role="alert" data-testid={format!("handover-problem-{id}")}>{ problem }</p>
            }
            <div class="cash-actions">
                <button type="submit" class="button button--primary" disabled={*saving}
                    data-testid={format!("handover-save-{id}")}>
                    { if *saving { t.saving } else if current.is_some() { t.save_correction } else { t.save } }
                </button>
                { for cancel }
            </div>
        </form>
    }
}

/// `85,50` for 8550 cents: how the amount is typed back into the form for a correction.
fn euros_text(m: Money) -> String {
    format!("{},{:02}", m.0 / 100, m.0 % 100)
}

/// The server's refusal in words: its field message for a bad field, else the error's text.
fn explain(lang: Lang, failure: &api::ApiFailure) -> String {
    let t = lang.cash();
    match failure.body().and_then(|b| b.error.fields.as_ref()) {
        Some(fields) if fields.contains_key("comment") => t.comment_needed.to_owned(),
        Some(fields) if fields.contains_key("counted") => t.amount_invalid.to_owned(),
        _ => lang.failure(failure),
    }
}
