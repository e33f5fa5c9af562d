//! The fields of a shop, shared by the new shop screen and a shop's settings: details, delivery
//! (area, minimum, fee) and the week's slots, each with the server's problem next to it.

use crate::i18n::{Lang, ShopAdminTexts};
use crate::state::shop_form::{ShopDraft, SlotDraft};
use std::collections::BTreeMap;
use yew::{Callback, Html, Properties, TargetCast, component, html};

/// Props of [`ShopFields`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The form as typed.
    pub draft: ShopDraft,
    /// Field → problem to show next to it.
    pub errors: BTreeMap<String, String>,
    /// Read only (a manager reading their shop's settings).
    #[prop_or_default]
    pub disabled: bool,
    /// Interface language.
    pub lang: Lang,
    /// The form changed.
    pub on_change: Callback<ShopDraft>,
}

/// What a server's field problem reads as, for the fields the generic reading does not know.
pub fn own_problem(t: &'static ShopAdminTexts) -> impl Fn(&str) -> Option<&'static str> {
    move |field| match field {
        "timezone" => Some(t.bad_timezone),
        "hours" => Some(t.bad_hours),
        "min_delivery_order" | "delivery_fee" => Some(t.bad_amount),
        "starts_on" | "ends_on" => Some(t.bad_date),
        _ => None,
    }
}

struct Field<'a> {
    id: &'static str,
    label: &'a str,
    hint: Option<&'a str>,
    value: &'a str,
    set: fn(&mut ShopDraft, String),
}

fn input(props: &Props, f: &Field<'_>) -> Html {
    let error = props.errors.get(f.id);
    let error_id = format!("shop-{}-error", f.id);
    let hint_id = format!("shop-{}-hint", f.id);
    let described = match (error.is_some(), f.hint.is_some()) {
        (true, _) => Some(error_id.clone()),
        (false, true) => Some(hint_id.clone()),
        _ => None,
    };
    let oninput = {
        let (draft, on_change, set) = (props.draft.clone(), props.on_change.clone(), f.set);
        Callback::from(move |e: yew::InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let mut next = draft.clone();
            set(&mut next, input.value());
            on_change.emit(next);
        })
    };
    let dom_id = format!("shop-{}", f.id);
    html! {
        <div class="field">
            <label for={dom_id.clone()}>{ f.label.to_owned() }</label>
            <input id={dom_id.clone()} type="text" value={f.value.to_owned()} {oninput}
                   disabled={props.disabled} data-testid={dom_id}
                   aria-invalid={error.is_some().to_string()} aria-describedby={described} />
            if let Some(hint) = f.hint {
                <p class="field-hint" id={hint_id}>{ hint }</p>
            }
            if let Some(e) = error {
                <p class="field-error" id={error_id} data-testid={format!("shop-{}-error", f.id)}>{ e }</p>
            }
        </div>
    }
}

/// Every field of a shop.
#[component]
pub fn ShopFields(props: &Props) -> Html {
    let t = props.lang.shop_admin();
    let d = &props.draft;
    let general = [
        Field {
            id: "name",
            label: t.name,
            hint: None,
            value: &d.name,
            set: |d, v| d.name = v,
        },
        Field {
            id: "street",
            label: t.street,
            hint: None,
            value: &d.street,
            set: |d, v| d.street = v,
        },
        Field {
            id: "postcode",
            label: t.postcode,
            hint: None,
            value: &d.postcode,
            set: |d, v| d.postcode = v,
        },
        Field {
            id: "city",
            label: t.city,
            hint: None,
            value: &d.city,
            set: |d, v| d.city = v,
        },
        Field {
            id: "phone",
            label: t.phone,
            hint: None,
            value: &d.phone,
            set: |d, v| d.phone = v,
        },
        Field {
            id: "timezone",
            label: t.timezone,
            hint: Some(t.timezone_hint),
            value: &d.timezone,
            set: |d, v| d.timezone = v,
        },
    ];
    let delivery = [
        Field {
            id: "delivery_postcodes",
            label: t.delivery_postcodes,
            hint: Some(t.delivery_postcodes_hint),
            value: &d.delivery_postcodes,
            set: |d, v| d.delivery_postcodes = v,
        },
        Field {
            id: "min_delivery_order",
            label: t.min_delivery_order,
            hint: Some(t.euros_hint),
            value: &d.min_delivery_order,
            set: |d, v| d.min_delivery_order = v,
        },
        Field {
            id: "delivery_fee",
            label: t.delivery_fee,
            hint: Some(t.euros_hint),
            value: &d.delivery_fee,
            set: |d, v| d.delivery_fee = v,
        },
    ];
    html! {
        <>
            <fieldset class="manage-panel" disabled={props.disabled}>
                <legend>{ t.general }</legend>
                { for general.iter().map(|f| input(props, f)) }
            </fieldset>
            <fieldset class="manage-panel" disabled={props.disabled}>
                <legend>{ t.delivery }</legend>
                { for delivery.iter().map(|f| input(props, f)) }
            </fieldset>
            <Hours ..HoursProps::of(props) />
        </>
    }
}

/// Props of [`Hours`].
#[derive(Debug, Properties, PartialEq)]
struct HoursProps {
    slots: Vec<SlotDraft>,
    draft: ShopDraft,
    error: Option<String>,
    disabled: bool,
    lang: Lang,
    on_change: Callback<ShopDraft>,
}

impl HoursProps {
    fn of(props: &Props) -> HoursProps {
        HoursProps {
            slots: props.draft.slots.clone(),
            draft: props.draft.clone(),
            error: props.errors.get("hours").cloned(),
            disabled: props.disabled,
            lang: props.lang,
            on_change: props.on_change.clone(),
        }
    }
}

/// The week's slots: a day, an opening and a closing time each; added and removed.
#[component]
fn Hours(props: &HoursProps) -> Html {
    let t = props.lang.shop_admin();
    let days = props.lang.hours().weekdays;
    let update = |draft: &ShopDraft, i: usize, apply: fn(&mut SlotDraft, String), value: String| {
        let mut next = draft.clone();
        if let Some(slot) = next.slots.get_mut(i) {
            apply(slot, value);
        }
        next
    };
    let on_day = |i: usize| {
        let (draft, on_change) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |e: yew::Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let set: fn(&mut SlotDraft, String) = |s, v| s.weekday = v.parse().unwrap_or(1);
            on_change.emit(update(&draft, i, set, select.value()));
        })
    };
    let on_time = |i: usize, set: fn(&mut SlotDraft, String)| {
        let (draft, on_change) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |e: yew::InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            on_change.emit(update(&draft, i, set, input.value()));
        })
    };
    let remove = |i: usize| {
        let (draft, on_change) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |_| {
            let mut next = draft.clone();
            next.slots.remove(i);
            on_change.emit(next);
        })
    };
    let add = {
        let (draft, on_change) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |_| {
            let mut next = draft.clone();
            let weekday = next.slots.last().map_or(1, |s| s.weekday % 7 + 1);
            next.slots.push(SlotDraft {
                weekday,
                opens: "11:30".into(),
                closes: "14:30".into(),
            });
            on_change.emit(next);
        })
    };
    html! {
        <fieldset class="manage-panel shop-hours-editor" disabled={props.disabled} aria-describedby={props.error.as_ref().map(|_| "shop-hours-error")}>
            <legend>{ t.hours }</legend>
            if props.slots.is_empty() {
                <p class="muted">{ t.no_slots }</p>
            }
            <ol class="slot-list">
                { for props.slots.iter().enumerate().map(|(i, slot)| html! {
                    <li class="slot" key={i} data-testid={format!("slot-{i}")}>
                        <label for={format!("slot-{i}-day")} class="sr-only">{ t.weekday }</label>
                        <select id={format!("slot-{i}-day")} data-testid={format!("slot-{i}-day")} onchange={on_day(i)}>
                            { for (1..=7u8).map(|d| html! {
                                <option value={d.to_string()} selected={slot.weekday == d}>{ days[usize::from(d - 1)] }</option>
                            }) }
                        </select>
                        <label for={format!("slot-{i}-opens")}>{ t.opens }</label>
                        <input id={format!("slot-{i}-opens")} type="text" inputmode="numeric" size="5"
                               value={slot.opens.clone()} data-testid={format!("slot-{i}-opens")}
                               oninput={on_time(i, |s, v| s.opens = v)} />
                        <label for={format!("slot-{i}-closes")}>{ t.closes }</label>
                        <input id={format!("slot-{i}-closes")} type="text" inputmode="numeric" size="5"
                               value={slot.closes.clone()} data-testid={format!("slot-{i}-closes")}
                               oninput={on_time(i, |s, v| s.closes = v)} />
                        <button type="button" onclick={remove(i)} data-testid={format!("slot-{i}-remove")}>{ t.remove }</button>
                    </li>
                }) }
            </ol>
            <button type="button" class="button" onclick={add} data-testid="slot-add">{ t.add_slot }</button>
            if let Some(e) = &props.error {
                <p class="field-error" id="shop-hours-error" data-testid="shop-hours-error">{ e }</p>
            }
        </fieldset>
    }
}
