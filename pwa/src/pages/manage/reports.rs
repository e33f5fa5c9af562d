//! The reports page (`/manage/reports`): a period (day, week, month) and a date, a shop for
//! administrators (and managers of several shops), then for each shop its summary, sales by
//! channel and payment method, time per stage, pizzas sold, stock losses, and two charts drawn
//! in inline SVG: the time per stage day by day (stacked bars) and the orders per hour. Every
//! table has its CSV link.

use super::Access;
use crate::components::use_session;
use crate::i18n::Lang;
use crate::services::api;
use crate::state::reports::{Bar, CHART_H, CHART_STAGES, CHART_W, Choice, day_bars, hour_bars};
use ocpizza_proto::api::reports::{Period, Report, ShopReport};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::{PaymentMethod, ShopId};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::{Callback, Html, Properties, TargetCast, component, html, use_effect_with, use_state};

/// `?shop=N` of the address, if any (the link from a shop's pages).
fn shop_in_address() -> Option<i64> {
    let search = gloo::utils::window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("shop="))
        .and_then(|v| v.parse().ok())
}

/// The page: checks who is there, then shows the reports.
#[component]
pub fn ReportsPage() -> Html {
    let session = use_session();
    let access = Access::of(&session, None);
    if let Some(refusal) = access.refusal(session.lang, "/manage/reports") {
        return refusal;
    }
    let (admin, shops) = match access {
        Access::Granted { admin, shops } => (admin, shops),
        _ => (false, Vec::new()),
    };
    html! { <Reports lang={session.lang} {admin} managed={shops} /> }
}

/// Props of [`Reports`].
#[derive(Debug, Properties, PartialEq)]
struct ReportsProps {
    lang: Lang,
    admin: bool,
    managed: Vec<ShopId>,
}

/// The choices, then the report.
#[component]
fn Reports(props: &ReportsProps) -> Html {
    let (lang, t) = (props.lang, props.lang.reports());
    let choice = use_state(|| Choice {
        shop: shop_in_address(),
        ..Choice::default()
    });
    let report = use_state(|| None::<Result<Report, String>>);
    let shops = use_state(Vec::<Shop>::new);
    {
        let (shops, admin, managed) = (shops.clone(), props.admin, props.managed.clone());
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api::get::<Vec<Shop>>("/api/v1/shops").await {
                    shops.set(
                        list.into_iter()
                            .filter(|s| admin || managed.contains(&s.id))
                            .collect(),
                    );
                }
            });
        });
    }
    {
        let report = report.clone();
        use_effect_with((*choice).clone(), move |choice| {
            report.set(None);
            let path = choice.path();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::get::<Report>(&path)
                    .await
                    .map_err(|e| Lang::of_document().failure(&e));
                report.set(Some(answer));
            });
        });
    }
    let on_period = {
        let choice = choice.clone();
        Callback::from(move |e: yew::Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(period) = Period::parse(&value) {
                choice.set(Choice {
                    period,
                    ..(*choice).clone()
                });
            }
        })
    };
    let on_date = {
        let choice = choice.clone();
        Callback::from(move |e: yew::Event| {
            choice.set(Choice {
                date: e.target_unchecked_into::<HtmlInputElement>().value(),
                ..(*choice).clone()
            });
        })
    };
    let on_shop = {
        let choice = choice.clone();
        Callback::from(move |e: yew::Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            choice.set(Choice {
                shop: value.parse().ok(),
                ..(*choice).clone()
            });
        })
    };
    let pick_shop = props.admin || props.managed.len() > 1;
    let body = match &*report {
        None => html! { <p aria-busy="true">{ lang.texts().loading }</p> },
        Some(Err(message)) => {
            html! { <p class="error" role="alert" data-testid="reports-error">{ message }</p> }
        }
        Some(Ok(report)) => html! {
            <>
                { for report.shops.iter().map(|s| html! {
                    <ShopSection key={s.shop_id.0} report={s.clone()} choice={Choice { shop: Some(s.shop_id.0), ..(*choice).clone() }} {lang} />
                }) }
            </>
        },
    };
    html! {
        <section class="page manage reports" aria-labelledby="reports-title">
            <nav class="manage-nav" aria-label={lang.manage().nav}>
                <a class="button" href="/manage">{ lang.manage().back }</a>
            </nav>
            <h1 id="reports-title">{ t.title }</h1>
            <form class="report-choice" onsubmit={Callback::from(|e: yew::SubmitEvent| e.prevent_default())}>
                <label class="field">
                    <span>{ t.period }</span>
                    <select onchange={on_period} data-testid="report-period">
                        { for Period::ALL.iter().map(|p| html! {
                            <option value={p.as_str()} selected={*p == choice.period}>{ lang.period(*p) }</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span>{ t.date }</span>
                    <input type="date" value={choice.date.clone()} onchange={on_date} data-testid="report-date" />
                </label>
                if pick_shop {
                    <label class="field">
                        <span>{ t.shop }</span>
                        <select onchange={on_shop} data-testid="report-shop">
                            <option value="" selected={choice.shop.is_none()}>{ t.all_shops }</option>
                            { for shops.iter().map(|s| html! {
                                <option value={s.id.0.to_string()} selected={choice.shop == Some(s.id.0)}>{ &s.name }</option>
                            }) }
                        </select>
                    </label>
                }
            </form>
            { body }
        </section>
    }
}

/// Props of [`ShopSection`].
#[derive(Debug, Properties, PartialEq)]
struct SectionProps {
    report: ShopReport,
    choice: Choice,
    lang: Lang,
}

/// A CSV link for one table.
fn csv_link(choice: &Choice, table: &str, lang: Lang, shop: i64) -> Html {
    html! {
        <a class="csv-link" href={choice.csv(table)} download="" data-testid={format!("csv-{table}-{shop}")}>
            { lang.reports().csv }
        </a>
    }
}

/// A section heading with its CSV link.
fn heading(title: &str, choice: &Choice, table: &str, lang: Lang, shop: i64) -> Html {
    html! {
        <div class="report-head">
            <h3>{ title.to_owned() }</h3>
            { csv_link(choice, table, lang, shop) }
        </div>
    }
}

/// One shop's report.
#[component]
fn ShopSection(props: &SectionProps) -> Html {
    let (lang, r, c) = (props.lang, &props.report, &props.choice);
    let t = lang.reports();
    let id = r.shop_id.0;
    let s = &r.summary;
    let range = t
        .from_to
        .replace("{first}", &r.first_day.to_string())
        .replace("{last}", &r.last_day.to_string());
    let payment_name = |key: &str| {
        PaymentMethod::parse(key).map_or_else(|| key.to_owned(), |m| lang.payment(m).to_owned())
    };
    html! {
        <article class="card report" data-testid={format!("report-{id}")} aria-labelledby={format!("report-{id}-name")}>
            <h2 id={format!("report-{id}-name")}>{ &r.name }<small class="muted">{ format!(" — {range}") }</small></h2>
            { heading(t.summary, c, "summary", lang, id) }
            <dl class="figures">
                <div class="figure"><dt>{ t.orders }</dt><dd data-testid={format!("report-orders-{id}")}>{ s.orders }</dd></div>
                <div class="figure"><dt>{ t.revenue }</dt><dd data-testid={format!("report-revenue-{id}")}>{ s.revenue.to_string() }</dd></div>
                <div class="figure"><dt>{ t.average_basket }</dt><dd>{ s.average_basket.to_string() }</dd></div>
                <div class="figure"><dt>{ t.cancelled }</dt><dd>{ s.cancelled }</dd></div>
                <div class={if s.late_orders > 0 { "figure figure--late" } else { "figure" }}>
                    <dt>{ t.late_orders }</dt><dd data-testid={format!("report-late-{id}")}>{ s.late_orders }</dd>
                </div>
                <div class="figure"><dt>{ t.pizzas_sold }</dt><dd>{ s.pizzas }</dd></div>
            </dl>
            if s.orders == 0 {
                <p class="muted">{ t.no_orders }</p>
            }
            <div class="report-grid">
                <section>
                    { heading(t.by_channel, c, "channels", lang, id) }
                    { sales_table(t.channel, r.channels.iter().map(|row| (lang.channel(&row.key), row.orders, row.revenue)), lang) }
                </section>
                <section>
                    { heading(t.by_payment, c, "payments", lang, id) }
                    { sales_table(t.payment, r.payments.iter().map(|row| (payment_name(&row.key), row.orders, row.revenue)), lang) }
                </section>
            </div>
            { heading(t.stages, c, "stages", lang, id) }
            <div class="table-wrap">
                <table class="report-table" data-testid={format!("report-stages-{id}")}>
                    <thead><tr>
                        <th scope="col">{ t.stage }</th><th scope="col">{ t.orders }</th>
                        <th scope="col">{ t.mean }</th><th scope="col">{ t.p90 }</th><th scope="col">{ t.late }</th>
                    </tr></thead>
                    <tbody>
                        { for r.stages.iter().map(|st| html! {
                            <tr data-stage={st.stage.as_str()}>
                                <th scope="row">{ lang.stage(st.stage) }</th>
                                <td>{ st.orders }</td>
                                <td>{ lang.duration(st.mean_s) }</td>
                                <td>{ lang.duration(st.p90_s) }</td>
                                <td>{ st.late }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            { heading(t.days, c, "days", lang, id) }
            <DaysChart report={r.clone()} {lang} />
            { heading(t.hours, c, "hours", lang, id) }
            <HoursChart report={r.clone()} {lang} />
            <div class="report-grid">
                <section>
                    { heading(t.pizzas_sold, c, "pizzas", lang, id) }
                    <div class="table-wrap">
                        <table class="report-table">
                            <thead><tr>
                                <th scope="col">{ t.pizza }</th><th scope="col">{ t.size }</th>
                                <th scope="col">{ t.quantity }</th><th scope="col">{ t.revenue }</th>
                            </tr></thead>
                            <tbody>
                                { for r.pizzas.iter().map(|p| html! {
                                    <tr>
                                        <th scope="row">{ &p.pizza }</th><td>{ lang.size(&p.size) }</td>
                                        <td>{ p.quantity }</td><td>{ p.revenue.to_string() }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                </section>
                <section>
                    { heading(t.stock, c, "stock", lang, id) }
                    if r.stock.is_empty() {
                        <p class="muted">{ t.no_losses }</p>
                    } else {
                        <div class="table-wrap">
                            <table class="report-table">
                                <thead><tr>
                                    <th scope="col">{ t.ingredient }</th><th scope="col">{ t.waste }</th>
                                    <th scope="col">{ t.corrections }</th>
                                </tr></thead>
                                <tbody>
                                    { for r.stock.iter().map(|row| html! {
                                        <tr>
                                            <th scope="row">{ &row.name }</th>
                                            <td>{ format!("{} {} ({}×)", row.waste, row.unit, row.waste_count) }</td>
                                            <td>{ format!("{:+} {} ({}×)", row.correction, row.unit, row.correction_count) }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    }
                </section>
            </div>
        </article>
    }
}

/// A table of orders and revenue per key.
fn sales_table(
    title: &str,
    rows: impl Iterator<Item = (String, i64, ocpizza_proto::Money)>,
    lang: Lang,
) -> Html {
    let t = lang.reports();
    html! {
        <div class="table-wrap">
            <table class="report-table">
                <thead><tr>
                    <th scope="col">{ title.to_owned() }</th><th scope="col">{ t.orders }</th><th scope="col">{ t.revenue }</th>
                </tr></thead>
                <tbody>
                    { for rows.map(|(name, orders, revenue)| html! {
                        <tr><th scope="row">{ name }</th><td>{ orders }</td><td>{ revenue.to_string() }</td></tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// Props of the charts.
#[derive(Debug, Properties, PartialEq)]
struct ChartProps {
    report: ShopReport,
    lang: Lang,
}

/// Margins around a chart's drawing area: room for the axis labels.
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 22.0;

/// Labels under `n` evenly spaced columns, one every `every`.
fn column_labels(n: usize, every: usize, label: impl Fn(usize) -> String) -> Vec<(f64, String)> {
    let slot = CHART_W / n.max(1) as f64;
    (0..n)
        .step_by(every.max(1))
        .map(|i| ((i as f64 + 0.5) * slot, label(i)))
        .collect()
}

/// The frame of a chart: the axis with its top value, the bars, the columns' labels.
fn chart(
    title: &str,
    testid: String,
    (bars, top): (&[Bar], f64),
    labelled: &[(f64, String)],
    tooltip: impl Fn(&Bar) -> String,
) -> Html {
    let view = format!("0 0 {} {}", CHART_W + LEFT + 4.0, CHART_H + BOTTOM + 8.0);
    html! {
        <figure class="chart">
            <svg viewBox={view} role="img" aria-label={title.to_owned()} data-testid={testid}>
                <g transform={format!("translate({LEFT} 4)")}>
                    <line class="axis" x1="0" y1={CHART_H.to_string()} x2={CHART_W.to_string()} y2={CHART_H.to_string()} />
                    <line class="axis" x1="0" y1="0" x2="0" y2={CHART_H.to_string()} />
                    <text class="tick" x="-4" y="10" text-anchor="end">{ format!("{top}") }</text>
                    <text class="tick" x="-4" y={CHART_H.to_string()} text-anchor="end">{ "0" }</text>
                    { for bars.iter().map(|b| html! {
                        <rect class={format!("bar bar--{}", b.stage.map_or("orders", |s| s.as_str()))}
                              x={format!("{:.1}", b.x)} y={format!("{:.1}", b.y)}
                              width={format!("{:.1}", b.w)} height={format!("{:.1}", b.h)}>
                            <title>{ tooltip(b) }</title>
                        </rect>
                    }) }
                    { for labelled.iter().map(|(x, label)| html! {
                        <text class="tick" x={format!("{x:.1}")} y={(CHART_H + 16.0).to_string()} text-anchor="middle">{ label }</text>
                    }) }
                </g>
            </svg>
            <figcaption>{ title.to_owned() }</figcaption>
        </figure>
    }
}

/// The time per stage, day by day, as stacked bars (minutes).
#[component]
fn DaysChart(props: &ChartProps) -> Html {
    let (lang, t) = (props.lang, props.lang.reports());
    let days = &props.report.days;
    let (bars, top) = day_bars(days);
    let id = props.report.shop_id.0;
    let labels = column_labels(days.len(), 1, |i| days[i].day.day().to_string());
    html! {
        <>
            { chart(t.days_chart, format!("chart-days-{id}"), (&bars, top), &labels, |b| {
                let stage = b.stage.map_or("", |s| lang.stage(s));
                format!("{} — {stage} : {:.1} min", b.label, b.value)
            }) }
            <ul class="chart-legend">
                { for CHART_STAGES.iter().map(|s| html! {
                    <li><span class={format!("swatch bar--{}", s.as_str())}></span>{ lang.stage(*s) }</li>
                }) }
            </ul>
        </>
    }
}

/// The orders per hour of the day, as bars.
#[component]
fn HoursChart(props: &ChartProps) -> Html {
    let (lang, t) = (props.lang, props.lang.reports());
    let (bars, top) = hour_bars(&props.report.hours);
    let id = props.report.shop_id.0;
    let labels = column_labels(props.report.hours.len(), 3, |i| format!("{i} h"));
    html! {
        <>
            { chart(t.hours_chart, format!("chart-hours-{id}"), (&bars, top), &labels, |b| {
                format!("{} {} h : {} {}", t.hour, b.label, b.value, lang.reports().orders.to_lowercase())
            }) }
        </>
    }
}
