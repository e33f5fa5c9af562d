//! The button that turns push notifications on: on the tracker for one order, on the
//! driver's and the managers' screens for their alerts. Nothing is asked before it is pressed.

use super::use_session;
use crate::services::push::{self, PushFailure, PushTarget};
use yew::{Callback, Html, Properties, component, html, use_state};

/// Props of [`PushButton`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// What the notifications are about.
    pub target: PushTarget,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Idle,
    Asking,
    On,
    Refused(PushFailure),
}

/// "Prévenez-moi de l'avancement" / "Recevoir les notifications".
#[component]
pub fn PushButton(props: &Props) -> Html {
    let lang = use_session().lang;
    let t = lang.push();
    let step = use_state(|| Step::Idle);
    if !push::supported() {
        return html! {};
    }
    let press = {
        let (step, target) = (step.clone(), props.target.clone());
        Callback::from(move |_| {
            let (step, target) = (step.clone(), target.clone());
            step.set(Step::Asking);
            wasm_bindgen_futures::spawn_local(async move {
                match push::subscribe(&target, lang).await {
                    Ok(_) => step.set(Step::On),
                    Err(why) => step.set(Step::Refused(why)),
                }
            });
        })
    };
    let (label, hint) = match props.target {
        PushTarget::Order(_) => (t.notify_me, t.notify_me_hint),
        PushTarget::Staff => (t.staff_notify, t.staff_hint),
    };
    let said = match &*step {
        Step::Idle | Step::Asking => html! { <p class="hint">{ hint }</p> },
        Step::On => html! { <p class="notice" role="status" data-testid="push-on">{ t.on }</p> },
        Step::Refused(why) => {
            let text = match why {
                PushFailure::Denied => t.denied.to_owned(),
                PushFailure::Unsupported => t.unsupported.to_owned(),
                PushFailure::Failed(e) => match lang {
                    crate::i18n::Lang::Fr => format!("{} : {e}", t.failed),
                    crate::i18n::Lang::En => format!("{}: {e}", t.failed),
                },
            };
            html! { <p class="error" role="alert" data-testid="push-error">{ text }</p> }
        }
    };
    let asking = *step == Step::Asking;
    html! {
        <div class="push-optin" data-testid="push-optin">
            if *step != Step::On {
                <button type="button" class="button" data-testid="push-button"
                        disabled={asking} onclick={press}>
                    { if asking { t.asking } else { label } }
                </button>
            }
            { said }
        </div>
    }
}
