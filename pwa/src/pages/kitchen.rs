//! The kitchen wall display (`/kitchen`, cooks and managers): a shop's tickets in three
//! columns, live from the shop's order stream, readable at 3 m and touch-first. A tap starts
//! or bumps a ticket at once on screen; the request leaves when the undo window ends.

use crate::components::eta::LateFlag;
use crate::components::{ConnectionBadge, LineRecipe, use_session};
use crate::i18n::Texts;
use crate::services::api;
use crate::services::live::Live;
use crate::state::kitchen::{Age, COLUMNS, KitchenAction, KitchenState, NEW_MS, Ticket};
use gloo::timers::callback::Interval;
use ocpizza_proto::api::menu::{Recipe, RecipeBook};
use ocpizza_proto::api::orders::{Order, OrderList, TransitionRequest};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{Fulfilment, OrderId, OrderStatus, ShopId, StaffRole};
use std::collections::HashMap;
use std::rc::Rc;
use yew::{
    Callback, Html, Properties, UseReducerHandle, component, html, use_effect_with, use_mut_ref,
    use_reducer, use_state,
};

/// The shops whose kitchen this account may run: where it is cook or manager (admins: all).
fn kitchens(session: &crate::state::session::Session) -> Vec<(ShopId, String)> {
    let Some(me) = &session.me else {
        return Vec::new();
    };
    let mut shops: Vec<(ShopId, String)> = me
        .roles
        .iter()
        .filter(|r| matches!(r.role, StaffRole::Cook | StaffRole::Manager))
        .map(|r| (r.shop_id, r.shop_name.clone()))
        .collect();
    shops.sort();
    shops.dedup();
    shops
}

/// `?shop=N` of the address, if any.
fn shop_in_address() -> Option<ShopId> {
    let search = gloo::utils::window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("shop="))
        .and_then(|v| v.parse().ok())
        .map(ShopId)
}

/// The page: checks who is there and which shop, then shows the wall.
#[component]
pub fn KitchenPage() -> Html {
    let session = use_session();
    let t = session.lang.texts();
    if !session.checked {
        return html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> };
    }
    let Some(me) = &session.me else {
        return html! {
            <section class="page narrow">
                <p>{ t.staff_only }</p>
                <a class="button" href="/login?next=/kitchen">{ t.login }</a>
            </section>
        };
    };
    let mine = kitchens(&session);
    let wanted = shop_in_address();
    let shop = match wanted {
        Some(id) if me.admin || mine.iter().any(|(s, _)| *s == id) => Some(id),
        _ if me.admin && mine.is_empty() => Some(ShopId(1)),
        _ => mine.first().map(|(s, _)| *s),
    };
    let Some(shop) = shop else {
        return html! { <section class="page narrow"><p>{ t.no_kitchen }</p></section> };
    };
    let name = mine
        .iter()
        .find(|(s, _)| *s == shop)
        .map_or_else(|| format!("#{}", shop.0), |(_, n)| n.clone());
    let others: Vec<(i64, String)> = mine
        .into_iter()
        .filter(|(s, _)| *s != shop)
        .map(|(s, n)| (s.0, n))
        .collect();
    html! { <Wall shop={shop.0} {name} {others} /> }
}

/// Props of [`Wall`].
#[derive(Debug, Properties, PartialEq)]
struct WallProps {
    shop: i64,
    name: String,
    /// The other kitchens this account may run.
    others: Vec<(i64, String)>,
}

type Recipes = Rc<HashMap<i64, Rc<Recipe>>>;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Loads the open orders, then follows the stream from their sequence.
fn follow(shop: i64, state: &UseReducerHandle<KitchenState>) -> Live {
    let on_message = {
        let state = state.clone();
        Callback::from(move |msg| state.dispatch(KitchenAction::Server(Box::new(msg))))
    };
    let on_state = {
        let state = state.clone();
        Callback::from(move |c| state.dispatch(KitchenAction::Connection(c)))
    };
    let live = Live::connect(on_message, on_state);
    let subscriber = live.clone();
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let stream = Stream::ShopOrders(ShopId(shop)).to_string();
        match api::get::<OrderList>(&format!("/api/v1/shops/{shop}/orders")).await {
            Ok(list) => {
                let seq = list.stream_seq;
                state.dispatch(KitchenAction::Loaded(Box::new(list)));
                subscriber.subscribe(&stream, Some(seq));
            }
            // The stream's snapshot gives the orders instead.
            Err(_) => subscriber.subscribe(&stream, None),
        }
    });
    live
}

/// Sends the moves whose undo window ended.
fn send_due(state: &UseReducerHandle<KitchenState>) {
    for (id, to) in state.due(state.now_ms) {
        state.dispatch(KitchenAction::Sending(id));
        let state = state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let request = TransitionRequest {
                to,
                version: None,
                reason: None,
            };
            let path = format!("/api/v1/orders/{}/transition", id.0);
            match api::post::<_, Order>(&path, &request).await {
                Ok(order) => state.dispatch(KitchenAction::Sent(Box::new(order))),
                Err(api::ApiFailure::Server(_, body)) => {
                    state.dispatch(KitchenAction::Refused(id, body.error.message));
                }
                Err(e) => state.dispatch(KitchenAction::Refused(id, e.to_string())),
            }
        });
    }
}

/// A short beep for a new ticket (only after a tap allowed sound).
fn beep(audio: &web_sys::AudioContext) {
    let Ok(osc) = audio.create_oscillator() else {
        return;
    };
    let Ok(gain) = audio.create_gain() else {
        return;
    };
    let at = audio.current_time();
    osc.frequency().set_value(880.0);
    gain.gain().set_value(0.2);
    let _ = gain.gain().linear_ramp_to_value_at_time(0.0, at + 0.4);
    let _ = osc.connect_with_audio_node(&gain);
    let _ = gain.connect_with_audio_node(&audio.destination());
    let _ = osc.start();
    let _ = osc.stop_with_when(at + 0.4);
}

/// The live wall of one shop.
#[component]
fn Wall(props: &WallProps) -> Html {
    let t = use_session().lang.texts();
    let state = use_reducer(|| KitchenState {
        now_ms: now_ms(),
        ..KitchenState::default()
    });
    let recipes = use_state(Recipes::default);
    let open_line = use_state(|| None::<(OrderId, usize)>);
    let audio = use_mut_ref(|| None::<web_sys::AudioContext>);
    let newest = use_mut_ref(|| None::<OrderId>);
    {
        let state = state.clone();
        use_effect_with(props.shop, move |&shop| {
            let live = follow(shop, &state);
            move || live.stop()
        });
    }
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            let clock = Interval::new(1_000, move || state.dispatch(KitchenAction::Tick(now_ms())));
            move || drop(clock)
        });
    }
    {
        let recipes = recipes.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(book) = api::get::<RecipeBook>("/api/v1/recipes").await {
                    let by_pizza = book
                        .recipes
                        .into_iter()
                        .map(|r| (r.pizza_id.0, Rc::new(r)))
                        .collect();
                    recipes.set(Rc::new(by_pizza));
                }
            });
        });
    }
    {
        let state = state.clone();
        use_effect_with(state.now_ms.to_bits(), move |_| send_due(&state));
    }
    {
        // A beep when a ticket newer than any seen arrives.
        let (audio, newest) = (audio.clone(), newest.clone());
        let last = state.tickets.keys().next_back().copied();
        use_effect_with(last, move |last| {
            let mut seen = newest.borrow_mut();
            let newer = matches!((*last, *seen), (Some(last), Some(before)) if last > before);
            if let Some(audio) = audio.borrow().as_ref().filter(|_| newer) {
                beep(audio);
            }
            if *last > *seen {
                *seen = *last;
            }
        });
    }
    let sound_on = audio.borrow().is_some();
    let enable_sound = {
        let audio = audio.clone();
        let state = state.clone();
        Callback::from(move |_| {
            if let Ok(ctx) = web_sys::AudioContext::new() {
                beep(&ctx);
                *audio.borrow_mut() = Some(ctx);
            }
            // Re-render so the button shows the sound is on.
            state.dispatch(KitchenAction::Tick(now_ms()));
        })
    };
    let act = {
        let state = state.clone();
        Callback::from(move |action: KitchenAction| state.dispatch(action))
    };
    let on_line = {
        let open_line = open_line.clone();
        Callback::from(move |line: (OrderId, usize)| open_line.set(Some(line)))
    };
    let card = (*open_line).and_then(|(id, index)| {
        let ticket = state.tickets.get(&id)?;
        let line = ticket.order.lines.get(index)?;
        let recipe = recipes.get(&line.pizza_id.0)?.clone();
        let close = {
            let open_line = open_line.clone();
            Callback::from(move |_| open_line.set(None))
        };
        Some(html! {
            <div class="modal" role="dialog" aria-modal="true" aria-label={t.recipe_card}
                 data-testid="recipe-card" onclick={close.clone()}>
                <div class="modal-body" onclick={Callback::from(|e: yew::MouseEvent| e.stop_propagation())}>
                    <LineRecipe recipe={recipe} size={line.size.clone()}
                        extras={line.extras.iter().map(|e| e.ingredient_id).collect::<Vec<_>>()}
                        quantity={line.quantity} />
                    if let Some(note) = &line.note {
                        <p class="ticket-note">{ format!("📝 {note}") }</p>
                    }
                    <button type="button" class="button big" data-testid="recipe-close" onclick={close}>
                        { t.close }
                    </button>
                </div>
            </div>
        })
    });
    let dismiss_error = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(KitchenAction::ClearError))
    };
    html! {
        <section class="kitchen" aria-label={t.kitchen_title}>
            <div class="kitchen-head">
                <h1>{ format!("{} · {}", t.kitchen_title, props.name) }</h1>
                if !props.others.is_empty() {
                    <nav class="kitchen-shops" aria-label={t.shop_label}>
                        { for props.others.iter().map(|(id, name)| html! {
                            <a class="button" href={format!("/kitchen?shop={id}")}>{ name }</a>
                        }) }
                    </nav>
                }
                <button type="button" class="sound" onclick={enable_sound} aria-pressed={sound_on.to_string()}>
                    { if sound_on { t.sound_on } else { t.enable_sound } }
                </button>
                <ConnectionBadge state={state.connection} />
            </div>
            if let Some(error) = &state.error {
                <p class="notice notice--error" role="alert">
                    { error }
                    <button type="button" onclick={dismiss_error}>{ t.close }</button>
                </p>
            }
            if !state.loaded {
                <p aria-busy="true">{ t.loading }</p>
            }
            <div class="columns">
                { for COLUMNS.iter().map(|&column| {
                    let tickets: Vec<&Ticket> = state.column(column).collect();
                    html! {
                        <section class={format!("column column--{}", column.as_str())}
                                 data-testid={format!("column-{}", column.as_str())}
                                 aria-label={column_title(t, column)}>
                            <h2>{ format!("{} ({})", column_title(t, column), tickets.len()) }</h2>
                            if tickets.is_empty() {
                                <p class="column-empty">{ t.empty_column }</p>
                            }
                            { for tickets.into_iter().map(|ticket| view_ticket(t, ticket, state.now_ms, &recipes, &act, &on_line)) }
                        </section>
                    }
                }) }
            </div>
            { card.unwrap_or_default() }
        </section>
    }
}

fn column_title(t: &Texts, status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Placed => t.col_placed,
        OrderStatus::Preparing => t.col_preparing,
        _ => t.col_ready,
    }
}

/// `m:ss`.
fn clock(ms: f64) -> String {
    let secs = (ms / 1000.0) as i64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

fn size_label(recipes: &Recipes, pizza: i64, code: &str) -> String {
    recipes
        .get(&pizza)
        .and_then(|r| r.sizes.iter().find(|s| s.code == code))
        .map_or_else(|| code.to_owned(), |s| s.label.clone())
}

fn view_ticket(
    t: &Texts,
    ticket: &Ticket,
    now: f64,
    recipes: &Recipes,
    act: &Callback<KitchenAction>,
    on_line: &Callback<(OrderId, usize)>,
) -> Html {
    let order = &ticket.order;
    let id = order.id;
    let age_ms = ticket.age_ms(now);
    let (age_class, age_icon, age_label) = match Age::of(age_ms) {
        Age::Fresh => ("ticket--fresh", "●", t.age_fresh),
        Age::Waiting => ("ticket--waiting", "⏱", t.age_waiting),
        Age::Late => ("ticket--late", "⚠", t.age_late),
    };
    let mut classes = vec!["ticket", age_class];
    if now - ticket.shown_ms < NEW_MS && ticket.order.status == OrderStatus::Placed {
        classes.push("ticket--new");
    }
    if ticket.edited {
        classes.push("ticket--edited");
    }
    if ticket.cancelled {
        classes.push("ticket--cancelled");
    }
    if ticket.pending.is_some() {
        classes.push("ticket--pending");
    }
    let (kind_icon, kind) = match order.fulfilment {
        Fulfilment::Delivery => ("🛵", t.delivery),
        Fulfilment::Pickup => ("🛍", t.pickup),
    };
    let fire = |action: KitchenAction| {
        let act = act.clone();
        Callback::from(move |_| act.emit(action.clone()))
    };
    let advance = {
        let act = act.clone();
        Callback::from(move |_| act.emit(KitchenAction::Advance(id, now_ms())))
    };
    let footer = if ticket.cancelled {
        html! {
            <button type="button" class="button big" data-testid={format!("dismiss-{}", id.0)}
                    onclick={fire(KitchenAction::Dismiss(id))}>{ t.dismiss }</button>
        }
    } else if let Some(pending) = ticket.pending {
        if pending.sending {
            html! { <span class="sending">{ t.sending }</span> }
        } else {
            let left = ((pending.due_ms - now) / 1000.0).ceil().max(0.0);
            html! {
                <button type="button" class="button big undo" data-testid={format!("undo-{}", id.0)}
                        onclick={fire(KitchenAction::Undo(id))}>
                    { format!("{} ({left:.0} s)", t.undo) }
                </button>
            }
        }
    } else {
        match order.status {
            OrderStatus::Placed => html! {
                <button type="button" class="button big go" data-testid={format!("start-{}", id.0)}
                        onclick={advance.clone()}>{ t.start }</button>
            },
            OrderStatus::Preparing => html! {
                <button type="button" class="button big done" data-testid={format!("bump-{}", id.0)}
                        onclick={advance.clone()}>{ t.bump }</button>
            },
            _ => {
                let waiting = match (&order.driver, order.fulfilment) {
                    (Some(d), _) => format!("{} {}", t.driver_label, d.name),
                    (None, Fulfilment::Delivery) => t.waiting_driver.to_owned(),
                    (None, Fulfilment::Pickup) => t.waiting_customer.to_owned(),
                };
                html! { <span class="waiting">{ waiting }</span> }
            }
        }
    };
    html! {
        <article class={classes.join(" ")} key={id.0} data-testid={format!("ticket-{}", id.0)}
                 data-status={order.status.as_str()}>
            <header class="ticket-head">
                <span class="ticket-no">{ format!("#{}", id.0) }</span>
                <span class="ticket-kind">{ format!("{kind_icon} {kind}") }</span>
                <span class="ticket-age" title={age_label}>
                    <span aria-hidden="true">{ age_icon }</span>
                    { format!(" {} ", clock(age_ms)) }
                    <span class="sr-only">{ age_label }</span>
                </span>
            </header>
            <p class="ticket-who">{ &order.contact.name }</p>
            <LateFlag order={order.clone()} now_ms={now} short=true />
            if ticket.cancelled {
                <p class="flag flag--cancelled" role="alert">
                    { t.cancelled_ticket }
                    { order.cancel_reason.as_ref().map(|r| format!(" — {r}")).unwrap_or_default() }
                </p>
            } else if ticket.edited {
                <p class="flag flag--edited">{ t.edited }</p>
            }
            <ul class="lines">
                { for order.lines.iter().enumerate().map(|(i, line)| {
                    let open = {
                        let on_line = on_line.clone();
                        Callback::from(move |_| on_line.emit((id, i)))
                    };
                    html! {
                        <li>
                            <button type="button" class="line" data-testid={format!("line-{}-{i}", id.0)} onclick={open}>
                                <span class="line-qty">{ format!("{}×", line.quantity) }</span>
                                <span class="line-name">{ &line.pizza_name }</span>
                                <span class="line-size">{ size_label(recipes, line.pizza_id.0, &line.size) }</span>
                                if !line.extras.is_empty() {
                                    <span class="line-extras">
                                        { format!("+ {}", line.extras.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")) }
                                    </span>
                                }
                                if let Some(note) = &line.note {
                                    <span class="line-note">{ format!("« {note} »") }</span>
                                }
                            </button>
                        </li>
                    }
                }) }
            </ul>
            if let Some(note) = &order.note {
                <p class="ticket-note">{ format!("📝 {note}") }</p>
            }
            <footer class="ticket-foot">{ footer }</footer>
        </article>
    }
}
