//! "Forgot your password?": asks for the account's e-mail, then says a link is on its way if
//! the address has an account (the server answers the same either way).

use crate::app::Route;
use crate::components::use_session;
use crate::services::api::{self, ApiFailure};
use crate::state::validate::Problem;
use ocpizza_proto::ErrorCode;
use ocpizza_proto::api::auth::{ForgotPassword, ResetRequested};
use web_sys::HtmlInputElement;
use yew::{Callback, Html, SubmitEvent, TargetCast, component, html, use_state};
use yew_router::prelude::Link;

/// Where the form stands.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Asking,
    Sending,
    Sent,
    Failed(ApiFailure),
}

/// The forgotten password page.
#[component]
pub fn ForgotPasswordPage() -> Html {
    let lang = use_session().lang;
    let t = lang.account();
    let email = use_state(String::new);
    let step = use_state(|| Step::Asking);
    let onsubmit = {
        let (email, step) = (email.clone(), step.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = ForgotPassword {
                email: (*email).trim().to_owned(),
            };
            step.set(Step::Sending);
            let step = step.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::post_with_headers::<_, ResetRequested>(
                    "/api/v1/auth/password/forgot",
                    &request,
                    &[("Accept-Language", lang.code())],
                )
                .await;
                step.set(match answer {
                    Ok(_) => Step::Sent,
                    Err(e) => Step::Failed(e),
                });
            });
        })
    };
    let oninput = {
        let email = email.clone();
        Callback::from(move |e: yew::InputEvent| {
            email.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    if *step == Step::Sent {
        return html! {
            <section class="page narrow account-page">
                <h1>{ t.forgot_title }</h1>
                <p role="status" class="notice" data-testid="reset-link-sent">{ t.link_sent }</p>
                <p class="hint">{ t.link_sent_hint }</p>
                <Link<Route> to={Route::Login}>{ t.back_to_login }</Link<Route>>
            </section>
        };
    }
    let error = match &*step {
        Step::Failed(failure) => Some(describe(lang, failure)),
        _ => None,
    };
    html! {
        <section class="page narrow account-page">
            <h1>{ t.forgot_title }</h1>
            <p>{ t.forgot_intro }</p>
            <form {onsubmit}>
                <label for="forgot-email">{ lang.texts().email }</label>
                <input id="forgot-email" type="email" autocomplete="username" required=true
                       value={(*email).clone()} {oninput} />
                if let Some(error) = error {
                    <p role="alert" class="error">{ error }</p>
                }
                <button type="submit" class="button" disabled={*step == Step::Sending}>
                    { if *step == Step::Sending { t.sending } else { t.send_link } }
                </button>
            </form>
            <Link<Route> to={Route::Login}>{ t.back_to_login }</Link<Route>>
        </section>
    }
}

/// A refusal in words: a malformed address, or the code's text (too many links asked for…).
fn describe(lang: crate::i18n::Lang, failure: &ApiFailure) -> String {
    match failure.body().map(|b| b.error.code) {
        Some(ErrorCode::InvalidInput) => lang.problem(&Problem::NotAnEmail),
        _ => lang.failure(failure),
    }
}
