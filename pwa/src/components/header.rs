//! The top bar: the brand, what the role may open, the account, the language switch. On a
//! phone it stays one line: the links fold into a menu opened by a button (`aria-expanded`).

use super::use_session;
use crate::app::Route;
use crate::services::api;
use crate::state::session::SessionAction;
use gloo::storage::Storage;
use ocpizza_proto::StaffRole;
use yew::{Callback, Html, TargetCast, component, html, use_state};
use yew_router::prelude::Link;

/// The top bar.
#[component]
pub fn Header() -> Html {
    let session = use_session();
    let t = session.lang.texts();
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    // A link or button of the menu was used: fold it again.
    let close = {
        let open = open.clone();
        Callback::from(move |e: yew::MouseEvent| {
            let used = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|el| el.closest("a, button").ok().flatten());
            if used.is_some() {
                open.set(false);
            }
        })
    };
    let escape = {
        let open = open.clone();
        Callback::from(move |e: yew::KeyboardEvent| {
            if e.key() == "Escape" {
                open.set(false);
            }
        })
    };
    let switch = {
        let session = session.clone();
        Callback::from(move |_| {
            let next = session.lang.other();
            let _ = gloo::storage::LocalStorage::set("lang", next.code());
            session.dispatch(SessionAction::Lang(next));
        })
    };
    let logout = {
        let session = session.clone();
        Callback::from(move |_| {
            let session = session.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::post_empty("/api/v1/auth/logout").await;
                super::logged_out(&session);
            });
        })
    };
    html! {
        <header class="topbar" onkeydown={escape}>
            <Link<Route> to={Route::Shops} classes="brand">{ t.app_name }</Link<Route>>
            <button type="button" class="menu-toggle" aria-controls="topbar-menu"
                aria-expanded={open.to_string()} data-testid="menu-toggle" onclick={toggle}>
                <span aria-hidden="true">{ if *open { "✕ " } else { "☰ " } }</span>
                { session.lang.driver().menu }
            </button>
            <nav id="topbar-menu" aria-label="principal" onclick={close}
                class={if *open { "topbar-menu topbar-menu--open" } else { "topbar-menu" }}>
                if session.can(StaffRole::Cook) || session.can(StaffRole::Manager) {
                    <Link<Route> to={Route::Kitchen}>{ t.kitchen_title }</Link<Route>>
                }
                if session.can(StaffRole::OrderTaker) || session.can(StaffRole::Manager) {
                    <Link<Route> to={Route::Counter}>{ session.lang.counter().title }</Link<Route>>
                }
                if session.me.as_ref().is_some_and(|me| me.roles.iter().any(|r| r.role == StaffRole::Driver)) {
                    <Link<Route> to={Route::Driver}>{ session.lang.road().title }</Link<Route>>
                }
                if crate::pages::manage::may_manage(&session) {
                    <Link<Route> to={Route::Manage}>{ session.lang.manage().nav }</Link<Route>>
                }
                if session.me.as_ref().is_some_and(|me| me.admin || !me.roles.is_empty()) {
                    <Link<Route> to={Route::Recipes}>{ t.recipes_title }</Link<Route>>
                }
                if session.me.is_some() {
                    <Link<Route> to={Route::MyOrders}>{ session.lang.account().my_orders }</Link<Route>>
                }
                if let Some(me) = &session.me {
                    <span class="who">{ &me.name }</span>
                    <button type="button" onclick={logout}>{ t.logout }</button>
                } else {
                    <Link<Route> to={Route::Login}>{ t.login }</Link<Route>>
                }
                <button type="button" onclick={switch} lang={session.lang.other().code()}>
                    { t.switch_language }
                </button>
            </nav>
        </header>
    }
}
