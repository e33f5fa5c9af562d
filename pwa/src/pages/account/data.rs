//! "Mes données" on the customer's account page: the download of everything the group holds
//! about the account (`GET /api/v1/me/data`) and the deletion of the account, confirmed with
//! its password (`DELETE /api/v1/me`). Staff accounts are closed by an administrator, so the
//! deletion is offered to customers only.

use crate::components::{logged_out, use_session};
use crate::services::api;
use ocpizza_proto::api::privacy::DeleteAccount;
use web_sys::HtmlInputElement;
use yew::{Callback, Html, Properties, TargetCast, component, html, use_state};

/// Props of [`MyData`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// Told once the account is deleted (the session is over by then).
    pub on_deleted: Callback<()>,
}

/// What the deletion form is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Deletion {
    Idle,
    Deleting,
    Failed(String),
}

/// The section.
#[component]
pub fn MyData(props: &Props) -> Html {
    let session = use_session();
    let (lang, p) = (session.lang, session.lang.privacy());
    let password = use_state(String::new);
    let deletion = use_state(|| Deletion::Idle);
    let staff = session
        .me
        .as_ref()
        .is_some_and(|me| me.admin || !me.roles.is_empty());
    let on_password = {
        let password = password.clone();
        Callback::from(move |e: yew::InputEvent| {
            password.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let on_delete = {
        let (password, deletion, session) = (password.clone(), deletion.clone(), session.clone());
        let on_deleted = props.on_deleted.clone();
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let body = DeleteAccount {
                password: (*password).clone(),
            };
            let (deletion, session, on_deleted) =
                (deletion.clone(), session.clone(), on_deleted.clone());
            deletion.set(Deletion::Deleting);
            wasm_bindgen_futures::spawn_local(async move {
                match api::delete_json("/api/v1/me", &body).await {
                    Ok(()) => {
                        deletion.set(Deletion::Idle);
                        on_deleted.emit(());
                        logged_out(&session);
                    }
                    Err(e) => deletion.set(Deletion::Failed(lang.failure(&e))),
                }
            });
        })
    };
    html! {
        <section class="step my-data" aria-labelledby="my-data-title" data-testid="my-data">
            <h2 id="my-data-title">{ p.my_data }</h2>
            <p class="hint">{ p.my_data_intro }</p>
            <a class="button" href="/api/v1/me/data" download="mes-donnees-ocpizza.json"
                data-testid="download-my-data">{ p.download }</a>
            if !staff {
                <details class="danger-zone">
                    <summary data-testid="delete-account-open">{ p.delete_title }</summary>
                    <p>{ p.delete_intro }</p>
                    <form onsubmit={on_delete} data-testid="delete-account">
                        <label class="field">
                            <span>{ p.password }</span>
                            <input type="password" autocomplete="current-password" required=true
                                value={(*password).clone()} oninput={on_password}
                                data-testid="delete-password" />
                        </label>
                        if let Deletion::Failed(message) = &*deletion {
                            <p class="error" role="alert">{ message }</p>
                        }
                        <button type="submit" class="danger" data-testid="delete-account-confirm"
                            disabled={*deletion == Deletion::Deleting}>
                            { if *deletion == Deletion::Deleting { p.deleting } else { p.delete_button } }
                        </button>
                    </form>
                </details>
            }
        </section>
    }
}
