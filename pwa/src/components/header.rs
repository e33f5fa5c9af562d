//! The top bar: the brand, what the role may open, the account, the language switch.

use super::use_session;
use crate::app::Route;
use crate::services::api;
use crate::state::session::SessionAction;
use gloo::storage::Storage;
use ocpizza_proto::StaffRole;
use yew::{Callback, Html, component, html};
use yew_router::prelude::Link;

/// The top bar.
#[component]
pub fn Header() -> Html {
    let session = use_session();
    let t = session.lang.texts();
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
        <header class="topbar">
            <Link<Route> to={Route::Shops} classes="brand">{ t.app_name }</Link<Route>>
            <nav aria-label="principal">
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
