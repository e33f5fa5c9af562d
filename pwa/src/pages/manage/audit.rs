//! The audit trail (`/manage/audit`): administrators read every entry, managers those of the
//! shops they manage. Filters (shop, actor, action, order number, dates), the list newest
//! first with older pages on demand, and the same filters as a CSV file.

use super::Access;
use crate::components::eta::clock;
use crate::components::use_session;
use crate::i18n::Lang;
use crate::services::api;
use crate::state::audit::{self, AuditEntry, AuditFilters, change_text};
use ocpizza_proto::api::shops::Shop;
use wasm_bindgen::JsValue;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::{
    Callback, Html, Properties, TargetCast, UseStateHandle, component, html, use_effect_with,
    use_state,
};

/// The page: checks who is there, then shows the trail.
#[component]
pub fn AuditPage() -> Html {
    let session = use_session();
    let access = Access::of(&session, None);
    if let Some(refusal) = access.refusal(session.lang, "/manage/audit") {
        return refusal;
    }
    let Access::Granted { admin, shops } = access else {
        return Html::default();
    };
    let shops: Vec<i64> = shops.iter().map(|s| s.0).collect();
    html! { <Trail lang={session.lang} {admin} {shops} /> }
}

/// Props of [`Trail`].
#[derive(Debug, Properties, PartialEq)]
pub struct TrailProps {
    /// Interface language.
    pub lang: Lang,
    /// Group administrator (every shop).
    pub admin: bool,
    /// The shops a manager manages.
    pub shops: Vec<i64>,
}

/// What the list shows.
#[derive(Debug, Clone, PartialEq, Default)]
struct Listing {
    entries: Vec<AuditEntry>,
    next_before: Option<i64>,
    loading: bool,
    error: Option<String>,
}

fn load(filters: &AuditFilters, before: Option<i64>, listing: &UseStateHandle<Listing>) {
    let mut query = filters.query();
    if let Some(before) = before {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("before=");
        query.push_str(&before.to_string());
    }
    let listing = listing.clone();
    let mut shown = if before.is_some() {
        (*listing).clone()
    } else {
        Listing::default()
    };
    shown.loading = true;
    listing.set(shown.clone());
    wasm_bindgen_futures::spawn_local(async move {
        match api::get::<audit::AuditPage>(&format!("/api/v1/audit?{query}")).await {
            Ok(page) => {
                shown.entries.extend(page.entries);
                shown.next_before = page.next_before;
                shown.error = None;
            }
            Err(e) => shown.error = Some(Lang::of_document().failure(&e)),
        }
        shown.loading = false;
        listing.set(shown);
    });
}

/// Filters, list, paging and the CSV link.
#[component]
pub fn Trail(props: &TrailProps) -> Html {
    let (lang, a) = (props.lang, props.lang.audit());
    let draft = use_state(AuditFilters::default);
    let applied = use_state(AuditFilters::default);
    let listing = use_state(Listing::default);
    let names = use_state(Vec::<Shop>::new);
    {
        let names = names.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::get::<Vec<Shop>>("/api/v1/shops").await {
                    names.set(list);
                }
            });
        });
    }
    {
        let listing = listing.clone();
        use_effect_with((*applied).clone(), move |filters| {
            load(filters, None, &listing);
        });
    }
    let text = |set: fn(&mut AuditFilters, String)| {
        let draft = draft.clone();
        Callback::from(move |e: yew::InputEvent| {
            let mut f = (*draft).clone();
            set(
                &mut f,
                e.target_unchecked_into::<HtmlInputElement>().value(),
            );
            draft.set(f);
        })
    };
    let choose = |set: fn(&mut AuditFilters, String)| {
        let draft = draft.clone();
        Callback::from(move |e: yew::Event| {
            let mut f = (*draft).clone();
            set(
                &mut f,
                e.target_unchecked_into::<HtmlSelectElement>().value(),
            );
            draft.set(f);
        })
    };
    let on_submit = {
        let (draft, applied) = (draft.clone(), applied.clone());
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            applied.set((*draft).clone());
        })
    };
    let on_more = {
        let (applied, listing) = (applied.clone(), listing.clone());
        Callback::from(move |_| load(&applied, listing.next_before, &listing))
    };
    let shops: Vec<&Shop> = names
        .iter()
        .filter(|s| props.admin || props.shops.contains(&s.id.0))
        .collect();
    let csv = format!("/api/v1/audit.csv?{}", applied.query());
    html! {
        <section class="page manage audit" aria-labelledby="audit-title">
            <div class="page-head">
                <h1 id="audit-title">{ a.title }</h1>
            </div>
            <p class="hint">{ a.intro }</p>
            <form class="audit-filters" onsubmit={on_submit} data-testid="audit-filters">
                <label class="field">
                    <span>{ a.shop }</span>
                    <select onchange={choose(|f, v| f.shop = v)} data-testid="audit-shop">
                        <option value="" selected={draft.shop.is_empty()}>{ a.all_shops }</option>
                        { for shops.iter().map(|s| html! {
                            <option value={s.id.0.to_string()} selected={draft.shop == s.id.0.to_string()}>{ &s.name }</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span>{ a.actor }</span>
                    <input type="search" value={draft.actor.clone()} oninput={text(|f, v| f.actor = v)} data-testid="audit-actor" />
                </label>
                <label class="field">
                    <span>{ a.action }</span>
                    <select onchange={choose(|f, v| f.action = v)} data-testid="audit-action">
                        <option value="" selected={draft.action.is_empty()}>{ a.all_actions }</option>
                        { for a.families.iter().map(|(value, label)| html! {
                            <option value={*value} selected={draft.action == *value}>{ *label }</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span>{ a.order }</span>
                    <input type="number" min="1" inputmode="numeric" value={draft.order.clone()} oninput={text(|f, v| f.order = v)} data-testid="audit-order" />
                </label>
                <label class="field">
                    <span>{ a.from }</span>
                    <input type="date" value={draft.from.clone()} oninput={text(|f, v| f.from = v)} data-testid="audit-from" />
                </label>
                <label class="field">
                    <span>{ a.to }</span>
                    <input type="date" value={draft.to.clone()} oninput={text(|f, v| f.to = v)} data-testid="audit-to" />
                </label>
                <div class="audit-actions">
                    <button type="submit" class="primary" data-testid="audit-filter">{ a.filter }</button>
                    <a class="button" href={csv} download="" data-testid="audit-csv">{ a.export_csv }</a>
                </div>
            </form>
            { body(lang, &listing, on_more) }
        </section>
    }
}

fn body(lang: Lang, listing: &Listing, on_more: Callback<yew::MouseEvent>) -> Html {
    let a = lang.audit();
    html! {
        <>
            if let Some(error) = &listing.error {
                <p class="error" role="alert">{ error }</p>
            }
            if listing.entries.is_empty() && !listing.loading && listing.error.is_none() {
                <p class="muted" data-testid="audit-empty">{ a.empty }</p>
            }
            if !listing.entries.is_empty() {
                <div class="table-scroll">
                    <table class="audit-list" data-testid="audit-list">
                        <thead><tr>
                            <th scope="col">{ a.when }</th>
                            <th scope="col">{ a.who }</th>
                            <th scope="col">{ a.what }</th>
                            <th scope="col">{ a.shop }</th>
                            <th scope="col">{ a.reason }</th>
                            <th scope="col">{ a.change }</th>
                        </tr></thead>
                        <tbody>
                            { for listing.entries.iter().map(|e| row(lang, e)) }
                        </tbody>
                    </table>
                </div>
            }
            if listing.loading {
                <p aria-busy="true">{ lang.texts().loading }</p>
            } else if listing.next_before.is_some() {
                <button type="button" onclick={on_more} data-testid="audit-more">{ a.more }</button>
            }
        </>
    }
}

fn row(lang: Lang, e: &AuditEntry) -> Html {
    let a = lang.audit();
    let day: String = js_sys::Date::new(&JsValue::from_f64(e.at.as_millisecond() as f64))
        .to_locale_date_string(lang.code(), &JsValue::UNDEFINED)
        .into();
    let changes = change_text(e.before.as_ref(), e.after.as_ref());
    html! {
        <tr key={e.id} data-testid={format!("audit-entry-{}", e.id)} data-action={e.action.clone()}>
            <td>{ format!("{day}, {}", clock(lang, e.at, None)) }</td>
            <td>{ e.actor_name.clone().unwrap_or_else(|| a.nobody.to_owned()) }</td>
            <td>
                <strong>{ lang.audit_action(&e.action) }</strong>
                <span class="hint">{ format!(" {}", e.subject) }</span>
            </td>
            <td>{ e.shop_name.clone().unwrap_or_else(|| a.group.to_owned()) }</td>
            <td>{ e.reason.clone().unwrap_or_default() }</td>
            <td>
                <ul class="audit-change">
                    { for changes.iter().map(|c| html! { <li>{ c }</li> }) }
                </ul>
            </td>
        </tr>
    }
}
