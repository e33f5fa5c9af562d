//! The group's catalogue (`/manage/catalogue`, administrators): every pizza and ingredient,
//! and an editor for one of them — a pizza's sizes and prices, its recipe per size, steps,
//! oven, extras, photo and group-wide on/off; an ingredient's unit, allergens and each shop's
//! low-stock threshold. Saving sends the whole item; the server checks it and names the field
//! at fault, and open menus and kitchen recipe cards follow by themselves.
//!
//! The draft being edited lives in a `RefCell` read by the save button at the moment it is
//! pressed (never a copy captured at the last render), and numbers keep the text as typed
//! next to the value, so that a half-typed price (`12,`) is not rewritten under the cursor.

use super::Access;
use crate::components::use_session;
use crate::i18n::{CatalogueTexts, Lang};
use crate::services::api;
use crate::state::catalogue::{Draft, blank_ingredient, blank_pizza, parse_count};
use crate::state::driver::parse_euros;
use crate::state::refund::euros_text;
use ocpizza_proto::api::Allergen;
use ocpizza_proto::api::catalogue::{
    Catalogue, CatalogueExtra, CatalogueIngredient, CataloguePizza, CatalogueSize, ExtraSize,
    Portion, ShopThreshold,
};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::{Money, ShopId};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Event, Html, InputEvent, Properties, TargetCast, UseStateHandle, component, html,
    use_effect_with, use_force_update, use_mut_ref, use_state,
};

/// What the editor shows.
#[derive(Debug, Clone, PartialEq)]
enum Selected {
    Pizza(Option<String>),
    Ingredient(Option<String>),
}

/// The page: administrators only.
#[component]
pub fn CataloguePage() -> Html {
    let session = use_session();
    let lang = session.lang;
    let access = Access::of(&session, None);
    if let Some(refusal) = access.refusal(lang, "/manage/catalogue") {
        return refusal;
    }
    if !matches!(access, Access::Granted { admin: true, .. }) {
        return html! {
            <section class="page narrow" data-testid="manage-forbidden">
                <p class="notice" role="alert">{ lang.catalogue().admins_only }</p>
            </section>
        };
    }
    html! { <Editor {lang} /> }
}

#[derive(Debug, Properties, PartialEq)]
struct EditorProps {
    lang: Lang,
}

fn load(catalogue: &UseStateHandle<Option<Rc<Catalogue>>>) {
    let catalogue = catalogue.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(c) = api::get::<Catalogue>("/api/v1/catalogue").await {
            catalogue.set(Some(Rc::new(c)));
        }
    });
}

#[component]
fn Editor(props: &EditorProps) -> Html {
    let lang = props.lang;
    let (t, c) = (lang.texts(), lang.catalogue());
    let catalogue = use_state(|| None::<Rc<Catalogue>>);
    let shops = use_state(Vec::<Shop>::new);
    let selected = use_state(|| None::<Selected>);
    {
        let (catalogue, shops) = (catalogue.clone(), shops.clone());
        use_effect_with((), move |()| {
            load(&catalogue);
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::get::<Vec<Shop>>("/api/v1/shops").await {
                    shops.set(list);
                }
            });
        });
    }
    let Some(cat) = (*catalogue).clone() else {
        return html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> };
    };
    let pick = |s: Selected| {
        let selected = selected.clone();
        Callback::from(move |_| selected.set(Some(s.clone())))
    };
    // The catalogue is read again before the saved item is shown: a new item's form then
    // starts from what the server stored.
    let on_saved = {
        let (catalogue, selected) = (catalogue.clone(), selected.clone());
        Callback::from(move |s: Selected| {
            let (catalogue, selected) = (catalogue.clone(), selected.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(c) = api::get::<Catalogue>("/api/v1/catalogue").await {
                    catalogue.set(Some(Rc::new(c)));
                }
                selected.set(Some(s));
            });
        })
    };
    let editor = match (*selected).clone() {
        None => html! { <p>{ c.pick }</p> },
        Some(Selected::Pizza(key)) => {
            let pizza = key
                .as_ref()
                .and_then(|k| cat.pizzas.iter().find(|p| &p.key == k).cloned());
            let k = key.clone().unwrap_or_default();
            html! {
                <PizzaForm key={format!("pizza-{k}")} {lang} pizza={pizza}
                           catalogue={cat.clone()} on_saved={on_saved.clone()} />
            }
        }
        Some(Selected::Ingredient(key)) => {
            let ingredient = key
                .as_ref()
                .and_then(|k| cat.ingredients.iter().find(|i| &i.key == k).cloned());
            let k = key.clone().unwrap_or_default();
            html! {
                <IngredientForm key={format!("ingredient-{k}")} {lang} ingredient={ingredient}
                                shops={Rc::new((*shops).clone())} on_saved={on_saved.clone()} />
            }
        }
    };
    html! {
        <section class="page manage catalogue" aria-labelledby="catalogue-title">
            <div class="page-head">
                <h1 id="catalogue-title">{ c.title }</h1>
            </div>
            <div class="catalogue-layout">
                <nav class="catalogue-list" aria-label={c.title}>
                    <h2>{ c.pizzas }</h2>
                    <ul>
                        { for cat.pizzas.iter().map(|p| html! {
                            <li>
                                <button type="button" class="link" data-testid={format!("edit-pizza-{}", p.key)}
                                        onclick={pick(Selected::Pizza(Some(p.key.clone())))}>
                                    { &p.name }
                                    if !p.available { <span class="muted">{ format!(" — {}", c.off_everywhere) }</span> }
                                </button>
                            </li>
                        }) }
                    </ul>
                    <button type="button" class="button" data-testid="new-pizza"
                            onclick={pick(Selected::Pizza(None))}>{ c.new_pizza }</button>
                    <h2>{ c.ingredients }</h2>
                    <ul>
                        { for cat.ingredients.iter().map(|i| html! {
                            <li>
                                <button type="button" class="link" data-testid={format!("edit-ingredient-{}", i.key)}
                                        onclick={pick(Selected::Ingredient(Some(i.key.clone())))}>
                                    { &i.name }
                                </button>
                            </li>
                        }) }
                    </ul>
                    <button type="button" class="button" data-testid="new-ingredient"
                            onclick={pick(Selected::Ingredient(None))}>{ c.new_ingredient }</button>
                </nav>
                <div class="catalogue-editor">{ editor }</div>
            </div>
        </section>
    }
}

/// How a save went.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

fn failure(lang: Lang, e: &api::ApiFailure) -> String {
    let c = lang.catalogue();
    let mut text = lang.failure(e);
    if let Some(fields) = e.body().and_then(|b| b.error.fields.as_ref()) {
        for (field, problem) in fields {
            let _ = write!(text, " ({} {field} : {problem})", c.field);
        }
    } else if let Some(body) = e.body() {
        let _ = write!(text, " ({})", body.error.message);
    }
    text
}

fn outcome_line(c: &CatalogueTexts, outcome: &Outcome) -> Html {
    match outcome {
        Outcome::Idle => html! {},
        Outcome::Saving => html! { <p aria-busy="true">{ c.saving }</p> },
        Outcome::Saved => {
            html! { <p class="notice" role="status" data-testid="catalogue-saved">{ c.saved }</p> }
        }
        Outcome::Failed(why) => html! {
            <p class="notice notice--error" role="alert" data-testid="catalogue-error">{ why }</p>
        },
    }
}

/// A text input bound to the draft: `get` reads the value, `set` writes what is typed.
fn text_input<T: 'static>(
    draft: &Rc<RefCell<Draft<T>>>,
    redraw: &Callback<()>,
    label: &str,
    testid: String,
    value: String,
    set: impl Fn(&mut Draft<T>, String) + 'static,
) -> Html {
    let (draft, redraw) = (draft.clone(), redraw.clone());
    let oninput = Callback::from(move |e: InputEvent| {
        set(
            &mut draft.borrow_mut(),
            e.target_unchecked_into::<HtmlInputElement>().value(),
        );
        redraw.emit(());
    });
    html! {
        <label class="field">
            <span>{ label.to_owned() }</span>
            <input type="text" data-testid={testid} {value} {oninput} />
        </label>
    }
}

/// A number input: keeps the text as typed under `slot`, and writes the value through `set`
/// when it parses (`parse` gives `None` otherwise; the save then refuses).
#[allow(clippy::too_many_arguments)]
fn number_input<T: 'static, V: 'static>(
    draft: &Rc<RefCell<Draft<T>>>,
    redraw: &Callback<()>,
    label: &str,
    slot: String,
    shown: String,
    parse: fn(&str) -> Option<V>,
    set: impl Fn(&mut T, V) + 'static,
) -> Html {
    let value = draft.borrow().text(&slot).unwrap_or(shown);
    let (draft, redraw) = (draft.clone(), redraw.clone());
    let testid = slot.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        let text = e.target_unchecked_into::<HtmlInputElement>().value();
        let mut d = draft.borrow_mut();
        match parse(&text) {
            Some(v) => {
                set(&mut d.item, v);
                d.set_text(&slot, text, true);
            }
            None => d.set_text(&slot, text, false),
        }
        drop(d);
        redraw.emit(());
    });
    html! {
        <label class="field">
            <span>{ label.to_owned() }</span>
            <input type="text" inputmode="decimal" data-testid={testid} {value} {oninput} />
        </label>
    }
}

fn euros(text: &str) -> Option<Money> {
    parse_euros(text)
}

/// A select of the catalogue's ingredients.
fn ingredient_select<T: 'static>(
    draft: &Rc<RefCell<Draft<T>>>,
    redraw: &Callback<()>,
    ingredients: &[CatalogueIngredient],
    testid: String,
    current: &str,
    set: impl Fn(&mut T, String) + 'static,
) -> Html {
    let (draft, redraw) = (draft.clone(), redraw.clone());
    let onchange = Callback::from(move |e: Event| {
        let value = e.target_unchecked_into::<HtmlInputElement>().value();
        set(&mut draft.borrow_mut().item, value);
        redraw.emit(());
    });
    html! {
        <select data-testid={testid} {onchange}>
            { for ingredients.iter().map(|i| html! {
                <option value={i.key.clone()} selected={i.key == current}>{ &i.name }</option>
            }) }
        </select>
    }
}

/// A button that changes the draft's item.
fn button<T: 'static>(
    draft: &Rc<RefCell<Draft<T>>>,
    redraw: &Callback<()>,
    label: &str,
    testid: String,
    change: impl Fn(&mut T) + 'static,
) -> Html {
    let (draft, redraw) = (draft.clone(), redraw.clone());
    let onclick = Callback::from(move |_| {
        let mut d = draft.borrow_mut();
        change(&mut d.item);
        // Rows moved: the texts typed belong to the old positions.
        d.clear_texts();
        drop(d);
        redraw.emit(());
    });
    html! { <button type="button" class="button small" data-testid={testid} {onclick}>{ label.to_owned() }</button> }
}

#[derive(Debug, Properties, PartialEq)]
struct PizzaProps {
    lang: Lang,
    pizza: Option<CataloguePizza>,
    catalogue: Rc<Catalogue>,
    on_saved: Callback<Selected>,
}

#[component]
fn PizzaForm(props: &PizzaProps) -> Html {
    let (lang, c) = (props.lang, props.lang.catalogue());
    let is_new = props.pizza.is_none();
    let initial = props.pizza.clone();
    let draft = use_mut_ref(move || Draft::new(initial.unwrap_or_else(blank_pizza)));
    let outcome = use_state(|| Outcome::Idle);
    let force = use_force_update();
    let redraw = Callback::from(move |()| force.force_update());
    let ingredients = &props.catalogue.ingredients;
    let first_ingredient = ingredients
        .first()
        .map(|i| i.key.clone())
        .unwrap_or_default();
    let save = {
        let (draft, outcome, on_saved) = (draft.clone(), outcome.clone(), props.on_saved.clone());
        Callback::from(move |_| {
            let d = draft.borrow();
            if let Some(slot) = d.invalid() {
                outcome.set(Outcome::Failed(format!("{} {slot}", c.invalid_number)));
                return;
            }
            let pizza = d.item.clone();
            drop(d);
            let (outcome, on_saved) = (outcome.clone(), on_saved.clone());
            outcome.set(Outcome::Saving);
            wasm_bindgen_futures::spawn_local(async move {
                let result = if is_new {
                    api::post::<_, CataloguePizza>("/api/v1/catalogue/pizzas", &pizza).await
                } else {
                    api::put::<_, CataloguePizza>(
                        &format!("/api/v1/catalogue/pizzas/{}", pizza.key),
                        &pizza,
                    )
                    .await
                };
                match result {
                    Ok(saved) => {
                        outcome.set(Outcome::Saved);
                        on_saved.emit(Selected::Pizza(Some(saved.key)));
                    }
                    Err(e) => outcome.set(Outcome::Failed(failure(lang, &e))),
                }
            });
        })
    };
    let d = draft.borrow();
    let p = &d.item;
    let sizes: Vec<CatalogueSize> = p.sizes.clone();
    html! {
        <form class="card catalogue-form" data-testid="pizza-form" onsubmit={Callback::from(|e: yew::SubmitEvent| e.prevent_default())}>
            <h2>{ if is_new { c.new_pizza.to_owned() } else { p.name.clone() } }</h2>
            if is_new {
                { text_input(&draft, &redraw, c.key, "pizza-key".into(), p.key.clone(), |d, v| d.item.key = v) }
                <p class="muted">{ c.key_hint }</p>
            }
            { text_input(&draft, &redraw, c.name, "pizza-name".into(), p.name.clone(), |d, v| d.item.name = v) }
            { text_input(&draft, &redraw, c.description, "pizza-description".into(), p.description.clone(), |d, v| d.item.description = v) }
            { availability(&draft, &redraw, c, p.available) }
            <div class="row">
                { number_input(&draft, &redraw, c.oven_minutes, "oven-minutes".into(), p.oven_minutes.to_string(), parse_count, |p: &mut CataloguePizza, v| p.oven_minutes = v) }
                { number_input(&draft, &redraw, c.oven_temp, "oven-temp".into(), p.oven_temp_c.to_string(), parse_count, |p: &mut CataloguePizza, v| p.oven_temp_c = v) }
            </div>
            <fieldset>
                <legend>{ c.sizes }</legend>
                { for sizes.iter().enumerate().map(|(n, s)| html! {
                    <div class="row" key={n}>
                        { text_input(&draft, &redraw, c.size_code, format!("size-{n}-code"), s.code.clone(), move |d, v| d.item.sizes[n].code = v) }
                        { text_input(&draft, &redraw, c.size_label, format!("size-{n}-label"), s.label.clone(), move |d, v| d.item.sizes[n].label = v) }
                        { number_input(&draft, &redraw, c.price, format!("size-{n}-price"), euros_text(s.price), euros, move |p: &mut CataloguePizza, v| p.sizes[n].price = v) }
                        { button(&draft, &redraw, c.remove, format!("size-{n}-remove"), move |p: &mut CataloguePizza| { p.sizes.remove(n); }) }
                    </div>
                }) }
                { button(&draft, &redraw, c.add_size, "add-size".into(), |p: &mut CataloguePizza| p.sizes.push(CatalogueSize {
                    code: String::new(), label: String::new(), price: Money(0), recipe: Vec::new(),
                })) }
            </fieldset>
            { for sizes.iter().enumerate().map(|(n, s)| {
                let first = first_ingredient.clone();
                html! {
                    <fieldset key={format!("recipe-{n}")}>
                        <legend>{ format!("{} {}", c.recipe_for, s.label) }</legend>
                        { for s.recipe.iter().enumerate().map(|(m, item)| html! {
                            <div class="row">
                                <label class="field">
                                    <span>{ c.ingredient }</span>
                                    { ingredient_select(&draft, &redraw, ingredients, format!("recipe-{n}-{m}-ingredient"), &item.ingredient,
                                        move |p: &mut CataloguePizza, v| p.sizes[n].recipe[m].ingredient = v) }
                                </label>
                                { number_input(&draft, &redraw, c.quantity, format!("recipe-{n}-{m}-quantity"), item.quantity.to_string(), parse_count,
                                    move |p: &mut CataloguePizza, v| p.sizes[n].recipe[m].quantity = v) }
                                { button(&draft, &redraw, c.remove, format!("recipe-{n}-{m}-remove"), move |p: &mut CataloguePizza| { p.sizes[n].recipe.remove(m); }) }
                            </div>
                        }) }
                        { button(&draft, &redraw, c.add_ingredient, format!("recipe-{n}-add"), move |p: &mut CataloguePizza| p.sizes[n].recipe.push(Portion {
                            ingredient: first.clone(), quantity: 1,
                        })) }
                    </fieldset>
                }
            }) }
            <fieldset>
                <legend>{ c.steps }</legend>
                <ol class="recipe-steps">
                    { for p.steps.iter().enumerate().map(|(n, step)| html! {
                        <li class="row">
                            { text_input(&draft, &redraw, &format!("{} {}", c.step, n + 1), format!("step-{n}"), step.clone(), move |d, v| d.item.steps[n] = v) }
                            { button(&draft, &redraw, c.remove, format!("step-{n}-remove"), move |p: &mut CataloguePizza| { p.steps.remove(n); }) }
                        </li>
                    }) }
                </ol>
                { button(&draft, &redraw, c.add_step, "add-step".into(), |p: &mut CataloguePizza| p.steps.push(String::new())) }
            </fieldset>
            { extras(&draft, &redraw, c, ingredients, &sizes, &p.extras) }
            if let Some(key) = (!is_new).then(|| p.key.clone()) {
                <PhotoField {lang} pizza={key} photo={p.photo.clone()} />
            }
            { outcome_line(c, &outcome) }
            <button type="button" class="button primary" data-testid="pizza-save" onclick={save}>{ c.save }</button>
        </form>
    }
}

fn availability(
    draft: &Rc<RefCell<Draft<CataloguePizza>>>,
    redraw: &Callback<()>,
    c: &CatalogueTexts,
    available: bool,
) -> Html {
    let (draft, redraw) = (draft.clone(), redraw.clone());
    let onchange = Callback::from(move |e: Event| {
        draft.borrow_mut().item.available = e.target_unchecked_into::<HtmlInputElement>().checked();
        redraw.emit(());
    });
    html! {
        <label class="check">
            <input type="checkbox" data-testid="pizza-available" checked={available} {onchange} />
            { c.available }
        </label>
    }
}

fn extras(
    draft: &Rc<RefCell<Draft<CataloguePizza>>>,
    redraw: &Callback<()>,
    c: &'static CatalogueTexts,
    ingredients: &[CatalogueIngredient],
    sizes: &[CatalogueSize],
    list: &[CatalogueExtra],
) -> Html {
    let first = ingredients
        .first()
        .map(|i| i.key.clone())
        .unwrap_or_default();
    let codes: Vec<String> = sizes.iter().map(|s| s.code.clone()).collect();
    html! {
        <fieldset>
            <legend>{ c.extras }</legend>
            { for list.iter().enumerate().map(|(n, e)| html! {
                <div class="extra-edit">
                    <div class="row">
                        <label class="field">
                            <span>{ c.ingredient }</span>
                            { ingredient_select(draft, redraw, ingredients, format!("extra-{n}-ingredient"), &e.ingredient,
                                move |p: &mut CataloguePizza, v| p.extras[n].ingredient = v) }
                        </label>
                        { button(draft, redraw, c.remove, format!("extra-{n}-remove"), move |p: &mut CataloguePizza| { p.extras.remove(n); }) }
                    </div>
                    { for sizes.iter().map(|s| {
                        let code = s.code.clone();
                        match e.sizes.iter().position(|x| x.size == s.code) {
                            Some(m) => html! {
                                <div class="row">
                                    <span>{ &s.label }</span>
                                    { number_input(draft, redraw, c.quantity, format!("extra-{n}-{}-quantity", s.code), e.sizes[m].quantity.to_string(), parse_count,
                                        move |p: &mut CataloguePizza, v| p.extras[n].sizes[m].quantity = v) }
                                    { number_input(draft, redraw, c.extra_price, format!("extra-{n}-{}-price", s.code), euros_text(e.sizes[m].price), euros,
                                        move |p: &mut CataloguePizza, v| p.extras[n].sizes[m].price = v) }
                                    { button(draft, redraw, c.remove, format!("extra-{n}-{}-remove", s.code), move |p: &mut CataloguePizza| { p.extras[n].sizes.remove(m); }) }
                                </div>
                            },
                            None => button(draft, redraw, &format!("{} : {} {}", s.label, c.offered, "+"), format!("extra-{n}-{}-add", s.code),
                                move |p: &mut CataloguePizza| p.extras[n].sizes.push(ExtraSize { size: code.clone(), quantity: 1, price: Money(0) })),
                        }
                    }) }
                </div>
            }) }
            { button(draft, redraw, c.add_extra, "add-extra".into(), move |p: &mut CataloguePizza| p.extras.push(CatalogueExtra {
                ingredient: first.clone(),
                sizes: codes.iter().map(|code| ExtraSize { size: code.clone(), quantity: 1, price: Money(0) }).collect(),
            })) }
        </fieldset>
    }
}

#[derive(Debug, Properties, PartialEq)]
struct PhotoProps {
    lang: Lang,
    pizza: String,
    photo: Option<String>,
}

/// The photo and its upload (sent as soon as a file is picked).
#[component]
fn PhotoField(props: &PhotoProps) -> Html {
    let (lang, c) = (props.lang, props.lang.catalogue());
    let photo = use_state(|| props.photo.clone());
    let problem = use_state(|| None::<String>);
    let onchange = {
        let (photo, problem, key) = (photo.clone(), problem.clone(), props.pizza.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let (photo, problem, key) = (photo.clone(), problem.clone(), key.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/catalogue/pizzas/{key}/photo");
                match api::put_file::<CataloguePizza>(&path, &file).await {
                    Ok(p) => {
                        problem.set(None);
                        photo.set(p.photo);
                    }
                    Err(e) => problem.set(Some(failure(lang, &e))),
                }
            });
        })
    };
    html! {
        <fieldset>
            <legend>{ c.photo }</legend>
            if let Some(src) = (*photo).clone() {
                <img class="pizza-photo" src={src} alt={c.photo} data-testid="pizza-photo" />
            } else {
                <p class="muted">{ c.no_photo }</p>
            }
            <label class="field">
                <span>{ c.photo_hint }</span>
                <input type="file" accept="image/jpeg,image/png,image/webp" data-testid="photo-file" {onchange} />
            </label>
            if let Some(p) = (*problem).clone() {
                <p class="notice notice--error" role="alert">{ p }</p>
            }
        </fieldset>
    }
}

#[derive(Debug, Properties, PartialEq)]
struct IngredientProps {
    lang: Lang,
    ingredient: Option<CatalogueIngredient>,
    shops: Rc<Vec<Shop>>,
    on_saved: Callback<Selected>,
}

#[component]
fn IngredientForm(props: &IngredientProps) -> Html {
    let (lang, c) = (props.lang, props.lang.catalogue());
    let is_new = props.ingredient.is_none();
    let initial = props.ingredient.clone();
    let draft = use_mut_ref(move || Draft::new(initial.unwrap_or_else(blank_ingredient)));
    let outcome = use_state(|| Outcome::Idle);
    let force = use_force_update();
    let redraw = Callback::from(move |()| force.force_update());
    let save = {
        let (draft, outcome, on_saved) = (draft.clone(), outcome.clone(), props.on_saved.clone());
        Callback::from(move |_| {
            let d = draft.borrow();
            if let Some(slot) = d.invalid() {
                outcome.set(Outcome::Failed(format!("{} {slot}", c.invalid_number)));
                return;
            }
            let ingredient = d.item.clone();
            drop(d);
            let (outcome, on_saved) = (outcome.clone(), on_saved.clone());
            outcome.set(Outcome::Saving);
            wasm_bindgen_futures::spawn_local(async move {
                let result = if is_new {
                    api::post::<_, CatalogueIngredient>(
                        "/api/v1/catalogue/ingredients",
                        &ingredient,
                    )
                    .await
                } else {
                    api::put::<_, CatalogueIngredient>(
                        &format!("/api/v1/catalogue/ingredients/{}", ingredient.key),
                        &ingredient,
                    )
                    .await
                };
                match result {
                    Ok(saved) => {
                        outcome.set(Outcome::Saved);
                        on_saved.emit(Selected::Ingredient(Some(saved.key)));
                    }
                    Err(e) => outcome.set(Outcome::Failed(failure(lang, &e))),
                }
            });
        })
    };
    let d = draft.borrow();
    let i = &d.item;
    let unit_change = {
        let (draft, redraw) = (draft.clone(), redraw.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Some(u) = ocpizza_proto::api::Unit::parse(&v) {
                draft.borrow_mut().item.unit = u;
            }
            redraw.emit(());
        })
    };
    let allergen_box = |a: Allergen| {
        let (draft, redraw) = (draft.clone(), redraw.clone());
        let onchange = Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            let list = &mut draft.borrow_mut().item.allergens;
            list.retain(|x| *x != a);
            if on {
                list.push(a);
                list.sort();
            }
            redraw.emit(());
        });
        let testid = format!(
            "allergen-{}",
            serde_json::to_string(&a)
                .unwrap_or_default()
                .trim_matches('"')
        );
        html! {
            <label class="check">
                <input type="checkbox" data-testid={testid} checked={i.allergens.contains(&a)} {onchange} />
                { lang.allergen(a) }
            </label>
        }
    };
    html! {
        <form class="card catalogue-form" data-testid="ingredient-form" onsubmit={Callback::from(|e: yew::SubmitEvent| e.prevent_default())}>
            <h2>{ if is_new { c.new_ingredient.to_owned() } else { i.name.clone() } }</h2>
            if is_new {
                { text_input(&draft, &redraw, c.key, "ingredient-key".into(), i.key.clone(), |d, v| d.item.key = v) }
                <p class="muted">{ c.key_hint }</p>
            }
            { text_input(&draft, &redraw, c.name, "ingredient-name".into(), i.name.clone(), |d, v| d.item.name = v) }
            <label class="field">
                <span>{ c.unit }</span>
                <select data-testid="ingredient-unit" onchange={unit_change}>
                    { for ["g", "ml", "piece"].into_iter().map(|u| html! {
                        <option value={u} selected={i.unit.as_str() == u}>{ u }</option>
                    }) }
                </select>
            </label>
            <fieldset>
                <legend>{ c.allergens }</legend>
                <div class="allergen-grid">{ for Allergen::ALL.into_iter().map(allergen_box) }</div>
            </fieldset>
            <fieldset>
                <legend>{ c.thresholds }</legend>
                { for props.shops.iter().map(|shop| {
                    let id = shop.id;
                    let current = i.low_thresholds.iter().find(|t| t.shop_id == id).map_or(0, |t| t.low_threshold);
                    number_input(&draft, &redraw, &shop.name, format!("threshold-{}", id.0), current.to_string(), parse_count,
                        move |i: &mut CatalogueIngredient, v| set_threshold(i, id, v))
                }) }
            </fieldset>
            { outcome_line(c, &outcome) }
            <button type="button" class="button primary" data-testid="ingredient-save" onclick={save}>{ c.save }</button>
        </form>
    }
}

fn set_threshold(i: &mut CatalogueIngredient, shop: ShopId, value: i64) {
    match i.low_thresholds.iter_mut().find(|t| t.shop_id == shop) {
        Some(t) => t.low_threshold = value,
        None => i.low_thresholds.push(ShopThreshold {
            shop_id: shop,
            low_threshold: value,
        }),
    }
}
