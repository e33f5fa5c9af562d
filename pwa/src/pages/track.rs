//! Following an order with its tracking link, with or without an account: loaded over REST,
//! then live on `order:{token}` from the sequence of that load, so a reload or a shared link
//! shows the same thing. While the order is `placed` the customer may edit or cancel it; both
//! buttons disappear the moment the kitchen starts it. A guest's order is changed with the
//! token, an account's through the account (logged in). The shop's staff open the same page by
//! order id to edit a phone or counter order.

use crate::app::Route;
use crate::components::eta::OrderEstimate;
use crate::components::{ConnectionBadge, OrderThanks, PushButton, use_session};
use crate::i18n::Lang;
use crate::services::api::{self, ApiFailure};
use crate::services::live::Live;
use crate::services::push::PushTarget;
use crate::state::checkout::FormErrors;
use crate::state::order_edit::EditDraft;
use crate::state::tracking::{Missing, TrackAction, TrackState};
use ocpizza_proto::api::orders::{CancelRequest, Order, TrackedOrder};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{ErrorCode, Fulfilment, OrderStatus, Timestamp};
use std::cell::RefCell;
use std::rc::Rc;
use yew::{
    AttrValue, Callback, Html, Properties, UseReducerHandle, UseStateHandle, component, html,
    use_effect_with, use_mut_ref, use_reducer, use_state,
};
use yew_router::prelude::Link;

mod editor;
mod pay;
mod whereabouts;

/// Which order the page shows, and how it was reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A tracking link: followed live with its token.
    Token(String),
    /// The shop's staff editing an order by its id (no live stream: staff have no token).
    Id(i64),
}

/// Props of [`Track`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The order.
    pub target: Target,
}

type State = UseReducerHandle<TrackState>;

/// What the page tells the customer after an action, besides the order itself.
#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Info(&'static str),
    Error(String),
}

/// How a load ended.
enum Loaded {
    /// Follow the stream from this sequence.
    Since(i64),
    /// No answer: follow the stream from a snapshot.
    Failed,
    /// No such order: nothing to follow.
    Unknown,
}

/// Loads (or reloads) the order.
async fn load(target: &Target, state: &State) -> Loaded {
    let answer = match target {
        Target::Token(token) => api::get::<TrackedOrder>(&format!("/api/v1/track/{token}")).await,
        Target::Id(id) => api::get::<Order>(&format!("/api/v1/orders/{id}"))
            .await
            .map(|order| TrackedOrder {
                order,
                stream_seq: 0,
                driver_position: None,
                account: false,
                timezone: None,
            }),
    };
    match answer {
        Ok(tracked) => {
            let seq = tracked.stream_seq;
            state.dispatch(TrackAction::Loaded(Box::new(tracked)));
            Loaded::Since(seq)
        }
        Err(ApiFailure::Server(404, _)) => {
            state.dispatch(TrackAction::Failed(true));
            Loaded::Unknown
        }
        Err(ApiFailure::Server(410, _)) => {
            state.dispatch(TrackAction::Expired);
            Loaded::Unknown
        }
        Err(_) => {
            state.dispatch(TrackAction::Failed(false));
            Loaded::Failed
        }
    }
}

/// Handles a refused edit or cancellation: a changed or started order is reloaded and the
/// customer told why; anything else is shown as is.
async fn refused(target: &Target, state: &State, failure: ApiFailure, lang: Lang) -> Notice {
    let t = lang.texts();
    match failure.body().map(|b| b.error.code) {
        Some(ErrorCode::StaleVersion) => {
            load(target, state).await;
            Notice::Info(t.stale)
        }
        Some(ErrorCode::InvalidTransition) => {
            load(target, state).await;
            Notice::Info(t.too_late)
        }
        _ => Notice::Error(lang.failure(&failure)),
    }
}

/// Follows the order of `token` live: loads it, then subscribes from the load's sequence.
fn follow(token: String, state: State) -> Live {
    let on_message = {
        let state = state.clone();
        Callback::from(move |msg| state.dispatch(TrackAction::Server(Box::new(msg))))
    };
    let on_state = {
        let state = state.clone();
        Callback::from(move |c| state.dispatch(TrackAction::Connection(c)))
    };
    let live = Live::connect(on_message, on_state);
    let subscriber = live.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let stream = Stream::Order(token.clone()).to_string();
        match load(&Target::Token(token), &state).await {
            Loaded::Since(seq) => subscriber.subscribe(&stream, Some(seq)),
            // Without a load the server sends a snapshot first.
            Loaded::Failed => subscriber.subscribe(&stream, None),
            Loaded::Unknown => subscriber.stop(),
        }
    });
    live
}

/// The tracking page.
#[component]
pub fn Track(props: &Props) -> Html {
    let session = use_session();
    let lang = session.lang;
    let t = lang.texts();
    let state = use_reducer(TrackState::default);
    let draft = use_state(|| None::<EditDraft>);
    let edit_errors = use_state(FormErrors::default);
    let confirming = use_state(|| false);
    let busy = use_state(|| false);
    let notice = use_state(|| None::<Notice>);
    let cancel_key = use_mut_ref(String::new);
    {
        let state = state.clone();
        use_effect_with(props.target.clone(), move |target| {
            let live = match target {
                Target::Token(token) => Some(follow(token.clone(), state)),
                Target::Id(_) => {
                    let target = target.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        load(&target, &state).await;
                    });
                    None
                }
            };
            move || {
                if let Some(live) = live {
                    live.stop();
                }
            }
        });
    }
    let status = state.order.as_ref().map(|o| o.status);
    {
        let (draft, confirming, notice) = (draft.clone(), confirming.clone(), notice.clone());
        use_effect_with(status, move |status| {
            let open = draft.is_some() || *confirming;
            if open && status.is_some_and(|s| s != OrderStatus::Placed) {
                draft.set(None);
                confirming.set(false);
                notice.set(Some(Notice::Info(t.too_late)));
            }
        });
    }
    let Some(order) = &state.order else {
        let text = if state.missing == Some(Missing::Expired) {
            t.tracking_expired
        } else if state.missing == Some(Missing::Unknown) {
            t.order_not_found
        } else if state.failed {
            t.load_failed
        } else {
            t.loading
        };
        return html! { <section class="page"><p aria-busy={(!state.failed).then_some("true")}>{ text }</p></section> };
    };
    let placed = order.status == OrderStatus::Placed;
    let staff = matches!(props.target, Target::Id(_));
    // A guest's order is changed with its token; an account's, and staff, go by its id.
    let path = match (&props.target, state.account) {
        (Target::Token(token), false) => format!("/api/v1/track/{token}"),
        _ => format!("/api/v1/orders/{}", order.id),
    };
    let may_change = !state.account || session.me.is_some();
    let awaiting = order.status == OrderStatus::AwaitingPayment
        && order.payment_method == ocpizza_proto::PaymentMethod::Online;
    let reload = {
        let (target, state) = (props.target.clone(), state.clone());
        Callback::from(move |()| {
            let (target, state) = (target.clone(), state.clone());
            wasm_bindgen_futures::spawn_local(async move {
                load(&target, &state).await;
            });
        })
    };
    let actions = Actions {
        target: props.target.clone(),
        path,
        staff,
        state: state.clone(),
        draft: draft.clone(),
        edit_errors: edit_errors.clone(),
        confirming: confirming.clone(),
        busy: busy.clone(),
        notice: notice.clone(),
        cancel_key: cancel_key.clone(),
        lang,
    };
    html! {
        <section class="page track">
            <div class="page-head">
                <h1>{ format!("{} {}", t.order_no, order.id) }</h1>
                if !staff {
                    <ConnectionBadge state={state.connection} />
                }
            </div>
            <p class={format!("status status--{}", order.status.as_str())} data-testid="order-status"
               data-status={order.status.as_str()} role="status" aria-live="polite">
                { lang.status(order.status) }
            </p>
            <OrderEstimate order={order.clone()} timezone={state.timezone.clone().map(AttrValue::from)} />
            if placed && !staff {
                <OrderThanks fulfilment={order.fulfilment} {may_change} />
            }
            if let (false, Target::Token(token)) = (order.status.is_terminal(), &props.target) {
                <PushButton target={PushTarget::Order(token.clone())} />
            }
            { final_message(lang, order) }
            { stages(lang, order) }
            if let (OrderStatus::OutForDelivery, Some(position)) = (order.status, &state.driver_position) {
                <whereabouts::Whereabouts position={position.clone()} />
            }
            { match &*notice {
                Some(Notice::Info(text)) => html! { <p class="notice" role="status">{ *text }</p> },
                Some(Notice::Error(text)) => html! {
                    <p class="error form-error" role="alert" data-testid="form-error">{ text }</p>
                },
                None => html! {},
            } }
            if let (true, Target::Token(token)) = (awaiting, &props.target) {
                <pay::OnlinePayment token={token.clone()} order={order.clone()} path={actions.path.clone()}
                                    {lang} on_changed={reload} />
            }
            if let (true, Some(d)) = (placed, &*draft) {
                <editor::Editor draft={d.clone()} errors={(*edit_errors).clone()} busy={*busy}
                                fulfilment={order.fulfilment}
                                on_change={actions.change_draft()} on_save={actions.save()}
                                on_discard={actions.discard()} />
            } else {
                { details(lang, order) }
                if placed && may_change {
                    { actions.buttons(order) }
                } else if placed {
                    <p class="hint" data-testid="log-in-to-change">{ t.log_in_to_change }</p>
                }
            }
            if staff {
                <Link<Route> to={Route::Counter} classes="button">{ t.back_to_counter }</Link<Route>>
            } else {
                <p class="hint">{ t.share_hint }</p>
            }
        </section>
    }
}

/// The handles the edit and cancel buttons work with.
struct Actions {
    /// How the order was reached (to reload it).
    target: Target,
    /// Where its changes go: `PATCH` it, `POST` to `{path}/cancel`.
    path: String,
    /// Staff editing by id: they cancel from the counter, with a reason.
    staff: bool,
    state: State,
    draft: UseStateHandle<Option<EditDraft>>,
    edit_errors: UseStateHandle<FormErrors>,
    confirming: UseStateHandle<bool>,
    busy: UseStateHandle<bool>,
    notice: UseStateHandle<Option<Notice>>,
    /// The `Idempotency-Key` of the cancellation being confirmed.
    cancel_key: Rc<RefCell<String>>,
    lang: Lang,
}

impl Actions {
    fn change_draft(&self) -> Callback<EditDraft> {
        let draft = self.draft.clone();
        Callback::from(move |d| draft.set(Some(d)))
    }

    fn discard(&self) -> Callback<()> {
        let (draft, errors) = (self.draft.clone(), self.edit_errors.clone());
        Callback::from(move |()| {
            draft.set(None);
            errors.set(FormErrors::default());
        })
    }

    fn save(&self) -> Callback<()> {
        let (target, path, state, draft, errors, busy, notice, lang) = (
            self.target.clone(),
            self.path.clone(),
            self.state.clone(),
            self.draft.clone(),
            self.edit_errors.clone(),
            self.busy.clone(),
            self.notice.clone(),
            self.lang,
        );
        let t = lang.texts();
        Callback::from(move |()| {
            let Some(request) = draft.as_ref().map(EditDraft::to_request) else {
                return;
            };
            if *busy {
                return;
            }
            busy.set(true);
            let (target, path, state, draft, errors, busy, notice) = (
                target.clone(),
                path.clone(),
                state.clone(),
                draft.clone(),
                errors.clone(),
                busy.clone(),
                notice.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch::<_, Order>(&path, &request).await {
                    Ok(order) => {
                        state.dispatch(TrackAction::Changed(Box::new(order)));
                        draft.set(None);
                        errors.set(FormErrors::default());
                        notice.set(Some(Notice::Info(t.saved)));
                    }
                    Err(ApiFailure::Server(422, body)) => {
                        errors.set(FormErrors::from_body(&body, lang));
                    }
                    Err(failure) => {
                        let told = refused(&target, &state, failure, lang).await;
                        if matches!(told, Notice::Info(_)) {
                            draft.set(None);
                            errors.set(FormErrors::default());
                        }
                        notice.set(Some(told));
                    }
                }
                busy.set(false);
            });
        })
    }

    fn cancel(&self, version: i64) -> Callback<yew::MouseEvent> {
        let (target, path, state, confirming, busy, notice, lang) = (
            self.target.clone(),
            self.path.clone(),
            self.state.clone(),
            self.confirming.clone(),
            self.busy.clone(),
            self.notice.clone(),
            self.lang,
        );
        let key = self.cancel_key.borrow().clone();
        Callback::from(move |_| {
            if *busy {
                return;
            }
            busy.set(true);
            let (target, path, state, confirming, busy, notice, key) = (
                target.clone(),
                path.clone(),
                state.clone(),
                confirming.clone(),
                busy.clone(),
                notice.clone(),
                key.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let request = CancelRequest {
                    version: Some(version),
                    reason: None,
                };
                let path = format!("{path}/cancel");
                let headers = [("Idempotency-Key", key.as_str())];
                match api::post_with_headers::<_, Order>(&path, &request, &headers).await {
                    Ok(order) => {
                        state.dispatch(TrackAction::Changed(Box::new(order)));
                        notice.set(None);
                    }
                    Err(failure) => notice.set(Some(refused(&target, &state, failure, lang).await)),
                }
                confirming.set(false);
                busy.set(false);
            });
        })
    }

    fn buttons(&self, order: &Order) -> Html {
        let t = self.lang.texts();
        if *self.confirming {
            let keep = {
                let confirming = self.confirming.clone();
                Callback::from(move |_| confirming.set(false))
            };
            return html! {
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-cancel">
                    <p id="confirm-cancel">{ t.confirm_cancel }</p>
                    <div class="actions">
                        <button type="button" class="button button--danger" disabled={*self.busy}
                                onclick={self.cancel(order.version)} data-testid="cancel-confirm">
                            { t.yes_cancel }
                        </button>
                        <button type="button" class="button" onclick={keep} data-testid="cancel-keep">
                            { t.keep_order }
                        </button>
                    </div>
                </div>
            };
        }
        let edit = {
            let (draft, notice, order) = (self.draft.clone(), self.notice.clone(), order.clone());
            Callback::from(move |_| {
                notice.set(None);
                draft.set(Some(EditDraft::from_order(&order)));
            })
        };
        let ask = {
            let (confirming, notice, key) = (
                self.confirming.clone(),
                self.notice.clone(),
                self.cancel_key.clone(),
            );
            Callback::from(move |_| {
                // One key per confirmation: a double click or a retry cannot cancel twice.
                *key.borrow_mut() = api::new_idempotency_key();
                notice.set(None);
                confirming.set(true);
            })
        };
        html! {
            <div class="actions">
                <button type="button" class="button" onclick={edit} data-testid="edit-order">
                    { t.edit_order }
                </button>
                if !self.staff {
                    <button type="button" class="button button--danger" onclick={ask} data-testid="cancel-order">
                        { t.cancel_order }
                    </button>
                }
            </div>
        }
    }
}

/// `HH:MM` in the interface's language and the browser's time zone.
fn clock(at: Timestamp, lang: Lang) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.as_millisecond() as f64));
    let options = js_sys::Object::new();
    let two = wasm_bindgen::JsValue::from_str("2-digit");
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &two);
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &two);
    date.to_locale_time_string_with_options(lang.code(), &options)
        .into()
}

/// The path of the order with the time each stage was reached.
fn stages(lang: Lang, order: &Order) -> Html {
    use OrderStatus as S;
    let times = &order.times;
    let mut path = vec![
        (S::Placed, times.placed_at),
        (S::Preparing, times.preparing_at),
        (S::Ready, times.ready_at),
    ];
    match order.fulfilment {
        Fulfilment::Delivery => {
            path.push((S::OutForDelivery, times.out_for_delivery_at));
            if order.status == S::DeliveryFailed {
                path.push((S::DeliveryFailed, times.delivery_failed_at));
            } else {
                path.push((S::Delivered, times.delivered_at));
            }
        }
        Fulfilment::Pickup => path.push((S::Collected, times.collected_at)),
    }
    if order.status == S::Cancelled {
        path.retain(|(_, at)| at.is_some());
        path.push((S::Cancelled, times.cancelled_at));
    }
    html! {
        <ol class="stages" aria-label={lang.texts().progress}>
            { for path.into_iter().map(|(stage, at)| {
                let current = stage == order.status;
                let class = match (current, at.is_some()) {
                    (true, _) => "stage stage--current",
                    (false, true) => "stage stage--done",
                    (false, false) => "stage",
                };
                html! {
                    <li {class} aria-current={current.then_some("step")} data-stage={stage.as_str()}>
                        <span class="stage-label">{ lang.status(stage) }</span>
                        if let Some(at) = at {
                            <time datetime={at.to_string()}>{ clock(at, lang) }</time>
                        }
                    </li>
                }
            }) }
        </ol>
    }
}

/// What was ordered, the total, payment and where it goes.
fn details(lang: Lang, order: &Order) -> Html {
    let t = lang.texts();
    html! {
        <section class="order-details" aria-labelledby="order-lines">
            <h2 id="order-lines">{ t.your_order }</h2>
            <ul class="summary-lines">
                { for order.lines.iter().map(|l| html! {
                    <li>
                        <div class="cart-line-head">
                            <span>{ format!("{} × {} · {}", l.quantity, l.pizza_name, lang.size(&l.size)) }</span>
                            <span class="price">{ l.total.to_string() }</span>
                        </div>
                        if !l.extras.is_empty() {
                            <p class="muted">{ format!("+ {}", l.extras.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")) }</p>
                        }
                        if let Some(note) = &l.note {
                            <p class="muted">{ format!("« {note} »") }</p>
                        }
                    </li>
                }) }
            </ul>
            <p class="total"><span>{ t.total }</span><strong>{ order.total.to_string() }</strong></p>
            <dl class="facts">
                <dt>{ t.payment }</dt>
                <dd data-testid="payment-status" data-payment={order.payment_status.as_str()}
                    data-method={order.payment_method.as_str()}>
                    { if order.payment_method == ocpizza_proto::PaymentMethod::Online {
                        lang.payment_status_online(order.payment_status).to_owned()
                    } else {
                        format!("{} — {}", lang.payment(order.payment_method), lang.payment_status(order.payment_status))
                    } }
                </dd>
                if let Some(a) = &order.address {
                    <dt>{ t.address }</dt>
                    <dd>{ format!("{}, {} {}", a.street, a.postcode, a.city) }
                        { a.instructions.as_ref().map(|i| format!(" ({i})")).unwrap_or_default() }</dd>
                } else {
                    <dt>{ t.fulfilment }</dt>
                    <dd>{ t.pickup }</dd>
                }
                if let Some(note) = &order.note {
                    <dt>{ t.note }</dt>
                    <dd>{ note }</dd>
                }
                if let Some(driver) = &order.driver {
                    <dt>{ t.driver }</dt>
                    <dd>{ &driver.name }</dd>
                }
            </dl>
        </section>
    }
}

/// The closing words of a finished order.
fn final_message(lang: Lang, order: &Order) -> Html {
    let t = lang.texts();
    match order.status {
        OrderStatus::Cancelled => html! {
            <div class="final final--cancelled">
                <p><strong>{ t.cancelled_final }</strong></p>
                if let Some(reason) = &order.cancel_reason {
                    <p>{ format!("{} {reason}", t.reason) }</p>
                }
            </div>
        },
        OrderStatus::Delivered | OrderStatus::Collected => html! {
            <p class="final final--done"><strong>{ t.done_final }</strong></p>
        },
        OrderStatus::DeliveryFailed => html! {
            <p class="final final--cancelled"><strong>{ t.failed_final }</strong></p>
        },
        _ => html! {},
    }
}
