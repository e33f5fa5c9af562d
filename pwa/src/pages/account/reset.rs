//! The page of the e-mailed link (`/reset-password?token=…`): the new password, twice; once
//! saved, on to the login page.

use crate::app::Route;
use crate::components::use_session;
use crate::i18n::Lang;
use crate::services::api::{self, ApiFailure};
use crate::state::validate;
use ocpizza_proto::ErrorCode;
use ocpizza_proto::api::auth::ResetPassword;
use web_sys::HtmlInputElement;
use yew::{Callback, Html, SubmitEvent, TargetCast, component, html, use_state};
use yew_router::prelude::Link;

/// The `token` parameter of a query string (`?token=ab12…`), if it is 64 hexadecimal digits.
pub fn token_in(search: &str) -> Option<String> {
    search
        .strip_prefix('?')
        .unwrap_or(search)
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// Where the form stands.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Typing,
    Differ,
    Saving,
    Refused(ApiFailure),
    Done,
}

/// The new password page.
#[component]
pub fn ResetPasswordPage() -> Html {
    let lang = use_session().lang;
    let t = lang.account();
    let token = gloo::utils::window()
        .location()
        .search()
        .ok()
        .and_then(|s| token_in(&s));
    let first = use_state(String::new);
    let second = use_state(String::new);
    let step = use_state(|| Step::Typing);
    let Some(token) = token else {
        return html! {
            <section class="page narrow account-page">
                <h1>{ t.reset_title }</h1>
                <p role="alert" class="error">{ t.no_token }</p>
                <Link<Route> to={Route::ForgotPassword}>{ t.ask_new_link }</Link<Route>>
            </section>
        };
    };
    if *step == Step::Done {
        return html! {
            <section class="page narrow account-page">
                <h1>{ t.reset_title }</h1>
                <p role="status" class="notice" data-testid="password-changed">{ t.password_changed }</p>
                <Link<Route> to={Route::Login} classes="button">{ lang.texts().login }</Link<Route>>
            </section>
        };
    }
    let onsubmit = {
        let (first, second, step) = (first.clone(), second.clone(), step.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *first != *second {
                step.set(Step::Differ);
                return;
            }
            let request = ResetPassword {
                token: token.clone(),
                password: (*first).clone(),
            };
            step.set(Step::Saving);
            let step = step.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let answer =
                    api::post_json_no_content("/api/v1/auth/password/reset", &request).await;
                step.set(match answer {
                    Ok(()) => Step::Done,
                    Err(e) => Step::Refused(e),
                });
            });
        })
    };
    let bind = |handle: yew::UseStateHandle<String>| {
        Callback::from(move |e: yew::InputEvent| {
            handle.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let (error, link_dead) = match &*step {
        Step::Differ => (Some(t.passwords_differ.to_owned()), false),
        Step::Refused(failure) => (Some(describe(lang, failure)), dead(failure)),
        _ => (None, false),
    };
    html! {
        <section class="page narrow account-page">
            <h1>{ t.reset_title }</h1>
            <form {onsubmit}>
                <label for="new-password">{ t.new_password }</label>
                <input id="new-password" type="password" autocomplete="new-password" required=true
                       minlength="10" value={(*first).clone()} oninput={bind(first.clone())}
                       aria-describedby="new-password-hint" />
                <p id="new-password-hint" class="hint">{ t.password_hint }</p>
                <label for="new-password-again">{ t.new_password_again }</label>
                <input id="new-password-again" type="password" autocomplete="new-password"
                       required=true value={(*second).clone()} oninput={bind(second.clone())} />
                if let Some(error) = error {
                    <p role="alert" class="error">{ error }</p>
                }
                if link_dead {
                    <Link<Route> to={Route::ForgotPassword}>{ t.ask_new_link }</Link<Route>>
                }
                <button type="submit" class="button" disabled={*step == Step::Saving}>
                    { t.save_password }
                </button>
            </form>
        </section>
    }
}

/// Whether the link itself is refused (a new one is needed).
fn dead(failure: &ApiFailure) -> bool {
    matches!(
        failure.body().map(|b| b.error.code),
        Some(ErrorCode::ResetLinkInvalid | ErrorCode::ResetLinkExpired)
    )
}

/// A refusal in words: the password's problem, or the code's text.
fn describe(lang: Lang, failure: &ApiFailure) -> String {
    validate::field_texts(failure).get("password").map_or_else(
        || lang.failure(failure),
        |m| lang.problem(&validate::from_server(m)),
    )
}

#[cfg(test)]
mod tests {
    use super::token_in;

    #[test]
    fn the_token_is_read_from_the_link_and_nothing_else_passes() {
        let token = "ab".repeat(32);
        assert_eq!(token_in(&format!("?token={token}")), Some(token.clone()));
        assert_eq!(token_in(&format!("?lang=fr&token={token}")), Some(token));
        assert_eq!(token_in("?token=abc"), None);
        assert_eq!(token_in(&format!("?token={}", "zz".repeat(32))), None);
        assert_eq!(token_in(""), None);
    }
}
