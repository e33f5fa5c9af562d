//! The driver's screen (`/driver`, on a phone, often without signal): the deliveries to take
//! and the driver's own, each with the address, a navigation link, the customer's number and
//! the amount to collect. Every tap is queued on the phone first (see `state::driver`), shown at
//! once, and sent when the network allows; the list opens from the phone's copy when offline.

use crate::components::cash_handover::recorded_view;
use crate::components::shop_hours::use_refresh_at;
use crate::components::{ConnectionBadge, HandoverForm, Icon, IconKind, PushButton, use_session};
use crate::i18n::{Lang, RoadTexts};
use crate::services::driver::{self as sync, Sent};
use crate::services::live::Live;
use crate::services::push::PushTarget;
use crate::services::{api, device};
use crate::state::driver::{Conflict, DriverMsg, DriverState};
use gloo::timers::callback::Interval;
use ocpizza_proto::api::driver::{CashReport, DriverAction, DriverActionKind};
use ocpizza_proto::api::orders::{Deliveries, Order};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{
    ErrorCode, Fulfilment, OrderId, OrderStatus, PaymentMethod, StaffRole, UserId,
};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, Properties, TargetCast, UseReducerHandle, UseStateHandle, component, html,
    use_effect_with, use_mut_ref, use_reducer, use_state,
};

/// How often the position is shared while out for delivery.
const POSITION_EVERY_MS: u32 = 15_000;
/// Pause before retrying the queue after the network failed.
const RETRY_MS: f64 = 3_000.0;
/// Quiet time after live events before the list is reloaded.
const REFRESH_AFTER_MS: u32 = 250;
const SHARE_KEY: &str = "ocpizza.driver.share-position";

/// The page: a driver's deliveries, or why they cannot be shown.
#[component]
pub fn DriverPage() -> Html {
    let session = use_session();
    let t = session.lang.texts();
    if !session.checked {
        return html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> };
    }
    let Some(me) = &session.me else {
        return html! {
            <section class="page narrow">
                <p>{ session.lang.road().drivers_only }</p>
                <a class="button" href="/login?next=/driver">{ t.login }</a>
            </section>
        };
    };
    let shops: Vec<i64> = me
        .roles
        .iter()
        .filter(|r| r.role == StaffRole::Driver)
        .map(|r| r.shop_id.0)
        .collect();
    if shops.is_empty() {
        return html! {
            <section class="page narrow"><p>{ session.lang.road().drivers_only }</p></section>
        };
    }
    html! { <Road me={me.id.0} {shops} /> }
}

/// Props of [`Road`].
#[derive(Debug, Properties, PartialEq)]
struct RoadProps {
    me: i64,
    shops: Vec<i64>,
}

type State = UseReducerHandle<DriverState>;

/// Loads the deliveries from the server, keeping a copy on the phone.
fn refresh(me: UserId, state: &State, live: Option<&Live>) {
    let state = state.clone();
    let live = live.cloned();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(deliveries) = api::get::<Deliveries>("/api/v1/driver/deliveries").await {
            sync::save_deliveries(me, &deliveries);
            if let Some(live) = live {
                live.subscribe(&Stream::Driver(me).to_string(), Some(deliveries.stream_seq));
            }
            state.dispatch(DriverMsg::Loaded {
                deliveries: Box::new(deliveries),
                cached: false,
            });
        }
    });
}

/// Sends the next queued action, if one may go.
fn drain(state: &State, retry_at: &Rc<RefCell<f64>>, me: UserId) {
    if state.now_ms < *retry_at.borrow() {
        return;
    }
    let Some(next) = state.next_to_send() else {
        return;
    };
    let action = next.action.clone();
    state.dispatch(DriverMsg::Sending(action.key.clone()));
    let (state, retry_at) = (state.clone(), retry_at.clone());
    wasm_bindgen_futures::spawn_local(async move {
        match sync::send(&action).await {
            Sent::Applied(result) => {
                state.dispatch(DriverMsg::Applied(action.key, result));
                refresh(me, &state, None);
            }
            Sent::Refused { code, message } => {
                state.dispatch(DriverMsg::Refused {
                    key: action.key,
                    code,
                    message,
                });
                refresh(me, &state, None);
            }
            Sent::Unsent => {
                *retry_at.borrow_mut() = js_sys::Date::now() + RETRY_MS;
                state.dispatch(DriverMsg::Unsent(action.key));
            }
        }
    });
}

fn share_allowed() -> bool {
    gloo::utils::window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(SHARE_KEY).ok().flatten())
        .is_some_and(|v| v == "1")
}

/// The live screen of one driver.
#[component]
fn Road(props: &RoadProps) -> Html {
    let lang = use_session().lang;
    let r = lang.road();
    let me = UserId(props.me);
    let state = use_reducer(|| DriverState {
        me: Some(me),
        now_ms: js_sys::Date::now(),
        ..DriverState::default()
    });
    let retry_at = use_mut_ref(|| 0.0_f64);
    let sharing = use_state(share_allowed);
    let wake = use_mut_ref(|| None::<device::WakeLock>);
    let cash = use_state(|| None::<CashReport>);

    // Start: the phone's copies first, then the server, then live updates.
    {
        let state = state.clone();
        let shops = props.shops.clone();
        let cash = cash.clone();
        use_effect_with(me, move |&me| {
            state.dispatch(DriverMsg::Restored(sync::load_queue(me)));
            if let Some(copy) = sync::load_deliveries(me) {
                state.dispatch(DriverMsg::Loaded {
                    deliveries: Box::new(copy),
                    cached: true,
                });
            }
            // A burst of events (an order placed, started and bumped) reloads the list once.
            let pending = Rc::new(RefCell::new(None::<gloo::timers::callback::Timeout>));
            let on_message = {
                let state = state.clone();
                Callback::from(move |msg| {
                    if let ocpizza_proto::ws::ServerMsg::Event { event, .. } = &msg {
                        state.dispatch(DriverMsg::Event(Box::new(event.clone())));
                    }
                    // A manager recorded what the driver handed in: the confirmation shows.
                    if let ocpizza_proto::ws::ServerMsg::Event {
                        event: ocpizza_proto::events::Event::CashHandedOver { .. },
                        ..
                    } = &msg
                    {
                        load_cash(&cash);
                    }
                    if matches!(
                        msg,
                        ocpizza_proto::ws::ServerMsg::Event { .. }
                            | ocpizza_proto::ws::ServerMsg::Snapshot { .. }
                    ) {
                        let state = state.clone();
                        *pending.borrow_mut() = Some(gloo::timers::callback::Timeout::new(
                            REFRESH_AFTER_MS,
                            move || refresh(me, &state, None),
                        ));
                    }
                })
            };
            let on_state = {
                let state = state.clone();
                Callback::from(move |c| {
                    state.dispatch(DriverMsg::Connection(c));
                    if c == crate::state::Connection::Online {
                        refresh(me, &state, None);
                    }
                })
            };
            let live = Live::connect(on_message, on_state);
            for shop in shops {
                live.subscribe(
                    &Stream::ShopOrders(ocpizza_proto::ShopId(shop)).to_string(),
                    None,
                );
            }
            refresh(me, &state, Some(&live));
            move || live.stop()
        });
    }
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            let clock = Interval::new(1_000, move || {
                state.dispatch(DriverMsg::Tick(js_sys::Date::now()));
            });
            move || drop(clock)
        });
    }
    // The queue is saved after every change, then drained.
    {
        let queue = state.queue.clone();
        use_effect_with(queue, move |queue| sync::save_queue(me, queue));
    }
    {
        let (state, retry_at) = (state.clone(), retry_at.clone());
        let key = (state.now_ms.to_bits(), state.waiting());
        use_effect_with(key, move |_| drain(&state, &retry_at, me));
    }
    // While out for delivery: the screen stays on, and the position is shared if allowed.
    let out: Vec<OrderId> = state
        .my_deliveries()
        .iter()
        .filter(|o| o.status == OrderStatus::OutForDelivery)
        .map(|o| o.id)
        .collect();
    {
        let wake = wake.clone();
        use_effect_with(!out.is_empty(), move |&on_road| {
            if on_road {
                wasm_bindgen_futures::spawn_local(async move {
                    let lock = device::keep_screen_on().await;
                    *wake.borrow_mut() = lock;
                });
            } else {
                *wake.borrow_mut() = None;
            }
        });
    }
    {
        let out = out.clone();
        use_effect_with((out, *sharing), move |(out, sharing)| {
            let timer = (*sharing && !out.is_empty()).then(|| {
                let out = out.clone();
                let share = move || {
                    let out = out.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Some(fix) = device::position().await {
                            for id in out {
                                sync::send_position(id, fix.lat, fix.lon, fix.accuracy_m).await;
                            }
                        }
                    });
                };
                share();
                Interval::new(POSITION_EVERY_MS, share)
            });
            move || drop(timer)
        });
    }
    {
        let cash = cash.clone();
        let delivered = state
            .mine
            .iter()
            .filter(|o| o.status == OrderStatus::Delivered)
            .count();
        use_effect_with((delivered, state.connection), move |_| load_cash(&cash));
    }
    // The cash of the day starts again at the shop's midnight.
    use_refresh_at(cash.as_ref().map(|c| c.day_ends_at.as_millisecond()), {
        let cash = cash.clone();
        Callback::from(move |()| load_cash(&cash))
    });

    let act = {
        let state = state.clone();
        Callback::from(move |tap: Tap| {
            let action = DriverAction {
                key: sync::new_key(),
                order_id: tap.order_id,
                kind: tap.kind,
                device_at: sync::device_now(),
                cash_collected: tap.cash,
                payment_method: tap.paid_by,
                reason: tap.reason,
            };
            state.dispatch(DriverMsg::Act(Box::new(action), js_sys::Date::now()));
        })
    };
    let undo = {
        let state = state.clone();
        Callback::from(move |key: String| state.dispatch(DriverMsg::Undo(key)))
    };
    let toggle_share = {
        let sharing = sharing.clone();
        Callback::from(move |e: yew::Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            if let Some(storage) = gloo::utils::window().local_storage().ok().flatten() {
                let _ = storage.set_item(SHARE_KEY, if on { "1" } else { "0" });
            }
            sharing.set(on);
        })
    };

    let mine: Vec<Order> = state
        .my_deliveries()
        .into_iter()
        .filter(|o| {
            !matches!(
                o.status,
                OrderStatus::Delivered | OrderStatus::DeliveryFailed | OrderStatus::Cancelled
            ) || state.undoable(o.id).is_some()
        })
        .collect();
    let to_take = state.to_take();
    let waiting = state.waiting();
    html! {
        <section class="page driver" aria-labelledby="driver-title">
            <div class="page-head">
                <h1 id="driver-title">{ r.title }</h1>
                <ConnectionBadge state={state.connection} />
            </div>
            <p class={if waiting > 0 { "sync sync--waiting" } else { "sync" }} role="status"
                data-testid="sync-pending" data-count={waiting.to_string()}>
                if waiting > 0 {
                    <Icon kind={IconKind::Hourglass} />
                    <strong>{ waiting }</strong>{ " " }{ r.waiting_sync }
                } else {
                    <Icon kind={IconKind::Done} />{ r.all_synced }
                }
            </p>
            if state.from_cache {
                <p class="notice" data-testid="offline-copy">{ r.offline_copy }</p>
            }
            { for state.conflicts.iter().enumerate().map(|(i, c)| conflict_view(r, i, c, &state)) }
            <h2>{ r.mine }</h2>
            if mine.is_empty() {
                <p class="muted">{ r.none_mine }</p>
            }
            <ul class="deliveries" data-testid="my-deliveries">
                { for mine.iter().map(|o| html! {
                    <DeliveryCard key={o.id.0} order={o.clone()} mine=true
                        undo_key={state.undoable(o.id).map(|q| q.action.key.clone())}
                        act={act.clone()} undo={undo.clone()} />
                }) }
            </ul>
            <h2>{ r.to_take }</h2>
            if to_take.is_empty() {
                <p class="muted">{ r.none_to_take }</p>
            }
            <ul class="deliveries" data-testid="to-take">
                { for to_take.iter().map(|o| html! {
                    <DeliveryCard key={o.id.0} order={o.clone()} mine=false undo_key={None::<String>}
                        act={act.clone()} undo={undo.clone()} />
                }) }
            </ul>
            <label class="check">
                <input type="checkbox" checked={*sharing} onchange={toggle_share} />
                { r.share_position }
            </label>
            { cash_view(lang, cash.as_ref()) }
            <PushButton target={PushTarget::Staff} />
        </section>
    }
}

/// A tap on a delivery, before it gets its key and time.
#[derive(Debug, Clone, PartialEq)]
struct Tap {
    order_id: OrderId,
    kind: DriverActionKind,
    /// Cash kept, for a delivery paid in cash.
    cash: Option<ocpizza_proto::Money>,
    /// How a delivery paid at the door was paid.
    paid_by: Option<PaymentMethod>,
    /// Why a delivery failed.
    reason: Option<String>,
}

impl Tap {
    fn new(order_id: OrderId, kind: DriverActionKind) -> Tap {
        Tap {
            order_id,
            kind,
            cash: None,
            paid_by: None,
            reason: None,
        }
    }
}

fn conflict_view(r: &RoadTexts, index: usize, c: &Conflict, state: &State) -> Html {
    let why = match c.code {
        ErrorCode::OrderCancelled => r.conflict_cancelled.to_owned(),
        ErrorCode::AssignedToOtherDriver => r.conflict_other_driver.to_owned(),
        ErrorCode::InvalidTransition => r.conflict_invalid.to_owned(),
        code => format!(
            "{} {}",
            r.conflict_other,
            crate::i18n::Lang::of_document().error(code)
        ),
    };
    let dismiss = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(DriverMsg::Dismiss(index)))
    };
    html! {
        <div class="error conflict" role="alert" data-testid={format!("conflict-{}", c.order_id.0)}
            data-code={serde_json::to_value(c.code).ok().and_then(|v| v.as_str().map(str::to_owned))}>
            <p><strong>{ format!("{} {}", r.order_no, c.order_id.0) }</strong>{ " " }{ why }</p>
            <button type="button" onclick={dismiss}>{ r.ok }</button>
        </div>
    }
}

/// Loads the calling driver's cash of the day into `cash`.
fn load_cash(cash: &UseStateHandle<Option<CashReport>>) {
    let cash = cash.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(report) = api::get::<CashReport>("/api/v1/driver/cash").await {
            cash.set(Some(report));
        }
    });
}

fn cash_view(lang: Lang, report: Option<&CashReport>) -> Html {
    let r = lang.road();
    let body = match report {
        None => html! { <p class="muted">{ r.cash_offline }</p> },
        Some(report) if report.deliveries.is_empty() && report.handovers.is_empty() => {
            html! { <p class="muted">{ r.cash_none }</p> }
        }
        Some(report) => html! {
            <>
                <ul class="cash-lines">
                    { for report.deliveries.iter().map(|d| html! {
                        <li>
                            <span>{ format!("{} {}", r.order_no, d.order_id.0) }</span>
                            <span>{ lang.payment(d.payment_method) }</span>
                            <strong>{ d.cash_collected.map_or_else(|| "—".into(), |m| m.to_string()) }</strong>
                        </li>
                    }) }
                </ul>
                <p class="total" data-testid="cash-total">
                    <span>{ r.cash_total }</span><strong>{ report.total_cash.to_string() }</strong>
                </p>
                { for report.handovers.iter().map(|h| recorded_view(lang, h)) }
            </>
        },
    };
    html! {
        <section class="step cash" aria-labelledby="cash-title">
            <h2 id="cash-title">{ r.cash_title }</h2>
            { body }
        </section>
    }
}

/// Props of [`DeliveryCard`].
#[derive(Debug, Properties, PartialEq)]
struct CardProps {
    order: Order,
    /// The driver's own (else: ready to take).
    mine: bool,
    /// The key of an action that can still be undone.
    undo_key: Option<String>,
    act: Callback<Tap>,
    undo: Callback<String>,
}

fn map_link(order: &Order) -> Option<String> {
    let a = order.address.as_ref()?;
    let query = format!("{}, {} {}", a.street, a.postcode, a.city);
    Some(format!(
        "geo:0,0?q={}",
        js_sys::encode_uri_component(&query)
    ))
}

/// One delivery with what the driver can do with it now.
#[component]
fn DeliveryCard(props: &CardProps) -> Html {
    let lang = use_session().lang;
    let r = lang.road();
    let o = &props.order;
    let failing = use_state(|| false);
    let reason = use_state(String::new);
    let cash_due = o.payment_method == PaymentMethod::CashOnDelivery;
    let send = |kind: DriverActionKind| {
        let act = props.act.clone();
        let id = o.id;
        Callback::from(move |_| act.emit(Tap::new(id, kind)))
    };
    let delivered = {
        let (act, id) = (props.act.clone(), o.id);
        Callback::from(move |(method, cash)| {
            act.emit(Tap {
                cash,
                paid_by: Some(method),
                ..Tap::new(id, DriverActionKind::Delivered)
            });
        })
    };
    let fail = {
        let (act, id, reason) = (props.act.clone(), o.id, reason.clone());
        Callback::from(move |e: yew::SubmitEvent| {
            e.prevent_default();
            if !reason.trim().is_empty() {
                act.emit(Tap {
                    reason: Some(reason.trim().to_owned()),
                    ..Tap::new(id, DriverActionKind::Failed)
                });
            }
        })
    };
    let actions = if let Some(key) = &props.undo_key {
        let (undo, key) = (props.undo.clone(), key.clone());
        html! {
            <button type="button" class="button button--wide" data-testid={format!("undo-{}", o.id.0)}
                onclick={Callback::from(move |_| undo.emit(key.clone()))}>
                <Icon kind={IconKind::Undo} />{ r.undo }
            </button>
        }
    } else if !props.mine {
        html! {
            <button type="button" class="button button--primary button--wide"
                data-testid={format!("take-{}", o.id.0)} onclick={send(DriverActionKind::Take)}>
                { r.take }
            </button>
        }
    } else {
        match o.status {
            OrderStatus::Ready => html! {
                <button type="button" class="button button--primary button--wide"
                    data-testid={format!("picked-up-{}", o.id.0)} onclick={send(DriverActionKind::PickedUp)}>
                    { r.picked_up }
                </button>
            },
            OrderStatus::OutForDelivery => html! {
                <div class="road-actions">
                    if cash_due {
                        <HandoverForm order_id={o.id} total={o.total} label={r.delivered}
                            on_delivered={delivered} />
                    } else {
                        <button type="button" class="button button--primary button--wide"
                            data-testid={format!("delivered-{}", o.id.0)}
                            onclick={send(DriverActionKind::Delivered)}>
                            <Icon kind={IconKind::Done} />{ r.delivered }
                        </button>
                    }
                    if *failing {
                        <form class="fail-form" onsubmit={fail}>
                            <label class="field">
                                <span>{ r.failed_reason }</span>
                                <input value={(*reason).clone()} required=true
                                    data-testid={format!("fail-reason-{}", o.id.0)}
                                    oninput={let c = reason.clone(); Callback::from(move |e: yew::InputEvent| {
                                        c.set(e.target_unchecked_into::<HtmlInputElement>().value());
                                    })} />
                            </label>
                            <button type="submit" class="button">{ r.failed_confirm }</button>
                        </form>
                    } else {
                        <button type="button" class="button"
                            onclick={let f = failing.clone(); Callback::from(move |_| f.set(true))}>
                            { r.failed }
                        </button>
                    }
                </div>
            },
            _ => html! { <p class="muted">{ r.wait_ready }</p> },
        }
    };
    let address = o.address.as_ref().map(|a| {
        html! {
            <address>
                { &a.street }<br />{ format!("{} {}", a.postcode, a.city) }
                if let Some(extra) = &a.instructions { <br /><em>{ extra }</em> }
            </address>
        }
    });
    html! {
        <li class="delivery" data-testid={format!("delivery-{}", o.id.0)}
            data-status={serde_json::to_value(o.status).ok().and_then(|v| v.as_str().map(str::to_owned))}>
            <div class="delivery-head">
                <strong class="ticket-no">{ format!("#{}", o.id.0) }</strong>
                <span class="status-pill">{ lang.status(o.status) }</span>
            </div>
            <p>{ format!("{} {}", r.pickup_of, o.contact.name) }</p>
            { for address }
            <p class="links">
                if let Some(href) = map_link(o) {
                    <a class="button" href={href}><Icon kind={IconKind::Navigate} />{ r.navigate }</a>
                }
                <a class="button" href={format!("tel:{}", o.contact.phone.replace(' ', ""))}>
                    <Icon kind={IconKind::Call} />{ r.call }
                </a>
            </p>
            <p class="collect">
                if cash_due && o.payment_status != ocpizza_proto::PaymentStatus::Paid {
                    <span>{ r.to_collect }</span>{ " " }<strong>{ o.total.to_string() }</strong>
                    { format!(" · {}", lang.payment(o.payment_method)) }
                } else {
                    <span>{ r.nothing_to_collect }</span>{ format!(" · {}", o.total) }
                }
            </p>
            if let Some(note) = o.note.as_ref().filter(|n| !n.trim().is_empty()) {
                <p class="muted">{ format!("{} : {note}", r.note) }</p>
            }
            if o.fulfilment == Fulfilment::Delivery { { actions } }
        </li>
    }
}
