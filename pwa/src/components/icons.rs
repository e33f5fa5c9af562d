//! Small inline SVG icons for the staff screens. Emoji looked different on every device (or not
//! at all on a kitchen screen without a colour emoji font); these draw the same everywhere, in
//! the colour of the text around them. An icon is always `aria-hidden`: where it carries
//! meaning, the words beside it (visible or for screen readers) say it.

use yew::{Html, Properties, component, html};

/// Which icon to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconKind {
    /// Start a ticket (a play triangle).
    Start,
    /// Done, ready, delivered (a check mark).
    Done,
    /// Take a move back (an arrow curling back).
    Undo,
    /// Changed since it appeared (a pencil).
    Edited,
    /// Cancelled (a cross).
    Cancelled,
    /// Sound not enabled yet (a speaker, crossed).
    SoundOff,
    /// Sound enabled (a speaker with waves).
    SoundOn,
    /// A written note (a sheet with lines).
    Note,
    /// On time (a full dot).
    Fresh,
    /// Waiting a while (a clock).
    Waiting,
    /// Late, low, attention (a warning triangle).
    Warning,
    /// Delivery (a scooter).
    Delivery,
    /// Pickup (a shopping bag).
    Pickup,
    /// Waiting to be sent (an hourglass).
    Hourglass,
    /// Directions (a navigation arrow).
    Navigate,
    /// Call (a telephone handset).
    Call,
    /// Switched off (a no-entry sign).
    Blocked,
    /// Pause (two bars).
    Pause,
}

/// Props of [`Icon`].
#[derive(Debug, Properties, PartialEq)]
pub struct IconProps {
    /// Which icon.
    pub kind: IconKind,
}

/// One icon, 1em square, in the current text colour, hidden from assistive technology.
#[component]
pub fn Icon(props: &IconProps) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true"
             focusable="false" fill="none" stroke="currentColor" stroke-width="2.2"
             stroke-linecap="round" stroke-linejoin="round">
            { shape(props.kind) }
        </svg>
    }
}

/// The strokes of one icon, on a 24×24 grid.
fn shape(kind: IconKind) -> Html {
    match kind {
        IconKind::Start => html! { <path d="M7 4.5v15l12.5-7.5z" fill="currentColor" /> },
        IconKind::Done => html! { <path d="M4 12.5l5 5L20 6.5" /> },
        IconKind::Undo => {
            html! { <><path d="M9 13.5L4 8.5l5-5" /><path d="M4 8.5h10.5a5.5 5.5 0 0 1 0 11H10" /></> }
        }
        IconKind::Edited => {
            html! { <><path d="M4 20h4L19.5 8.5l-4-4L4 16z" /><path d="M13.5 6.5l4 4" /></> }
        }
        IconKind::Cancelled => html! { <path d="M6 6l12 12M18 6L6 18" /> },
        IconKind::SoundOff => {
            html! { <><path d="M3.5 9h4l5-4v14l-5-4h-4z" /><path d="M16 9.5l5 5M21 9.5l-5 5" /></> }
        }
        IconKind::SoundOn => {
            html! { <><path d="M3.5 9h4l5-4v14l-5-4h-4z" /><path d="M16 9a4 4 0 0 1 0 6M18.5 6a8 8 0 0 1 0 12" /></> }
        }
        IconKind::Note => {
            html! { <><path d="M6 3h8.5L19 7.5V21H6z" /><path d="M9 12h7M9 16h5" /></> }
        }
        IconKind::Fresh => {
            html! { <circle cx="12" cy="12" r="6" fill="currentColor" stroke="none" /> }
        }
        IconKind::Waiting => {
            html! { <><circle cx="12" cy="12" r="8.5" /><path d="M12 7.5V12l3 2" /></> }
        }
        IconKind::Warning => {
            html! { <><path d="M12 3.5L2.5 20h19z" /><path d="M12 10v4.5M12 17.5v.1" /></> }
        }
        IconKind::Delivery => {
            html! { <><circle cx="6" cy="17" r="2.5" /><circle cx="18" cy="17" r="2.5" /><path d="M8.5 17h7l2.5-6.5h-3.5M14 5h2.5l1.5 5.5M3 12.5h6l1.5 4.5" /></> }
        }
        IconKind::Pickup => {
            html! { <><path d="M5 8h14l-1 12.5H6z" /><path d="M9 10V6.5a3 3 0 0 1 6 0V10" /></> }
        }
        IconKind::Hourglass => {
            html! { <path d="M6.5 3h11M6.5 21h11M8 3c0 5 8 5.5 8 9s-8 4-8 9M16 3c0 5-8 5.5-8 9s8 4 8 9" /> }
        }
        IconKind::Navigate => html! { <path d="M3.5 11L20.5 3.5 13 20.5l-2-7.5z" /> },
        IconKind::Call => {
            html! { <path d="M5 3.5h3.5l2 5-2.5 1.5a11 11 0 0 0 6 6l1.5-2.5 5 2V19a2 2 0 0 1-2 2A17.5 17.5 0 0 1 3 5.5a2 2 0 0 1 2-2z" /> }
        }
        IconKind::Blocked => {
            html! { <><circle cx="12" cy="12" r="8.5" /><path d="M7.5 12h9" /></> }
        }
        IconKind::Pause => html! { <path d="M9 5v14M15 5v14" /> },
    }
}
