//! The group's shops (`/manage/shops`, administrators): every shop with its state, retired
//! ones included, and opening a new one (`/manage/shops/new`). A new shop's stock starts at
//! zero; the screen then opens its settings.

use super::Access;
use super::shop_form::{ShopFields, own_problem};
use crate::app::Route;
use crate::components::use_session;
use crate::i18n::Lang;
use crate::services::api;
use crate::state::shop_form::{ShopDraft, field_errors};
use ocpizza_proto::api::shops::Shop;
use std::collections::BTreeMap;
use yew::{Callback, Html, component, html, use_effect_with, use_state};
use yew_router::prelude::use_navigator;

/// The refusal to show instead of an administrators' screen, if any.
fn refusal(session: &crate::state::session::Session, next: &str) -> Option<Html> {
    let access = Access::of(session, None);
    match access {
        Access::Granted { admin: true, .. } => None,
        Access::Granted { admin: false, .. } => Some(html! {
            <section class="page narrow" data-testid="manage-forbidden">
                <p class="notice" role="alert">{ session.lang.shop_admin().admin_only }</p>
            </section>
        }),
        other => other.refusal(session.lang, next),
    }
}

/// A shop's state as the list tells it.
pub fn state_label(lang: Lang, shop: &Shop) -> &'static str {
    let t = lang.shop_admin();
    if shop.retired {
        t.retired
    } else if shop.paused {
        t.paused
    } else if shop.closed_today.is_some() {
        t.closed_today
    } else {
        t.trading
    }
}

/// Every shop of the group.
#[component]
pub fn ShopsAdminPage() -> Html {
    let session = use_session();
    let (lang, t) = (session.lang, session.lang.texts());
    let s = lang.shop_admin();
    let shops = use_state(|| None::<Result<Vec<Shop>, String>>);
    {
        let shops = shops.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                let got = api::get::<Vec<Shop>>("/api/v1/group/shops").await;
                shops.set(Some(got.map_err(|e| lang.failure(&e))));
            });
        });
    }
    if let Some(refusal) = refusal(&session, "/manage/shops") {
        return refusal;
    }
    let body = match &*shops {
        None => html! { <p aria-busy="true">{ t.loading }</p> },
        Some(Err(e)) => html! { <p class="notice notice--error" role="alert">{ e }</p> },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="shops-table" data-testid="shops-table">
                    <thead><tr>
                        <th scope="col">{ s.name }</th>
                        <th scope="col">{ s.city }</th>
                        <th scope="col">{ s.state }</th>
                        <th scope="col"><span class="sr-only">{ s.settings }</span></th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|shop| {
                            let id = shop.id.0;
                            html! {
                                <tr key={id} data-testid={format!("shop-row-{id}")}
                                    class={shop.retired.then_some("shop-row--retired")}>
                                    <th scope="row">{ &shop.name }</th>
                                    <td>{ format!("{} {}", shop.postcode, shop.city) }</td>
                                    <td data-testid={format!("shop-state-{id}")}>{ state_label(lang, shop) }</td>
                                    <td>
                                        <a class="button" href={format!("/manage/shops/{id}/settings")}
                                           data-testid={format!("shop-settings-{id}")}>{ s.settings }</a>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="page manage" aria-labelledby="shops-admin-title">
            <div class="page-head">
                <h1 id="shops-admin-title">{ s.list_title }</h1>
            </div>
            <nav class="manage-nav" aria-label={lang.manage().nav}>
                <a class="button" href="/manage">{ lang.manage().back }</a>
                <a class="button go" href="/manage/shops/new" data-testid="new-shop-link">{ s.new_shop }</a>
            </nav>
            { body }
        </section>
    }
}

/// Opening a new shop.
#[component]
pub fn NewShopPage() -> Html {
    let session = use_session();
    let lang = session.lang;
    let s = lang.shop_admin();
    let draft = use_state(ShopDraft::default);
    let errors = use_state(BTreeMap::<String, String>::new);
    let problem = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let navigator = use_navigator();
    let on_change = {
        let draft = draft.clone();
        Callback::from(move |next: ShopDraft| draft.set(next))
    };
    let on_submit = {
        let (draft, errors, problem, busy) =
            (draft.clone(), errors.clone(), problem.clone(), busy.clone());
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let body = match draft.to_new() {
                Ok(body) => body,
                Err(fields) => {
                    errors.set(
                        fields
                            .iter()
                            .map(|f| ((*f).to_owned(), s.bad_amount.to_owned()))
                            .collect(),
                    );
                    problem.set(Some(s.fix_fields.to_owned()));
                    return;
                }
            };
            let (errors, problem, busy, navigator) = (
                errors.clone(),
                problem.clone(),
                busy.clone(),
                navigator.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::post::<_, Shop>("/api/v1/shops", &body).await {
                    Ok(shop) => {
                        if let Some(nav) = navigator {
                            nav.push(&Route::ManageShopSettings { id: shop.id.0 });
                        }
                    }
                    Err(e) => {
                        let shown =
                            field_errors(&crate::state::validate::field_texts(&e), own_problem(s));
                        problem.set(Some(if shown.is_empty() {
                            lang.failure(&e)
                        } else {
                            s.fix_fields.to_owned()
                        }));
                        errors.set(shown);
                        busy.set(false);
                    }
                }
            });
        })
    };
    if let Some(refusal) = refusal(&session, "/manage/shops/new") {
        return refusal;
    }
    html! {
        <section class="page manage" aria-labelledby="new-shop-title">
            <div class="page-head">
                <h1 id="new-shop-title">{ s.new_title }</h1>
            </div>
            <nav class="manage-nav" aria-label={lang.manage().nav}>
                <a class="button" href="/manage/shops">{ s.list_title }</a>
            </nav>
            <form class="shop-form" onsubmit={on_submit} novalidate=true data-testid="new-shop-form">
                <ShopFields draft={(*draft).clone()} errors={(*errors).clone()} {lang} {on_change} />
                if let Some(p) = &*problem {
                    <p class="notice notice--error" role="alert" data-testid="shop-form-error">{ p }</p>
                }
                <button type="submit" class="button go" disabled={*busy} data-testid="create-shop">{ s.create }</button>
            </form>
        </section>
    }
}
