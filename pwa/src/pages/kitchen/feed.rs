//! What keeps the kitchen wall live: the open orders loaded then followed on the shop's
//! stream, the moves sent once their undo window ends, the recipes for the recipe card (loaded
//! again when the catalogue changes), and
//! the beep of a new ticket.

use super::Recipes;
use crate::services::api;
use crate::services::live::Live;
use crate::state::kitchen::{KitchenAction, KitchenState};
use ocpizza_proto::ShopId;
use ocpizza_proto::api::menu::{Menu, RecipeBook};
use ocpizza_proto::api::orders::{Order, OrderList, TransitionRequest};
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::ws::ServerMsg;
use std::rc::Rc;
use yew::{Callback, UseReducerHandle, UseStateHandle, hook, use_effect_with, use_state};

/// Loads the open orders, then follows the stream from their sequence.
pub(super) fn follow(shop: i64, state: &UseReducerHandle<KitchenState>) -> Live {
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
pub(super) fn send_due(state: &UseReducerHandle<KitchenState>) {
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
                Err(e) => {
                    let why = crate::i18n::Lang::of_document().failure(&e);
                    state.dispatch(KitchenAction::Refused(id, why));
                }
            }
        });
    }
}

/// A short beep for a new ticket (only after a tap allowed sound).
pub(super) fn beep(audio: &web_sys::AudioContext) {
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

fn load_recipes(recipes: &UseStateHandle<Recipes>) {
    let recipes = recipes.clone();
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
}

/// The recipes of the menu by pizza, for the recipe card: loaded once, then again whenever
/// the shop's menu stream says the catalogue changed (or resumes after a gap), so that an
/// open card shows a new quantity or step without a reload.
#[hook]
pub(super) fn use_recipes(shop: i64) -> Recipes {
    let recipes = use_state(Recipes::default);
    {
        let recipes = recipes.clone();
        use_effect_with(shop, move |&shop| {
            load_recipes(&recipes);
            let on_message = Callback::from(move |msg: ServerMsg| match msg {
                ServerMsg::Event {
                    event: Event::CatalogueChanged { .. },
                    ..
                }
                | ServerMsg::Snapshot { .. } => load_recipes(&recipes),
                _ => {}
            });
            let live = Live::connect(on_message, Callback::noop());
            // From the stream's head: a snapshot only says what the first load already read.
            let subscriber = live.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let stream = Stream::ShopMenu(ShopId(shop)).to_string();
                let since = api::get::<Menu>(&format!("/api/v1/shops/{shop}/menu"))
                    .await
                    .ok()
                    .map(|m| m.stream_seq);
                subscriber.subscribe(&stream, since);
            });
            move || live.stop()
        });
    }
    (*recipes).clone()
}
