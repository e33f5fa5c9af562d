//! The kitchen wall display (`/kitchen`, cooks and managers): a shop's tickets in three
//! columns, live from the shop's order stream, readable at 3 m and touch-first. A tap starts
//! or bumps a ticket at once on screen; the request leaves when the undo window ends. At rush
//! hour the wall still fits the screen: each column shows its oldest tickets, as many as fit,
//! and counts the others ("+4 autres").

mod feed;
mod ticket;

use crate::components::{ConnectionBadge, Icon, IconKind, LineRecipe, use_session};
use crate::i18n::{Lang, Texts};
use crate::state::fit::{Room, fitting, wall_order};
use crate::state::kitchen::{COLUMNS, KitchenAction, KitchenState, Ticket};
use feed::{beep, follow, send_due, use_recipes};
use gloo::timers::callback::Interval;
use ocpizza_proto::api::menu::Recipe;
use ocpizza_proto::{OrderId, OrderStatus, ShopId, StaffRole};
use std::collections::HashMap;
use std::rc::Rc;
use yew::{
    Callback, Html, NodeRef, Properties, component, hook, html, use_effect, use_effect_with,
    use_mut_ref, use_node_ref, use_reducer, use_state, use_state_eq,
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

/// How many tickets end inside one column's ticket area, as drawn now.
fn measure(list: &NodeRef) -> usize {
    let Some(list) = list.cast::<web_sys::Element>() else {
        return usize::MAX;
    };
    let limit = list.get_bounding_client_rect().bottom();
    let tickets = list.children();
    fitting(
        limit,
        (0..tickets.length())
            .filter_map(|i| tickets.item(i))
            .map(|ticket| ticket.get_bounding_client_rect().bottom()),
    )
}

/// The ticket areas of the three columns, and the room measured in them after every drawing
/// (a new drawing only when the room changed).
#[hook]
fn use_room() -> ([NodeRef; 3], Room) {
    let lists = [use_node_ref(), use_node_ref(), use_node_ref()];
    let room = use_state_eq(Room::default);
    {
        let (lists, room) = (lists.clone(), room.clone());
        use_effect(move || room.set(Room::measured(lists.each_ref().map(measure))));
    }
    (lists, *room)
}

/// The recipe card of one line of a ticket, over the wall.
fn recipe_card(
    lang: Lang,
    ticket: &Ticket,
    index: usize,
    recipes: &Recipes,
    close: &Callback<()>,
) -> Option<Html> {
    let t = lang.texts();
    let line = ticket.order.lines.get(index)?;
    let recipe = recipes.get(&line.pizza_id.0)?.clone();
    let close = close.reform(|_: yew::MouseEvent| ());
    Some(html! {
        <div class="modal" role="dialog" aria-modal="true" aria-label={t.recipe_card}
             data-testid="recipe-card" onclick={close.clone()}>
            <div class="modal-body" onclick={Callback::from(|e: yew::MouseEvent| e.stop_propagation())}>
                <LineRecipe recipe={recipe} size={line.size.clone()}
                    extras={line.extras.iter().map(|e| e.ingredient_id).collect::<Vec<_>>()}
                    quantity={line.quantity} />
                if let Some(text) = &line.note {
                    { ticket::note(lang.kitchen(), text) }
                }
                <button type="button" class="button big" data-testid="recipe-close" onclick={close}>
                    { t.close }
                </button>
            </div>
        </div>
    })
}

/// One column: its title with its count, the tickets that fit (oldest first), then "+N".
fn column(
    wall: &ticket::View<'_>,
    state: &KitchenState,
    index: usize,
    list: &NodeRef,
    room: Room,
) -> Html {
    let (t, k) = (wall.lang.texts(), wall.lang.kitchen());
    let status = COLUMNS[index];
    let tickets = wall_order(state, status);
    let shown = room.shown(index, tickets.len());
    let more = room.more(index, tickets.len());
    html! {
        <section class={format!("column column--{}", status.as_str())}
                 data-testid={format!("column-{}", status.as_str())}
                 aria-label={column_title(t, status)}>
            <h2>{ format!("{} ({})", column_title(t, status), tickets.len()) }</h2>
            if tickets.is_empty() {
                <p class="column-empty">{ t.empty_column }</p>
            }
            <div class="column-tickets" ref={list.clone()}>
                { for tickets.iter().enumerate().map(|(i, ticket)| ticket::view_ticket(wall, ticket, i >= shown)) }
            </div>
            if more > 0 {
                <p class="column-more" data-testid={format!("more-{}", status.as_str())} title={k.more_hint}>
                    { k.more(more) }
                </p>
            }
        </section>
    }
}

/// The live wall of one shop.
#[component]
fn Wall(props: &WallProps) -> Html {
    let lang = use_session().lang;
    let (t, k) = (lang.texts(), lang.kitchen());
    let state = use_reducer(|| KitchenState {
        now_ms: now_ms(),
        ..KitchenState::default()
    });
    let recipes = use_recipes(props.shop);
    let (lists, room) = use_room();
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
    let close_card = {
        let open_line = open_line.clone();
        Callback::from(move |()| open_line.set(None))
    };
    let card = (*open_line).and_then(|(id, index)| {
        recipe_card(lang, state.tickets.get(&id)?, index, &recipes, &close_card)
    });
    let dismiss_error = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(KitchenAction::ClearError))
    };
    let wall = ticket::View {
        lang,
        now: state.now_ms,
        recipes: &recipes,
        act: &act,
        on_line: &on_line,
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
                    if sound_on {
                        <Icon kind={IconKind::SoundOn} />{ k.sound_on }
                    } else {
                        <Icon kind={IconKind::SoundOff} />{ k.enable_sound }
                    }
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
                { for lists.iter().enumerate().map(|(i, list)| column(&wall, &state, i, list, room)) }
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
