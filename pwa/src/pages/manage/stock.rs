//! A shop's stock (`/manage/shops/{id}/stock`, its managers and admins): every ingredient's
//! level live, the low ones flagged, the stock movements (a supplier's delivery, waste, an
//! inventory count) with the server's errors next to the field, the ledger, and which pizzas
//! cannot be made here and why, with the switch that takes a pizza off this shop's menu.

use crate::components::{ConnectionBadge, Icon, IconKind, amount};
use crate::i18n::{Lang, ManageTexts};
use crate::services::api;
use crate::services::live::Live;
use crate::state::stock::{StockAction, StockState};
use ocpizza_proto::api::menu::{Menu, SetPizzaEnabled};
use ocpizza_proto::api::stock::{
    LedgerEntry, LedgerKind, StockCorrection, StockList, StockMovement,
};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{IngredientId, PizzaId, ShopId};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::{
    Callback, Html, Properties, TargetCast, UseReducerHandle, component, html, use_effect_with,
    use_reducer, use_state,
};

/// Props of [`StockScreen`].
#[derive(Debug, Properties, PartialEq)]
pub struct ScreenProps {
    /// Shop id.
    pub shop: i64,
    /// Interface language.
    pub lang: Lang,
}

async fn load_menu(shop: i64, state: &UseReducerHandle<StockState>) -> Option<i64> {
    let menu = api::get::<Menu>(&format!("/api/v1/shops/{shop}/menu"))
        .await
        .ok()?;
    let seq = menu.stream_seq;
    state.dispatch(StockAction::MenuLoaded(Box::new(menu)));
    Some(seq)
}

/// Loads the levels and the menu, then follows both streams from what was loaded.
fn follow(shop: i64, state: &UseReducerHandle<StockState>) -> Live {
    let on_message = {
        let state = state.clone();
        Callback::from(move |msg| state.dispatch(StockAction::Server(Box::new(msg))))
    };
    let on_state = {
        let state = state.clone();
        Callback::from(move |c| state.dispatch(StockAction::Connection(c)))
    };
    let live = Live::connect(on_message, on_state);
    let subscriber = live.clone();
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let stock = Stream::ShopStock(ShopId(shop)).to_string();
        match api::get::<StockList>(&format!("/api/v1/shops/{shop}/stock")).await {
            Ok(list) => {
                let seq = list.stream_seq;
                state.dispatch(StockAction::Loaded(Box::new(list)));
                subscriber.subscribe(&stock, Some(seq));
            }
            Err(_) => subscriber.subscribe(&stock, None),
        }
        let since = load_menu(shop, &state).await;
        subscriber.subscribe(&Stream::ShopMenu(ShopId(shop)).to_string(), since);
    });
    live
}

fn failure_text(e: &api::ApiFailure) -> String {
    crate::i18n::Lang::of_document().failure(e)
}

/// The live stock screen of one shop.
/// The screen, once access is granted (see [`super::ShopPage`]).
#[component]
pub fn StockScreen(props: &ScreenProps) -> Html {
    let (t, m) = (props.lang.texts(), props.lang.manage());
    let shop = props.shop;
    let state = use_reducer(StockState::default);
    let ledger = use_state(|| Rc::new(Vec::<LedgerEntry>::new()));
    let notice = use_state(|| None::<String>);
    {
        let state = state.clone();
        use_effect_with(shop, move |&shop| {
            let live = follow(shop, &state);
            move || live.stop()
        });
    }
    {
        // The ledger is read again whenever the levels move.
        let ledger = ledger.clone();
        use_effect_with((shop, state.seq), move |&(shop, _)| {
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/shops/{shop}/stock/ledger?limit=30");
                if let Ok(rows) = api::get::<Vec<LedgerEntry>>(&path).await {
                    ledger.set(Rc::new(rows));
                }
            });
        });
    }
    {
        // Live availability says how many; the menu says which ingredient is short.
        let state = state.clone();
        use_effect_with((shop, state.menu_seq), move |&(shop, seq)| {
            if seq > 0 {
                wasm_bindgen_futures::spawn_local(async move {
                    load_menu(shop, &state).await;
                });
            }
        });
    }
    let on_toggle = {
        let (state, notice) = (state.clone(), notice.clone());
        Callback::from(move |(pizza, enabled): (PizzaId, bool)| {
            let (state, notice) = (state.clone(), notice.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/shops/{shop}/pizzas/{}/enabled", pizza.0);
                match api::put_no_content(&path, &SetPizzaEnabled { enabled }).await {
                    Ok(()) => {
                        load_menu(shop, &state).await;
                    }
                    Err(e) => notice.set(Some(failure_text(&e))),
                }
            });
        })
    };
    let ingredients: Rc<Vec<(IngredientId, String)>> = Rc::new(
        state
            .levels()
            .iter()
            .map(|l| (l.ingredient_id, format!("{} ({})", l.name, l.unit.as_str())))
            .collect(),
    );
    let low = state.low_count();
    html! {
        <section class="page manage" aria-labelledby="stock-title">
            <div class="page-head">
                <h1 id="stock-title">{ format!("{} · #{shop}", m.stock_title) }</h1>
                <ConnectionBadge state={state.connection} />
            </div>
            { super::shop_nav(ShopId(shop), m, "stock") }
            if let Some(n) = &*notice {
                <p class="notice notice--error" role="alert">{ n }</p>
            }
            if !state.loaded {
                <p aria-busy="true">{ t.loading }</p>
            }
            <div class="manage-grid">
                <section aria-labelledby="levels-title">
                    <h2 id="levels-title">{ m.stock_title }</h2>
                    <p data-testid="low-count" class={if low > 0 { "low-flag" } else { "muted" }}>
                        if low > 0 { <Icon kind={IconKind::Warning} /> }
                        { format!("{low} {}", m.low_summary) }
                    </p>
                    { levels_table(m, &state) }
                </section>
                <div class="manage-side">
                    <MovementForm shop={shop} lang={props.lang} ingredients={ingredients} />
                </div>
            </div>
            { menu_table(m, &state, &on_toggle) }
            { ledger_table(m, &ledger) }
        </section>
    }
}

fn levels_table(m: &ManageTexts, state: &StockState) -> Html {
    html! {
        <div class="table-wrap">
            <table class="stock-table" data-testid="stock-table">
                <thead><tr>
                    <th scope="col">{ m.ingredient }</th>
                    <th scope="col">{ m.on_hand }</th>
                    <th scope="col">{ m.reserved }</th>
                    <th scope="col">{ m.free }</th>
                    <th scope="col">{ m.threshold }</th>
                    <th scope="col"><span class="sr-only">{ m.low }</span></th>
                </tr></thead>
                <tbody>
                    { for state.levels().into_iter().map(|l| {
                        let id = l.ingredient_id.0;
                        html! {
                            <tr key={id} class={if l.low { "stock-row stock-row--low" } else { "stock-row" }}
                                data-testid={format!("stock-row-{id}")} data-low={l.low.to_string()}>
                                <th scope="row">{ &l.name }</th>
                                <td data-testid={format!("on-hand-{id}")} data-value={l.on_hand.to_string()}>{ amount(l.on_hand, l.unit) }</td>
                                <td data-testid={format!("reserved-{id}")} data-value={l.reserved.to_string()}>{ amount(l.reserved, l.unit) }</td>
                                <td>{ amount(l.on_hand - l.reserved, l.unit) }</td>
                                <td>{ amount(l.low_threshold, l.unit) }</td>
                                <td>
                                    if l.low {
                                        <span class="low-flag"><Icon kind={IconKind::Warning} />{ m.low }</span>
                                    } else {
                                        <span class="muted">{ m.ok }</span>
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn menu_table(m: &ManageTexts, state: &StockState, on_toggle: &Callback<(PizzaId, bool)>) -> Html {
    let Some(menu) = &state.menu else {
        return Html::default();
    };
    let unavailable = state.unavailable();
    html! {
        <section class="manage-panel" aria-labelledby="menu-title">
            <h2 id="menu-title">{ m.menu_title }</h2>
            <p data-testid="unavailable-count">{ format!("{} {}", unavailable.len(), m.unavailable_count) }</p>
            <div class="table-wrap">
                <table class="menu-table">
                    <thead><tr>
                        <th scope="col">{ m.pizza }</th>
                        <th scope="col">{ m.availability }</th>
                        <th scope="col"><span class="sr-only">{ m.switch_off }</span></th>
                    </tr></thead>
                    <tbody>
                        { for menu.pizzas.iter().map(|p| {
                            let why = unavailable.iter().find(|u| u.pizza.id == p.id);
                            let status = match why {
                                None => html! { <span class="muted">{ m.available }</span> },
                                Some(u) if u.switched_off => html! {
                                    <span class="off-flag"><Icon kind={IconKind::Blocked} />{ m.switched_off }</span>
                                },
                                Some(u) => html! {
                                    <span class="off-flag">
                                        <Icon kind={IconKind::Warning} />
                                        { u.sizes.iter().map(|(size, short)| match short {
                                            Some(i) => format!("{size} : {} {i}", m.short_of),
                                            None => format!("{size} : {}", m.sold_out),
                                        }).collect::<Vec<_>>().join(" · ") }
                                    </span>
                                },
                            };
                            let (id, enabled) = (p.id, p.enabled);
                            let toggle = on_toggle.reform(move |_| (id, !enabled));
                            html! {
                                <tr key={p.id.0} class={if why.is_some() { "menu-row menu-row--off" } else { "menu-row" }}
                                    data-testid={format!("menu-row-{}", p.id.0)} data-available={why.is_none().to_string()}>
                                    <th scope="row">{ &p.name }</th>
                                    <td>{ status }</td>
                                    <td>
                                        <button type="button" onclick={toggle} aria-pressed={(!enabled).to_string()}
                                                aria-label={format!("{} {}", if enabled { m.switch_off } else { m.switch_on }, p.name)}
                                                data-testid={format!("toggle-pizza-{}", p.id.0)}>
                                            { if enabled { m.switch_off } else { m.switch_on } }
                                        </button>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}

fn kind_label(m: &ManageTexts, kind: LedgerKind) -> &'static str {
    match kind {
        LedgerKind::Restock => m.restock,
        LedgerKind::Reservation => m.reservation,
        LedgerKind::Consumption => m.consumption,
        LedgerKind::Release => m.release,
        LedgerKind::Waste => m.waste,
        LedgerKind::Correction => m.correction,
    }
}

/// `dd/mm hh:mm` in the browser's time zone (through `Date`: no time-zone data in the bundle).
fn local_time(at: ocpizza_proto::Timestamp) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.as_millisecond() as f64));
    format!(
        "{:02}/{:02} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_hours(),
        d.get_minutes()
    )
}

/// The orders a ledger row was for, as `#12` or `#12, #13, #14`.
fn orders_of(r: &LedgerEntry) -> String {
    let several = (!r.orders.is_empty()).then_some(r.orders.as_slice());
    several
        .unwrap_or(r.order_id.as_slice())
        .iter()
        .map(|o| format!("#{}", o.0))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ledger_table(m: &ManageTexts, rows: &[LedgerEntry]) -> Html {
    let signed = |n: i64| {
        if n > 0 {
            format!("+{n}")
        } else {
            n.to_string()
        }
    };
    html! {
        <section class="manage-panel" aria-labelledby="ledger-title">
            <h2 id="ledger-title">{ m.ledger }</h2>
            <div class="table-wrap">
                <table class="ledger-table" data-testid="ledger">
                    <thead><tr>
                        <th scope="col">{ m.when }</th>
                        <th scope="col">{ m.ingredient }</th>
                        <th scope="col">{ m.kind }</th>
                        <th scope="col">{ format!("{} ({})", m.change, m.on_hand) }</th>
                        <th scope="col">{ format!("{} ({})", m.change, m.reserved) }</th>
                        <th scope="col">{ format!("{} ({})", m.after, m.on_hand) }</th>
                        <th scope="col">{ m.reason }</th>
                    </tr></thead>
                    <tbody>
                        { for rows.iter().map(|r| html! {
                            <tr key={r.id} data-testid={format!("ledger-{}", r.id)} data-kind={r.kind.as_str()}>
                                <td>{ local_time(r.at) }</td>
                                <td>{ &r.ingredient_name }</td>
                                <td>{ kind_label(m, r.kind) }</td>
                                <td>{ signed(r.delta_on_hand) }</td>
                                <td>{ signed(r.delta_reserved) }</td>
                                <td>{ r.on_hand_after }</td>
                                <td>{ r.reason.clone().unwrap_or_else(|| orders_of(r)) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Props of [`MovementForm`].
#[derive(Debug, Properties, PartialEq)]
struct FormProps {
    shop: i64,
    lang: Lang,
    ingredients: Rc<Vec<(IngredientId, String)>>,
}

/// Kinds of movement the form records.
const KINDS: [LedgerKind; 3] = [
    LedgerKind::Restock,
    LedgerKind::Waste,
    LedgerKind::Correction,
];

/// What the form holds.
#[derive(Debug, Clone, PartialEq, Default)]
struct Draft {
    ingredient: String,
    quantity: String,
    reason: String,
    threshold: String,
}

fn input_cb(
    draft: &yew::UseStateHandle<Draft>,
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

/// Sends the movement; `Err` carries the message and the fields the server named.
async fn send(
    shop: i64,
    kind: LedgerKind,
    draft: &Draft,
) -> Result<(), (String, BTreeMap<String, String>)> {
    let ingredient = IngredientId(draft.ingredient.parse().unwrap_or(0));
    let number = |s: &str| s.trim().parse::<i64>().unwrap_or(-1);
    let path = format!("/api/v1/shops/{shop}/stock/{}", kind.as_str());
    let reason = Some(draft.reason.trim().to_owned()).filter(|r| !r.is_empty());
    let answer = if kind == LedgerKind::Correction {
        let body = StockCorrection {
            ingredient_id: ingredient,
            on_hand: number(&draft.quantity),
            reason: reason.unwrap_or_default(),
            low_threshold: Some(draft.threshold.trim())
                .filter(|t| !t.is_empty())
                .map(number),
        };
        api::post::<_, serde::de::IgnoredAny>(&path, &body).await
    } else {
        let body = StockMovement {
            ingredient_id: ingredient,
            quantity: number(&draft.quantity),
            reason,
        };
        api::post::<_, serde::de::IgnoredAny>(&path, &body).await
    };
    answer
        .map(|_| ())
        .map_err(|e| (failure_text(&e), crate::state::validate::field_texts(&e)))
}

fn field_error(errors: &BTreeMap<String, String>, name: &str, id: &str) -> Html {
    errors.get(name).map_or_else(Html::default, |e| {
        html! { <p class="field-error" id={id.to_owned()} data-testid={format!("error-{name}")}>{ e }</p> }
    })
}

/// Restock, waste or inventory count of one ingredient.
#[component]
fn MovementForm(props: &FormProps) -> Html {
    let m = props.lang.manage();
    let kind = use_state(|| LedgerKind::Restock);
    let draft = use_state(Draft::default);
    let errors = use_state(BTreeMap::<String, String>::new);
    let outcome = use_state(|| None::<Result<(), String>>);
    let busy = use_state(|| false);
    let on_submit = {
        let (kind, draft, errors, outcome, busy) = (
            kind.clone(),
            draft.clone(),
            errors.clone(),
            outcome.clone(),
            busy.clone(),
        );
        let shop = props.shop;
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let (kind, draft, errors, outcome, busy) = (
                *kind,
                draft.clone(),
                errors.clone(),
                outcome.clone(),
                busy.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match send(shop, kind, &draft).await {
                    Ok(()) => {
                        errors.set(BTreeMap::new());
                        outcome.set(Some(Ok(())));
                        draft.set(Draft {
                            ingredient: draft.ingredient.clone(),
                            ..Draft::default()
                        });
                    }
                    Err((message, fields)) => {
                        outcome.set(Some(Err(message)));
                        errors.set(fields);
                    }
                }
                busy.set(false);
            });
        })
    };
    let on_ingredient = {
        let draft = draft.clone();
        Callback::from(move |e: yew::Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            draft.set(Draft {
                ingredient: select.value(),
                ..(*draft).clone()
            });
        })
    };
    let correction = *kind == LedgerKind::Correction;
    let quantity_field = if correction { "on_hand" } else { "quantity" };
    let described = |name: &str| errors.contains_key(name).then(|| format!("err-{name}"));
    html! {
        <form class="manage-panel" onsubmit={on_submit} data-testid="movement-form" aria-labelledby="movement-title" novalidate=true>
            <h2 id="movement-title">{ m.movement }</h2>
            <fieldset>
                <legend>{ m.kind }</legend>
                { for KINDS.iter().map(|&k| {
                    let kind = kind.clone();
                    let id = format!("kind-{}", k.as_str());
                    html! {
                        <label for={id.clone()}>
                            <input type="radio" name="kind" id={id} checked={*kind == k}
                                   data-testid={format!("kind-{}", k.as_str())}
                                   onchange={Callback::from(move |_| kind.set(k))} />
                            { format!(" {}", kind_label(m, k)) }
                        </label>
                    }
                }) }
            </fieldset>
            <div class="field">
                <label for="movement-ingredient">{ m.ingredient }</label>
                <select id="movement-ingredient" data-testid="movement-ingredient" onchange={on_ingredient}
                        aria-invalid={errors.contains_key("ingredient_id").to_string()}
                        aria-describedby={described("ingredient_id")}>
                    <option value="" selected={draft.ingredient.is_empty()}>{ "—" }</option>
                    { for props.ingredients.iter().map(|(id, name)| html! {
                        <option value={id.0.to_string()} selected={draft.ingredient == id.0.to_string()}>{ name }</option>
                    }) }
                </select>
                { field_error(&errors, "ingredient_id", "err-ingredient_id") }
            </div>
            <div class="field">
                <label for="movement-quantity">{ if correction { m.counted } else { m.quantity } }</label>
                <input id="movement-quantity" type="number" inputmode="numeric" min="0" data-testid="movement-quantity"
                       value={draft.quantity.clone()} oninput={input_cb(&draft, |d, v| d.quantity = v)}
                       aria-invalid={errors.contains_key(quantity_field).to_string()}
                       aria-describedby={described(quantity_field)} />
                { field_error(&errors, quantity_field, &format!("err-{quantity_field}")) }
            </div>
            <div class="field">
                <label for="movement-reason">{ if correction { m.reason_required } else { m.reason } }</label>
                <input id="movement-reason" type="text" maxlength="200" data-testid="movement-reason"
                       value={draft.reason.clone()} oninput={input_cb(&draft, |d, v| d.reason = v)}
                       aria-invalid={errors.contains_key("reason").to_string()}
                       aria-describedby={described("reason")} />
                { field_error(&errors, "reason", "err-reason") }
            </div>
            if correction {
                <div class="field">
                    <label for="movement-threshold">{ m.new_threshold }</label>
                    <input id="movement-threshold" type="number" inputmode="numeric" min="0"
                           value={draft.threshold.clone()} oninput={input_cb(&draft, |d, v| d.threshold = v)}
                           aria-invalid={errors.contains_key("low_threshold").to_string()}
                           aria-describedby={described("low_threshold")} />
                    { field_error(&errors, "low_threshold", "err-low_threshold") }
                </div>
            }
            <button type="submit" class="button go" disabled={*busy} data-testid="movement-submit">
                { if *busy { m.saving } else { m.save } }
            </button>
            { match &*outcome {
                Some(Ok(())) => html! { <p class="notice notice--ok" role="status">{ m.saved }</p> },
                Some(Err(e)) if errors.is_empty() => html! { <p class="notice notice--error" role="alert" data-testid="movement-error">{ e }</p> },
                _ => Html::default(),
            } }
        </form>
    }
}
