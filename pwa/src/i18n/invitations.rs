//! Texts of the banner that shows an account the staff roles shops offer it.

use super::Lang;

/// Every text of the invitations banner.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct InvitationTexts {
    pub title: &'static str,
    pub offers: &'static str,
    pub invited_by: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
}

impl Lang {
    /// The invitations banner's texts in this language.
    pub fn invitations(self) -> &'static InvitationTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

const FR: InvitationTexts = InvitationTexts {
    title: "Invitations à rejoindre une équipe",
    offers: "vous propose le rôle",
    invited_by: "invitation de",
    accept: "Accepter",
    decline: "Refuser",
};

const EN: InvitationTexts = InvitationTexts {
    title: "Invitations to join a team",
    offers: "offers you the role",
    invited_by: "invited by",
    accept: "Accept",
    decline: "Decline",
};
