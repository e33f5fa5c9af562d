//! Where the driver is, on the tracking page while the order is out for delivery: how old the
//! last position is, a map link, and on request the distance from the customer's own position
//! (asked only when they tap, never stored).

use crate::components::{Icon, IconKind, use_session};
use crate::services::device;
use crate::state::driver::distance_m;
use gloo::timers::callback::Interval;
use ocpizza_proto::api::driver::Position;
use yew::{Callback, Html, Properties, component, html, use_effect_with, use_state};

/// Props of [`Whereabouts`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The driver's last position.
    pub position: Position,
}

/// "12 s" / "3 min" for an age in milliseconds.
fn age_text(ms: f64, seconds: &str, minutes: &str) -> String {
    let secs = (ms / 1000.0).max(0.0).round() as i64;
    if secs < 90 {
        format!("{secs} {seconds}")
    } else {
        format!("{} {minutes}", secs / 60)
    }
}

/// "850 m" / "1,4 km".
fn distance_text(metres: f64) -> String {
    if metres < 1_000.0 {
        format!("{} m", (metres / 10.0).round() as i64 * 10)
    } else {
        format!("{:.1} km", metres / 1_000.0).replace('.', ",")
    }
}

/// The driver's whereabouts.
#[component]
pub fn Whereabouts(props: &Props) -> Html {
    let r = use_session().lang.road();
    let now = use_state(js_sys::Date::now);
    let distance = use_state(|| None::<Option<f64>>);
    {
        let now = now.clone();
        use_effect_with((), move |()| {
            let clock = Interval::new(1_000, move || now.set(js_sys::Date::now()));
            move || drop(clock)
        });
    }
    let p = &props.position;
    let age = *now - p.at.as_millisecond() as f64;
    let ask = {
        let (distance, lat, lon) = (distance.clone(), p.lat, p.lon);
        Callback::from(move |_| {
            let distance = distance.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mine = device::position().await;
                distance.set(Some(mine.map(|m| distance_m(m.lat, m.lon, lat, lon))));
            });
        })
    };
    let map = format!(
        "https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=16/{lat:.5}/{lon:.5}",
        lat = p.lat,
        lon = p.lon
    );
    html! {
        <section class="step whereabouts" data-testid="driver-position" aria-live="polite">
            <h2><Icon kind={IconKind::Delivery} />{ r.where_title }</h2>
            <p data-testid="driver-position-age">
                { format!("{} {}", r.seen_ago, age_text(age, r.seconds, r.minutes)) }
            </p>
            <p class="links">
                <a class="button" href={map} target="_blank" rel="noopener">{ r.on_map }</a>
                <button type="button" class="button" onclick={ask}>{ r.how_far }</button>
            </p>
            { match *distance {
                Some(Some(m)) => html! {
                    <p data-testid="driver-distance"><strong>{ distance_text(m) }</strong>{ format!(" {}", r.from_you) }</p>
                },
                Some(None) => html! { <p class="muted">{ r.no_position }</p> },
                None => html! {},
            } }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_distances_read_naturally() {
        assert_eq!(age_text(12_400.0, "s", "min"), "12 s");
        assert_eq!(
            age_text(-500.0, "s", "min"),
            "0 s",
            "a phone clock slightly ahead"
        );
        assert_eq!(age_text(200_000.0, "s", "min"), "3 min");
        assert_eq!(distance_text(847.0), "850 m");
        assert_eq!(distance_text(1_430.0), "1,4 km");
    }
}
