//! A shop's settings (`/manage/shops/{id}/settings`): every field, its closures and holidays,
//! retiring and reopening it after a confirmation. Administrators change them; the shop's
//! managers read them.

use super::shop_form::{ShopFields, own_problem};
use super::shops::state_label;
use crate::i18n::Lang;
use crate::services::api;
use crate::state::shop_form::{ShopDraft, field_errors};
use ocpizza_proto::ShopId;
use ocpizza_proto::api::shops::{Closure, NewClosure, Shop};
use std::collections::BTreeMap;
use yew::{
    Callback, Html, Properties, TargetCast, UseStateHandle, component, html, use_effect_with,
    use_state,
};

/// Props of [`SettingsScreen`].
#[derive(Debug, Properties, PartialEq)]
pub struct ScreenProps {
    /// Shop id.
    pub shop: i64,
    /// Interface language.
    pub lang: Lang,
    /// Whether the account may change them (a group administrator).
    pub admin: bool,
}

fn reload(
    shop: i64,
    loaded: &UseStateHandle<Option<Shop>>,
    draft: &UseStateHandle<ShopDraft>,
    closures: &UseStateHandle<Vec<Closure>>,
) {
    let (loaded, draft, closures) = (loaded.clone(), draft.clone(), closures.clone());
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(s) = api::get::<Shop>(&format!("/api/v1/shops/{shop}")).await {
            draft.set(ShopDraft::of(&s));
            loaded.set(Some(s));
        }
        if let Ok(list) = api::get::<Vec<Closure>>(&format!("/api/v1/shops/{shop}/closures")).await
        {
            closures.set(list);
        }
    });
}

/// The settings screen, once access is granted (see [`super::ShopPage`]).
#[component]
pub fn SettingsScreen(props: &ScreenProps) -> Html {
    let (lang, shop) = (props.lang, props.shop);
    let (t, s) = (lang.texts(), lang.shop_admin());
    let loaded = use_state(|| None::<Shop>);
    let draft = use_state(ShopDraft::default);
    let closures = use_state(Vec::<Closure>::new);
    let errors = use_state(BTreeMap::<String, String>::new);
    let outcome = use_state(|| None::<Result<(), String>>);
    {
        let (loaded, draft, closures) = (loaded.clone(), draft.clone(), closures.clone());
        use_effect_with(shop, move |&shop| reload(shop, &loaded, &draft, &closures));
    }
    let refresh = {
        let (loaded, draft, closures) = (loaded.clone(), draft.clone(), closures.clone());
        Callback::from(move |()| reload(shop, &loaded, &draft, &closures))
    };
    let on_change = {
        let draft = draft.clone();
        Callback::from(move |next: ShopDraft| draft.set(next))
    };
    let on_save = {
        let (draft, errors, outcome, loaded) = (
            draft.clone(),
            errors.clone(),
            outcome.clone(),
            loaded.clone(),
        );
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let body = match draft.to_patch() {
                Ok(body) => body,
                Err(fields) => {
                    errors.set(
                        fields
                            .iter()
                            .map(|f| ((*f).to_owned(), s.bad_amount.to_owned()))
                            .collect(),
                    );
                    outcome.set(Some(Err(s.fix_fields.to_owned())));
                    return;
                }
            };
            let (draft, errors, outcome, loaded) = (
                draft.clone(),
                errors.clone(),
                outcome.clone(),
                loaded.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch::<_, Shop>(&format!("/api/v1/shops/{shop}"), &body).await {
                    Ok(saved) => {
                        errors.set(BTreeMap::new());
                        draft.set(ShopDraft::of(&saved));
                        loaded.set(Some(saved));
                        outcome.set(Some(Ok(())));
                    }
                    Err(e) => {
                        let shown =
                            field_errors(&crate::state::validate::field_texts(&e), own_problem(s));
                        outcome.set(Some(Err(if shown.is_empty() {
                            lang.failure(&e)
                        } else {
                            s.fix_fields.to_owned()
                        })));
                        errors.set(shown);
                    }
                }
            });
        })
    };
    let Some(current) = &*loaded else {
        return html! { <section class="page manage"><p aria-busy="true">{ t.loading }</p></section> };
    };
    html! {
        <section class="page manage" aria-labelledby="settings-title">
            <div class="page-head">
                <h1 id="settings-title">{ format!("{} · {}", s.settings_title, current.name) }</h1>
                <p class="shop-state" data-testid="settings-state">{ state_label(lang, current) }</p>
            </div>
            { super::shop_nav(ShopId(shop), lang.manage(), "settings") }
            if !props.admin {
                <p class="notice" data-testid="settings-read-only">{ s.read_only }</p>
            }
            <form class="shop-form" onsubmit={on_save} novalidate=true data-testid="settings-form">
                <ShopFields draft={(*draft).clone()} errors={(*errors).clone()} disabled={!props.admin} {lang} {on_change} />
                { match &*outcome {
                    Some(Ok(())) => html! { <p class="notice notice--ok" role="status" data-testid="settings-saved">{ s.saved }</p> },
                    Some(Err(e)) => html! { <p class="notice notice--error" role="alert" data-testid="settings-error">{ e }</p> },
                    None => Html::default(),
                } }
                if props.admin {
                    <button type="submit" class="button go" data-testid="settings-save">{ s.save }</button>
                }
            </form>
            <Closures shop={shop} {lang} admin={props.admin} closures={(*closures).clone()} on_changed={refresh.clone()} />
            if props.admin {
                <Retirement shop={current.clone()} {lang} on_changed={refresh} />
            }
        </section>
    }
}

/// Props of [`Closures`].
#[derive(Debug, Properties, PartialEq)]
struct ClosuresProps {
    shop: i64,
    lang: Lang,
    admin: bool,
    closures: Vec<Closure>,
    on_changed: Callback<()>,
}

/// The shop's closures, with a form to add one and a button to remove each.
#[component]
fn Closures(props: &ClosuresProps) -> Html {
    let s = props.lang.shop_admin();
    let draft = use_state(NewClosure::default);
    let errors = use_state(BTreeMap::<String, String>::new);
    let problem = use_state(|| None::<String>);
    let shop = props.shop;
    let lang = props.lang;
    let on_add = {
        let (draft, errors, problem, on_changed) = (
            draft.clone(),
            errors.clone(),
            problem.clone(),
            props.on_changed.clone(),
        );
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let (draft, errors, problem, on_changed) = (
                draft.clone(),
                errors.clone(),
                problem.clone(),
                on_changed.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/shops/{shop}/closures");
                match api::post::<_, Shop>(&path, &*draft).await {
                    Ok(_) => {
                        draft.set(NewClosure::default());
                        errors.set(BTreeMap::new());
                        problem.set(None);
                        on_changed.emit(());
                    }
                    Err(e) => {
                        let shown =
                            field_errors(&crate::state::validate::field_texts(&e), own_problem(s));
                        problem.set(shown.is_empty().then(|| lang.failure(&e)));
                        errors.set(shown);
                    }
                }
            });
        })
    };
    let remove = |id: i64| {
        let (problem, on_changed) = (problem.clone(), props.on_changed.clone());
        Callback::from(move |_| {
            let (problem, on_changed) = (problem.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::delete(&format!("/api/v1/shops/{shop}/closures/{id}")).await {
                    Ok(()) => on_changed.emit(()),
                    Err(e) => problem.set(Some(lang.failure(&e))),
                }
            });
        })
    };
    let set = |apply: fn(&mut NewClosure, String)| {
        let draft = draft.clone();
        Callback::from(move |e: yew::InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let mut next = (*draft).clone();
            apply(&mut next, input.value());
            draft.set(next);
        })
    };
    let field = |id: &str,
                 label: &str,
                 kind: &str,
                 value: &str,
                 oninput: Callback<yew::InputEvent>| {
        let error = errors.get(id.trim_start_matches("closure-")).cloned();
        let error_id = format!("{id}-error");
        html! {
            <div class="field">
                <label for={id.to_owned()}>{ label.to_owned() }</label>
                <input id={id.to_owned()} type={kind.to_owned()} value={value.to_owned()} {oninput}
                       data-testid={id.to_owned()} aria-invalid={error.is_some().to_string()}
                       aria-describedby={error.as_ref().map(|_| error_id.clone())} />
                if let Some(e) = error {
                    <p class="field-error" id={error_id}>{ e }</p>
                }
            </div>
        }
    };
    html! {
        <section class="manage-panel" aria-labelledby="closures-title" data-testid="closures">
            <h2 id="closures-title">{ s.closures }</h2>
            if props.closures.is_empty() {
                <p class="muted">{ s.no_closures }</p>
            } else {
                <ul class="closure-list">
                    { for props.closures.iter().map(|c| html! {
                        <li key={c.id} data-testid={format!("closure-{}", c.id)}>
                            { format!("{} → {} : {}", c.starts_on, c.ends_on, c.reason) }
                            if props.admin {
                                { " " }
                                <button type="button" onclick={remove(c.id)} data-testid={format!("closure-remove-{}", c.id)}>{ s.remove }</button>
                            }
                        </li>
                    }) }
                </ul>
            }
            if props.admin {
                <form onsubmit={on_add} novalidate=true data-testid="closure-form">
                    { field("closure-starts_on", s.closure_from, "date", &draft.starts_on, set(|d, v| d.starts_on = v)) }
                    { field("closure-ends_on", s.closure_to, "date", draft.ends_on.as_deref().unwrap_or(""),
                        set(|d, v| d.ends_on = Some(v).filter(|v| !v.is_empty()))) }
                    { field("closure-reason", s.closure_reason, "text", &draft.reason, set(|d, v| d.reason = v)) }
                    <button type="submit" class="button" data-testid="closure-add">{ s.add_closure }</button>
                </form>
            }
            if let Some(p) = &*problem {
                <p class="notice notice--error" role="alert">{ p }</p>
            }
        </section>
    }
}

/// Props of [`Retirement`].
#[derive(Debug, Properties, PartialEq)]
struct RetirementProps {
    shop: Shop,
    lang: Lang,
    on_changed: Callback<()>,
}

/// Retire (or reopen) the shop, after saying what it means and asking again.
#[component]
fn Retirement(props: &RetirementProps) -> Html {
    let s = props.lang.shop_admin();
    let asking = use_state(|| false);
    let problem = use_state(|| None::<String>);
    let (id, retired, lang) = (props.shop.id.0, props.shop.retired, props.lang);
    let ask = {
        let asking = asking.clone();
        Callback::from(move |_| asking.set(true))
    };
    let cancel = {
        let asking = asking.clone();
        Callback::from(move |_| asking.set(false))
    };
    let confirm = {
        let (asking, problem, on_changed) =
            (asking.clone(), problem.clone(), props.on_changed.clone());
        Callback::from(move |_| {
            let (asking, problem, on_changed) =
                (asking.clone(), problem.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let verb = if retired { "reopen" } else { "retire" };
                let path = format!("/api/v1/shops/{id}/{verb}");
                match api::post::<_, Shop>(&path, &()).await {
                    Ok(_) => {
                        problem.set(None);
                        on_changed.emit(());
                    }
                    Err(e) => problem.set(Some(lang.failure(&e))),
                }
                asking.set(false);
            });
        })
    };
    let (label, question) = if retired {
        (s.reopen, s.reopen_confirm)
    } else {
        (s.retire, s.retire_confirm)
    };
    html! {
        <section class="manage-panel retirement" data-testid="retirement">
            if *asking {
                <div role="alertdialog" aria-labelledby="retire-question" class="notice notice--warn">
                    <p id="retire-question">{ question.replace("{name}", &props.shop.name) }</p>
                    <button type="button" class={if retired { "button go" } else { "button danger" }}
                            onclick={confirm} data-testid="retire-confirm">{ s.confirm }</button>
                    <button type="button" class="button" onclick={cancel}>{ s.cancel }</button>
                </div>
            } else {
                <button type="button" class={if retired { "button go" } else { "button danger" }}
                        onclick={ask} data-testid={if retired { "reopen" } else { "retire" }}>{ label }</button>
            }
            if let Some(p) = &*problem {
                <p class="notice notice--error" role="alert" data-testid="retire-error">{ p }</p>
            }
        </section>
    }
}
