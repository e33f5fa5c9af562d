//! The banner showing a logged-in account the staff roles shops offer it, with accept and
//! decline. It sits under the top bar, so every account sees it wherever login lands; it shows
//! nothing when there is no invitation (nor while offline).

use super::use_session;
use crate::services::api;
use ocpizza_proto::UserId;
use ocpizza_proto::api::staff::Invitation;
use yew::{Callback, Html, UseStateHandle, component, html, use_effect_with, use_state};

fn reload(invitations: &UseStateHandle<Vec<Invitation>>) {
    let invitations = invitations.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(list) = api::get::<Vec<Invitation>>("/api/v1/me/invitations").await {
            invitations.set(list);
        }
    });
}

/// The pending invitations of the logged-in account.
#[component]
pub fn Invitations() -> Html {
    let session = use_session();
    let (lang, t) = (session.lang, session.lang.invitations());
    let invitations = use_state(Vec::<Invitation>::new);
    let problem = use_state(|| None::<String>);
    {
        let invitations = invitations.clone();
        let account: Option<UserId> = session.me.as_ref().map(|me| me.id);
        use_effect_with(account, move |account| {
            if account.is_some() {
                reload(&invitations);
            } else {
                invitations.set(Vec::new());
            }
        });
    }
    let answer = {
        let (invitations, problem, session) =
            (invitations.clone(), problem.clone(), session.clone());
        Callback::from(move |(invitation, verb): (Invitation, &'static str)| {
            let (invitations, problem, session) =
                (invitations.clone(), problem.clone(), session.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/me/invitations/{}/{verb}", invitation.id.0);
                match api::post_no_content(&path).await {
                    Ok(()) => {
                        problem.set(None);
                        if verb == "accept" {
                            // The new role opens new screens: ask who is there again.
                            super::recognise(session).await;
                        }
                    }
                    Err(e) => problem.set(Some(crate::i18n::Lang::of_document().failure(&e))),
                }
                reload(&invitations);
            });
        })
    };
    if invitations.is_empty() {
        return Html::default();
    }
    html! {
        <section class="notice invitations" aria-labelledby="invitations-title" data-testid="invitations">
            <h2 id="invitations-title">{ t.title }</h2>
            if let Some(p) = &*problem {
                <p role="alert">{ p }</p>
            }
            <ul>
                { for invitations.iter().map(|invitation| {
                    let accept = answer.reform({
                        let invitation = invitation.clone();
                        move |_| (invitation.clone(), "accept")
                    });
                    let decline = answer.reform({
                        let invitation = invitation.clone();
                        move |_| (invitation.clone(), "decline")
                    });
                    html! {
                        <li key={invitation.id.0} data-testid={format!("invitation-{}", invitation.id.0)}>
                            <p>
                                <strong>{ &invitation.shop_name }</strong>
                                { format!(" {} ", t.offers) }
                                <strong>{ lang.role(invitation.role) }</strong>
                                { format!(" ({} {})", t.invited_by, invitation.invited_by) }
                            </p>
                            <button type="button" class="button go" onclick={accept}
                                    data-testid={format!("accept-{}", invitation.id.0)}>{ t.accept }</button>
                            { " " }
                            <button type="button" class="button" onclick={decline}
                                    data-testid={format!("decline-{}", invitation.id.0)}>{ t.decline }</button>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
