//! A shop's cash for the day (`/manage/shops/{id}/cash`): what each driver collected on each
//! delivery paid on delivery and the total each must hand in, for the end-of-shift count, and
//! the hand-over the manager records (or corrects) per driver. The page follows the managers'
//! live stream: a hand-over recorded on another screen, or a delivery, reloads the report.

use super::shop_nav;
use crate::components::cash_handover::CashHandoverForm;
use crate::components::shop_hours::use_refresh_at;
use crate::i18n::Lang;
use crate::services::api;
use crate::services::live::Live;
use ocpizza_proto::api::driver::ShopCashReport;
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::ws::ServerMsg;
use ocpizza_proto::{OrderStatus, ShopId};
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, Properties, TargetCast, component, html, use_effect_with, use_mut_ref,
    use_state,
};

/// Props of [`CashScreen`].
#[derive(Debug, Properties, PartialEq)]
pub struct ScreenProps {
    /// Shop id.
    pub shop: i64,
    /// Interface language.
    pub lang: Lang,
}

/// The screen, once access is granted (see [`super::ShopPage`]).
#[component]
pub fn CashScreen(props: &ScreenProps) -> Html {
    let (lang, shop) = (props.lang, props.shop);
    let (m, r) = (lang.manage(), lang.road());
    let date = use_state(String::new);
    let report = use_state(|| None::<Result<ShopCashReport, String>>);
    let generation = use_state(|| 0_u32);
    // Every reload asks for a new generation; callbacks kept by the live connection would
    // otherwise read a stale one.
    let counter = use_mut_ref(|| 0_u32);
    let reload = {
        let (generation, counter) = (generation.clone(), counter.clone());
        Callback::from(move |()| {
            let mut n = counter.borrow_mut();
            *n += 1;
            generation.set(*n);
        })
    };
    {
        let report = report.clone();
        use_effect_with(
            (shop, (*date).clone(), *generation),
            move |(shop, date, _)| {
                let path = if date.is_empty() {
                    format!("/api/v1/shops/{shop}/cash")
                } else {
                    format!("/api/v1/shops/{shop}/cash?date={date}")
                };
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = api::get::<ShopCashReport>(&path)
                        .await
                        .map_err(|e| crate::i18n::Lang::of_document().failure(&e));
                    report.set(Some(answer));
                });
            },
        );
    }
    // A hand-over recorded elsewhere, or a delivery of the shop, changes the figures.
    {
        let reload = reload.clone();
        use_effect_with(shop, move |&shop| {
            let on_message = Callback::from(move |msg: ServerMsg| {
                let ServerMsg::Event { event, .. } = msg else {
                    return;
                };
                let concerns = match event {
                    Event::CashHandedOver { shop_id, .. } => shop_id.0 == shop,
                    Event::OrderStatusChanged {
                        shop_id, status, ..
                    } => shop_id.0 == shop && status == OrderStatus::Delivered,
                    _ => false,
                };
                if concerns {
                    reload.emit(());
                }
            });
            let live = Live::connect(on_message, Callback::from(|_| ()));
            live.subscribe(&Stream::GroupOrders.to_string(), None);
            move || live.stop()
        });
    }
    // Today's cash (no date chosen) starts again at the shop's midnight.
    let day_ends = match &*report {
        Some(Ok(r)) if date.is_empty() => Some(r.day_ends_at.as_millisecond()),
        _ => None,
    };
    use_refresh_at(day_ends, reload.clone());
    let on_date = {
        let date = date.clone();
        Callback::from(move |e: yew::Event| {
            date.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let body = match &*report {
        None => html! { <p aria-busy="true">{ lang.texts().loading }</p> },
        Some(Err(message)) => html! { <p class="error" role="alert">{ message }</p> },
        Some(Ok(report)) if report.drivers.is_empty() => {
            html! { <p class="muted">{ r.cash_none }</p> }
        }
        Some(Ok(report)) => html! {
            <>
                { for report.drivers.iter().map(|d| html! {
                    <section class="step" data-testid={format!("cash-driver-{}", d.driver.id.0)}>
                        <h2>{ &d.driver.name }</h2>
                        <ul class="cash-lines">
                            { for d.deliveries.iter().map(|line| html! {
                                <li>
                                    <span>{ format!("{} {}", r.order_no, line.order_id.0) }</span>
                                    <span>{ lang.payment(line.payment_method) }</span>
                                    <strong>{ line.cash_collected.map_or_else(|| "—".into(), |c| c.to_string()) }</strong>
                                </li>
                            }) }
                        </ul>
                        <p class="total"><span>{ r.cash_total }</span><strong>{ d.total_cash.to_string() }</strong></p>
                        <CashHandoverForm key={format!("{}-{}", d.driver.id.0, report.date)}
                            shop={shop} driver={d.driver.id} date={report.date.to_string()}
                            expected={d.total_cash} current={d.handover.clone()} lang={lang}
                            on_changed={reload.clone()} />
                    </section>
                }) }
                <p class="total" data-testid="shop-cash-total">
                    <span>{ m.cash_all }</span><strong>{ report.total_cash.to_string() }</strong>
                </p>
            </>
        },
    };
    html! {
        <section class="page narrow" aria-labelledby="cash-title">
            { shop_nav(ShopId(shop), m, "cash") }
            <h1 id="cash-title">{ r.cash_title }</h1>
            <label class="field">
                <span>{ m.cash_date }</span>
                <input type="date" value={(*date).clone()} onchange={on_date} data-testid="cash-date" />
            </label>
            { body }
        </section>
    }
}
