//! A shop's menu, live: when stock runs short a size greys out ("plus disponible") the moment
//! the menu stream says so, and comes back after a restock, without reloading. The cart sits
//! next to it (below on phones), saved per shop so that it survives a reload. When the group
//! changes its catalogue (a price, a recipe), the menu loads again by itself.

use crate::components::eta::ShopPromise;
use crate::components::shop_hours::{
    OrderingClosed, ShopStatusLine, TodayHours, orderable, use_clock, use_refresh_at,
};
use crate::components::{
    CartBar, CartPanel, ConnectionBadge, ExtrasPicker, MaintenanceBanner, MissingShop, use_session,
};
use crate::services::live::Live;
use crate::services::{api, storage};
use crate::state::cart::CartAction;
use crate::state::menu::{MenuAction, MenuState};
use ocpizza_proto::api::menu::{Menu, MenuPizza};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::ws::ServerMsg;
use ocpizza_proto::{IngredientId, PizzaId, ShopId};
use std::rc::Rc;
use yew::{
    Callback, Html, Properties, UseReducerHandle, component, html, use_effect_with, use_reducer,
};

/// Props of [`MenuPage`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The shop.
    pub shop: i64,
}

/// The shop and its menu (also used by checkout).
pub async fn load(shop: i64) -> Result<(Shop, Menu), api::ApiFailure> {
    let menu: Menu = api::get(&format!("/api/v1/shops/{shop}/menu")).await?;
    let shop: Shop = api::get(&format!("/api/v1/shops/{shop}")).await?;
    Ok((shop, menu))
}

/// Loads a shop and its menu, then follows its menu stream from the menu's sequence (the
/// customer's menu and the counter both show availability this way).
pub fn follow(shop: i64, state: &UseReducerHandle<MenuState>) -> Live {
    let on_message = {
        let state = state.clone();
        Callback::from(move |msg: ServerMsg| {
            if matches!(
                &msg,
                ServerMsg::Event {
                    event: Event::CatalogueChanged { .. },
                    ..
                }
            ) {
                reload(shop, &state);
            }
            state.dispatch(MenuAction::Server(Box::new(msg)));
        })
    };
    let on_state = {
        let state = state.clone();
        Callback::from(move |c| state.dispatch(MenuAction::Connection(c)))
    };
    let live = Live::connect(on_message, on_state);
    let subscriber = live.clone();
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let stream = Stream::ShopMenu(ShopId(shop)).to_string();
        match load(shop).await {
            Ok((s, menu)) => {
                let seq = menu.stream_seq;
                state.dispatch(MenuAction::Loaded(Box::new(s), Box::new(menu)));
                subscriber.subscribe(&stream, Some(seq));
            }
            // No such shop: said once, nothing followed or retried.
            Err(failure) if crate::components::is_missing(&failure) => {
                state.dispatch(MenuAction::Missing);
                subscriber.stop();
            }
            Err(_) => {
                state.dispatch(MenuAction::Failed);
                subscriber.subscribe(&stream, None);
            }
        }
    });
    live
}

/// Loads the menu again: the group changed its catalogue (names, prices, recipes, sizes).
fn reload(shop: i64, state: &UseReducerHandle<MenuState>) {
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(menu) = api::get::<Menu>(&format!("/api/v1/shops/{shop}/menu")).await {
            state.dispatch(MenuAction::Reloaded(Box::new(menu)));
        }
    });
}

/// The live menu of one shop.
#[component]
pub fn MenuPage(props: &Props) -> Html {
    let lang = use_session().lang;
    let t = lang.texts();
    let state = use_reducer(MenuState::default);
    let shop_id = props.shop;
    let cart = use_reducer(move || storage::load_cart(shop_id));
    use_effect_with(cart.clone(), move |cart| storage::save_cart(shop_id, cart));
    {
        let state = state.clone();
        use_effect_with(props.shop, move |&shop| {
            let live = follow(shop, &state);
            move || live.stop()
        });
    }
    let now = use_clock(15_000);
    let changes_at = state
        .shop
        .as_ref()
        .and_then(|s| s.open_state.changes_at_ms());
    use_refresh_at(changes_at, {
        let state = state.clone();
        Callback::from(move |()| {
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(shop) = api::get::<Shop>(&format!("/api/v1/shops/{shop_id}")).await {
                    state.dispatch(MenuAction::ShopLoaded(Box::new(shop)));
                }
            });
        })
    });
    if state.missing {
        return html! { <MissingShop /> };
    }
    let (Some(shop), Some(menu)) = (&state.shop, &state.menu) else {
        let text = if state.failed {
            t.load_failed
        } else {
            t.loading
        };
        return html! { <section class="page"><p aria-busy="true">{ text }</p></section> };
    };
    let on_action = {
        let cart = cart.clone();
        Callback::from(move |action| cart.dispatch(action))
    };
    let on_add = on_action.reform(|(pizza, size)| CartAction::Add(pizza, size));
    let on_extras =
        on_action.reform(|(pizza, size, extras)| CartAction::AddWithExtras(pizza, size, extras));
    let open = orderable(shop, now);
    let menu = Rc::new(menu.clone());
    let cart = Rc::new((*cart).clone());
    html! {
        <section class="page shop-page">
            <MaintenanceBanner />
            <div class="page-head">
                <h1>{ &shop.name }</h1>
                <ConnectionBadge state={state.connection} />
            </div>
            <div class="shop-hours">
                <ShopStatusLine {lang} paused={shop.paused} reason={shop.pause_reason.clone()}
                                closure={shop.closed_today.as_ref().map(|c| c.reason.clone())}
                    state={shop.open_state.clone()} now_ms={now} testid="shop-status" />
                <TodayHours {lang} slots={shop.today_hours.clone()} testid="shop-hours" />
            </div>
            if open {
                <ShopPromise shop={shop_id} />
            }
            <OrderingClosed {lang} shop={shop.clone()} now_ms={now} />
            <div class="shop-layout">
                <ul class="menu">
                    { for menu.pizzas.iter().map(|p| pizza_card(p, &on_add, &on_extras, open)) }
                </ul>
                <CartPanel shop={shop_id} cart={cart.clone()} menu={menu.clone()} {on_action} />
            </div>
            <CartBar shop={shop_id} {cart} {menu} />
        </section>
    }
}

/// A pizza and its sizes; `open` is false while the shop takes no order (adding is disabled).
fn pizza_card(
    pizza: &MenuPizza,
    on_add: &Callback<(PizzaId, String)>,
    on_extras: &Callback<(PizzaId, String, Vec<IngredientId>)>,
    open: bool,
) -> Html {
    let lang = document_lang();
    let t = lang.texts();
    let sold_out = !pizza.enabled || pizza.sizes.iter().all(|s| s.available == 0);
    html! {
        <li class={if sold_out { "pizza pizza--out" } else { "pizza" }} key={pizza.id.0}
            data-testid={format!("pizza-{}", pizza.id)}>
            if let Some(src) = pizza.photo.clone() {
                <img class="pizza-photo" {src} alt="" loading="lazy" />
            }
            <h2>{ &pizza.name }</h2>
            <p class="desc">{ &pizza.description }</p>
            <ul class="sizes">
                { for pizza.sizes.iter().map(|s| {
                    let out = !pizza.enabled || s.available <= 0;
                    let onclick = on_add.reform({
                        let (id, code) = (pizza.id, s.code.clone());
                        move |_| (id, code.clone())
                    });
                    html! {
                        <li class={if out { "size size--out" } else { "size" }} data-size={s.code.clone()}
                            data-testid={format!("size-{}-{}", pizza.id, s.code)}>
                            <span>{ lang.size_label(&s.code, &s.label) }</span>
                            <span class="price">{ s.price.to_string() }</span>
                            if out {
                                <span class="badge badge--out">{ t.unavailable }</span>
                            } else if let Some(left) = s.limit() {
                                <span class="badge">{ format!("{left} {}", t.left) }</span>
                            }
                            <button type="button" class="add" disabled={out || !open} {onclick}
                                    aria-label={format!("{} {} {}", t.add_to_cart, pizza.name, lang.size_label(&s.code, &s.label))}
                                    data-testid={format!("add-{}-{}", pizza.id, s.code)}>
                                { t.add }
                            </button>
                        </li>
                    }
                }) }
            </ul>
            if open {
                <ExtrasPicker pizza={pizza.clone()} on_add={on_extras.clone()} />
            }
            if !pizza.allergens.is_empty() {
                <p class="allergens">
                    { format!("{} ", t.allergens) }
                    { pizza.allergens.iter().map(|a| lang.allergen(*a)).collect::<Vec<_>>().join(", ") }
                </p>
            }
        </li>
    }
}

/// The language of the page, for helpers that are not components (the app keeps the
/// document's `lang` attribute in step with the session).
fn document_lang() -> crate::i18n::Lang {
    let lang = gloo::utils::document()
        .document_element()
        .and_then(|e| e.get_attribute("lang"))
        .unwrap_or_default();
    crate::i18n::Lang::from_tag(&lang)
}
