//! Login for staff and customers.

use crate::app::Route;
use crate::components::{logged_in, use_session};
use crate::services::api;
use ocpizza_proto::api::auth::{LoginRequest, Me};
use web_sys::HtmlInputElement;
use yew::{Callback, Html, SubmitEvent, TargetCast, component, html, use_state};
use yew_router::prelude::use_navigator;

/// `?next=/path` of the address: where to go back after logging in (same site only).
fn next_in_address() -> Option<String> {
    let search = gloo::utils::window().location().search().ok()?;
    let next = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("next="))?;
    let next = js_sys::decode_uri_component(next).ok()?.as_string()?;
    (next.starts_with('/') && !next.starts_with("//")).then_some(next)
}

/// The screen each account starts on: cooks the kitchen, customers the shops.
fn after_login(me: &Me) -> Route {
    let cooks = me
        .roles
        .iter()
        .any(|r| r.role == ocpizza_proto::StaffRole::Cook);
    if cooks { Route::Kitchen } else { Route::Shops }
}

/// The login form.
#[component]
pub fn Login() -> Html {
    let session = use_session();
    let t = session.lang.texts();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let failed = use_state(|| false);
    let navigator = use_navigator();
    let onsubmit = {
        let (email, password, failed, session) = (
            email.clone(),
            password.clone(),
            failed.clone(),
            session.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = LoginRequest {
                email: (*email).clone(),
                password: (*password).clone(),
            };
            let (failed, session, navigator) = (failed.clone(), session.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::post::<_, Me>("/api/v1/auth/login", &request).await {
                    Ok(me) => {
                        let to = after_login(&me);
                        logged_in(&session, me);
                        match (next_in_address(), navigator) {
                            (Some(path), _) => {
                                let _ = gloo::utils::window().location().assign(&path);
                            }
                            (None, Some(nav)) => nav.push(&to),
                            (None, None) => {}
                        }
                    }
                    Err(_) => failed.set(true),
                }
            });
        })
    };
    let bind = |handle: yew::UseStateHandle<String>| {
        Callback::from(move |e: yew::InputEvent| {
            handle.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    html! {
        <section class="page narrow">
            <h1>{ t.login }</h1>
            <form {onsubmit}>
                <label for="email">{ t.email }</label>
                <input id="email" type="email" autocomplete="username" required=true
                       value={(*email).clone()} oninput={bind(email.clone())} />
                <label for="password">{ t.password }</label>
                <input id="password" type="password" autocomplete="current-password" required=true
                       value={(*password).clone()} oninput={bind(password.clone())} />
                if *failed {
                    <p role="alert" class="error">{ t.login_failed }</p>
                }
                <button type="submit" class="button">{ t.login }</button>
            </form>
        </section>
    }
}
