//! A shop's staff (`/manage/shops/{id}/staff`, its managers and admins): who holds which role,
//! adding someone by e-mail and removing a role. A new e-mail gets an account with the role at
//! once; an existing account is sent an invitation, listed as such until it accepts, and the
//! manager may withdraw it. A manager may not hand out or take away the manager role; the
//! server says so when asked.

use crate::i18n::Lang;
use crate::services::api;
use ocpizza_proto::api::staff::{AddStaff, StaffMember, StaffStatus};
use ocpizza_proto::{ShopId, StaffRole};
use std::collections::BTreeMap;
use yew::{
    Callback, Html, Properties, TargetCast, UseStateHandle, component, html, use_effect_with,
    use_state,
};

/// Props of [`StaffScreen`].
#[derive(Debug, Properties, PartialEq)]
pub struct ScreenProps {
    /// Shop id.
    pub shop: i64,
    /// Interface language.
    pub lang: Lang,
}

fn failure_text(e: &api::ApiFailure) -> String {
    crate::i18n::Lang::of_document().failure(e)
}

fn reload(shop: i64, members: &UseStateHandle<Option<Vec<StaffMember>>>) {
    let members = members.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(list) = api::get::<Vec<StaffMember>>(&format!("/api/v1/shops/{shop}/staff")).await
        {
            members.set(Some(list));
        }
    });
}

/// The staff list and the form to add someone.
/// The screen, once access is granted (see [`super::ShopPage`]).
#[component]
pub fn StaffScreen(props: &ScreenProps) -> Html {
    let (t, m) = (props.lang.texts(), props.lang.manage());
    let shop = props.shop;
    let members = use_state(|| None::<Vec<StaffMember>>);
    let problem = use_state(|| None::<String>);
    {
        let members = members.clone();
        use_effect_with(shop, move |&shop| reload(shop, &members));
    }
    let on_remove = {
        let (members, problem) = (members.clone(), problem.clone());
        Callback::from(move |member: StaffMember| {
            let (members, problem) = (members.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!(
                    "/api/v1/shops/{shop}/staff/{}/{}",
                    member.user_id.0,
                    member.role.as_str()
                );
                match api::delete(&path).await {
                    Ok(()) => {
                        problem.set(None);
                        reload(shop, &members);
                    }
                    Err(e) => problem.set(Some(failure_text(&e))),
                }
            });
        })
    };
    let on_added = {
        let members = members.clone();
        Callback::from(move |()| reload(shop, &members))
    };
    html! {
        <section class="page manage" aria-labelledby="staff-title">
            <div class="page-head">
                <h1 id="staff-title">{ format!("{} · #{shop}", m.staff_title) }</h1>
            </div>
            { super::shop_nav(ShopId(shop), m, "staff") }
            if let Some(p) = &*problem {
                <p class="notice notice--error" role="alert" data-testid="staff-error">{ p }</p>
            }
            <div class="manage-grid">
                <section aria-labelledby="staff-list-title">
                    <h2 id="staff-list-title">{ m.staff_title }</h2>
                    { match &*members {
                        None => html! { <p aria-busy="true">{ t.loading }</p> },
                        Some(list) if list.is_empty() => html! { <p>{ m.no_staff }</p> },
                        Some(list) => html! {
                            <div class="table-wrap">
                                <table class="staff-table" data-testid="staff-table">
                                    <thead><tr>
                                        <th scope="col">{ m.name }</th>
                                        <th scope="col">{ m.email }</th>
                                        <th scope="col">{ m.role }</th>
                                        <th scope="col">{ m.status }</th>
                                        <th scope="col"><span class="sr-only">{ m.remove }</span></th>
                                    </tr></thead>
                                    <tbody>
                                        { for list.iter().map(|member| {
                                            let remove = {
                                                let member = member.clone();
                                                on_remove.reform(move |_| member.clone())
                                            };
                                            let key = format!("{}-{}", member.user_id.0, member.role.as_str());
                                            let invited = member.status == StaffStatus::Invited;
                                            let (status, action) = if invited {
                                                (m.invited, m.withdraw)
                                            } else {
                                                (m.active, m.remove)
                                            };
                                            html! {
                                                <tr key={key.clone()} data-testid={format!("staff-{key}")}
                                                    class={invited.then_some("staff--invited")}>
                                                    <th scope="row">{ &member.name }</th>
                                                    <td>{ &member.email }</td>
                                                    <td>{ props.lang.role(member.role) }</td>
                                                    <td data-testid={format!("status-{key}")}>{ status }</td>
                                                    <td>
                                                        <button type="button" onclick={remove}
                                                                aria-label={format!("{action} {} ({})", member.name, props.lang.role(member.role))}
                                                                data-testid={format!("remove-{key}")}>{ action }</button>
                                                    </td>
                                                </tr>
                                            }
                                        }) }
                                    </tbody>
                                </table>
                            </div>
                        },
                    } }
                </section>
                <AddForm shop={shop} lang={props.lang} on_added={on_added} />
            </div>
        </section>
    }
}

/// Props of [`AddForm`].
#[derive(Debug, Properties, PartialEq)]
struct AddProps {
    shop: i64,
    lang: Lang,
    on_added: Callback<()>,
}

/// What the form holds.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    email: String,
    role: StaffRole,
    name: String,
    password: String,
}

fn text_input(
    draft: &UseStateHandle<Draft>,
    set: fn(&mut Draft, String),
) -> Callback<yew::InputEvent> {
    let draft = draft.clone();
    Callback::from(move |e: yew::InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        let mut next = (*draft).clone();
        set(&mut next, input.value());
        draft.set(next);
    })
}

fn field(
    id: &str,
    label: &str,
    kind: &str,
    value: &str,
    oninput: Callback<yew::InputEvent>,
    errors: &BTreeMap<String, String>,
    name: &str,
) -> Html {
    let error_id = format!("{id}-error");
    let error = errors.get(name);
    html! {
        <div class="field">
            <label for={id.to_owned()}>{ label.to_owned() }</label>
            <input id={id.to_owned()} type={kind.to_owned()} value={value.to_owned()} {oninput}
                   data-testid={id.to_owned()} aria-invalid={error.is_some().to_string()}
                   aria-describedby={error.map(|_| error_id.clone())} />
            if let Some(e) = error {
                <p class="field-error" id={error_id}>{ e }</p>
            }
        </div>
    }
}

/// Adds a role to an account by e-mail.
#[component]
fn AddForm(props: &AddProps) -> Html {
    let m = props.lang.manage();
    let draft = use_state(|| Draft {
        email: String::new(),
        role: StaffRole::Cook,
        name: String::new(),
        password: String::new(),
    });
    let errors = use_state(BTreeMap::<String, String>::new);
    let outcome = use_state(|| None::<Result<StaffStatus, String>>);
    let on_submit = {
        let (draft, errors, outcome, on_added) = (
            draft.clone(),
            errors.clone(),
            outcome.clone(),
            props.on_added.clone(),
        );
        let shop = props.shop;
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let (draft, errors, outcome, on_added) = (
                draft.clone(),
                errors.clone(),
                outcome.clone(),
                on_added.clone(),
            );
            let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            let body = AddStaff {
                email: draft.email.trim().to_owned(),
                role: draft.role,
                name: optional(&draft.name),
                password: Some(draft.password.clone()).filter(|p| !p.is_empty()),
            };
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/shops/{shop}/staff");
                match api::post::<_, StaffMember>(&path, &body).await {
                    Ok(member) => {
                        errors.set(BTreeMap::new());
                        outcome.set(Some(Ok(member.status)));
                        draft.set(Draft {
                            email: String::new(),
                            name: String::new(),
                            password: String::new(),
                            ..(*draft).clone()
                        });
                        on_added.emit(());
                    }
                    Err(e) => {
                        errors.set(crate::state::validate::field_texts(&e));
                        outcome.set(Some(Err(failure_text(&e))));
                    }
                }
            });
        })
    };
    let on_role = {
        let draft = draft.clone();
        Callback::from(move |e: yew::Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(role) = StaffRole::parse(&select.value()) {
                draft.set(Draft {
                    role,
                    ..(*draft).clone()
                });
            }
        })
    };
    html! {
        <form class="manage-panel" onsubmit={on_submit} data-testid="add-staff" aria-labelledby="add-staff-title" novalidate=true>
            <h2 id="add-staff-title">{ m.add_staff }</h2>
            { field("staff-email", m.email, "email", &draft.email, text_input(&draft, |d, v| d.email = v), &errors, "email") }
            <div class="field">
                <label for="staff-role">{ m.role }</label>
                <select id="staff-role" data-testid="staff-role" onchange={on_role}>
                    { for StaffRole::ALL.iter().map(|&r| html! {
                        <option value={r.as_str()} selected={draft.role == r}>{ props.lang.role(r) }</option>
                    }) }
                </select>
            </div>
            { field("staff-name", m.new_name, "text", &draft.name, text_input(&draft, |d, v| d.name = v), &errors, "name") }
            { field("staff-password", m.new_password, "password", &draft.password, text_input(&draft, |d, v| d.password = v), &errors, "password") }
            <button type="submit" class="button go" data-testid="staff-submit">{ m.add }</button>
            { match &*outcome {
                Some(Ok(StaffStatus::Active)) => html! { <p class="notice notice--ok" role="status">{ m.saved }</p> },
                Some(Ok(StaffStatus::Invited)) => html! {
                    <p class="notice notice--ok" role="status" data-testid="invitation-sent">{ m.invitation_sent }</p>
                },
                Some(Err(e)) if errors.is_empty() => html! { <p class="notice notice--error" role="alert" data-testid="add-staff-error">{ e }</p> },
                _ => Html::default(),
            } }
        </form>
    }
}
