//! The managers' dashboard (`/manage`): one card per shop with its orders per stage, the late
//! ones, today's count and revenue and the drivers out, live; a driver can be assigned to each
//! delivery and the shop paused or resumed from its card.

use super::Access;
use crate::components::eta::LateFlag;
use crate::components::shop_hours::{ShopStatusLine, use_refresh_at};
use crate::components::{ConnectionBadge, Icon, IconKind, PushButton, use_session};
use crate::i18n::{Lang, ManageTexts};
use crate::services::api;
use crate::services::live::Live;
use crate::services::push::PushTarget;
use crate::state::dashboard::{
    DashboardAction, DashboardState, STAGES, ShopCard, in_stage_ms, is_late,
};
use gloo::timers::callback::Interval;
use ocpizza_proto::api::dashboard::Dashboard;
use ocpizza_proto::api::orders::{AssignDriver, DriverRef, Order};
use ocpizza_proto::api::shops::{PauseRequest, Shop};
use ocpizza_proto::api::staff::StaffMember;
use ocpizza_proto::events::Stream;
use ocpizza_proto::{Fulfilment, OrderId, OrderStatus, ShopId, StaffRole, UserId};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::{
    Callback, Html, Properties, TargetCast, UseReducerHandle, UseStateHandle, component, html,
    use_effect_with, use_mut_ref, use_reducer, use_state,
};

/// Drivers of each shop, for the assignment selects.
type Drivers = Rc<BTreeMap<ShopId, Vec<DriverRef>>>;

/// The page: checks who is there, then shows the board.
#[component]
pub fn DashboardPage() -> Html {
    let session = use_session();
    let access = Access::of(&session, None);
    if let Some(refusal) = access.refusal(session.lang, "/manage") {
        return refusal;
    }
    html! { <Board /> }
}

fn failure_text(e: &api::ApiFailure) -> String {
    crate::i18n::Lang::of_document().failure(e)
}

/// Loads the dashboard, then follows the group's orders and each shop's menu stream (where
/// pause and resume are published) from the loaded state on.
fn follow(state: &UseReducerHandle<DashboardState>, drivers: &UseStateHandle<Drivers>) -> Live {
    let on_message = {
        let state = state.clone();
        Callback::from(move |msg| state.dispatch(DashboardAction::Server(Box::new(msg))))
    };
    let on_state = {
        let state = state.clone();
        Callback::from(move |c| state.dispatch(DashboardAction::Connection(c)))
    };
    let live = Live::connect(on_message, on_state);
    let subscriber = live.clone();
    let (state, drivers) = (state.clone(), drivers.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let dashboard = match api::get::<Dashboard>("/api/v1/group/dashboard").await {
            Ok(d) => d,
            Err(e) => return state.dispatch(DashboardAction::Failed(failure_text(&e))),
        };
        let seq = dashboard.stream_seq;
        let shops: Vec<ShopId> = dashboard.shops.iter().map(|s| s.shop_id).collect();
        let stock_seqs: Vec<(ShopId, i64)> = dashboard
            .shops
            .iter()
            .map(|s| (s.shop_id, s.stock_seq))
            .collect();
        state.dispatch(DashboardAction::Loaded(Box::new(dashboard)));
        subscriber.subscribe(&Stream::GroupOrders.to_string(), Some(seq));
        for shop in &shops {
            // A snapshot first: it carries the pause state and the stream's sequence.
            subscriber.subscribe(&Stream::ShopMenu(*shop).to_string(), None);
        }
        // Low-stock alerts: raised and cleared as the levels move, from the loaded ones on.
        for (shop, stock_seq) in stock_seqs {
            subscriber.subscribe(&Stream::ShopStock(shop).to_string(), Some(stock_seq));
        }
        let mut by_shop = BTreeMap::new();
        for shop in shops {
            if let Ok(staff) =
                api::get::<Vec<StaffMember>>(&format!("/api/v1/shops/{}/staff", shop.0)).await
            {
                let list = staff
                    .into_iter()
                    .filter(|m| m.role == StaffRole::Driver)
                    .map(|m| DriverRef {
                        id: m.user_id,
                        name: m.name,
                    })
                    .collect();
                by_shop.insert(shop, list);
            }
        }
        drivers.set(Rc::new(by_shop));
    });
    live
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The live board of every shop the account runs.
#[component]
fn Board() -> Html {
    let session = use_session();
    let (t, m) = (session.lang.texts(), session.lang.manage());
    let state = use_reducer(|| DashboardState {
        now_ms: now_ms(),
        ..DashboardState::default()
    });
    let drivers = use_state(Drivers::default);
    let live = use_mut_ref(|| None::<Live>);
    {
        let (state, drivers, live) = (state.clone(), drivers.clone(), live.clone());
        use_effect_with((), move |()| {
            let following = follow(&state, &drivers);
            *live.borrow_mut() = Some(following.clone());
            move || following.stop()
        });
    }
    // A shop an administrator just opened: the board is loaded again (its day and figures come
    // from the server) and its menu stream, where its pauses are published, followed.
    {
        let (state, live) = (state.clone(), live.clone());
        use_effect_with(state.opened.len(), move |&count| {
            if let Some(shop) = state.opened.last().copied().filter(|_| count > 0) {
                if let Some(live) = &*live.borrow() {
                    live.subscribe(&Stream::ShopMenu(shop).to_string(), None);
                }
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(d) = api::get::<Dashboard>("/api/v1/group/dashboard").await {
                        state.dispatch(DashboardAction::Loaded(Box::new(d)));
                    }
                });
            }
        });
    }
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            let clock = Interval::new(5_000, move || {
                state.dispatch(DashboardAction::Tick(now_ms()));
            });
            move || drop(clock)
        });
    }
    // At a shop's midnight (or when its hours change its state) the board is loaded again:
    // the reducer has already started the new day from zero, the server gives its bounds.
    use_refresh_at(state.refresh_at_ms(), {
        let state = state.clone();
        Callback::from(move |()| {
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(d) = api::get::<Dashboard>("/api/v1/group/dashboard").await {
                    state.dispatch(DashboardAction::Loaded(Box::new(d)));
                }
            });
        })
    });
    let act = {
        let state = state.clone();
        Callback::from(move |a: DashboardAction| state.dispatch(a))
    };
    let dismiss = act.reform(|_| DashboardAction::ClearError);
    html! {
        <section class="page manage" aria-labelledby="dashboard-title">
            <div class="page-head">
                <h1 id="dashboard-title">{ m.dashboard_title }</h1>
                <ConnectionBadge state={state.connection} />
            </div>
            <nav class="manage-nav" aria-label={m.nav}>
                <a class="button" href="/manage/reports" data-testid="reports-link">{ session.lang.reports().link }</a>
                <a class="button" href="/manage/audit" data-testid="audit-link">{ session.lang.audit().title }</a>
                if session.me.as_ref().is_some_and(|me| me.admin) {
                    <a class="button" href="/manage/shops" data-testid="shops-admin-link">{ session.lang.shop_admin().nav }</a>
                    <a class="button" href="/manage/catalogue" data-testid="catalogue-link">{ session.lang.catalogue().link }</a>
                    <a class="button" href="/manage/privacy" data-testid="privacy-link">{ session.lang.privacy().admin_title }</a>
                }
            </nav>
            <PushButton target={PushTarget::Staff} />
            if let Some(error) = &state.error {
                <p class="notice notice--error" role="alert" data-testid="manage-error">
                    { error }
                    <button type="button" onclick={dismiss}>{ t.close }</button>
                </p>
            }
            if !state.loaded && state.error.is_none() {
                <p aria-busy="true">{ t.loading }</p>
            }
            if state.loaded {
                <BackupLine state={state.clone()} />
            }
            <div class="shop-cards">
                { for state.shops.values().map(|card| html! {
                    <ShopPanel key={card.shop_id.0} card={card.clone()} now_ms={state.now_ms}
                        drivers={drivers.get(&card.shop_id).cloned().unwrap_or_default()}
                        lang={session.lang} act={act.clone()} />
                }) }
            </div>
        </section>
    }
}

/// Props of [`ShopPanel`].
#[derive(Debug, Properties, PartialEq)]
struct PanelProps {
    card: ShopCard,
    now_ms: f64,
    drivers: Vec<DriverRef>,
    lang: Lang,
    act: Callback<DashboardAction>,
}

fn stage_label(m: &ManageTexts, stage: OrderStatus) -> &'static str {
    match stage {
        OrderStatus::Placed => m.stage_placed,
        OrderStatus::Preparing => m.stage_preparing,
        OrderStatus::Ready => m.stage_ready,
        _ => m.stage_out,
    }
}

/// One shop's card.
#[component]
fn ShopPanel(props: &PanelProps) -> Html {
    let m = props.lang.manage();
    let card = &props.card;
    let id = card.shop_id.0;
    let late = card.late(props.now_ms).count();
    let drivers_out = card.drivers_out();
    let drivers = Rc::new(props.drivers.clone());
    let shown: Vec<&Order> = card.shown().collect();
    let class = if card.accepting_orders {
        "card shop-card"
    } else {
        "card shop-card shop-card--paused"
    };
    html! {
        <article class={class} data-testid={format!("shop-card-{id}")}
                 data-accepting={card.accepting_orders.to_string()} aria-labelledby={format!("shop-{id}-name")}>
            <header class="shop-card-head">
                <h2 id={format!("shop-{id}-name")}>{ &card.name }</h2>
                // The state the customers see: paused, or what the hours say.
                <ShopStatusLine lang={props.lang} paused={!card.accepting_orders} reason={card.pause_reason.clone()}
                    state={card.open_state.clone()} now_ms={props.now_ms} testid={format!("shop-state-{id}")} />
            </header>
            <PauseControl shop={card.shop_id} accepting={card.accepting_orders} lang={props.lang} act={props.act.clone()} />
            <super::alerts::Alerts card={card.clone()} now_ms={props.now_ms} lang={props.lang} />
            <dl class="figures">
                { for STAGES.iter().map(|&stage| html! {
                    <div class={format!("figure figure--{}", stage.as_str())}>
                        <dt>{ stage_label(m, stage) }</dt>
                        <dd data-testid={format!("stage-{}-{id}", stage.as_str())}>{ card.in_stage(stage).count() }</dd>
                    </div>
                }) }
                <div class={if late > 0 { "figure figure--late" } else { "figure" }}>
                    <dt>
                        if late > 0 { <Icon kind={IconKind::Warning} /> }
                        { m.late_orders }
                    </dt>
                    <dd data-testid={format!("late-{id}")}>{ late }</dd>
                </div>
                <div class="figure">
                    <dt>{ m.today_orders }</dt>
                    <dd data-testid={format!("today-orders-{id}")} data-day={card.day.day.to_string()}>{ card.today.orders }</dd>
                </div>
                <div class="figure">
                    <dt>{ m.today_revenue }</dt>
                    <dd data-testid={format!("today-revenue-{id}")}>{ card.today.revenue.to_string() }</dd>
                </div>
            </dl>
            <p class="drivers-out" data-testid={format!("drivers-out-{id}")}>
                <strong>{ format!("{} : ", m.drivers_out) }</strong>
                { if drivers_out.is_empty() {
                    m.nobody.to_owned()
                } else {
                    drivers_out.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
                } }
            </p>
            if shown.is_empty() {
                <p class="muted">{ m.no_open_orders }</p>
            } else {
                <div class="table-wrap">
                    <table class="orders-table">
                        <caption class="sr-only">{ format!("{} — {}", card.name, m.order) }</caption>
                        <thead><tr>
                            <th scope="col">{ m.order }</th>
                            <th scope="col">{ m.stage }</th>
                            <th scope="col">{ m.since }</th>
                            <th scope="col">{ m.customer }</th>
                            <th scope="col">{ props.lang.texts().payment }</th>
                            <th scope="col">{ m.driver }</th>
                        </tr></thead>
                        <tbody>
                            { for shown.into_iter().map(|o| order_row(props, o, &drivers)) }
                        </tbody>
                    </table>
                </div>
            }
            <super::payment::PaymentLookup shop={id} lang={props.lang} />
            <nav class="shop-card-links" aria-label={card.name.clone()}>
                <a class="button" href={format!("/manage/shops/{id}/stock")} data-testid={format!("stock-link-{id}")}>{ m.stock }</a>
                <a class="button" href={format!("/manage/shops/{id}/staff")} data-testid={format!("staff-link-{id}")}>{ m.staff }</a>
                <a class="button" href={format!("/manage/shops/{id}/cash")} data-testid={format!("cash-link-{id}")}>{ m.cash }</a>
                <a class="button" href={format!("/manage/shops/{id}/settings")} data-testid={format!("settings-link-{id}")}>{ props.lang.shop_admin().settings }</a>
            </nav>
        </article>
    }
}

fn order_row(props: &PanelProps, order: &Order, drivers: &Rc<Vec<DriverRef>>) -> Html {
    let m = props.lang.manage();
    let late = is_late(order, props.now_ms);
    let minutes = (in_stage_ms(order, props.now_ms) / 60_000.0).floor();
    let driver_cell = if order.fulfilment == Fulfilment::Delivery {
        html! {
            <AssignSelect order_id={order.id} version={order.version}
                current={order.driver.as_ref().map(|d| d.id)} drivers={drivers.clone()}
                lang={props.lang} act={props.act.clone()} />
        }
    } else {
        html! { <span class="muted">{ m.no_delivery }</span> }
    };
    html! {
        <tr key={order.id.0} class={if late { "order-row order-row--late" } else { "order-row" }}
            data-testid={format!("order-row-{}", order.id.0)} data-status={order.status.as_str()}
            data-late={late.to_string()}>
            <th scope="row">{ format!("#{}", order.id.0) }</th>
            <td>{ stage_label(m, order.status) }</td>
            <td>
                { format!("{minutes:.0} min") }
                if late {
                    <span class="late-flag">{ " " }<Icon kind={IconKind::Warning} />{ m.late }</span>
                }
                <LateFlag order={order.clone()} now_ms={props.now_ms} />
            </td>
            <td>{ &order.contact.name }</td>
            <td>
                { crate::components::MoneyBadge::view(props.lang, order) }
                if order.payment_method == ocpizza_proto::PaymentMethod::Online {
                    <super::payment::PaymentPanel order_id={order.id} lang={props.lang} />
                }
            </td>
            <td>{ driver_cell }</td>
        </tr>
    }
}

/// Props of [`AssignSelect`].
#[derive(Debug, Properties, PartialEq)]
struct AssignProps {
    order_id: OrderId,
    version: i64,
    current: Option<UserId>,
    drivers: Rc<Vec<DriverRef>>,
    lang: Lang,
    act: Callback<DashboardAction>,
}

/// A driver select and its button: assigns, reassigns or unassigns.
#[component]
fn AssignSelect(props: &AssignProps) -> Html {
    let m = props.lang.manage();
    let chosen = use_state(|| props.current);
    let busy = use_state(|| false);
    {
        let chosen = chosen.clone();
        use_effect_with(props.current, move |current| chosen.set(*current));
    }
    let on_change = {
        let chosen = chosen.clone();
        Callback::from(move |e: yew::Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            chosen.set(select.value().parse().ok().map(UserId));
        })
    };
    let assign = {
        let (chosen, busy, act) = (chosen.clone(), busy.clone(), props.act.clone());
        let (id, version) = (props.order_id, props.version);
        Callback::from(move |_| {
            let (busy, act) = (busy.clone(), act.clone());
            let body = AssignDriver {
                driver_id: *chosen,
                version: Some(version),
            };
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/v1/orders/{}/driver", id.0);
                match api::post::<_, Order>(&path, &body).await {
                    Ok(order) => act.emit(DashboardAction::OrderSaved(Box::new(order))),
                    Err(e) => act.emit(DashboardAction::Failed(failure_text(&e))),
                }
                busy.set(false);
            });
        })
    };
    let select_id = format!("driver-{}", props.order_id.0);
    html! {
        <div class="assign">
            <label for={select_id.clone()} class="sr-only">{ format!("{} #{}", m.driver, props.order_id.0) }</label>
            <select id={select_id} data-testid={format!("driver-select-{}", props.order_id.0)} onchange={on_change}>
                <option value="" selected={chosen.is_none()}>{ m.no_driver }</option>
                { for props.drivers.iter().map(|d| html! {
                    <option value={d.id.0.to_string()} selected={*chosen == Some(d.id)}>{ &d.name }</option>
                }) }
            </select>
            <button type="button" onclick={assign} disabled={*busy || *chosen == props.current}
                    data-testid={format!("assign-{}", props.order_id.0)}>{ m.assign }</button>
        </div>
    }
}

/// Props of [`PauseControl`].
#[derive(Debug, Properties, PartialEq)]
struct PauseProps {
    shop: ShopId,
    accepting: bool,
    lang: Lang,
    act: Callback<DashboardAction>,
}

/// Pause (with a reason for the customers) or resume a shop.
#[component]
fn PauseControl(props: &PauseProps) -> Html {
    let m = props.lang.manage();
    let reason = use_state(String::new);
    let busy = use_state(|| false);
    let id = props.shop.0;
    let send = {
        let (reason, busy, act) = (reason.clone(), busy.clone(), props.act.clone());
        let pause = props.accepting;
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            let (busy, act) = (busy.clone(), act.clone());
            let body = PauseRequest {
                reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
            };
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let answer = if pause {
                    api::post::<_, Shop>(&format!("/api/v1/shops/{id}/pause"), &body).await
                } else {
                    api::post::<_, Shop>(&format!("/api/v1/shops/{id}/resume"), &()).await
                };
                match answer {
                    Ok(shop) => act.emit(DashboardAction::ShopSaved(Box::new(shop))),
                    Err(e) => act.emit(DashboardAction::Failed(failure_text(&e))),
                }
                busy.set(false);
            });
        })
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |e: yew::InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            reason.set(input.value());
        })
    };
    let input_id = format!("pause-reason-{id}");
    html! {
        <form class="pause-form" onsubmit={send}>
            if props.accepting {
                <label for={input_id.clone()}>{ m.pause_reason }</label>
                <input id={input_id} type="text" maxlength="200" value={(*reason).clone()} oninput={on_reason} />
                <button type="submit" class="button pause" disabled={*busy} data-testid={format!("pause-{id}")}>
                    <Icon kind={IconKind::Pause} />{ m.pause }
                </button>
            } else {
                <button type="submit" class="button go" disabled={*busy} data-testid={format!("resume-{id}")}>
                    <Icon kind={IconKind::Start} />{ m.resume }
                </button>
            }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct BackupLineProps {
    state: UseReducerHandle<DashboardState>,
}

/// When the group's data was last backed up, and a warning when the daily backup is late.
#[component]
fn BackupLine(props: &BackupLineProps) -> Html {
    let m = use_session().lang.manage();
    let state = &props.state;
    let class = if state.backup_late() {
        "notice notice--warn"
    } else {
        "muted"
    };
    html! {
        <p class={class} data-testid="backup-age">
            { match state.backup_age_hours() {
                Some(h) => format!("{} {h} {}", m.backup_age, m.backup_hours),
                None => m.backup_none.to_owned(),
            } }
            if state.backup_late() {
                { " " }{ m.backup_late }
            }
        </p>
    }
}
