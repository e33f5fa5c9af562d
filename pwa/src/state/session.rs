//! Who is using the app and in which language; shared through a Yew context.

use crate::i18n::Lang;
use ocpizza_proto::StaffRole;
use ocpizza_proto::api::auth::Me;
use std::rc::Rc;
use yew::Reducible;

/// The session as the app knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The logged-in account, if any.
    pub me: Option<Me>,
    /// Interface language.
    pub lang: Lang,
    /// Whether the server was asked who is there (until then `me: None` means "not known yet").
    pub checked: bool,
}

/// Changes of the session.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionAction {
    /// Logged in (or the session cookie was recognised).
    LoggedIn(Box<Me>),
    /// Logged out, or the server said nobody is logged in.
    LoggedOut,
    /// Language switched.
    Lang(Lang),
}

impl Session {
    /// Whether the account holds `role` in any shop (admins hold every role).
    pub fn can(&self, role: StaffRole) -> bool {
        self.me
            .as_ref()
            .is_some_and(|me| me.admin || me.roles.iter().any(|r| r.role == role))
    }
}

impl Reducible for Session {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SessionAction::LoggedIn(me) => {
                next.me = Some(*me);
                next.checked = true;
            }
            SessionAction::LoggedOut => {
                next.me = None;
                next.checked = true;
            }
            SessionAction::Lang(lang) => next.lang = lang,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::auth::ShopRole;
    use ocpizza_proto::{ShopId, UserId};

    #[test]
    fn roles_decide_what_the_navigation_offers() {
        let me = Me {
            id: UserId(4),
            email: "cook@demo.ocpizza.fr".into(),
            name: "Luigi".into(),
            phone: None,
            admin: false,
            roles: vec![ShopRole {
                shop_id: ShopId(1),
                shop_name: "Oberkampf".into(),
                role: StaffRole::Cook,
            }],
        };
        let session = Rc::new(Session {
            me: None,
            lang: Lang::Fr,
            checked: false,
        });
        assert!(!session.can(StaffRole::Cook));
        let session = session.reduce(SessionAction::LoggedIn(Box::new(me)));
        assert!(session.can(StaffRole::Cook) && !session.can(StaffRole::Manager));
        assert!(session.checked);
        assert!(
            !session
                .reduce(SessionAction::LoggedOut)
                .can(StaffRole::Cook)
        );
    }
}
