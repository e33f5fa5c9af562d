//! A shop's cash for the day (`/manage/shops/{id}/cash`): what each driver collected on each
//! delivery paid on delivery and the total each must hand in, for the end-of-shift count.

use super::shop_nav;
use crate::components::shop_hours::use_refresh_at;
use crate::i18n::Lang;
use crate::services::api;
use ocpizza_proto::ShopId;
use ocpizza_proto::api::driver::ShopCashReport;
use web_sys::HtmlInputElement;
use yew::{Callback, Html, Properties, TargetCast, component, html, use_effect_with, use_state};

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
    // Today's cash (no date chosen) starts again at the shop's midnight.
    let day_ends = match &*report {
        Some(Ok(r)) if date.is_empty() => Some(r.day_ends_at.as_millisecond()),
        _ => None,
    };
    use_refresh_at(day_ends, {
        let generation = generation.clone();
        Callback::from(move |()| generation.set(*generation + 1))
    });
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
