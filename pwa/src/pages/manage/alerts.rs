//! A shop card's alerts on the dashboard: each ingredient below its low-stock threshold (with
//! a link to restock it) and each stage with late orders. The list is a polite live region:
//! a screen reader announces an alert when it appears.

use crate::components::{Icon, IconKind};
use crate::i18n::Lang;
use crate::state::dashboard::ShopCard;
use yew::{Html, Properties, component, html};

/// Props of [`Alerts`].
#[derive(Debug, Properties, PartialEq)]
pub struct AlertsProps {
    /// The shop's card.
    pub card: ShopCard,
    /// The board's clock.
    pub now_ms: f64,
    /// Language.
    pub lang: Lang,
}

/// The card's alerts, nothing when there are none.
#[component]
pub fn Alerts(props: &AlertsProps) -> Html {
    let (t, lang) = (props.lang.alerts(), props.lang);
    let card = &props.card;
    let id = card.shop_id.0;
    let low = card.low();
    let late = card.late_by_stage(props.now_ms);
    html! {
        <section class="alerts" aria-live="polite" aria-label={t.title} data-testid={format!("alerts-{id}")}>
            if !low.is_empty() || !late.is_empty() {
                <h3 class="alerts-title"><Icon kind={IconKind::Warning} />{ t.title }</h3>
                <ul class="alerts-list">
                    { for low.iter().map(|l| html! {
                        <li class="alert alert--stock" key={format!("stock-{}", l.ingredient_id.0)}
                            data-testid={format!("alert-stock-{id}-{}", l.ingredient_id.0)}>
                            <strong>{ format!("{} — ", t.low_stock) }</strong>
                            { lang.low_stock_line(l) }
                            { " " }
                            <a href={format!("/manage/shops/{id}/stock")}>{ t.restock }</a>
                        </li>
                    }) }
                    { for late.iter().map(|s| html! {
                        <li class="alert alert--late" key={format!("late-{}", s.status.as_str())}
                            data-testid={format!("alert-late-{id}-{}", s.status.as_str())}>
                            { lang.late_stage_line(s.status, s.orders, s.minutes) }
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}
