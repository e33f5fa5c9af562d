//! Login for staff and customers.

use crate::app::Route;
use crate::components::{logged_in, use_session};
use crate::services::api;
use ocpizza_proto::api::auth::{LoginRequest, Me};
use web_sys::HtmlInputElement;
use yew::{Callback, Html, SubmitEvent, TargetCast, component, html, use_state};
use yew_router::prelude::use_navigator;

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
                        logged_in(&session, me);
                        if let Some(nav) = navigator {
                            nav.push(&Route::Shops);
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
