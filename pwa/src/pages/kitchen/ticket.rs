//! One ticket of the kitchen wall: its header (number, pickup or delivery, age), who ordered,
//! the lines (a tap opens the recipe card), the order's note, and the one action the cook has
//! now (start, ready, take the tap back, or acknowledge a cancellation).

use super::{Recipes, column_title, now_ms};
use crate::components::eta::LateFlag;
use crate::components::{Icon, IconKind};
use crate::i18n::{KitchenTexts, Lang};
use crate::state::kitchen::{Age, KitchenAction, NEW_MS, Ticket};
use ocpizza_proto::{Fulfilment, OrderId, OrderStatus};
use yew::{Callback, Html, html};

/// `m:ss`.
fn clock(ms: f64) -> String {
    let secs = (ms / 1000.0) as i64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

fn size_label(recipes: &Recipes, pizza: i64, code: &str) -> String {
    recipes
        .get(&pizza)
        .and_then(|r| r.sizes.iter().find(|s| s.code == code))
        .map_or_else(|| code.to_owned(), |s| s.label.clone())
}

/// What a ticket needs from the wall around it.
pub(super) struct View<'a> {
    pub lang: Lang,
    pub now: f64,
    pub recipes: &'a Recipes,
    pub act: &'a Callback<KitchenAction>,
    pub on_line: &'a Callback<(OrderId, usize)>,
}

fn classes(ticket: &Ticket, now: f64, age: Age) -> String {
    let mut classes = vec![
        "ticket",
        match age {
            Age::Fresh => "ticket--fresh",
            Age::Waiting => "ticket--waiting",
            Age::Late => "ticket--late",
        },
    ];
    if now - ticket.shown_ms < NEW_MS && ticket.order.status == OrderStatus::Placed {
        classes.push("ticket--new");
    }
    if ticket.edited {
        classes.push("ticket--edited");
    }
    if ticket.cancelled {
        classes.push("ticket--cancelled");
    }
    if ticket.pending.is_some() {
        classes.push("ticket--pending");
    }
    classes.join(" ")
}

/// A big button with an icon before its words.
fn big_button(
    class: &str,
    testid: String,
    icon: IconKind,
    label: &str,
    onclick: Callback<yew::MouseEvent>,
) -> Html {
    html! {
        <button type="button" class={format!("button big {class}")} data-testid={testid} {onclick}>
            <Icon kind={icon} />{ label }
        </button>
    }
}

/// The one thing the cook can do with the ticket now.
fn action(wall: &View<'_>, ticket: &Ticket) -> Html {
    let (t, k) = (wall.lang.texts(), wall.lang.kitchen());
    let order = &ticket.order;
    let id = order.id;
    let fire = |action: KitchenAction| {
        let act = wall.act.clone();
        Callback::from(move |_| act.emit(action.clone()))
    };
    let advance = {
        let act = wall.act.clone();
        Callback::from(move |_| act.emit(KitchenAction::Advance(id, now_ms())))
    };
    if ticket.cancelled {
        return html! {
            <button type="button" class="button big" data-testid={format!("dismiss-{}", id.0)}
                    onclick={fire(KitchenAction::Dismiss(id))}>{ t.dismiss }</button>
        };
    }
    if let Some(pending) = ticket.pending {
        if pending.sending {
            return html! { <span class="sending">{ t.sending }</span> };
        }
        // Undo names the column the ticket goes back to: it takes the tap back, it does not
        // cancel anything.
        let left = ((pending.due_ms - wall.now) / 1000.0).ceil().max(0.0);
        let label = format!("{} ({left:.0} s)", k.back_to(column_title(t, order.status)));
        return big_button(
            "undo",
            format!("undo-{}", id.0),
            IconKind::Undo,
            &label,
            fire(KitchenAction::Undo(id)),
        );
    }
    match order.status {
        OrderStatus::Placed => big_button(
            "go",
            format!("start-{}", id.0),
            IconKind::Start,
            k.start,
            advance,
        ),
        OrderStatus::Preparing => big_button(
            "done",
            format!("bump-{}", id.0),
            IconKind::Done,
            k.bump,
            advance,
        ),
        _ => {
            let waiting = match (&order.driver, order.fulfilment) {
                (Some(d), _) => format!("{} {}", t.driver_label, d.name),
                (None, Fulfilment::Delivery) => t.waiting_driver.to_owned(),
                (None, Fulfilment::Pickup) => t.waiting_customer.to_owned(),
            };
            html! { <span class="waiting">{ waiting }</span> }
        }
    }
}

fn lines(wall: &View<'_>, ticket: &Ticket) -> Html {
    let id = ticket.order.id;
    html! {
        <ul class="lines">
            { for ticket.order.lines.iter().enumerate().map(|(i, line)| {
                let open = {
                    let on_line = wall.on_line.clone();
                    Callback::from(move |_| on_line.emit((id, i)))
                };
                html! {
                    <li>
                        <button type="button" class="line" data-testid={format!("line-{}-{i}", id.0)} onclick={open}>
                            <span class="line-qty">{ format!("{}×", line.quantity) }</span>
                            <span class="line-name">{ &line.pizza_name }</span>
                            <span class="line-size">{ size_label(wall.recipes, line.pizza_id.0, &line.size) }</span>
                            if !line.extras.is_empty() {
                                <span class="line-extras">
                                    { format!("+ {}", line.extras.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")) }
                                </span>
                            }
                            if let Some(note) = &line.note {
                                <span class="line-note">{ format!("« {note} »") }</span>
                            }
                        </button>
                    </li>
                }
            }) }
        </ul>
    }
}

/// An order's note for the kitchen, with its icon.
pub(super) fn note(k: &KitchenTexts, note: &str) -> Html {
    html! {
        <p class="ticket-note">
            <Icon kind={IconKind::Note} /><span class="sr-only">{ k.note }</span>{ format!(" {note}") }
        </p>
    }
}

/// One ticket; `beyond`: drawn (so that the wall can measure it) but without room to show.
pub(super) fn view_ticket(wall: &View<'_>, ticket: &Ticket, beyond: bool) -> Html {
    let (t, k) = (wall.lang.texts(), wall.lang.kitchen());
    let order = &ticket.order;
    let id = order.id;
    let age_ms = ticket.age_ms(wall.now);
    let age = Age::of(age_ms);
    let (age_icon, age_label) = match age {
        Age::Fresh => (IconKind::Fresh, t.age_fresh),
        Age::Waiting => (IconKind::Waiting, t.age_waiting),
        Age::Late => (IconKind::Warning, t.age_late),
    };
    let (kind_icon, kind) = match order.fulfilment {
        Fulfilment::Delivery => (IconKind::Delivery, t.delivery),
        Fulfilment::Pickup => (IconKind::Pickup, t.pickup),
    };
    let mut class = classes(ticket, wall.now, age);
    if beyond {
        class.push_str(" ticket--beyond");
    }
    html! {
        <article {class} key={id.0} data-testid={format!("ticket-{}", id.0)}
                 data-status={order.status.as_str()}>
            <header class="ticket-head">
                <span class="ticket-no">{ format!("#{}", id.0) }</span>
                <span class="ticket-kind"><Icon kind={kind_icon} />{ kind }</span>
                <span class="ticket-age" title={age_label}>
                    <Icon kind={age_icon} />
                    { format!(" {} ", clock(age_ms)) }
                    <span class="sr-only">{ age_label }</span>
                </span>
            </header>
            <p class="ticket-who">{ &order.contact.name }</p>
            { crate::components::MoneyBadge::view(wall.lang, order) }
            <LateFlag order={order.clone()} now_ms={wall.now} short=true />
            if ticket.cancelled {
                <p class="flag flag--cancelled" role="alert">
                    <Icon kind={IconKind::Cancelled} />{ k.cancelled }
                    { order.cancel_reason.as_ref().map(|r| format!(" — {r}")).unwrap_or_default() }
                </p>
            } else if ticket.edited {
                <p class="flag flag--edited"><Icon kind={IconKind::Edited} />{ k.edited }</p>
            }
            { lines(wall, ticket) }
            if let Some(text) = &order.note {
                { note(k, text) }
            }
            <footer class="ticket-foot">{ action(wall, ticket) }</footer>
        </article>
    }
}
