//! The edit form of a placed order: quantities, removed lines, the note and, for a delivery,
//! the address. The page sends it and handles the answer.

use crate::components::use_session;
use crate::state::checkout::{Field, FormErrors};
use crate::state::order_edit::EditDraft;
use ocpizza_proto::Fulfilment;
use ocpizza_proto::api::orders::Address;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, MouseEvent, Properties, SubmitEvent, TargetCast, component, html,
};

/// Props of [`Editor`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The edit in progress.
    pub draft: EditDraft,
    /// The server's complaints about the last attempt.
    pub errors: FormErrors,
    /// A request is on its way.
    pub busy: bool,
    /// Delivery (address editable) or pickup.
    pub fulfilment: Fulfilment,
    /// The draft changed.
    pub on_change: Callback<EditDraft>,
    /// Send it.
    pub on_save: Callback<()>,
    /// Give up.
    pub on_discard: Callback<()>,
}

/// The edit form.
#[component]
pub fn Editor(props: &Props) -> Html {
    let lang = use_session().lang;
    let t = lang.texts();
    let change = |f: fn(&mut EditDraft, String)| {
        let (draft, on_change) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |e: InputEvent| {
            let mut next = draft.clone();
            f(
                &mut next,
                e.target_unchecked_into::<HtmlInputElement>().value(),
            );
            on_change.emit(next);
        })
    };
    let step = |i: usize, delta: i64| {
        let (draft, on_change) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = draft.clone();
            if delta == 0 {
                next.remove(i);
            } else {
                next.change_quantity(i, delta);
            }
            on_change.emit(next);
        })
    };
    let field = |field: Field, label: &str, value: &str, f: fn(&mut EditDraft, String)| {
        let id = format!("edit-{}", field.name());
        let error = props.errors.fields.get(&field);
        html! {
            <div class="field">
                <label for={id.clone()}>{ label }</label>
                <input id={id} name={field.name()} type="text" value={value.to_owned()} oninput={change(f)}
                       aria-invalid={error.is_some().then_some("true")} />
                if let Some(error) = error {
                    <p class="field-error">{ error }</p>
                }
            </div>
        }
    };
    let address = props.draft.address.clone().unwrap_or(Address {
        street: String::new(),
        postcode: String::new(),
        city: String::new(),
        instructions: None,
    });
    let onsubmit = {
        let on_save = props.on_save.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_save.emit(());
        })
    };
    let discard = props.on_discard.reform(|_: MouseEvent| ());
    html! {
        <form class="editor" {onsubmit} novalidate=true aria-labelledby="editor-title">
            <h2 id="editor-title">{ t.edit_order }</h2>
            <ul class="cart-lines">
                { for props.draft.lines.iter().enumerate().map(|(i, l)| html! {
                    <li class="cart-line" key={i}>
                        <div class="cart-line-head">
                            <strong>{ format!("{} · {}", l.pizza_name, lang.size(&l.size)) }</strong>
                        </div>
                        <div class="qty" role="group" aria-label={t.quantity}>
                            <button type="button" aria-label={t.one_less} disabled={l.quantity <= 1}
                                    onclick={step(i, -1)}>{ "−" }</button>
                            <output aria-live="polite">{ l.quantity }</output>
                            <button type="button" aria-label={t.one_more} onclick={step(i, 1)}>{ "+" }</button>
                            <button type="button" class="link" onclick={step(i, 0)}>{ t.remove }</button>
                        </div>
                        if let Some(problem) = props.errors.lines.get(&i) {
                            <p class="field-error">{ problem }</p>
                        }
                    </li>
                }) }
            </ul>
            if !props.draft.is_sendable() {
                <p class="short" role="status">{ t.keep_one_line }</p>
            }
            if props.fulfilment == Fulfilment::Delivery {
                <fieldset class="step">
                    <legend>{ t.address }</legend>
                    { field(Field::Street, t.street, &address.street, |d, v| edit_address(d, |a| a.street = v)) }
                    <div class="row">
                        { field(Field::Postcode, t.postcode, &address.postcode, |d, v| edit_address(d, |a| a.postcode = v)) }
                        { field(Field::City, t.city, &address.city, |d, v| edit_address(d, |a| a.city = v)) }
                    </div>
                    { field(Field::Instructions, t.instructions, address.instructions.as_deref().unwrap_or_default(),
                            |d, v| edit_address(d, |a| a.instructions = Some(v).filter(|v| !v.trim().is_empty()))) }
                </fieldset>
            }
            { field(Field::Note, t.order_note, &props.draft.note, |d, v| d.note = v) }
            if let Some(general) = &props.errors.general {
                <p class="error form-error" role="alert" data-testid="form-error">{ general }</p>
            }
            <div class="actions">
                <button type="submit" class="button button--primary" data-testid="save-edit"
                        disabled={props.busy || !props.draft.is_sendable()}>
                    { t.save_changes }
                </button>
                <button type="button" class="button" onclick={discard}>{ t.discard }</button>
            </div>
        </form>
    }
}

/// Changes the draft's address, starting from an empty one if needed.
fn edit_address(draft: &mut EditDraft, f: impl FnOnce(&mut Address)) {
    let address = draft.address.get_or_insert_with(|| Address {
        street: String::new(),
        postcode: String::new(),
        city: String::new(),
        instructions: None,
    });
    f(address);
}
