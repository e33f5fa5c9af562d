//! Personal data requests (`/manage/privacy`, the group's administrators): a person's data
//! found by e-mail, exported as a JSON file or erased (their customer account deleted, their
//! guest orders anonymised), with the request's reference. The server writes each request in
//! the audit trail.

use super::Access;
use crate::components::use_session;
use crate::i18n::Lang;
use crate::services::api;
use crate::state::audit::encode;
use ocpizza_proto::api::privacy::{EraseCustomer, Erased};
use web_sys::HtmlInputElement;
use yew::{Callback, Html, Properties, TargetCast, component, html, use_state};

/// The page: administrators only.
#[component]
pub fn PrivacyPage() -> Html {
    let session = use_session();
    let lang = session.lang;
    match Access::of(&session, None) {
        Access::Granted { admin: true, .. } => html! { <Requests {lang} /> },
        Access::Granted { admin: false, .. } => html! {
            <section class="page narrow" data-testid="manage-forbidden">
                <p class="notice" role="alert">{ lang.privacy().admin_only }</p>
            </section>
        },
        other => other.refusal(lang, "/manage/privacy").unwrap_or_default(),
    }
}

/// Props of [`Requests`].
#[derive(Debug, Properties, PartialEq)]
pub struct RequestsProps {
    /// Interface language.
    pub lang: Lang,
}

/// What the last request gave.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    None,
    Busy,
    /// The export: accounts found, orders, and the file as a `data:` URL.
    Exported {
        account: bool,
        orders: usize,
        href: String,
    },
    Erased(Erased),
    Failed(String),
}

/// The export and erase forms.
#[component]
pub fn Requests(props: &RequestsProps) -> Html {
    let (lang, p) = (props.lang, props.lang.privacy());
    let email = use_state(String::new);
    let reason = use_state(String::new);
    let confirmed = use_state(|| false);
    let outcome = use_state(|| Outcome::None);
    let input = |field: &yew::UseStateHandle<String>| {
        let field = field.clone();
        Callback::from(move |e: yew::InputEvent| {
            field.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let on_confirm = {
        let confirmed = confirmed.clone();
        Callback::from(move |e: yew::Event| {
            confirmed.set(e.target_unchecked_into::<HtmlInputElement>().checked());
        })
    };
    let on_export = {
        let (email, outcome) = (email.clone(), outcome.clone());
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let path = format!(
                "/api/v1/admin/customers/export?email={}",
                encode(email.trim())
            );
            let outcome = outcome.clone();
            outcome.set(Outcome::Busy);
            wasm_bindgen_futures::spawn_local(async move {
                outcome.set(match api::get::<serde_json::Value>(&path).await {
                    Ok(data) => Outcome::Exported {
                        account: !data["account"].is_null(),
                        orders: data["orders"].as_array().map_or(0, Vec::len),
                        href: format!(
                            "data:application/json;charset=utf-8,{}",
                            encode(&data.to_string())
                        ),
                    },
                    Err(e) => Outcome::Failed(lang.failure(&e)),
                });
            });
        })
    };
    let on_erase = {
        let (email, reason, outcome) = (email.clone(), reason.clone(), outcome.clone());
        Callback::from(move |e: yew::MouseEvent| {
            e.prevent_default();
            let body = EraseCustomer {
                email: email.trim().to_owned(),
                reason: reason.trim().to_owned(),
            };
            let outcome = outcome.clone();
            outcome.set(Outcome::Busy);
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::post::<_, Erased>("/api/v1/admin/customers/erase", &body).await;
                outcome.set(match answer {
                    Ok(erased) => Outcome::Erased(erased),
                    Err(e) => Outcome::Failed(lang.failure(&e)),
                });
            });
        })
    };
    let result = match &*outcome {
        Outcome::None => Html::default(),
        Outcome::Busy => html! { <p aria-busy="true">{ lang.texts().loading }</p> },
        Outcome::Failed(message) => html! { <p class="error" role="alert">{ message }</p> },
        Outcome::Exported {
            account,
            orders,
            href,
        } => html! {
            <p class="notice" role="status" data-testid="privacy-exported">
                { format!("{} : {} · {} {orders}", p.exported,
                    if *account { p.account_found } else { p.no_account }, p.orders_found) }
                { " " }
                <a class="button" href={href.clone()} download="donnees-client-ocpizza.json">{ p.save_file }</a>
            </p>
        },
        Outcome::Erased(erased) => html! {
            <p class="notice" role="status" data-testid="privacy-erased">
                if erased.account_deleted { { p.erased_account } { " " } }
                { format!("{} {}", p.erased_orders, erased.orders_anonymised) }
            </p>
        },
    };
    let busy = *outcome == Outcome::Busy;
    html! {
        <section class="page narrow manage" aria-labelledby="privacy-title">
            <h1 id="privacy-title">{ p.admin_title }</h1>
            <p class="hint">{ p.admin_intro }</p>
            <form onsubmit={on_export} data-testid="privacy-form">
                <label class="field">
                    <span>{ p.email }</span>
                    <input type="email" required=true value={(*email).clone()} oninput={input(&email)}
                        data-testid="privacy-email" />
                </label>
                <button type="submit" class="primary" disabled={busy} data-testid="privacy-export">{ p.export_button }</button>
                <label class="field">
                    <span>{ p.reason }</span>
                    <input type="text" maxlength="200" value={(*reason).clone()} oninput={input(&reason)}
                        data-testid="privacy-reason" />
                </label>
                <label class="check">
                    <input type="checkbox" checked={*confirmed} onchange={on_confirm} data-testid="privacy-confirm" />
                    { p.confirm_erase }
                </label>
                <button type="button" class="danger" onclick={on_erase}
                    disabled={busy || !*confirmed || reason.trim().is_empty()}
                    data-testid="privacy-erase">{ p.erase_button }</button>
            </form>
            { result }
        </section>
    }
}
